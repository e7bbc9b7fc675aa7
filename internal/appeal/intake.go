package appeal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory/creditcode"
)

// Field limits of an appeal.
const (
	MaxTitle    = 100
	MaxBody     = 5000
	MaxLocation = 200
	MaxContact  = 50
	MaxNote     = 1000
)

// NewAppeal is what filing an appeal takes. Who files decides what may be left out:
//
//   - an operator (hotline, leader visit, roundtable, API, Open311) names the enterprise
//     by EnterpriseOrgID, or types its name (and credit code, if the caller knows it) as a
//     snapshot when it is not in the directory; contact name and phone are required;
//   - an enterprise user (portal, API, Open311) files for their own enterprise; the
//     contact defaults to the user's name and phone;
//   - a chamber (chamber, API, Open311) files on behalf of a member enterprise, named like
//     an operator does; the appeal remembers the chamber;
//   - a leader (leader visit) files a problem raised on a visit; it is supervised by them.
//
// The district defaults to the enterprise's; the channel to the filer's usual one.
type NewAppeal struct {
	Kind         Kind
	Channel      Channel
	CategoryID   int64
	CategoryCode string // instead of CategoryID (Open311 service_code)
	Title        string
	Body         string
	Location     string
	DistrictCode string
	Priority     Priority
	Confidential bool

	EnterpriseOrgID int64
	EnterpriseName  string
	CreditCode      string
	ContactName     string
	ContactPhone    string

	// SupervisingLeaderID marks the appeal supervised (督办, level 1) by that leader from
	// the start: a problem raised during the leader's visit (operators and leaders).
	SupervisingLeaderID int64
}

// channelsByRole are the channels each kind of filer may use.
var channelsByRole = map[auth.Role][]Channel{
	auth.RoleOperator:   {ChannelHotline, ChannelLeaderVisit, ChannelRoundtable, ChannelAPI, ChannelOpen311, ChannelProactive},
	auth.RoleEnterprise: {ChannelPortal, ChannelAPI, ChannelOpen311},
	auth.RoleChamber:    {ChannelChamber, ChannelAPI, ChannelOpen311},
	auth.RoleLeader:     {ChannelLeaderVisit},
}

// filerRole is the role in which the actor files: the first it holds of these.
func filerRole(a auth.Actor) (auth.Role, bool) {
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleEnterprise, auth.RoleChamber, auth.RoleLeader} {
		if a.Has(r) {
			return r, true
		}
	}
	return "", false
}

var phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

// queryAlphabet has no 0/O, 1/I/L: a code read out on the phone cannot be misheard.
const queryAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// QueryCodeLength is the length of the public query code.
const QueryCodeLength = 6

func newQueryCode() (string, error) {
	b := make([]byte, QueryCodeLength)
	max := big.NewInt(int64(len(queryAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("appeal: query code: %w", err)
		}
		b[i] = queryAlphabet[n.Int64()]
	}
	return string(b), nil
}

const numberSQL = `INSERT INTO counters (name, value) VALUES ($1, 1)
	ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`

// allocNumber takes the next number of the Shanghai day of now, in the transaction in ctx
// if there is one. The counter's atomic increment keeps numbers unique across processes.
func (s *Service) allocNumber(ctx context.Context, now time.Time) (string, error) {
	day := now.In(calendar.Location()).Format("20060102")
	var n int64
	err := s.wrow(ctx, numberSQL, "appeal:"+day).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("appeal: number: %w", err)
	}
	return fmt.Sprintf("ZQ%s%06d", day, n), nil
}

func cleanPhone(p string) string {
	return strings.NewReplacer(" ", "", "\u00a0", "", "－", "-").Replace(strings.TrimSpace(p))
}

// intake is a validated NewAppeal with everything resolved.
type intake struct {
	NewAppeal
	filedByUser, filedByOrg, chamberOrg int64
	category                            Category
}

