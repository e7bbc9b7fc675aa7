package appeal

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

// Queue names a work list.
type Queue string

// Queues of each role (the package doc lists the index each one reads).
const (
	// Operators (all appeals).
	QueueSubmitted  Queue = "submitted"           // 待受理
	QueueAccepted   Queue = "accepted"            // 待派单
	QueueReturned   Queue = "returned"            // 退单待裁定
	QueueExtension  Queue = "extension_requested" // 延期待批
	QueueReplied    Queue = "replied"             // 待回访
	QueueYellow     Queue = "yellow"              // 即将超期
	QueueRed        Queue = "red"                 // 已超期
	QueueSupervised Queue = "supervised"          // 督办件
	QueueAll        Queue = "all"                 // 全部 (filter by State for the other sort orders)
	// Departments (parts of their organisation, lead or co).
	QueueDeptToClaim  Queue = "dept_to_claim" // 待签收
	QueueDeptHandling Queue = "dept_handling" // 办理中
	QueueDeptYellow   Queue = "dept_yellow"   // 即将超期
	QueueDeptRed      Queue = "dept_red"      // 已超期
	QueueDeptAnswered Queue = "dept_answered" // 已答复 (answered or closed parts)
	// Enterprises (their own) and chambers (filed by them).
	QueueMine Queue = "mine" // 我的诉求
	// Leaders: supervised by them or escalated to them.
	QueueLeader Queue = "leader" // 督办
)

// operatorQueues etc. are each role's queues in display order.
var (
	operatorQueues   = []Queue{QueueSubmitted, QueueAccepted, QueueReturned, QueueExtension, QueueReplied, QueueYellow, QueueRed, QueueSupervised, QueueAll}
	departmentQueues = []Queue{QueueDeptToClaim, QueueDeptHandling, QueueDeptYellow, QueueDeptRed, QueueDeptAnswered}
)

// QueuesFor lists the queues the actor may open, in display order.
func QueuesFor(a auth.Actor) []Queue {
	var out []Queue
	if a.Has(auth.RoleOperator) {
		out = append(out, operatorQueues...)
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
		out = append(out, departmentQueues...)
	}
	if (a.Has(auth.RoleEnterprise) || a.Has(auth.RoleChamber)) && a.OrgID != 0 {
		out = append(out, QueueMine)
	}
	if a.Has(auth.RoleLeader) && a.UserID != 0 {
		out = append(out, QueueLeader)
	}
	return out
}

// Sort orders a queue.
type Sort string

// Sort orders.
const (
	SortCreated Sort = "created" // newest first (by id, which follows filing order)
	SortDue     Sort = "due"     // earliest deadline first
	SortUpdated Sort = "updated" // most recently moved first
)

// Filter narrows and orders a queue. Every field is optional.
type Filter struct {
	Kind       Kind
	CategoryID int64 // the category and its children
	District   string
	Priority   Priority
	State      State
	// Q matches the title (substring) or is an exact appeal number. Full-text search
	// across bodies is the search engine's (Indexer).
	Q          string
	From, To   time.Time // filed at or after From, before To
	Supervised bool
	Level      Level
	// Dept keeps the appeals that organisation has or had a part in (any round, lead or
	// co-handler): the drill-down from a department's assessment.
	Dept   int64
	Sort   Sort
	Cursor string
	Limit  int // default 50, at most 200
	// SkipCount leaves Total at 0 (for the pages after the first).
	SkipCount bool
}

// ListItem is a row of a queue: enough for a table, with the phone masked.
type ListItem struct {
	ID                 int64
	Number             string
	Kind               Kind
	Channel            Channel
	CategoryID         int64
	CategoryCode       string
	CategoryName       string
	DistrictCode       string
	Priority           Priority
	Confidential       bool
	Title              string
	EnterpriseName     string
	ContactPhoneMasked string
	State              State
	LeadOrgName        string
	SLAClock           Clock
	SLADue             time.Time
	SLALevel           Level
	SupervisionLevel   int
	Escalated          bool
	RedoCount          int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int64
	// PartRole and PartState are the department's own part (department queues only).
	PartRole  AssignmentRole
	PartState AssignmentState
}

