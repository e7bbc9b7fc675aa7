package appeal

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory/creditcode"
)

// BulkRow is one historic appeal for the bulk import (BulkImporter): an appeal that was
// handled elsewhere (another system, a spreadsheet) and is brought in finished or as it
// stands today. Only Kind, CategoryCode, Title, Body, CreatedAt and the enterprise
// (CreditCode or EnterpriseName) are required; the rest has defaults or is derived:
//
//   - Number: allocated (ZQ + Shanghai date of CreatedAt + daily sequence) when empty;
//   - Channel: hotline; Priority: normal; DistrictCode: the enterprise's;
//   - State: closed; LeadDept (organisation name or short name): the category's usual
//     department;
//   - the steps between filing and the reply (accepted, dispatched, claimed) are placed
//     a little after filing; RepliedAt a day before ClosedAt; the callback at ClosedAt.
type BulkRow struct {
	Number         string
	Kind           Kind
	Channel        Channel
	CategoryCode   string
	DistrictCode   string
	Priority       Priority
	CreditCode     string
	EnterpriseName string
	ContactName    string
	ContactPhone   string
	Title          string
	Body           string
	CreatedAt      time.Time
	State          State
	LeadDept       string
	ReplyText      string
	Outcome        Outcome
	RepliedAt      time.Time
	Satisfaction   Satisfaction
	Solved         *bool
	ClosedAt       time.Time
}

// BulkStates are the states a bulk row may stand in. Returns, extensions and merges are
// not imported (their history would need rows the source does not have).
var BulkStates = []State{StateSubmitted, StateAccepted, StateDispatched, StateInProgress, StateReplied, StateClosed, StateRejected}

// BulkError is one problem of a row: Field names the BulkRow field (the file reader maps
// it to its column), Key and Args the message in the catalog.
type BulkError struct {
	Row   int
	Field string
	Key   string
	Args  map[string]any
}

// bulkAppeal is a checked row with everything resolved and derived.
type bulkAppeal struct {
	ap      Appeal
	claimAt time.Time // the lead's claim (0 while dispatched)
	claimOK bool
}

type bulkCat struct {
	id   int64
	dept int64
}

type bulkEnt struct {
	id       int64
	name     string
	code     string
	district string
}

type limitKey struct {
	kind Kind
	cat  int64
	prio Priority
}

// BulkImporter checks and writes bulk rows. It holds the directory and the catalogue
// in memory (read once by NewBulkImporter), so checking a row asks the database nothing
// but whether a given number is taken.
type BulkImporter struct {
	s         *Service
	now       time.Time
	cats      map[string]bulkCat
	entByCode map[string]bulkEnt
	entByName map[string]bulkEnt
	depts     map[string]int64
	deptName  map[int64]string
	districts map[string]bool
	limits    map[limitKey]ResolvedLimits
	numbers   map[string]bool
	rng       *rand.Rand
	// prep holds a load's statements prepared (bulkWrite; empty otherwise).
	prep *db.Prepared

	// Written counts the appeals written so far.
	Written int
}

