package liaison

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Visit kinds.
const (
	KindVisit    = "visit"    // 走访: a leader calls on enterprises or chambers
	KindResearch = "research" // 调研: a research trip on a theme
)

// VisitKinds in display order.
var VisitKinds = []string{KindVisit, KindResearch}

// Visit limits.
const (
	MaxSummary     = 5000
	MaxVisitOrgs   = 20
	MaxVisitDepts  = 10
	MaxTopicsChars = 2000
)

// OrgRef names an organisation.
type OrgRef struct {
	ID   int64
	Name string
	Kind string
}

// Visit is a leader's visit or research trip (调研走访) with what came of it.
type Visit struct {
	ID          int64
	LeaderID    int64
	LeaderName  string
	LeaderTitle string
	Kind        string
	VisitedOn   string
	Summary     string
	Orgs        []OrgRef // enterprises and chambers visited
	Depts       []OrgRef // departments that came along
	Files       []File
	Problems    []Problem
	CreatedBy   int64
	CreatorName string
	CreatedAt   time.Time
	Version     int64
	// Limited: the actor is an enterprise or chamber that was visited and sees itself
	// only (no summary, no files, no other organisation, its own problems).
	Limited bool
	// CanEdit: the actor may add files.
	CanEdit bool
}

// VisitInput records a visit.
type VisitInput struct {
	// LeaderID is the leader who visited: a leader (or officer) records for a leader they
	// act for (default: the first), an operator for any leader.
	LeaderID  int64
	Kind      string
	VisitedOn string
	OrgIDs    []int64
	// OrgNames name more organisations as typed in a form (an enterprise's name or credit
	// code, a chamber's name).
	OrgNames []string
	DeptIDs  []int64
	Summary  string
	Problems []ProblemInput
	Files    []FileInput
}

// visitHead is a visit's row with the organisations that decide who sees it.
type visitHead struct {
	id, leader, createdBy int64
	orgs, depts           []int64
}