// Page is one page of a queue. Total counts the whole queue up to CountCap; beyond it
// TotalCapped is set and the interface shows "10,000+".
type Page struct {
	Items       []ListItem
	NextCursor  string
	Total       int
	TotalCapped bool
}

// CountCap bounds every count: counting a million closed appeals to print a number
// nobody reads is not worth a scan.
const CountCap = 10_000

// HistoryCountCap bounds the counts of the history queues (全部 with its filters, a
// department's 已答复): at a million appeals a filter that keeps one appeal in sixty reads
// 600,000 rows to count to 10,000 (100–200 ms); nobody pages through a thousand anyway.
const HistoryCountCap = 1_000

// QueueCount is a queue's size for the badges of a role's home page.
type QueueCount struct {
	Queue  Queue
	Count  int
	Capped bool
}

type cursor struct {
	K int64 `json:"k,omitempty"`
	I int64 `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 200 || json.Unmarshal(b, &c) != nil || c.I <= 0 {
		return cursor{}, apperr.Invalid("cursor", "error.cursor")
	}
	return c, nil
}

// qspec is a queue as SQL: its rows, its conditions and the sort orders an index serves.
type qspec struct {
	from  string
	where []string
	args  []any
	idCol string
	sorts []Sort
	dept  bool
	// cap bounds the count (CountCap when zero).
	cap int
	// catWhere is the index in where of a category filter over several categories (a
	// category and its children), catIDs their ids; catWhere is -1 without one (see
	// byCategory).
	catWhere int
	catIDs   []int64
	// id is how an organisation's or a user's id is bound in the SQL (idParam).
	id string
	// valued is set by a filter that binds a value which can decide the plan — a title's
	// text, a date range, a department's parts; without one the queue's statements are
	// bound only to ids and keyset positions and read through RQGeneric.
	valued bool
}

// idParam is the parameter marker a queue binds an organisation's or a user's id with:
// an id cannot be written into the text like a state (lit), there are as many as there
// are organisations. On SQLite it is +? — the unary plus keeps the value away from the
// planner's STAT4 samples, so binding another id does not make SQLite prepare the
// statement again at every run; the plan is the one for an average organisation, the
// same index for every queue (EXPLAIN QUERY PLAN at a million appeals, bare ? against
// +?). PostgreSQL plans with the values of its own accord and cannot type +$1.
func (s *Service) idParam() string {
	if s.db.Engine == db.SQLite {
		return "+?"
	}
	return "?"
}

// lit is v as an SQL string literal. The queues write the values of a fixed set (a
// state, a kind, a district code …) into their text instead of binding them: SQLite,
// built with STAT4, prepares a statement again at every run when a bound value may change
// its plan — any value compared with an indexed column — and that was a tenth of the
// serving process's CPU on queue pages (pprof, a million appeals, 16 clients). With the
// value in the text the plan is made once per statement and cached, and it is the plan
// made now: the planner read the bound value too. Only values checked against their set
// come here (the statement cache holds a bounded number of texts); the quotes are doubled
// all the same.
func lit(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// addIs adds col = v, with v written as a literal when it is one of the set (lit) and
// bound otherwise (a value outside the set matches nothing, or is refused by the caller).
func addIs[T ~string](q *qspec, col string, v T, set []T) {
	if slices.Contains(set, v) {
		q.add(col + " = " + lit(string(v)))
		return
	}
	q.add(col+" = ?", string(v))
}

func (q *qspec) add(cond string, args ...any) {
	for _, a := range args {
		q.args = append(q.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(q.args)), 1)
	}
	q.where = append(q.where, cond)
}

var allSorts = []Sort{SortCreated, SortDue, SortUpdated}

// spec builds the queue's base for the actor; a queue outside the actor's roles is
// Forbidden.
func (s *Service) spec(a auth.Actor, q Queue, f Filter) (*qspec, error) {
	if !a.ScopeAllows("appeals", false) || !slices.Contains(QueuesFor(a), q) {
		return nil, apperr.Forbidden()
	}
	sp := &qspec{from: `appeals a`, idCol: "a.id", sorts: allSorts, catWhere: -1, id: s.idParam()}
	switch q {
	case QueueSubmitted, QueueAccepted, QueueReturned, QueueExtension, QueueReplied:
		sp.add("a.state = " + lit(string(q)))
	case QueueYellow, QueueRed:
		// The level as a literal (one of two constants, never input). SQLite uses the
		// partial indexes on (sla_level, …) WHERE sla_level IN ('yellow', 'red') only when
		// the query repeats their IN, after the level: with the IN first, SQLite (3.5x,
		// modernc) no longer saw that the index (sla_level, id) reads one level in id order
		// and sorted all 51,610 red appeals of ten million for every page (26 ms for the
		// query, 302 ms for the page → 0.3 ms for the query). PostgreSQL proves the
		// predicate from the equality, and the repeated IN made it multiply the two
		// conditions' shares as if independent: 5 red appeals expected of 1,019, a plan
		// that joined and sorted them all (6.5–43 ms at 200,000 appeals, against 0.4 ms
		// reading the index in order; TestPostgresLevelQueueEstimate).
		lvl := "yellow"
		if q == QueueRed {
			lvl = "red"
		}
		cond := "a.sla_level = '" + lvl + "'"
		if s.db.Engine == db.SQLite {
			cond += " AND a.sla_level IN ('yellow', 'red')"
		}
		sp.add(cond)
	case QueueSupervised:
		sp.add("a.supervision_level > 0")
	case QueueAll:
		if f.State == "" {
			sp.sorts = []Sort{SortCreated}
		}
		sp.cap = HistoryCountCap
	case QueueDeptToClaim, QueueDeptHandling:
		sp.from, sp.idCol, sp.dept = `appeal_assignments x JOIN appeals a ON a.id = x.appeal_id`, "x.appeal_id", true
		st := PartDispatched
		if q == QueueDeptHandling {
			st = PartClaimed
		}
		sp.add("x.org_id = "+sp.id+" AND x.state = "+lit(string(st)), a.OrgID)
	case QueueDeptYellow, QueueDeptRed:
		sp.from, sp.idCol, sp.dept = `appeal_assignments x JOIN appeals a ON a.id = x.appeal_id`, "x.appeal_id", true
		lvl := "yellow"
		if q == QueueDeptRed {
			lvl = "red"
		}
		sp.add("x.org_id = "+sp.id+" AND x.state IN ('dispatched', 'claimed', 'returned') AND a.sla_level = "+lit(lvl), a.OrgID)
	case QueueDeptAnswered:
		sp.from, sp.idCol, sp.dept = `appeal_assignments x JOIN appeals a ON a.id = x.appeal_id`, "x.appeal_id", true
		sp.add("x.org_id = "+sp.id+" AND x.done", a.OrgID)
		sp.sorts = []Sort{SortCreated}
		sp.cap = HistoryCountCap
	case QueueMine:
		if a.Has(auth.RoleEnterprise) {
			sp.add("a.enterprise_org_id = "+sp.id, a.OrgID)
		} else {
			sp.add("a.chamber_org_id = "+sp.id, a.OrgID)
		}
	case QueueLeader:
		sp.add("a.id IN (SELECT appeal_id FROM appeal_leaders WHERE user_id = "+sp.id+")", a.UserID)
	}
	return sp, nil
}

func (s *Service) applyFilter(ctx context.Context, sp *qspec, f Filter) error {
	var v apperr.Validation
	if f.Kind != "" {
		if !slices.Contains(Kinds, f.Kind) {
			v.Add("kind", "error.choice")
		}
		addIs(sp, "a.kind", f.Kind, Kinds)
	}
	if f.CategoryID != 0 {
		ids, err := s.categoryAndChildren(ctx, f.CategoryID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			// No such category (a number typed into the address): bound, it matches nothing.
			sp.add("a.category_id = ?", f.CategoryID)
		} else {
			// The ids are written into the text like a state (lit): they are the
			// catalogue's own, a few dozen.
			in := make([]string, len(ids))
			for i, id := range ids {
				in[i] = strconv.FormatInt(id, 10)
			}
			sp.catWhere, sp.catIDs = len(sp.where), ids
			sp.add("a.category_id IN (" + strings.Join(in, ", ") + ")")
		}
	}
	if f.District != "" {
		addIs(sp, "a.district_code", f.District, directory.Districts)
	}
	if f.Priority != "" {
		addIs(sp, "a.priority", f.Priority, Priorities)
	}
	if f.State != "" {
		if !slices.Contains(States, f.State) {
			v.Add("state", "error.choice")
		}
		addIs(sp, "a.state", f.State, States)
	}
	sp.valued = strings.TrimSpace(f.Q) != "" || !f.From.IsZero() || !f.To.IsZero() || f.Dept != 0
	if q := strings.TrimSpace(f.Q); q != "" {
		if len(q) == 16 && strings.HasPrefix(strings.ToUpper(q), "ZQ") {
			sp.add("a.number = ?", strings.ToUpper(q))
		} else {
			sp.add(`a.title LIKE ? ESCAPE '\'`, "%"+escapeLike(q)+"%")
		}
	}
	if !f.From.IsZero() {
		sp.add("a.created_at >= ?", db.Millis(f.From))
	}
	if !f.To.IsZero() {
		sp.add("a.created_at < ?", db.Millis(f.To))
	}
	if f.Supervised {
		sp.add("a.supervision_level > 0")
	}
	if f.Dept != 0 {
		sp.add("a.id IN (SELECT d.appeal_id FROM appeal_assignments d WHERE d.org_id = "+sp.id+")", f.Dept)
	}
	if f.Level != "" {
		addIs(sp, "a.sla_level", f.Level, Levels)
	}
	return v.Err()
}