// stored is the appeal Create has just inserted from it, as reading it back gives it:
// every column not inserted holds its default (zero; version 1). Building it saves the
// intake a read inside its transaction — on SQLite the single writer's turn
// (TestCreateAnswersWhatIsStored compares the two). now is the service's clock, which
// keeps milliseconds, as the columns do.
func (it intake) stored(id int64, number, code string, sup int, now time.Time) Appeal {
	return Appeal{ID: id, Number: number, QueryCode: code, Kind: it.Kind, Channel: it.Channel, CategoryID: it.CategoryID,
		CategoryCode: it.category.Code, CategoryName: it.category.Name, DistrictCode: it.DistrictCode, Priority: it.Priority,
		Confidential: it.Confidential, Title: it.Title, Body: it.Body, Location: it.Location, EnterpriseOrgID: it.EnterpriseOrgID,
		EnterpriseName: it.EnterpriseName, CreditCode: it.CreditCode, ContactName: it.ContactName, ContactPhone: it.ContactPhone,
		FiledByUserID: it.filedByUser, FiledByOrgID: it.filedByOrg, ChamberOrgID: it.chamberOrg, State: StateSubmitted,
		SupervisionLevel: sup, CreatedAt: now, UpdatedAt: now, Version: 1}
}

func (s *Service) validateNew(ctx context.Context, a auth.Actor, role auth.Role, in NewAppeal) (intake, error) {
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(in.Body)
	in.Location = strings.TrimSpace(in.Location)
	in.EnterpriseName = strings.TrimSpace(in.EnterpriseName)
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = cleanPhone(in.ContactPhone)
	in.DistrictCode = strings.TrimSpace(in.DistrictCode)
	out := intake{filedByUser: a.UserID, filedByOrg: a.OrgID}

	if in.Channel == "" {
		in.Channel = channelsByRole[role][0]
	}
	if !slices.Contains(channelsByRole[role], in.Channel) {
		v.Add("channel", "appeal.error.channel")
	}
	if !slices.Contains(Kinds, in.Kind) {
		v.Add("kind", "error.choice")
	}
	if in.Priority == "" {
		in.Priority = PriorityNormal
	}
	if in.Priority != PriorityNormal && in.Priority != PriorityUrgent {
		v.Add("priority", "error.choice")
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		v.Add("title", "error.required")
	case n > MaxTitle:
		v.Add("title", "error.too_long", "Max", MaxTitle)
	}
	switch n := utf8.RuneCountInString(in.Body); {
	case n == 0:
		v.Add("body", "error.required")
	case n > MaxBody:
		v.Add("body", "error.too_long", "Max", MaxBody)
	}
	if utf8.RuneCountInString(in.Location) > MaxLocation {
		v.Add("location", "error.too_long", "Max", MaxLocation)
	}

	// Category: by id or by code; it must exist and be in use.
	cat, err := s.categoryFor(ctx, in.CategoryID, in.CategoryCode)
	switch {
	case err != nil:
		v.Add("category_id", "appeal.error.category_unknown")
	case !cat.Active:
		v.Add("category_id", "appeal.error.category_inactive")
	default:
		in.CategoryID, out.category = cat.ID, cat
	}

	// The enterprise.
	entDistrict := ""
	if role == auth.RoleEnterprise {
		in.EnterpriseOrgID = a.OrgID
		if in.ContactName == "" || in.ContactPhone == "" {
			var name, phone string
			_ = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT display_name, phone FROM users WHERE id = $1`, a.UserID).Scan(&name, &phone)
			if in.ContactName == "" {
				in.ContactName = name
			}
			if in.ContactPhone == "" {
				in.ContactPhone = cleanPhone(phone)
			}
		}
	}
	if role == auth.RoleChamber {
		out.chamberOrg = a.OrgID
	}
	if in.EnterpriseOrgID != 0 {
		kind, name, district, err := s.orgInfo(ctx, in.EnterpriseOrgID)
		switch {
		case err != nil || kind != auth.OrgEnterprise:
			v.Add("enterprise_org_id", "appeal.error.not_enterprise")
		case role == auth.RoleChamber && !s.currentMember(ctx, a.OrgID, in.EnterpriseOrgID):
			// A chamber speaks for its current members only, on every surface.
			v.Add("enterprise_org_id", "appeal.error.not_member")
		default:
			in.EnterpriseName, entDistrict = name, district
		}
	} else if in.EnterpriseName == "" {
		v.Add("enterprise_name", "error.required")
	} else if utf8.RuneCountInString(in.EnterpriseName) > 100 {
		v.Add("enterprise_name", "error.too_long", "Max", 100)
	}
	if in.CreditCode != "" {
		in.CreditCode = creditcode.Normalize(in.CreditCode)
		if creditcode.Validate(in.CreditCode) != nil {
			v.Add("credit_code", "appeal.error.credit_code")
		}
	}
	// A chamber may name a member the directory does not hold yet (by name and credit
	// code); a code the directory knows must be one of its current members.
	if role == auth.RoleChamber && in.EnterpriseOrgID == 0 && in.CreditCode != "" {
		var known int64
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT org_id FROM enterprises WHERE credit_code = $1`, in.CreditCode).Scan(&known); err == nil &&
			!s.currentMember(ctx, a.OrgID, known) {
			v.Add("credit_code", "appeal.error.not_member")
		}
	}
	switch n := utf8.RuneCountInString(in.ContactName); {
	case n == 0:
		v.Add("contact_name", "error.required")
	case n > MaxContact:
		v.Add("contact_name", "error.too_long", "Max", MaxContact)
	}
	switch {
	case in.ContactPhone == "":
		v.Add("contact_phone", "error.required")
	case !phoneRE.MatchString(in.ContactPhone):
		v.Add("contact_phone", "error.phone_format")
	}

	// The district: given, or the enterprise's.
	st, err := s.Settings(ctx)
	if err != nil {
		return out, err
	}
	valid := func(code string) bool {
		return slices.ContainsFunc(st.Districts, func(d District) bool { return d.Code == code })
	}
	if in.DistrictCode == "" && valid(entDistrict) {
		in.DistrictCode = entDistrict
	}
	switch {
	case in.DistrictCode == "":
		v.Add("district_code", "error.required")
	case !valid(in.DistrictCode):
		v.Add("district_code", "appeal.error.district")
	}

	// A supervising leader from the start (a leader's visit): the leader filing, or the
	// leader a liaison officer acts for (LeaderDelegates).
	if role == auth.RoleLeader {
		if in.SupervisingLeaderID == 0 {
			in.SupervisingLeaderID = a.UserID
		} else if ok, err := s.actsFor(ctx, a.UserID, in.SupervisingLeaderID); err != nil {
			return out, err
		} else if !ok {
			v.Add("supervising_leader_id", "appeal.error.leader")
		}
	}
	if in.SupervisingLeaderID != 0 {
		if role != auth.RoleOperator && role != auth.RoleLeader {
			v.Add("supervising_leader_id", "appeal.error.leader")
		} else if !s.isLeader(ctx, in.SupervisingLeaderID) {
			v.Add("supervising_leader_id", "appeal.error.leader")
		}
	}
	out.NewAppeal = in
	return out, v.Err()
}