func (s *Service) visitHead(ctx context.Context, id int64) (visitHead, error) {
	h := visitHead{id: id}
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT leader_user_id, COALESCE(created_by, 0) FROM liaison_visits WHERE id = $1`, id).
		Scan(&h.leader, &h.createdBy)
	if db.IsNoRows(err) {
		return h, apperr.NotFound("liaison_visit")
	}
	if err != nil {
		return h, fmt.Errorf("liaison: visit %d: %w", id, err)
	}
	if h.orgs, err = s.ids(ctx, `SELECT org_id FROM liaison_visit_orgs WHERE visit_id = $1 ORDER BY org_id`, id); err != nil {
		return h, err
	}
	if h.depts, err = s.ids(ctx, `SELECT org_id FROM liaison_visit_depts WHERE visit_id = $1 ORDER BY org_id`, id); err != nil {
		return h, err
	}
	return h, nil
}

func (s *Service) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("liaison: ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// visitView decides how much of a visit the actor sees (see access.go).
func (s *Service) visitView(ctx context.Context, a auth.Actor, h visitHead) (view, error) {
	if seesAll(a) {
		return viewFull, nil
	}
	if a.Has(auth.RoleLeader) {
		if ok, err := s.actsFor(ctx, a, h.leader); err != nil || ok {
			return viewFull, err
		}
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 && slices.Contains(h.depts, a.OrgID) {
		return viewFull, nil
	}
	if a.HasAny(auth.RoleEnterprise, auth.RoleChamber) && a.OrgID != 0 && slices.Contains(h.orgs, a.OrgID) {
		return viewLimited, nil
	}
	return viewNone, nil
}

// canEditVisit: the leader (or officer), operators and whoever recorded it add files.
func (s *Service) canEditVisit(ctx context.Context, a auth.Actor, h visitHead) (bool, error) {
	if a.IsSystem() || a.Has(auth.RoleOperator) || (a.UserID != 0 && a.UserID == h.createdBy) {
		return true, nil
	}
	if a.Has(auth.RoleLeader) {
		return s.actsFor(ctx, a, h.leader)
	}
	return false, nil
}

// orgRefs reads organisations by id, keeping only the allowed kinds; it reports the ids
// that are unknown or of another kind.
func (s *Service) orgRefs(ctx context.Context, ids []int64, kinds ...string) ([]OrgRef, []int64, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	rows, err := s.db.RQOnce(ctx).QueryContext(ctx, `SELECT id, name, kind FROM orgs WHERE id IN (`+inList(ids)+`)`)
	if err != nil {
		return nil, nil, fmt.Errorf("liaison: orgs: %w", err)
	}
	defer rows.Close()
	found := map[int64]OrgRef{}
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Name, &o.Kind); err != nil {
			return nil, nil, err
		}
		found[o.ID] = o
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var out []OrgRef
	var bad []int64
	for _, id := range ids {
		o, ok := found[id]
		if !ok || !slices.Contains(kinds, o.Kind) {
			bad = append(bad, id)
			continue
		}
		out = append(out, o)
	}
	return out, bad, nil
}

func distinct(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CreateVisit records a visit or research trip and, in the same transaction, files each
// problem raised as an appeal of the closed loop (channel leader visit, the enterprise
// taken from the visit, supervised 督办 by the leader from the start: it waits in the
// operators' 待受理 queue). Any mistake — in the visit or in any problem — refuses the
// whole, with field errors (problems[i].title …); nothing is half-written.
func (s *Service) CreateVisit(ctx context.Context, a auth.Actor, in VisitInput) (Visit, error) {
	if !CanRecordVisits(a) || !a.ScopeAllows("liaison", true) {
		return Visit{}, apperr.Forbidden()
	}
	var v apperr.Validation
	in.Summary = strings.TrimSpace(in.Summary)
	// The leader.
	if a.Has(auth.RoleOperator) || a.IsSystem() {
		if in.LeaderID == 0 {
			v.Add("leader_id", "error.required")
		} else if l, err := s.leader(ctx, in.LeaderID); err != nil && !isNotFound(err) {
			return Visit{}, err
		} else if err != nil || l.Disabled {
			v.Add("leader_id", "liaison.error.leader_unknown")
		}
	} else {
		mine, err := s.ActingFor(ctx, a)
		if err != nil {
			return Visit{}, err
		}
		if len(mine) == 0 {
			return Visit{}, apperr.Forbidden()
		}
		if in.LeaderID == 0 {
			in.LeaderID = mine[0]
		}
		if !slices.Contains(mine, in.LeaderID) {
			v.Add("leader_id", "liaison.error.leader_not_yours")
		}
	}
	if !slices.Contains(VisitKinds, in.Kind) {
		v.Add("kind", "error.choice")
	}
	if d, ok := parseDay(in.VisitedOn); strings.TrimSpace(in.VisitedOn) == "" {
		v.Add("visited_on", "error.required")
	} else if !ok {
		v.Add("visited_on", "error.date")
	} else if d > s.Today() {
		v.Add("visited_on", "liaison.error.future")
	} else {
		in.VisitedOn = d
	}
	switch n := utf8.RuneCountInString(in.Summary); {
	case n == 0:
		v.Add("summary", "error.required")
	case n > MaxSummary:
		v.Add("summary", "error.too_long", "Max", MaxSummary)
	}
	named, unknown, err := s.findOrgs(ctx, in.OrgNames, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return Visit{}, err
	}
	if len(unknown) > 0 {
		v.Add("org_names", "liaison.error.org_unknown", "Name", strings.Join(unknown, "、"))
	}
	in.OrgIDs, in.DeptIDs = distinct(append(in.OrgIDs, named...)), distinct(in.DeptIDs)
	orgs, bad, err := s.orgRefs(ctx, in.OrgIDs, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return Visit{}, err
	}
	switch {
	case len(in.OrgIDs) == 0 && len(unknown) == 0:
		v.Add("org_ids", "liaison.error.orgs_required")
	case len(in.OrgIDs) > MaxVisitOrgs:
		v.Add("org_ids", "liaison.error.too_many", "Max", MaxVisitOrgs)
	case len(bad) > 0:
		v.Add("org_ids", "liaison.error.org_kind")
	}
	_, bad, err = s.orgRefs(ctx, in.DeptIDs, auth.OrgGovernment, auth.OrgFederation)
	if err != nil {
		return Visit{}, err
	}
	switch {
	case len(in.DeptIDs) > MaxVisitDepts:
		v.Add("dept_ids", "liaison.error.too_many", "Max", MaxVisitDepts)
	case len(bad) > 0:
		v.Add("dept_ids", "liaison.error.department")
	}
	if len(in.Problems) > MaxProblems {
		v.Add("problems", "liaison.error.too_many", "Max", MaxProblems)
	}
	types := checkFiles(in.Files, 0, &v, "files")
	if err := v.Err(); err != nil {
		return Visit{}, err
	}
	f := filing{leaderID: in.LeaderID, channel: appeal.ChannelLeaderVisit, enterprises: map[int64]bool{}}
	for _, o := range orgs {
		if o.Kind == auth.OrgEnterprise {
			f.enterprises[o.ID] = true
		} else {
			f.typed = true
		}
	}
	var id int64
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO liaison_visits (leader_user_id, kind, visited_on, summary, created_by,
			created_org, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			in.LeaderID, in.Kind, in.VisitedOn, in.Summary, nullID(a.UserID), nullID(a.OrgID), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("liaison: insert visit: %w", err)
		}
		for _, o := range in.OrgIDs {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO liaison_visit_orgs (visit_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
				return fmt.Errorf("liaison: visit org: %w", err)
			}
		}
		for _, o := range in.DeptIDs {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO liaison_visit_depts (visit_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
				return fmt.Errorf("liaison: visit department: %w", err)
			}
		}
		if err := s.record(ctx, a, "liaison_visit.create", "liaison_visit", id, audit.Change{After: map[string]any{
			"leader_id": in.LeaderID, "kind": in.Kind, "visited_on": in.VisitedOn, "org_ids": in.OrgIDs, "dept_ids": in.DeptIDs,
			"problems": len(in.Problems), "files": len(in.Files)}}); err != nil {
			return err
		}
		if err := s.storeFiles(ctx, a, id, in.Files, types); err != nil {
			return err
		}
		f.visitID = id
		return s.fileProblems(ctx, a, f, in.Problems)
	})
	if err != nil {
		return Visit{}, err
	}
	return s.GetVisit(ctx, a, id)
}

const visitCols = `v.id, v.leader_user_id, lu.display_name, ll.title, v.kind, v.visited_on, v.summary, COALESCE(v.created_by, 0),
	COALESCE(cu.display_name, ''), v.created_at, v.version`

const visitFrom = ` FROM liaison_visits v JOIN liaison_leaders ll ON ll.user_id = v.leader_user_id JOIN users lu ON lu.id = v.leader_user_id
	LEFT JOIN users cu ON cu.id = v.created_by`

// GetVisit returns a visit as the actor may see it (NotFound outside the scope), with its
// problems and where each appeal stands.
func (s *Service) GetVisit(ctx context.Context, a auth.Actor, id int64) (Visit, error) {
	if !a.ScopeAllows("liaison", false) {
		return Visit{}, apperr.Forbidden()
	}
	h, err := s.visitHead(ctx, id)
	if err != nil {
		return Visit{}, err
	}
	vw, err := s.visitView(ctx, a, h)
	if err != nil {
		return Visit{}, err
	}
	if vw == viewNone {
		return Visit{}, apperr.NotFound("liaison_visit")
	}
	var vis Visit
	var created int64
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.id = $1`, id).Scan(&vis.ID, &vis.LeaderID,
		&vis.LeaderName, &vis.LeaderTitle, &vis.Kind, &vis.VisitedOn, &vis.Summary, &vis.CreatedBy, &vis.CreatorName, &created, &vis.Version)
	if err != nil {
		return Visit{}, fmt.Errorf("liaison: visit %d: %w", id, err)
	}
	vis.CreatedAt = db.FromMillis(created)
	if vis.Orgs, _, err = s.orgRefs(ctx, h.orgs, auth.OrgEnterprise, auth.OrgChamber); err != nil {
		return Visit{}, err
	}
	if vis.Depts, _, err = s.orgRefs(ctx, h.depts, auth.OrgGovernment, auth.OrgFederation); err != nil {
		return Visit{}, err
	}
	if vis.Problems, err = s.queryProblems(ctx, `p.visit_id = $1 ORDER BY p.id`, id); err != nil {
		return Visit{}, err
	}
	if vw == viewLimited {
		vis.Limited, vis.Summary = true, ""
		vis.Orgs = slices.DeleteFunc(vis.Orgs, func(o OrgRef) bool { return o.ID != a.OrgID })
		vis.Problems = slices.DeleteFunc(vis.Problems, func(p Problem) bool { return p.OrgID != a.OrgID })
	} else {
		if vis.Files, err = s.visitFiles(ctx, id); err != nil {
			return Visit{}, err
		}
		if vis.CanEdit, err = s.canEditVisit(ctx, a, h); err != nil {
			return Visit{}, err
		}
	}
	if err := s.withStates(ctx, a, vis.Problems); err != nil {
		return Visit{}, err
	}
	return vis, nil
}