// categoryAndChildren lists the category and its descendants, the category first and
// then level by level; none when it does not exist. From the catalogue this process
// keeps (CatalogueTTL): a walk of one query per category of the tree had been a tenth of
// serve's CPU on a category's 全部 page, and then one recursive statement each page.
func (s *Service) categoryAndChildren(ctx context.Context, id int64) ([]int64, error) {
	c, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	return c.subtree(id), nil
}

const listCols = `a.id, a.number, a.kind, a.channel, a.category_id, COALESCE(c.code, ''), COALESCE(c.name, ''), a.district_code, a.priority, a.confidential,
	a.title, COALESCE(a.enterprise_org_id, 0), a.enterprise_name, a.contact_phone, a.state, COALESCE(lo.name, ''), a.sla_clock,
	a.sla_due, a.sla_level, a.supervision_level, a.escalated, a.redo_count, a.created_at, a.updated_at, a.version`

// listPlan is a queue page as SQL, ready to run.
type listPlan struct {
	query      string
	args       []any
	countQuery string
	countArgs  []any
	countCap   int
	sort       Sort
	limit      int
	dept       bool
	generic    bool // bound only to ids and keyset positions (qspec.valued)
}

// plan builds the SQL of a page of queue q.
func (s *Service) plan(ctx context.Context, a auth.Actor, q Queue, f Filter) (*listPlan, error) {
	sp, err := s.spec(a, q, f)
	if err != nil {
		return nil, err
	}
	if err := s.applyFilter(ctx, sp, f); err != nil {
		return nil, err
	}
	if f.Sort == "" {
		f.Sort = SortCreated
	}
	if !slices.Contains(sp.sorts, f.Sort) {
		return nil, apperr.Invalid("sort", "appeal.error.sort")
	}
	cur, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	p := &listPlan{sort: f.Sort, limit: f.Limit, dept: sp.dept, generic: !sp.valued}
	if p.limit <= 0 {
		p.limit = 50
	}
	p.limit = min(p.limit, 200)
	p.countQuery, p.countArgs, p.countCap = countSQL(sp), slices.Clone(sp.args), sp.countCap()
	var order string
	switch f.Sort {
	case SortCreated:
		order = sp.idCol + " DESC"
		if cur.I > 0 {
			sp.add(sp.idCol+" < ?", cur.I)
		}
	case SortDue:
		due, id := "a.sla_due", "a.id"
		if sp.dept {
			// A department's parts carry their appeal's deadline while open, in the open
			// parts' index. SQLite uses a partial index only when the query repeats its
			// predicate, hence the literal IN there; PostgreSQL proves the predicate from
			// x.state = … itself, and the repeated condition made its planner expect 26
			// of a department's 4,821 claimed parts and join and sort them all (办理中 at
			// ten million appeals: 39.9 ms → 1.5 ms without it).
			due, id = "x.sla_due", "x.appeal_id"
			if s.db.Engine == db.SQLite {
				sp.add("x.state IN ('dispatched', 'claimed', 'returned')")
			}
		}
		order = due + ", " + id
		if cur.I > 0 {
			sp.add("("+due+", "+id+") > (?, ?)", cur.K, cur.I)
		}
	case SortUpdated:
		order = "a.updated_at DESC, a.id DESC"
		if cur.I > 0 {
			sp.add("(a.updated_at, a.id) < (?, ?)", cur.K, cur.I)
		}
	}
	if f.Sort == SortUpdated {
		sp.byCategory(p.limit + 1)
	}
	cols := listCols
	if sp.dept {
		cols += `, x.role, x.state`
	}
	p.query = `SELECT ` + cols + ` FROM ` + sp.from + ` LEFT JOIN appeal_categories c ON c.id = a.category_id LEFT JOIN orgs lo ON lo.id = a.lead_org_id`
	if len(sp.where) > 0 {
		p.query += ` WHERE ` + strings.Join(sp.where, " AND ")
	}
	p.query += ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(p.limit+1)
	p.args = sp.args
	return p, nil
}

