package appeal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/notify"
)

// Indexer receives an appeal's searchable text inside the transaction that creates or
// answers it, so the search index never holds an appeal that does not exist (and never
// misses one that does). scopeOrgID is the enterprise's organisation (0 when the hotline
// caller's enterprise is not in the directory); the search engine applies the same access
// rules as this package when it answers.
type Indexer interface {
	// Document is the indexed form of an appeal's title and body. Intake makes it before
	// its transaction: cutting a text into terms needs no database, and the transaction
	// holds SQLite's only writer (16 µs of an intake's 260 µs turn, BenchmarkAPIIntake).
	Document(title, body string) string
	// PutAppeal (re)indexes appeal id with doc, a Document of its text.
	PutAppeal(ctx context.Context, id, scopeOrgID int64, doc string) error
}

// LeaderLinks tells which city leaders (user ids) are linked to an enterprise (市领导联系
// 民营企业). The liaison part plugs in here; until then no enterprise has a linked leader.
type LeaderLinks interface {
	LeadersFor(ctx context.Context, enterpriseOrgID int64) ([]int64, error)
}

type noIndexer struct{}

func (noIndexer) Document(string, string) string { return "" }

func (noIndexer) PutAppeal(context.Context, int64, int64, string) error { return nil }

type noLeaderLinks struct{}

func (noLeaderLinks) LeadersFor(context.Context, int64) ([]int64, error) { return nil, nil }

// Deps are what the service is built from. DB and Audit are required; Calendar defaults
// to the statutory calendar, Clock to the real clock, Indexer and Leaders to no-ops. With
// no Notify the service notifies nobody (GenerateHistory runs so).
type Deps struct {
	DB       *db.DB
	Audit    *audit.Log
	Notify   *notify.Service
	Calendar *calendar.Calendar
	Clock    calendar.Clock
	Logger   *slog.Logger
	Indexer  Indexer
	Leaders  LeaderLinks
}

// Service is the closed loop: intake, moves, clocks, queues, categories, the knowledge
// base, attachments and the deadline sweep. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	notify *notify.Service
	cal    *calendar.Calendar
	clock  calendar.Clock
	log    *slog.Logger

	hookMu  sync.RWMutex
	indexer Indexer
	leaders LeaderLinks

	setMu    sync.Mutex
	settings *Settings
	setAt    time.Time

	// prep holds the moves' statements, prepared once (read-only after New).
	prep *db.Prepared

	counts countCache
	cat    catalogueCache
}

// New builds the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = calendar.RealClock{}
	}
	if d.Calendar == nil {
		d.Calendar = calendar.Default()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Indexer == nil {
		d.Indexer = noIndexer{}
	}
	if d.Leaders == nil {
		d.Leaders = noLeaderLinks{}
	}
	s := &Service{db: d.DB, audit: d.Audit, notify: d.Notify, cal: d.Calendar, clock: d.Clock, log: d.Logger,
		indexer: d.Indexer, leaders: d.Leaders}
	if d.DB != nil {
		s.prep = d.DB.Prepare(hotSQL()...)
	}
	return s
}

// The moves' statements are prepared once (db.Prepared) and run through these.
func (s *Service) row(ctx context.Context, q string, args ...any) *sql.Row {
	return s.prep.Row(ctx, q, args...)
}
func (s *Service) wrow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.prep.WRow(ctx, q, args...)
}
func (s *Service) rows(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.prep.Rows(ctx, q, args...)
}
func (s *Service) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.prep.Exec(ctx, q, args...)
}

// hotSQL lists the statements of the moves, for prepare.
func hotSQL() []string {
	out := []string{loadSQL, saveSQL, eventSQL, partsSQL, deptSeesSQL, leaderSeesSQL, childrenSQL, categoryLimitsSQL,
		numberSQL, insertAppealSQL, insertPartSQL, supersedeSQL, pendingExtensionSQL, insertCallbackSQL, insertLeaderSQL, claimActionSQL}
	for _, set := range []string{setClaim, setCoAnswer, setReturn, setWithdraw, setCloseCo, setBack, setHandleDue, setReply, setRedone} {
		out = append(out, partSQL(set))
	}
	return out
}