// VisitRow is a visit in a list.
type VisitRow struct {
	ID          int64
	LeaderID    int64
	LeaderName  string
	LeaderTitle string
	Kind        string
	VisitedOn   string
	Orgs        []OrgRef
	Problems    int
}

// VisitFilter selects visits; From and To bound the visit date (YYYY-MM-DD, To exclusive).
type VisitFilter struct {
	LeaderID int64
	OrgID    int64
	Kind     string
	From, To string
	// After is the keyset cursor (visited_on, id) of the previous page's last row.
	AfterDate string
	AfterID   int64
	Offset    int
	Limit     int
	NoCount   bool
}

// visitScope limits visits (alias v) to the actor's scope; it also reports whether the
// actor sees only itself in them (an enterprise or chamber).
func (s *Service) visitScope(ctx context.Context, a auth.Actor, q *sqlArgs) (cond string, limited bool, err error) {
	if seesAll(a) {
		return "", false, nil
	}
	var parts []string
	if a.Has(auth.RoleLeader) {
		leaders, err := s.ActingFor(ctx, a)
		if err != nil {
			return "", false, err
		}
		if len(leaders) > 0 {
			parts = append(parts, "v.leader_user_id IN ("+inList(leaders)+")")
		}
	}
	if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
		parts = append(parts, "EXISTS (SELECT 1 FROM liaison_visit_depts d WHERE d.visit_id = v.id AND d.org_id = "+q.add(a.OrgID)+")")
	}
	own := a.HasAny(auth.RoleEnterprise, auth.RoleChamber) && a.OrgID != 0
	if own {
		parts = append(parts, "EXISTS (SELECT 1 FROM liaison_visit_orgs m WHERE m.visit_id = v.id AND m.org_id = "+q.add(a.OrgID)+")")
	}
	if len(parts) == 0 {
		return "1 = 0", false, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", own && len(parts) == 1, nil
}