// A listScanner reads rows of listCols (then, for a department's queue, its part's role
// and state) into list items, with one set of destinations for every row of a page: the
// page's items are scanned in place, so a row costs its strings and nothing more.
type listScanner struct {
	dest                          []any
	slaDue, created, updated, sup int64
	redo, entID                   int64
	phone                         string
	dept                          bool
}

// scan reads the current row into it and returns the appeal's enterprise id, which
// decides who sees a confidential appeal's enterprise.
func (sc *listScanner) scan(rows *sql.Rows, it *ListItem) (int64, error) {
	// Named string types as *string and integers as db.Int64: database/sql fills those
	// without reflection (see db.Int64).
	sc.dest = append(sc.dest[:0], (*db.Int64)(&it.ID), &it.Number, (*string)(&it.Kind), (*string)(&it.Channel),
		(*db.Int64)(&it.CategoryID), &it.CategoryCode, &it.CategoryName, &it.DistrictCode, (*string)(&it.Priority), &it.Confidential,
		&it.Title, (*db.Int64)(&sc.entID), &it.EnterpriseName, &sc.phone, (*string)(&it.State), &it.LeadOrgName, (*string)(&it.SLAClock),
		(*db.Int64)(&sc.slaDue), (*string)(&it.SLALevel), (*db.Int64)(&sc.sup), &it.Escalated, (*db.Int64)(&sc.redo),
		(*db.Int64)(&sc.created), (*db.Int64)(&sc.updated), (*db.Int64)(&it.Version))
	if sc.dept {
		sc.dest = append(sc.dest, (*string)(&it.PartRole), (*string)(&it.PartState))
	}
	if err := rows.Scan(sc.dest...); err != nil {
		return 0, err
	}
	it.SLADue, it.CreatedAt, it.UpdatedAt = db.FromMillis(sc.slaDue), db.FromMillis(sc.created), db.FromMillis(sc.updated)
	it.SupervisionLevel, it.RedoCount = int(sc.sup), int(sc.redo)
	if sc.phone != "" {
		it.ContactPhoneMasked = i18n.MaskPhone(sc.phone)
	}
	return sc.entID, nil
}