// SetIndexer plugs in the search index (wiring time: internal/app calls it once the
// search service exists, which itself may need this service).
func (s *Service) SetIndexer(i Indexer) {
	if i == nil {
		i = noIndexer{}
	}
	s.hookMu.Lock()
	s.indexer = i
	s.hookMu.Unlock()
}

// SetLeaderLinks plugs in the liaison part's leader ↔ enterprise links.
func (s *Service) SetLeaderLinks(l LeaderLinks) {
	if l == nil {
		l = noLeaderLinks{}
	}
	s.hookMu.Lock()
	s.leaders = l
	s.hookMu.Unlock()
}

func (s *Service) idx() Indexer {
	s.hookMu.RLock()
	defer s.hookMu.RUnlock()
	return s.indexer
}

func (s *Service) links() LeaderLinks {
	s.hookMu.RLock()
	defer s.hookMu.RUnlock()
	return s.leaders
}

// Calendar is the working-time calendar the service computes deadlines with.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// now is the service's time, to the millisecond that the database stores.
func (s *Service) now() time.Time { return ms(s.clock.Now()) }

func ms(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func boolPtr(b bool) *bool { return &b }

func fromNullBool(n sql.NullBool) *bool {
	if !n.Valid {
		return nil
	}
	return boolPtr(n.Bool)
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// placeholders numbers "?" marks as $1, $2 … so long statements stay readable.
func placeholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

const appealCols = `a.id, a.number, a.query_code, a.kind, a.channel, a.category_id, COALESCE(c.code, ''), COALESCE(c.name, ''),
	a.district_code, a.priority, a.confidential, a.title, a.body, a.location,
	COALESCE(a.enterprise_org_id, 0), a.enterprise_name, a.credit_code, a.contact_name, a.contact_phone,
	COALESCE(a.filed_by_user_id, 0), COALESCE(a.filed_by_org_id, 0), COALESCE(a.chamber_org_id, 0),
	a.state, a.return_from, a.round, COALESCE(a.lead_org_id, 0), COALESCE(lo.name, ''), COALESCE(a.merged_into_id, 0),
	COALESCE(a.kb_article_id, 0), a.outcome, a.reply_text, a.satisfaction, a.solved, a.redo_count, a.supervision_level,
	a.escalated, a.claim_due, a.claim_paused_at, a.claim_paused_ms, a.handle_start, a.handle_due, a.handle_paused_at,
	a.handle_paused_ms, a.callback_due, a.sla_level, a.sla_clock, a.sla_due, COALESCE(a.next_alert_at, 0),
	a.handled_on_time, a.handle_working_ms, a.created_at, a.updated_at, a.accepted_at, a.dispatched_at, a.replied_at,
	a.callback_at, a.closed_at, a.version`

const appealFrom = ` FROM appeals a LEFT JOIN appeal_categories c ON c.id = a.category_id LEFT JOIN orgs lo ON lo.id = a.lead_org_id`

func scanAppeal(sc interface{ Scan(...any) error }) (Appeal, error) {
	var ap Appeal
	var solved, onTime sql.NullBool
	var round, redo, sup int64
	var claimDue, claimPausedAt, claimPaused, hStart, hDue, hPausedAt, hPaused, cbDue, slaDue, next, hWork int64
	var created, updated, accepted, dispatched, replied, callbackAt, closed int64
	err := sc.Scan(&ap.ID, &ap.Number, &ap.QueryCode, &ap.Kind, &ap.Channel, &ap.CategoryID, &ap.CategoryCode, &ap.CategoryName,
		&ap.DistrictCode, &ap.Priority, &ap.Confidential, &ap.Title, &ap.Body, &ap.Location,
		&ap.EnterpriseOrgID, &ap.EnterpriseName, &ap.CreditCode, &ap.ContactName, &ap.ContactPhone,
		&ap.FiledByUserID, &ap.FiledByOrgID, &ap.ChamberOrgID,
		&ap.State, &ap.ReturnFrom, &round, &ap.LeadOrgID, &ap.LeadOrgName, &ap.MergedIntoID,
		&ap.KBArticleID, &ap.Outcome, &ap.ReplyText, &ap.Satisfaction, &solved, &redo, &sup,
		&ap.Escalated, &claimDue, &claimPausedAt, &claimPaused, &hStart, &hDue, &hPausedAt,
		&hPaused, &cbDue, &ap.SLALevel, &ap.SLAClock, &slaDue, &next,
		&onTime, &hWork, &created, &updated, &accepted, &dispatched, &replied,
		&callbackAt, &closed, &ap.Version)
	if err != nil {
		return ap, err
	}
	ap.Round, ap.RedoCount, ap.SupervisionLevel = int(round), int(redo), int(sup)
	ap.Solved, ap.HandledOnTime = fromNullBool(solved), fromNullBool(onTime)
	ap.CreatedAt, ap.UpdatedAt, ap.AcceptedAt = db.FromMillis(created), db.FromMillis(updated), db.FromMillis(accepted)
	ap.DispatchedAt, ap.RepliedAt, ap.CallbackAt, ap.ClosedAt = db.FromMillis(dispatched), db.FromMillis(replied), db.FromMillis(callbackAt), db.FromMillis(closed)
	ap.Claim = calendar.SLA{Start: ap.DispatchedAt, Due: db.FromMillis(claimDue), PausedAt: db.FromMillis(claimPausedAt), Paused: time.Duration(claimPaused) * time.Millisecond}
	ap.Handle = calendar.SLA{Start: db.FromMillis(hStart), Due: db.FromMillis(hDue), PausedAt: db.FromMillis(hPausedAt), Paused: time.Duration(hPaused) * time.Millisecond}
	ap.Callback = calendar.SLA{Start: ap.RepliedAt, Due: db.FromMillis(cbDue)}
	ap.SLADue, ap.NextAlertAt = db.FromMillis(slaDue), db.FromMillis(next)
	ap.HandleWorking = time.Duration(hWork) * time.Millisecond
	return ap, nil
}

const loadSQL = `SELECT ` + appealCols + appealFrom + ` WHERE a.id = $1`

// load reads an appeal without any access check (callers check).
func (s *Service) load(ctx context.Context, id int64) (Appeal, error) {
	ap, err := scanAppeal(s.row(ctx, loadSQL, id))
	if db.IsNoRows(err) {
		return Appeal{}, apperr.NotFound("appeal")
	}
	if err != nil {
		return Appeal{}, fmt.Errorf("appeal: load %d: %w", id, err)
	}
	return ap, nil
}

var saveSQL = placeholders(`UPDATE appeals SET state = ?, return_from = ?, round = ?,
		lead_org_id = ?, merged_into_id = ?, kb_article_id = ?, outcome = ?, reply_text = ?, satisfaction = ?, solved = ?,
		redo_count = ?, supervision_level = ?, escalated = ?, claim_due = ?, claim_paused_at = ?, claim_paused_ms = ?,
		handle_start = ?, handle_due = ?, handle_paused_at = ?, handle_paused_ms = ?, callback_due = ?, sla_level = ?,
		sla_clock = ?, sla_due = ?, next_alert_at = ?, handled_on_time = ?, handle_working_ms = ?, updated_at = ?,
		accepted_at = ?, dispatched_at = ?, replied_at = ?, callback_at = ?, closed_at = ?, version = version + 1
		WHERE id = ? AND version = ?`)

// partDueSQL copies the appeal's deadline onto its open parts (the department queues'
// sort=due reads it there, index appeal_assignments_open_due; migration 00016).
var partDueSQL = placeholders(`UPDATE appeal_assignments SET sla_due = ?
		WHERE appeal_id = ? AND state IN ('dispatched', 'claimed', 'returned') AND sla_due <> ?`)

// syncPartDue writes due on the appeal's open parts, after a move wrote the appeal and
// its parts.
func (s *Service) syncPartDue(ctx context.Context, id int64, due time.Time) error {
	ms := db.Millis(due)
	if _, err := s.exec(ctx, partDueSQL, ms, id, ms); err != nil {
		return fmt.Errorf("appeal: part deadline: %w", err)
	}
	return nil
}

// loadForUpdate reads an appeal inside a transaction, locking its row on PostgreSQL
// until the transaction ends. Without the lock, a move that read the row just before
// another committed would go on reading that other move's parts (READ COMMITTED sees
// each statement's latest data) and fail on them instead of with a clean Conflict; with
// it, the second move waits, reads the new version and answers Conflict. (SQLite's one
// writer already serialises the transactions.)
func (s *Service) loadForUpdate(ctx context.Context, id int64) (Appeal, error) {
	if s.db.Engine != db.Postgres {
		return s.load(ctx, id)
	}
	ap, err := scanAppeal(s.db.Q(ctx).QueryRowContext(ctx, loadSQL+` FOR UPDATE OF a`, id))
	if db.IsNoRows(err) {
		return Appeal{}, apperr.NotFound("appeal")
	}
	if err != nil {
		return Appeal{}, fmt.Errorf("appeal: load %d: %w", id, err)
	}
	return ap, nil
}

// save writes every mutable column of ap if the stored version is still version; the row
// then carries version+1. Zero rows means someone else moved first: Conflict.
func (s *Service) save(ctx context.Context, ap *Appeal, version int64) error {
	var next any
	if !ap.NextAlertAt.IsZero() {
		next = db.Millis(ap.NextAlertAt)
	}
	res, err := s.exec(ctx, saveSQL,
		string(ap.State), string(ap.ReturnFrom), ap.Round,
		nullID(ap.LeadOrgID), nullID(ap.MergedIntoID), nullID(ap.KBArticleID), string(ap.Outcome), ap.ReplyText, string(ap.Satisfaction), nullBool(ap.Solved),
		ap.RedoCount, ap.SupervisionLevel, ap.Escalated, db.Millis(ap.Claim.Due), db.Millis(ap.Claim.PausedAt), ap.Claim.Paused.Milliseconds(),
		db.Millis(ap.Handle.Start), db.Millis(ap.Handle.Due), db.Millis(ap.Handle.PausedAt), ap.Handle.Paused.Milliseconds(), db.Millis(ap.Callback.Due), string(ap.SLALevel),
		string(ap.SLAClock), db.Millis(ap.SLADue), next, nullBool(ap.HandledOnTime), ap.HandleWorking.Milliseconds(), db.Millis(ap.UpdatedAt),
		db.Millis(ap.AcceptedAt), db.Millis(ap.DispatchedAt), db.Millis(ap.RepliedAt), db.Millis(ap.CallbackAt), db.Millis(ap.ClosedAt),
		ap.ID, version)
	if err != nil {
		return fmt.Errorf("appeal: save %d: %w", ap.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict()
	}
	ap.Version = version + 1
	return nil
}

const eventSQL = `INSERT INTO appeal_events (appeal_id, at, actor_id, actor_name, actor_org_id, actor_org_name,
	action, from_state, to_state, note, data, public) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// addEvent appends a step to an appeal's timeline.
func (s *Service) addEvent(ctx context.Context, a auth.Actor, ev Event) error {
	data := "{}"
	if len(ev.Data) > 0 {
		b, err := json.Marshal(ev.Data)
		if err != nil {
			return fmt.Errorf("appeal: event data: %w", err)
		}
		data = string(b)
	}
	name := a.Name
	if name == "" {
		name = a.AuditName()
	}
	_, err := s.exec(ctx, eventSQL,
		ev.AppealID, db.Millis(ev.At), nullID(a.UserID), name, nullID(a.OrgID), a.OrgName,
		string(ev.Action), string(ev.From), string(ev.To), ev.Note, data, ev.Public)
	if err != nil {
		return fmt.Errorf("appeal: add event: %w", err)
	}
	return nil
}

// record writes the audit entry of a change to appeal id.
func (s *Service) record(ctx context.Context, a auth.Actor, action string, id int64, change audit.Change) error {
	return s.audit.Record(ctx, a, "appeal."+action, "appeal", idStr(id), change)
}

// orgName returns an organisation's name ("" if unknown).
func (s *Service) orgName(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	var n string
	_ = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = $1`, id).Scan(&n)
	return n
}

// orgInfo returns an organisation's kind, name and district.
func (s *Service) orgInfo(ctx context.Context, id int64) (kind, name, district string, err error) {
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT kind, name, district_code FROM orgs WHERE id = $1`, id).Scan(&kind, &name, &district)
	if db.IsNoRows(err) {
		return "", "", "", apperr.NotFound("org")
	}
	return kind, name, district, err
}