func (s *Service) categoryFor(ctx context.Context, id int64, code string) (Category, error) {
	if code = strings.TrimSpace(code); id == 0 && code == "" {
		return Category{}, apperr.NotFound("appeal_category")
	}
	c, err := s.catalogue(ctx)
	if err != nil {
		return Category{}, err
	}
	if id == 0 {
		id = c.byCode[code]
	}
	cat, ok := c.get(id)
	if !ok {
		return Category{}, apperr.NotFound("appeal_category")
	}
	return cat, nil
}

// isLeader reports whether user id is an active user holding the leader role.
func (s *Service) isLeader(ctx context.Context, id int64) bool {
	var one int
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE u.id = $1 AND r.role = $2 AND u.disabled = $3`, id, string(auth.RoleLeader), false).Scan(&one)
	return err == nil
}

var insertAppealSQL = placeholders(`INSERT INTO appeals (number, query_code, kind, channel, category_id,
	district_code, priority, confidential, title, body, location, enterprise_org_id, enterprise_name, credit_code,
	contact_name, contact_phone, filed_by_user_id, filed_by_org_id, chamber_org_id, state, supervision_level,
	created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)

// Create files an appeal (see NewAppeal for who may file what). It allocates the number
// (ZQ + Shanghai date + 6-digit daily sequence) and the public query code in the same
// transaction, records the first timeline step, indexes the text and tells the
// enterprise (when someone else filed for it) and the operators (when it is urgent).
func (s *Service) Create(ctx context.Context, a auth.Actor, in NewAppeal) (Appeal, error) {
	role, ok := filerRole(a)
	if !ok || !a.ScopeAllows("appeals", true) {
		return Appeal{}, apperr.Forbidden()
	}
	it, err := s.validateNew(ctx, a, role, in)
	if err != nil {
		return Appeal{}, err
	}
	var out Appeal
	// On PostgreSQL a top-level intake takes its number before its transaction, committed
	// at once like a sequence: taken inside, the counter row would stay locked until the
	// transaction commits and every intake of every process would wait for the one before
	// it. An intake that then fails leaves a gap in the day's numbers. Inside an outer
	// transaction (a visit filing its problems) the number is taken in that transaction.
	now := s.now()
	// The query code and the search document need no database: made before the
	// transaction, they do not hold SQLite's writer.
	code, err := newQueryCode()
	if err != nil {
		return Appeal{}, err
	}
	doc := s.idx().Document(it.Title, it.Body)
	var number string
	if s.db.Engine == db.Postgres && !db.InTx(ctx) {
		if number, err = s.allocNumber(ctx, now); err != nil {
			return Appeal{}, err
		}
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if number == "" {
			n, err := s.allocNumber(ctx, now)
			if err != nil {
				return err
			}
			number = n
		}
		sup := 0
		if it.SupervisingLeaderID != 0 {
			sup = 1
		}
		id, err := s.prep.Insert(ctx, insertAppealSQL,
			number, code, string(it.Kind), string(it.Channel), it.CategoryID,
			it.DistrictCode, string(it.Priority), it.Confidential, it.Title, it.Body, it.Location, nullID(it.EnterpriseOrgID), it.EnterpriseName, it.CreditCode,
			it.ContactName, it.ContactPhone, nullID(it.filedByUser), nullID(it.filedByOrg), nullID(it.chamberOrg), string(StateSubmitted), sup,
			db.Millis(now), db.Millis(now))
		if err != nil {
			return fmt.Errorf("appeal: insert: %w", err)
		}
		if it.SupervisingLeaderID != 0 {
			if err := s.addLeader(ctx, id, it.SupervisingLeaderID, leaderSupervise, now); err != nil {
				return err
			}
		}
		if err := s.addEvent(ctx, a, Event{AppealID: id, At: now, Action: ActCreate, To: StateSubmitted, Public: true,
			Data: map[string]any{"channel": it.Channel, "kind": it.Kind, "number": number}}); err != nil {
			return err
		}
		if err := s.record(ctx, a, "create", id, audit.Change{After: map[string]any{
			"number": number, "kind": it.Kind, "channel": it.Channel, "category_id": it.CategoryID, "district": it.DistrictCode,
			"priority": it.Priority, "enterprise_org_id": it.EnterpriseOrgID, "enterprise_name": it.EnterpriseName, "title": it.Title,
		}}); err != nil {
			return err
		}
		if err := s.idx().PutAppeal(ctx, id, it.EnterpriseOrgID, doc); err != nil {
			return fmt.Errorf("appeal: index: %w", err)
		}
		out = it.stored(id, number, code, sup, now)
		var to []recipient
		if role != auth.RoleEnterprise {
			to = append(to, toOrg(out.EnterpriseOrgID, auth.RoleEnterprise))
		}
		if it.Priority == PriorityUrgent {
			to = append(to, toOperators())
		}
		if it.SupervisingLeaderID != 0 && it.SupervisingLeaderID != a.UserID {
			to = append(to, toUser(it.SupervisingLeaderID))
		}
		return s.notifyAll(ctx, appealEvent{ID: "appeal:" + idStr(id) + ":created", Key: "appeal.notify.created", Appeal: out, To: to})
	})
	if err != nil {
		return Appeal{}, err
	}
	return out, nil
}