// scanPage reads rows into a page's items (up to limit+1 of them, the one past the page
// telling that there is a next) and gives each with its enterprise id to keep.
func scanPage(rows *sql.Rows, limit int, dept bool, keep func(it *ListItem, entID int64)) ([]ListItem, error) {
	items := make([]ListItem, 0, max(limit, 0)+1)
	sc := listScanner{dest: make([]any, 0, 27), dept: dept}
	for rows.Next() {
		items = append(items, ListItem{})
		it := &items[len(items)-1]
		entID, err := sc.scan(rows, it)
		if err != nil {
			return nil, err
		}
		if keep != nil {
			keep(it, entID)
		}
	}
	return items, rows.Err()
}

// List returns a page of one of the actor's queues (QueuesFor). Every queue reads an
// index in its sort order and pages by keyset (Cursor): the tenth page costs what the
// first does, at ten million appeals.
func (s *Service) List(ctx context.Context, a auth.Actor, q Queue, f Filter) (Page, error) {
	p, err := s.plan(ctx, a, q, f)
	if err != nil {
		return Page{}, err
	}
	var page Page
	if !f.SkipCount {
		if page.Total, page.TotalCapped, err = s.count(ctx, p.countQuery, p.countArgs, p.countCap, p.generic); err != nil {
			return Page{}, err
		}
	}
	rows, err := s.reader(ctx, p.generic).QueryContext(ctx, p.query, p.args...)
	if err != nil {
		return Page{}, fmt.Errorf("appeal: list %s: %w", q, err)
	}
	defer rows.Close()
	operator := a.Has(auth.RoleOperator)
	page.Items, err = scanPage(rows, p.limit, p.dept, func(it *ListItem, entID int64) {
		own := a.OrgID != 0 && a.OrgID == entID
		if it.Confidential && !own && !operator {
			it.EnterpriseName, it.ContactPhoneMasked = "", ""
		}
	})
	if err != nil {
		return Page{}, err
	}
	if len(page.Items) > p.limit {
		page.Items = page.Items[:p.limit]
		last := page.Items[p.limit-1]
		c := cursor{I: last.ID}
		switch p.sort {
		case SortDue:
			c.K = db.Millis(last.SLADue)
		case SortUpdated:
			c.K = db.Millis(last.UpdatedAt)
		}
		page.NextCursor = c.encode()
	}
	return page, nil
}