// NewBulkImporter reads the catalogue, the enterprises, the handling departments and
// the districts. now bounds the rows' times and is "today" for open appeals' clocks.
func (s *Service) NewBulkImporter(ctx context.Context, now time.Time) (*BulkImporter, error) {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return nil, err
	}
	b := &BulkImporter{s: s, now: ms(now), cats: map[string]bulkCat{}, entByCode: map[string]bulkEnt{}, entByName: map[string]bulkEnt{},
		depts: map[string]int64{}, deptName: map[int64]string{}, districts: map[string]bool{}, limits: map[limitKey]ResolvedLimits{},
		numbers: map[string]bool{}, rng: rand.New(rand.NewChaCha8(seed)), prep: s.db.Prepare()}
	q := s.db.RQ(ctx)
	// Categories with their usual department (their own, else the nearest ancestor's).
	cats, err := s.Categories(ctx, auth.System(), false)
	if err != nil {
		return nil, err
	}
	byID := map[int64]Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	for _, c := range cats {
		dept := c.DefaultDeptID
		for p := c; dept == 0 && p.ParentID != 0; {
			p = byID[p.ParentID]
			dept = p.DefaultDeptID
		}
		if c.Active {
			b.cats[c.Code] = bulkCat{id: c.ID, dept: dept}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, o.district_code, COALESCE(e.credit_code, '') FROM orgs o
		LEFT JOIN enterprises e ON e.org_id = o.id WHERE o.kind = $1`, auth.OrgEnterprise)
	if err != nil {
		return nil, fmt.Errorf("appeal: bulk: enterprises: %w", err)
	}
	for rows.Next() {
		var e bulkEnt
		if err := rows.Scan(&e.id, &e.name, &e.district, &e.code); err != nil {
			rows.Close()
			return nil, err
		}
		if e.code != "" {
			b.entByCode[e.code] = e
		}
		b.entByName[e.name] = e
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, name, short_name FROM orgs WHERE kind IN ($1, $2, $3, $4)`,
		auth.OrgGovernment, auth.OrgCourt, auth.OrgProcuratorate, auth.OrgPolice)
	if err != nil {
		return nil, fmt.Errorf("appeal: bulk: departments: %w", err)
	}
	for rows.Next() {
		var id int64
		var name, short string
		if err := rows.Scan(&id, &name, &short); err != nil {
			rows.Close()
			return nil, err
		}
		b.deptName[id] = name
		b.depts[name] = id
		if short != "" {
			if _, taken := b.depts[short]; !taken {
				b.depts[short] = id
			}
		}
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range st.Districts {
		b.districts[d.Code] = true
	}
	return b, nil
}

// numberPattern: ZQ + yyyymmdd + 6 digits.
func validNumber(n string) bool {
	if len(n) != 16 || !strings.HasPrefix(n, "ZQ") {
		return false
	}
	for _, c := range n[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := time.Parse("20060102", n[2:10])
	return err == nil
}

func (b *BulkImporter) limitsFor(ctx context.Context, k Kind, cat int64, p Priority) (ResolvedLimits, error) {
	key := limitKey{k, cat, p}
	if l, ok := b.limits[key]; ok {
		return l, nil
	}
	l, err := b.s.Limits(ctx, k, cat, p)
	if err != nil {
		return l, err
	}
	b.limits[key] = l
	return l, nil
}

// Check validates one row and resolves it. It remembers the numbers it accepted, so a
// number given twice in one import is an error on its second row.
func (b *BulkImporter) Check(ctx context.Context, r BulkRow) (bulkAppeal, []BulkError, error) {
	var errs []BulkError
	add := func(field, key string, kv ...any) {
		var args map[string]any
		if len(kv) > 0 {
			args = map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				args[kv[i].(string)] = kv[i+1]
			}
		}
		errs = append(errs, BulkError{Field: field, Key: key, Args: args})
	}
	var ba bulkAppeal
	ap := &ba.ap
	r.Number = strings.ToUpper(strings.TrimSpace(r.Number))
	if r.Number != "" {
		switch {
		case !validNumber(r.Number):
			add("number", "bulk.error.number_format")
		case b.numbers[r.Number]:
			add("number", "bulk.error.number_dup")
		default:
			var one int
			err := b.s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM appeals WHERE number = $1`, r.Number).Scan(&one)
			if err == nil {
				add("number", "bulk.error.number_taken")
			} else if !db.IsNoRows(err) {
				return ba, nil, err
			}
		}
	}
	if r.Channel == "" {
		r.Channel = ChannelHotline
	}
	if !slices.Contains(Channels, r.Channel) {
		add("channel", "error.choice")
	}
	if !slices.Contains(Kinds, r.Kind) {
		add("kind", "error.choice")
	}
	if r.Priority == "" {
		r.Priority = PriorityNormal
	}
	if r.Priority != PriorityNormal && r.Priority != PriorityUrgent {
		add("priority", "error.choice")
	}
	cat, ok := b.cats[strings.TrimSpace(r.CategoryCode)]
	if !ok {
		if strings.TrimSpace(r.CategoryCode) == "" {
			add("category", "error.required")
		} else {
			add("category", "appeal.error.category_unknown")
		}
	}
	r.Title, r.Body = strings.TrimSpace(r.Title), strings.TrimSpace(r.Body)
	for _, f := range []struct {
		field, v string
		max      int
		required bool
	}{{"title", r.Title, MaxTitle, true}, {"body", r.Body, MaxBody, true}, {"contact_name", r.ContactName, MaxContact, false},
		{"reply_text", r.ReplyText, MaxBody, false}, {"enterprise_name", r.EnterpriseName, 100, false}} {
		switch n := utf8.RuneCountInString(f.v); {
		case n == 0 && f.required:
			add(f.field, "error.required")
		case n > f.max:
			add(f.field, "error.too_long", "Max", f.max)
		}
	}
	// The enterprise: by credit code, else by exact name; unknown ones are kept as a
	// snapshot (name and code), as the hotline does.
	var ent bulkEnt
	if r.CreditCode != "" {
		r.CreditCode = creditcode.Normalize(r.CreditCode)
		if creditcode.Validate(r.CreditCode) != nil {
			add("credit_code", "appeal.error.credit_code")
		} else {
			ent = b.entByCode[r.CreditCode]
		}
	}
	if ent.id == 0 && r.EnterpriseName != "" {
		ent = b.entByName[strings.TrimSpace(r.EnterpriseName)]
	}
	if ent.id == 0 {
		if strings.TrimSpace(r.EnterpriseName) == "" {
			add("enterprise_name", "error.required")
		}
		ent.name, ent.code = strings.TrimSpace(r.EnterpriseName), r.CreditCode
	}
	if ent.code == "" {
		ent.code = r.CreditCode
	}
	r.ContactPhone = cleanPhone(r.ContactPhone)
	if r.ContactPhone != "" && !phoneRE.MatchString(r.ContactPhone) {
		add("contact_phone", "error.phone_format")
	}
	district := strings.TrimSpace(r.DistrictCode)
	if district == "" {
		district = ent.district
	}
	switch {
	case district == "":
		add("district", "error.required")
	case !b.districts[district]:
		add("district", "appeal.error.district")
	}
	if r.State == "" {
		r.State = StateClosed
	}
	if !slices.Contains(BulkStates, r.State) {
		add("state", "error.choice")
	}
	// Times: filed in the past, finished after filing.
	created := ms(r.CreatedAt)
	switch {
	case created.IsZero():
		add("created_at", "error.required")
	case created.After(b.now):
		add("created_at", "bulk.error.future")
	}
	closed, replied := ms(r.ClosedAt), ms(r.RepliedAt)
	final := r.State == StateClosed || r.State == StateRejected
	switch {
	case final && closed.IsZero():
		add("closed_at", "error.required")
	case !final && !closed.IsZero():
		add("closed_at", "bulk.error.closed_open")
	case !closed.IsZero() && (closed.Before(created) || closed.After(b.now)):
		add("closed_at", "bulk.error.time_order")
	}
	if !replied.IsZero() && (replied.Before(created) || replied.After(b.now) || (!closed.IsZero() && replied.After(closed))) {
		add("replied_at", "bulk.error.time_order")
	}
	// What a reply needs: a department, an outcome, a text; a callback a verdict.
	answered := r.State == StateReplied || r.State == StateClosed
	dispatched := answered || r.State == StateDispatched || r.State == StateInProgress
	lead := int64(0)
	if dispatched {
		if d := strings.TrimSpace(r.LeadDept); d != "" {
			if lead = b.depts[d]; lead == 0 {
				add("lead_dept", "appeal.error.department")
			}
		} else if lead = cat.dept; lead == 0 && ok {
			add("lead_dept", "error.required")
		}
	}
	if answered {
		if r.Outcome == "" {
			add("outcome", "error.required")
		} else if !outcomeAllowed(r.Kind, r.Outcome) {
			add("outcome", "error.choice")
		}
		if strings.TrimSpace(r.ReplyText) == "" {
			add("reply_text", "error.required")
		}
	} else if r.Outcome != "" || r.Satisfaction != "" {
		add("outcome", "bulk.error.not_answered")
	}
	if r.Satisfaction != "" && !slices.Contains(Satisfactions, r.Satisfaction) {
		add("satisfaction", "error.choice")
	}
	if r.State == StateClosed && r.Satisfaction == "" && r.Solved != nil {
		add("solved", "bulk.error.solved_alone")
	}
	if len(errs) > 0 {
		return ba, errs, nil
	}
	if r.Number != "" {
		b.numbers[r.Number] = true
	}

	// The resolved appeal.
	*ap = Appeal{Number: r.Number, Kind: r.Kind, Channel: r.Channel, CategoryID: cat.id, DistrictCode: district, Priority: r.Priority,
		Title: r.Title, Body: r.Body, EnterpriseOrgID: ent.id, EnterpriseName: ent.name, CreditCode: ent.code,
		ContactName: strings.TrimSpace(r.ContactName), ContactPhone: r.ContactPhone, State: r.State, CreatedAt: created}
	if ap.EnterpriseName == "" {
		ap.EnterpriseName = strings.TrimSpace(r.EnterpriseName)
	}
	// The end of the known history: the reply (given, or a day before closing), or now.
	end := b.now
	if !closed.IsZero() {
		end = closed
	}
	if answered {
		switch {
		case !replied.IsZero():
			end = replied
		case !closed.IsZero():
			end = closed.Add(-min(24*time.Hour, closed.Sub(created)/4))
		default:
			end = created.Add(b.now.Sub(created) * 3 / 4)
		}
	}
	span := end.Sub(created)
	step := func(max time.Duration, frac float64) time.Time {
		return ms(created.Add(min(max, time.Duration(float64(span)*frac))))
	}
	if r.State == StateRejected {
		ap.ClosedAt, ap.ReplyText = closed, r.ReplyText
		ap.UpdatedAt = closed
		return ba, nil, nil
	}
	ap.UpdatedAt = created
	if r.State != StateSubmitted {
		ap.AcceptedAt = step(30*time.Minute, 0.05)
		ap.UpdatedAt = ap.AcceptedAt
	}
	if dispatched {
		lim, err := b.limitsFor(ctx, r.Kind, cat.id, r.Priority)
		if err != nil {
			return ba, nil, err
		}
		cal := b.s.cal
		ap.Round, ap.LeadOrgID, ap.LeadOrgName = 1, lead, b.deptName[lead]
		ap.DispatchedAt = step(90*time.Minute, 0.1)
		ap.Claim = calendarSLA(ap.DispatchedAt, lim.Claim.Due(cal, ap.DispatchedAt))
		ap.Handle = calendarSLA(ap.DispatchedAt, lim.Handle.Due(cal, ap.DispatchedAt))
		ap.UpdatedAt = ap.DispatchedAt
		if r.State != StateDispatched {
			ba.claimAt = step(4*time.Hour, 0.2)
			ba.claimOK = !ba.claimAt.After(ap.Claim.Due)
			ap.UpdatedAt = ba.claimAt
		}
		if answered {
			ap.RepliedAt, ap.Outcome, ap.ReplyText = ms(end), r.Outcome, strings.TrimSpace(r.ReplyText)
			onTime := !ap.RepliedAt.After(ap.Handle.Due)
			ap.HandledOnTime = &onTime
			ap.HandleWorking = max(cal.WorkingDuration(ap.DispatchedAt, ap.RepliedAt), 0).Truncate(time.Millisecond)
			ap.Callback = calendarSLA(ap.RepliedAt, lim.Callback.Due(cal, ap.RepliedAt))
			ap.UpdatedAt = ap.RepliedAt
		}
	}
	if r.State == StateClosed {
		ap.ClosedAt, ap.UpdatedAt = closed, closed
		if r.Satisfaction != "" {
			ap.Satisfaction, ap.CallbackAt = r.Satisfaction, closed
			solved := r.Satisfaction != Unsatisfied && r.Outcome != OutcomeUnsolvedExplained
			if r.Solved != nil {
				solved = *r.Solved
			}
			ap.Solved = &solved
		}
	}
	// As if swept now: an appeal that is already late in the source is listed as 已超期
	// but not announced again (an import of five years would send thousands of
	// alerts); a running clock alerts when it next changes colour.
	b.s.refreshSLA(ap, b.now, true)
	return ba, nil, nil
}

func (b *BulkImporter) queryCode() string {
	var c [QueryCodeLength]byte
	for i := range c {
		c[i] = queryAlphabet[b.rng.IntN(len(queryAlphabet))]
	}
	return string(c[:])
}

// bulkAppealCols are the columns the bulk writer fills; the others keep their defaults.
var bulkAppealCols = []string{"id", "number", "query_code", "kind", "channel", "category_id", "district_code", "priority", "title", "body",
	"enterprise_org_id", "enterprise_name", "credit_code", "contact_name", "contact_phone", "state", "round", "lead_org_id",
	"outcome", "reply_text", "satisfaction", "solved", "claim_due", "handle_start", "handle_due", "callback_due", "sla_level",
	"sla_clock", "sla_due", "next_alert_at", "handled_on_time", "handle_working_ms", "created_at", "updated_at", "accepted_at",
	"dispatched_at", "replied_at", "callback_at", "closed_at"}

var bulkPartCols = []string{"appeal_id", "org_id", "role", "round", "state", "done", "dispatched_at", "claim_due", "claimed_at",
	"claimed_on_time", "handle_due", "answered_at", "answered_on_time", "answer", "outcome", "handle_working_ms", "sla_due"}

var bulkCallbackCols = []string{"appeal_id", "round", "lead_org_id", "satisfaction", "solved", "via", "at", "on_time"}

// The timeline of a batch, written from the rows just inserted: one statement per step,
// in the order of the loop, so each appeal's events come in time order by id too.
var bulkEventSQL = []string{
	`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state, data, public)
	SELECT id, created_at, 'create', '', 'submitted', '{"number":"' || number || '","channel":"' || channel || '","kind":"' || kind || '","import":true}', TRUE
	FROM appeals WHERE id BETWEEN $1 AND $2`,
	`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state, note, public)
	SELECT id, closed_at, 'reject', 'submitted', 'rejected', reply_text, TRUE FROM appeals WHERE id BETWEEN $1 AND $2 AND state = 'rejected'`,
	`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state, public)
	SELECT id, accepted_at, 'accept', 'submitted', 'accepted', TRUE FROM appeals WHERE id BETWEEN $1 AND $2 AND accepted_at > 0`,
	`INSERT INTO appeal_events (appeal_id, at, actor_org_id, actor_org_name, action, from_state, to_state, data, public)
	SELECT a.id, a.dispatched_at, NULL, '', 'dispatch', 'accepted', 'dispatched', '{"round":1,"lead":"' || REPLACE(o.name, '"', '') || '"}', TRUE
	FROM appeals a JOIN orgs o ON o.id = a.lead_org_id WHERE a.id BETWEEN $1 AND $2 AND a.dispatched_at > 0`,
	`INSERT INTO appeal_events (appeal_id, at, actor_org_id, actor_org_name, action, from_state, to_state, data, public)
	SELECT x.appeal_id, x.claimed_at, x.org_id, o.name, 'claim', 'dispatched', 'in_progress', '{"dept":"' || REPLACE(o.name, '"', '') || '"}', TRUE
	FROM appeal_assignments x JOIN orgs o ON o.id = x.org_id WHERE x.appeal_id BETWEEN $1 AND $2 AND x.role = 'lead' AND x.claimed_at > 0`,
	`INSERT INTO appeal_events (appeal_id, at, actor_org_id, actor_org_name, action, from_state, to_state, data, public)
	SELECT a.id, a.replied_at, a.lead_org_id, o.name, 'reply', 'in_progress', 'replied', '{"outcome":"' || a.outcome || '"}', TRUE
	FROM appeals a JOIN orgs o ON o.id = a.lead_org_id WHERE a.id BETWEEN $1 AND $2 AND a.replied_at > 0`,
	`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state, data, public)
	SELECT id, callback_at, CASE WHEN satisfaction = 'unsatisfied' THEN 'callback_unsatisfied' ELSE 'callback_satisfied' END, 'replied',
		CASE WHEN satisfaction = 'unsatisfied' THEN 'replied' ELSE 'closed' END, '{"satisfaction":"' || satisfaction || '","via":"phone"}', TRUE
	FROM appeals WHERE id BETWEEN $1 AND $2 AND callback_at > 0`,
	`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state, public)
	SELECT id, closed_at, 'close', 'replied', 'closed', TRUE FROM appeals
	WHERE id BETWEEN $1 AND $2 AND state = 'closed' AND (callback_at = 0 OR satisfaction = 'unsatisfied')`,
}

// maxParams bounds the parameters of one statement (SQLite's default limit is 32,766;
// PostgreSQL's 65,535).
const maxParams = 30_000

// chunkRows is how many rows of len(cols) values one multi-row INSERT takes.
func chunkRows(cols []string) int { return maxParams / len(cols) }

// insertSQL is the multi-row INSERT of n rows into table (SQLite: anonymous ? parameters;
// it looks each $N name up in a list, which is quadratic in the parameters of a
// statement).
func insertSQL(table string, cols []string, n int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j := range cols {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('?')
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// bulkStatements are the statements every batch of a SQLite load runs: the full chunks'
// INSERTs and the timeline's steps, prepared once for the load (bulkWrite) rather
// than parsed again in every batch — a full chunk's 30,000 parameters cost SQLite's parser
// about as much as a thousand rows' inserting.
func bulkStatements() []string {
	return append([]string{insertSQL("appeals", bulkAppealCols, chunkRows(bulkAppealCols)),
		insertSQL("appeal_assignments", bulkPartCols, chunkRows(bulkPartCols)),
		insertSQL("appeal_callbacks", bulkCallbackCols, chunkRows(bulkCallbackCols))}, bulkEventSQL...)
}

// insertRows writes rows of len(cols) values each with multi-row INSERTs, the full chunks
// through prep (the statement runs unprepared where prep lacks it).
func insertRows(ctx context.Context, eng db.Engine, q db.Querier, prep *db.Prepared, table string, cols []string, vals []any) error {
	if eng == db.Postgres {
		return insertArrays(ctx, q, table, cols, vals)
	}
	per, rowsPer := len(cols), chunkRows(cols)
	total := len(vals) / per
	full := insertSQL(table, cols, rowsPer)
	for start := 0; start < total; start += rowsPer {
		n := min(rowsPer, total-start)
		args := vals[start*per : (start+n)*per]
		var err error
		if n == rowsPer {
			_, err = prep.Exec(ctx, full, args...)
		} else {
			_, err = q.ExecContext(ctx, insertSQL(table, cols, n), args...)
		}
		if err != nil {
			return fmt.Errorf("appeal: bulk insert into %s: %w", table, err)
		}
	}
	return nil
}

func millisOr0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// reserveIDs takes n appeal ids no one else will use: on SQLite (one writer) the ones
// after the highest; on PostgreSQL n values of the identity sequence.
func (b *BulkImporter) reserveIDs(ctx context.Context, n int) ([]int64, error) {
	q := b.s.db.Q(ctx)
	ids := make([]int64, 0, n)
	if b.s.db.Engine != db.Postgres {
		var maxID int64
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM appeals`).Scan(&maxID); err != nil {
			return nil, err
		}
		for i := range n {
			ids = append(ids, maxID+1+int64(i))
		}
		return ids, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('appeals', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("appeal: bulk: reserve ids: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// allocNumbers gives the rows without a number the next numbers of their filing day:
// one counter update per day in the batch, in the transaction in ctx.
func (b *BulkImporter) allocNumbers(ctx context.Context, batch []bulkAppeal) error {
	need := map[string]int64{}
	var days []string
	for i := range batch {
		if batch[i].ap.Number == "" {
			d := batch[i].ap.CreatedAt.In(calendarLoc()).Format("20060102")
			if need[d] == 0 {
				days = append(days, d)
			}
			need[d]++
		}
	}
	slices.Sort(days)
	next := map[string]int64{}
	for _, d := range days {
		var last int64
		err := b.s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = counters.value + $2 RETURNING value`, "appeal:"+d, need[d]).Scan(&last)
		if err != nil {
			return fmt.Errorf("appeal: bulk: numbers: %w", err)
		}
		next[d] = last - need[d] + 1
	}
	for i := range batch {
		if batch[i].ap.Number == "" {
			d := batch[i].ap.CreatedAt.In(calendarLoc()).Format("20060102")
			batch[i].ap.Number = fmt.Sprintf("ZQ%s%06d", d, next[d])
			next[d]++
		}
	}
	return nil
}

// bumpCounters raises each day's counter to the highest given number of that day, so
// that numbers allocated later never meet an imported one.
func (b *BulkImporter) bumpCounters(ctx context.Context, batch []bulkAppeal, given []bool) error {
	high := map[string]int64{}
	for i := range batch {
		if given[i] {
			n := batch[i].ap.Number
			seq, _ := strconv.ParseInt(n[10:], 10, 64)
			high[n[2:10]] = max(high[n[2:10]], seq)
		}
	}
	greatest := "MAX"
	if b.s.db.Engine == db.Postgres {
		greatest = "GREATEST"
	}
	for d, seq := range high {
		if _, err := b.s.db.Q(ctx).ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = `+greatest+`(counters.value, $2)`, "appeal:"+d, seq); err != nil {
			return fmt.Errorf("appeal: bulk: counters: %w", err)
		}
	}
	return nil
}

// bulkBatch is a batch of checked rows with their column values, made before its
// transaction (on the checking goroutine); the ids and the numbers the transaction
// allocates are filled in there.
type bulkBatch struct {
	rows                []bulkAppeal
	avals, pvals, cvals []any
	// partOf and callbackOf give the row of each part and callback.
	partOf, callbackOf []int
}

// encode makes the column values of checked rows; the id (and a number to allocate) are
// left for Write.
func (b *BulkImporter) encode(rows []bulkAppeal) *bulkBatch {
	bb := &bulkBatch{rows: rows, avals: make([]any, 0, len(rows)*len(bulkAppealCols)), pvals: make([]any, 0, len(rows)*len(bulkPartCols)),
		cvals: make([]any, 0, len(rows)*len(bulkCallbackCols)/2)}
	for i := range rows {
		ba := &rows[i]
		ap := &ba.ap
		var sat any = string(ap.Satisfaction)
		bb.avals = append(bb.avals, nil, ap.Number, b.queryCode(), string(ap.Kind), string(ap.Channel), ap.CategoryID, ap.DistrictCode,
			string(ap.Priority), ap.Title, ap.Body, nullID(ap.EnterpriseOrgID), ap.EnterpriseName, ap.CreditCode, ap.ContactName,
			ap.ContactPhone, string(ap.State), ap.Round, nullID(ap.LeadOrgID), string(ap.Outcome), ap.ReplyText, sat,
			nullBool(ap.Solved), millisOr0(ap.Claim.Due), millisOr0(ap.Handle.Start), millisOr0(ap.Handle.Due),
			millisOr0(ap.Callback.Due), string(ap.SLALevel), string(ap.SLAClock), millisOr0(ap.SLADue), nullMillis(ap.NextAlertAt),
			nullBool(ap.HandledOnTime), ap.HandleWorking.Milliseconds(), millisOr0(ap.CreatedAt), millisOr0(ap.UpdatedAt),
			millisOr0(ap.AcceptedAt), millisOr0(ap.DispatchedAt), millisOr0(ap.RepliedAt), millisOr0(ap.CallbackAt), millisOr0(ap.ClosedAt))
		if ap.LeadOrgID != 0 {
			state, done := PartDispatched, false
			var claimOK, answeredOK any
			if !ba.claimAt.IsZero() {
				state, claimOK = PartClaimed, ba.claimOK
			}
			answer, outcome, due := "", "", millisOr0(ap.SLADue) // an open part carries the appeal's deadline
			if !ap.RepliedAt.IsZero() {
				state, done, answeredOK, answer, outcome, due = PartAnswered, true, nullBool(ap.HandledOnTime), ap.ReplyText, string(ap.Outcome), 0
			}
			bb.partOf = append(bb.partOf, i)
			bb.pvals = append(bb.pvals, nil, ap.LeadOrgID, string(RoleLead), 1, string(state), done, millisOr0(ap.DispatchedAt),
				millisOr0(ap.Claim.Due), millisOr0(ba.claimAt), claimOK, millisOr0(ap.Handle.Due), millisOr0(ap.RepliedAt),
				answeredOK, answer, outcome, ap.HandleWorking.Milliseconds(), due)
		}
		if !ap.CallbackAt.IsZero() {
			onTime := !ap.CallbackAt.After(ap.Callback.Due)
			bb.callbackOf = append(bb.callbackOf, i)
			bb.cvals = append(bb.cvals, nil, 1, nullID(ap.LeadOrgID), string(ap.Satisfaction), *ap.Solved, "phone", millisOr0(ap.CallbackAt), onTime)
		}
	}
	return bb
}

// Write writes an encoded batch in one transaction: the appeals, their lead parts, their
// callbacks and their timelines. It returns the ids written (ascending, in row order).
func (b *BulkImporter) Write(ctx context.Context, bb *bulkBatch) (first, last int64, err error) {
	batch := bb.rows
	if len(batch) == 0 {
		return 0, 0, nil
	}
	err = b.s.db.WithTx(ctx, func(ctx context.Context) error {
		given := make([]bool, len(batch))
		for i := range batch {
			given[i] = batch[i].ap.Number != ""
		}
		if err := b.allocNumbers(ctx, batch); err != nil {
			return err
		}
		if err := b.bumpCounters(ctx, batch, given); err != nil {
			return err
		}
		if b.s.db.Engine == db.Postgres {
			// No other writer may insert an appeal while the batch's ids are in use: the
			// timeline statements select the batch by its id range.
			if _, err := b.s.db.Q(ctx).ExecContext(ctx, `LOCK TABLE appeals IN EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("appeal: bulk: lock: %w", err)
			}
		}
		ids, err := b.reserveIDs(ctx, len(batch))
		if err != nil {
			return err
		}
		for i := range batch {
			batch[i].ap.ID = ids[i]
			bb.avals[i*len(bulkAppealCols)] = ids[i]
			if !given[i] {
				bb.avals[i*len(bulkAppealCols)+1] = batch[i].ap.Number
			}
		}
		for j, i := range bb.partOf {
			bb.pvals[j*len(bulkPartCols)] = ids[i]
		}
		for j, i := range bb.callbackOf {
			bb.cvals[j*len(bulkCallbackCols)] = ids[i]
		}
		q := b.s.db.Q(ctx)
		if err := insertRows(ctx, b.s.db.Engine, q, b.prep, "appeals", bulkAppealCols, bb.avals); err != nil {
			return err
		}
		if err := insertRows(ctx, b.s.db.Engine, q, b.prep, "appeal_assignments", bulkPartCols, bb.pvals); err != nil {
			return err
		}
		if err := insertRows(ctx, b.s.db.Engine, q, b.prep, "appeal_callbacks", bulkCallbackCols, bb.cvals); err != nil {
			return err
		}
		for _, st := range bulkEventSQL {
			if _, err := b.prep.Exec(ctx, st, ids[0], ids[len(ids)-1]); err != nil {
				return fmt.Errorf("appeal: bulk timeline: %w", err)
			}
		}
		first, last = ids[0], ids[len(ids)-1]
		return nil
	})
	if err == nil {
		b.Written += len(batch)
	}
	return first, last, err
}

// Finish ends a bulk load: on PostgreSQL the identity sequence already covers the ids
// written; statistics for the planner are refreshed. PostgreSQL's tables are also
// vacuumed, which marks the new pages all-visible: until then every index-only scan of a
// queue visited the table for each row (at ten million appeals the operator and department
// queues took 2.1–43.9 ms one at a time before, 1.7–12.4 ms after; the vacuum took 61 s).
// After a small import it only reads the pages the import wrote. On SQLite the search
// index's tables are then told to be large, whatever ANALYZE found (db.FixFTSStats).
func (b *BulkImporter) Finish(ctx context.Context) error {
	if b.s.db.Engine == db.Postgres {
		_, err := b.s.db.W.ExecContext(ctx, `VACUUM (ANALYZE) appeals, appeal_assignments, appeal_callbacks, appeal_events`)
		return err
	}
	if _, err := b.s.db.W.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	return b.s.db.FixFTSStats(ctx)
}

func calendarSLA(start, due time.Time) calendar.SLA { return calendar.SLA{Start: start, Due: due} }

func calendarLoc() *time.Location { return calendar.Location() }