// PublicView is what anyone holding an appeal's number and query code may see: no
// names, no text, no phone numbers.
type PublicView struct {
	Number       string
	Kind         Kind
	CategoryCode string
	CategoryName string
	State        State
	MergedInto   string // the original's number, when merged
	CreatedAt    time.Time
	AcceptedAt   time.Time
	DispatchedAt time.Time
	RepliedAt    time.Time
	ClosedAt     time.Time
	HandleDue    time.Time
	CallbackDue  time.Time
	Steps        []PublicStep
}

// PublicStep is one public step of the timeline.
type PublicStep struct {
	At     time.Time
	Action Action
	State  State
}

// PublicStatus answers the public query page: the appeal whose number and query code
// match, else NotFound (the same answer for an unknown number and a wrong code; codes are
// compared in constant time). Guessing is limited by the web layer's rate limiter, not
// here.
func (s *Service) PublicStatus(ctx context.Context, number, code string) (PublicView, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	code = strings.ToUpper(strings.TrimSpace(code))
	var v PublicView
	var id int64
	var stored, catCode, catName, merged string
	var created, accepted, dispatched, replied, closed, hDue, cbDue int64
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT a.id, a.query_code, a.number, a.kind, COALESCE(c.code, ''), COALESCE(c.name, ''), a.state,
		COALESCE(m.number, ''), a.created_at, a.accepted_at, a.dispatched_at, a.replied_at, a.closed_at, a.handle_due, a.callback_due
		FROM appeals a LEFT JOIN appeal_categories c ON c.id = a.category_id LEFT JOIN appeals m ON m.id = a.merged_into_id
		WHERE a.number = $1`, number).Scan(&id, &stored, &v.Number, &v.Kind, &catCode, &catName, &v.State, &merged,
		&created, &accepted, &dispatched, &replied, &closed, &hDue, &cbDue)
	if err != nil && !db.IsNoRows(err) {
		return PublicView{}, fmt.Errorf("appeal: public status: %w", err)
	}
	if err != nil {
		stored = "\x00\x00\x00\x00\x00\x00" // compare anyway: the same time for a miss
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(code)) != 1 || err != nil {
		return PublicView{}, apperr.NotFound("appeal")
	}
	v.CategoryCode, v.CategoryName, v.MergedInto = catCode, catName, merged
	v.CreatedAt, v.AcceptedAt, v.DispatchedAt = db.FromMillis(created), db.FromMillis(accepted), db.FromMillis(dispatched)
	v.RepliedAt, v.ClosedAt, v.HandleDue, v.CallbackDue = db.FromMillis(replied), db.FromMillis(closed), db.FromMillis(hDue), db.FromMillis(cbDue)
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT at, action, to_state FROM appeal_events WHERE appeal_id = $1 AND public = $2 ORDER BY id`, id, true)
	if err != nil {
		return PublicView{}, fmt.Errorf("appeal: public steps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st PublicStep
		var at int64
		if err := rows.Scan(&at, &st.Action, &st.State); err != nil {
			return PublicView{}, err
		}
		st.At = db.FromMillis(at)
		v.Steps = append(v.Steps, st)
	}
	return v, rows.Err()
}

// currentMember reports whether enterprise is a current member of chamber.
func (s *Service) currentMember(ctx context.Context, chamber, enterprise int64) bool {
	var one int
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM memberships WHERE chamber_id = $1 AND enterprise_id = $2 AND left_on = ''`,
		chamber, enterprise).Scan(&one)
	return err == nil
}