// byCategory narrows a page of 全部 sorted by last move and filtered by a category with
// children to the newest n of each category. Over an IN list the database cannot read
// the (category_id, state, updated_at) index in order and sorted every matching row — a
// parent category's 办结 appeals are hundreds of thousands at ten million; each branch here
// reads n entries of that index in order, and the newest n of them are merged from the
// index entries before any appeal is read, so the page reads n appeals, not n per
// category (a million appeals, 融资类 and its two children: 1.31 → 0.75 ms a page).
func (sp *qspec) byCategory(n int) {
	if sp.from != `appeals a` || sp.catWhere < 0 || len(sp.catIDs) < 2 {
		return
	}
	var branches []string
	for i, id := range sp.catIDs {
		where := slices.Clone(sp.where)
		where[sp.catWhere] = "a.category_id = " + strconv.FormatInt(id, 10)
		branches = append(branches, `SELECT * FROM (SELECT a.id, a.updated_at FROM appeals a WHERE `+strings.Join(where, " AND ")+
			` ORDER BY a.updated_at DESC, a.id DESC LIMIT `+strconv.Itoa(n)+`) b`+strconv.Itoa(i))
	}
	// The branches hold every condition: the page itself only looks the ids up (with the
	// conditions repeated outside, the planner went back to scanning every match).
	sp.where = []string{"a.id IN (SELECT id FROM (" + strings.Join(branches, " UNION ALL ") +
		`) u ORDER BY updated_at DESC, id DESC LIMIT ` + strconv.Itoa(n) + ")"}
}