// visitsPlan is a page of visits as SQL.
type visitsPlan struct {
	query, count     string
	args, countArgs  []any
	limited, nothing bool
}

// visitsQuery builds the SQL of ListVisits (the plan test reads it too).
func (s *Service) visitsQuery(ctx context.Context, a auth.Actor, f VisitFilter) (visitsPlan, error) {
	var p visitsPlan
	q := &sqlArgs{}
	var where []string
	sc, limited, err := s.visitScope(ctx, a, q)
	if err != nil {
		return p, err
	}
	p.limited = limited
	if sc != "" {
		where = append(where, sc)
	}
	if limited && f.OrgID != 0 && f.OrgID != a.OrgID {
		p.nothing = true // an enterprise or chamber sees itself only
		return p, nil
	}
	var v apperr.Validation
	if f.LeaderID != 0 {
		where = append(where, "v.leader_user_id = "+q.add(f.LeaderID))
	}
	if f.OrgID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM liaison_visit_orgs fo WHERE fo.visit_id = v.id AND fo.org_id = "+q.add(f.OrgID)+")")
	}
	if f.Kind != "" {
		if !slices.Contains(VisitKinds, f.Kind) {
			v.Add("kind", "error.choice")
		}
		where = append(where, "v.kind = "+q.add(f.Kind))
	}
	for _, b := range []struct {
		field, val, op string
	}{{"from", f.From, ">="}, {"to", f.To, "<"}} {
		if b.val == "" {
			continue
		}
		d, ok := parseDay(b.val)
		if !ok {
			v.Add(b.field, "error.date")
			continue
		}
		where = append(where, "v.visited_on "+b.op+" "+q.add(d))
	}
	if err := v.Err(); err != nil {
		return p, err
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	p.count, p.countArgs = `SELECT COUNT(*) FROM liaison_visits v`+cond, slices.Clone(q.args)
	if f.AfterID > 0 {
		c := "(v.visited_on < " + q.add(f.AfterDate) + " OR (v.visited_on = " + q.add(f.AfterDate) + " AND v.id < " + q.add(f.AfterID) + "))"
		if cond == "" {
			cond = " WHERE " + c
		} else {
			cond += " AND " + c
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	p.query = `SELECT v.id, v.leader_user_id, lu.display_name, ll.title, v.kind, v.visited_on FROM liaison_visits v
		JOIN liaison_leaders ll ON ll.user_id = v.leader_user_id JOIN users lu ON lu.id = v.leader_user_id` + cond +
		` ORDER BY v.visited_on DESC, v.id DESC LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.AfterID == 0 {
		p.query += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	p.args = q.args
	return p, nil
}

// ListVisits returns a page of the visits in the actor's scope, latest first.
func (s *Service) ListVisits(ctx context.Context, a auth.Actor, f VisitFilter) ([]VisitRow, int, error) {
	if !a.ScopeAllows("liaison", false) {
		return nil, 0, apperr.Forbidden()
	}
	p, err := s.visitsQuery(ctx, a, f)
	if err != nil || p.nothing {
		return nil, 0, err
	}
	limited := p.limited
	total := 0
	if !f.NoCount {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, p.count, p.countArgs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("liaison: count visits: %w", err)
		}
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, p.query, p.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("liaison: visits: %w", err)
	}
	var out []VisitRow
	for rows.Next() {
		var r VisitRow
		if err := rows.Scan(&r.ID, &r.LeaderID, &r.LeaderName, &r.LeaderTitle, &r.Kind, &r.VisitedOn); err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := s.fillVisitRows(ctx, a, out, limited); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// fillVisitRows adds each row's organisations and problem count (two queries per page).
func (s *Service) fillVisitRows(ctx context.Context, a auth.Actor, out []VisitRow, limited bool) error {
	if len(out) == 0 {
		return nil
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, r := range out {
		ids[i], at[r.ID] = r.ID, i
	}
	rows, err := s.db.RQOnce(ctx).QueryContext(ctx, `SELECT m.visit_id, o.id, o.name, o.kind FROM liaison_visit_orgs m JOIN orgs o ON o.id = m.org_id
		WHERE m.visit_id IN (`+inList(ids)+`) ORDER BY m.visit_id, o.id`)
	if err != nil {
		return fmt.Errorf("liaison: visit orgs: %w", err)
	}
	for rows.Next() {
		var vid int64
		var o OrgRef
		if err := rows.Scan(&vid, &o.ID, &o.Name, &o.Kind); err != nil {
			rows.Close()
			return err
		}
		if limited && o.ID != a.OrgID {
			continue
		}
		out[at[vid]].Orgs = append(out[at[vid]].Orgs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	pq := `SELECT visit_id, COUNT(*) FROM liaison_problems WHERE visit_id IN (` + inList(ids) + `)`
	var args []any
	if limited {
		pq += ` AND org_id = $1`
		args = append(args, a.OrgID)
	}
	rows, err = s.db.RQOnce(ctx).QueryContext(ctx, pq+` GROUP BY visit_id`, args...)
	if err != nil {
		return fmt.Errorf("liaison: visit problems: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var vid int64
		var n int
		if err := rows.Scan(&vid, &n); err != nil {
			return err
		}
		out[at[vid]].Problems = n
	}
	return rows.Err()
}

// ResolveOrgs names the organisations a form chose (ids, and names or credit codes typed),
// for the visit form's second step: unknown names, or anything but enterprises and
// chambers, are field errors (org_names, org_ids); at least one is needed.
func (s *Service) ResolveOrgs(ctx context.Context, a auth.Actor, ids []int64, names []string) ([]OrgRef, error) {
	if !CanRecordVisits(a) && !seesAll(a) {
		return nil, apperr.Forbidden()
	}
	var v apperr.Validation
	named, unknown, err := s.findOrgs(ctx, names, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		v.Add("org_names", "liaison.error.org_unknown", "Name", strings.Join(unknown, "、"))
	}
	ids = distinct(append(ids, named...))
	if len(ids) > MaxVisitOrgs {
		v.Add("org_ids", "liaison.error.too_many", "Max", MaxVisitOrgs)
		return nil, v.Err()
	}
	orgs, bad, err := s.orgRefs(ctx, ids, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return nil, err
	}
	switch {
	case len(bad) > 0:
		v.Add("org_ids", "liaison.error.org_kind")
	case len(orgs) == 0 && len(unknown) == 0:
		v.Add("org_ids", "liaison.error.orgs_required")
	}
	return orgs, v.Err()
}

// ParseDay reads a civil date as people type it (2024-10-25, 2024/10/25, 2024年10月25日).
func ParseDay(s string) (string, bool) { return parseDay(s) }