// appealCol finds a condition on the appeal's columns (a.…).
var appealCol = regexp.MustCompile(`\ba\.`)

// countSQL counts the queue's rows up to its cap. A department's queue without a
// condition on the appeal counts its parts alone: every part has its appeal, and joining
// up to 10,000 appeals only to count them was most of 办理中's time at ten million.
func countSQL(sp *qspec) string {
	from := sp.from
	if sp.dept && !slices.ContainsFunc(sp.where, appealCol.MatchString) {
		from = `appeal_assignments x`
	}
	q := `SELECT COUNT(*) FROM (SELECT 1 FROM ` + from
	if len(sp.where) > 0 {
		q += ` WHERE ` + strings.Join(sp.where, " AND ")
	}
	return q + ` LIMIT ` + strconv.Itoa(sp.countCap()+1) + `) t`
}

func (sp *qspec) countCap() int {
	if sp.cap > 0 {
		return sp.cap
	}
	return CountCap
}

// count runs a count query of at most cap+1 rows (countSQL), or answers from the count
// cache.
// reader is the handle a queue's statements read through: RQGeneric when they are bound
// only to ids and keyset positions (generic), else RQ.
func (s *Service) reader(ctx context.Context, generic bool) db.Querier {
	if generic {
		return s.db.RQGeneric(ctx)
	}
	return s.db.RQ(ctx)
}

// count counts a queue up to cap (generic: as reader).
func (s *Service) count(ctx context.Context, q string, args []any, cap int, generic bool) (int, bool, error) {
	// A transaction's own writes are not for others to see; the key spells the arguments
	// in Go syntax (strings quoted, types kept), so that no two argument lists share one.
	inTx := db.InTx(ctx)
	key := q + "\x00" + fmt.Sprintf("%#v", args)
	commits := s.db.Commits()
	if !inTx {
		if n, ok := s.counts.get(key, commits); ok {
			return min(n, cap), n > cap, nil
		}
	}
	var n int
	if err := s.reader(ctx, generic).QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("appeal: count: %w", err)
	}
	if !inTx {
		s.counts.put(key, n, commits)
	}
	if n > cap {
		return cap, true, nil
	}
	return n, false, nil
}

// A countCache keeps the queues' counts while nothing is written. A queue page and the
// home page's badges count up to CountCap rows each time — at ten million appeals, with
// 160,000 appeals waiting, 10,001 index entries for every page of 待受理, a quarter of the
// server's CPU for the queue pages (pprof) — while the queues change only when an appeal
// does. An entry holds while this process has committed nothing since it was counted
// (db.Commits) and for countTTL at most: another process's writes (a second server on
// PostgreSQL, a command beside serve) show within that.
type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	n       int
	commits uint64
	at      time.Time
}

const (
	countTTL        = 2 * time.Second
	countCacheLimit = 4096 // entries (queries × scopes × filters); the map starts over beyond
)

func (c *countCache) get(key string, commits uint64) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.commits != commits || time.Since(e.at) > countTTL {
		return 0, false
	}
	return e.n, true
}

func (c *countCache) put(key string, n int, commits uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= countCacheLimit {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{n: n, commits: commits, at: time.Now()}
}

// Counts returns the size of each of the actor's queues (badges on the home page). The
// open-state queues are small and exact; large ones stop at CountCap.
func (s *Service) Counts(ctx context.Context, a auth.Actor) ([]QueueCount, error) {
	var out []QueueCount
	for _, q := range QueuesFor(a) {
		sp, err := s.spec(a, q, Filter{})
		if err != nil {
			return nil, err
		}
		n, capped, err := s.count(ctx, countSQL(sp), sp.args, sp.countCap(), !sp.valued)
		if err != nil {
			return nil, err
		}
		out = append(out, QueueCount{Queue: q, Count: n, Capped: capped})
	}
	return out, nil
}
