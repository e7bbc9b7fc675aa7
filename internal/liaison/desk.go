package liaison

import (
	"context"
	"fmt"
	"slices"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/i18n"
)

// DeskOrg is one of the leader's enterprises or chambers on the desk.
type DeskOrg struct {
	Link Link
	// LastVisit is the leader's latest visit there (YYYY-MM-DD), "" when never visited.
	LastVisit string
	Visits    int
	// Open and Overdue count the enterprise's open appeals (all channels).
	Open    int
	Overdue int
}

// DeskAppeal is an open appeal on the desk.
type DeskAppeal struct {
	appeal.Brief
	// Linked: of one of the leader's enterprises; Supervised: the leader supervises it;
	// EscalatedHere: escalated to the leader (疑难件).
	Linked, Supervised, EscalatedHere bool
	Overdue                           bool
}

// Desk is a leader's desk (/liaison/desk): their enterprises and chambers with the last
// visit, the open appeals that concern them (overdue first), the difficult cases escalated
// to them, the problems their visits raised, and this month's figures.
type Desk struct {
	Leader    Leader
	Orgs      []DeskOrg
	Open      []DeskAppeal
	Escalated []DeskAppeal
	Problems  []Problem
	Month     MonthSummary
	Now       time.Time
}

// lastVisitsSQL reads the leader's ($1) latest visit to each of orgs and how many.
func lastVisitsSQL(orgs []int64) string {
	return `SELECT m.org_id, MAX(v.visited_on), COUNT(*) FROM liaison_visit_orgs m JOIN liaison_visits v ON v.id = m.visit_id
		WHERE v.leader_user_id = $1 AND m.org_id IN (` + inList(orgs) + `) GROUP BY m.org_id`
}

// DeskLimit bounds the open appeals and the recent problems the desk shows.
const DeskLimit = 200

// Desk builds the desk of leader (the leader themself or their liaison officer; leader 0
// is the first leader the actor acts for). Anyone else: NotFound.
func (s *Service) Desk(ctx context.Context, a auth.Actor, leader int64) (Desk, error) {
	if !a.ScopeAllows("liaison", false) {
		return Desk{}, apperr.Forbidden()
	}
	mine, err := s.ActingFor(ctx, a)
	if err != nil {
		return Desk{}, err
	}
	if len(mine) == 0 {
		return Desk{}, apperr.Forbidden()
	}
	if leader == 0 {
		leader = mine[0]
	}
	if !slices.Contains(mine, leader) {
		return Desk{}, apperr.NotFound("liaison_leader")
	}
	d := Desk{Now: s.now()}
	if d.Leader, err = s.leader(ctx, leader); err != nil {
		return Desk{}, err
	}
	links, _, err := s.ListLinks(ctx, a, LinkFilter{LeaderID: leader, Limit: 1000, NoCount: true})
	if err != nil {
		return Desk{}, err
	}
	at := map[int64]int{}
	var orgIDs, ents []int64
	for _, l := range links {
		at[l.OrgID] = len(d.Orgs)
		d.Orgs = append(d.Orgs, DeskOrg{Link: l})
		orgIDs = append(orgIDs, l.OrgID)
		if l.OrgKind == auth.OrgEnterprise {
			ents = append(ents, l.OrgID)
		}
	}
	if len(orgIDs) > 0 {
		rows, err := s.db.RQOnce(ctx).QueryContext(ctx, lastVisitsSQL(orgIDs), leader)
		if err != nil {
			return Desk{}, fmt.Errorf("liaison: last visits: %w", err)
		}
		for rows.Next() {
			var org int64
			var last string
			var n int
			if err := rows.Scan(&org, &last, &n); err != nil {
				rows.Close()
				return Desk{}, err
			}
			d.Orgs[at[org]].LastVisit, d.Orgs[at[org]].Visits = last, n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Desk{}, err
		}
	}
	// Never-visited first, then the longest ago.
	slices.SortStableFunc(d.Orgs, func(x, y DeskOrg) int {
		if x.LastVisit != y.LastVisit {
			if x.LastVisit < y.LastVisit {
				return -1
			}
			return 1
		}
		return 0
	})

	// The open appeals: of the linked enterprises, and those the leader supervises or was
	// escalated to (appeal_leaders, through the actor's leader queue and the visits'
	// problems).
	open := map[int64]*DeskAppeal{}
	var order []int64
	add := func(b appeal.Brief) *DeskAppeal {
		if da, ok := open[b.ID]; ok {
			return da
		}
		da := &DeskAppeal{Brief: b, Overdue: Overdue(b, d.Now)}
		open[b.ID] = da
		order = append(order, b.ID)
		return da
	}
	if len(ents) > 0 {
		linked, err := s.appeal.OpenForEnterprises(ctx, a, ents, DeskLimit)
		if err != nil {
			return Desk{}, err
		}
		for _, b := range linked {
			add(b).Linked = true
		}
	}
	var queued []int64
	escalated := map[int64]bool{}
	page, err := s.appeal.List(ctx, a, appeal.QueueLeader, appeal.Filter{Limit: DeskLimit, SkipCount: true})
	if err != nil {
		return Desk{}, err
	}
	for _, it := range page.Items {
		if it.State.Open() {
			queued = append(queued, it.ID)
			escalated[it.ID] = it.Escalated
		}
	}
	if d.Problems, err = s.queryProblems(ctx, `p.leader_user_id = $1 ORDER BY p.id DESC LIMIT `+fmt.Sprint(DeskLimit), leader); err != nil {
		return Desk{}, err
	}
	if err := s.withStates(ctx, a, d.Problems); err != nil {
		return Desk{}, err
	}
	for _, p := range d.Problems {
		if p.HasAppeal && p.Appeal.State.Open() && !slices.Contains(queued, p.AppealID) {
			queued = append(queued, p.AppealID)
		}
	}
	if len(queued) > 0 {
		briefs, err := s.appeal.Briefs(ctx, a, queued)
		if err != nil {
			return Desk{}, err
		}
		for _, id := range queued {
			if b, ok := briefs[id]; ok && b.State.Open() {
				da := add(b)
				da.Supervised = b.SupervisionLevel > 0
				da.EscalatedHere = escalated[id]
			}
		}
	}
	for _, id := range order {
		d.Open = append(d.Open, *open[id])
	}
	sortDesk(d.Open)
	for i, o := range d.Orgs {
		at[o.Link.OrgID] = i
	}
	for _, da := range d.Open {
		if da.EscalatedHere {
			d.Escalated = append(d.Escalated, da)
		}
		if i, ok := at[da.EnterpriseOrgID]; ok && da.Linked {
			d.Orgs[i].Open++
			if da.Overdue {
				d.Orgs[i].Overdue++
			}
		}
	}
	months, err := s.monthly(ctx, leader, d.Now, 1)
	if err != nil {
		return Desk{}, err
	}
	d.Month = months[0]
	return d, nil
}

var levelRank = map[appeal.Level]int{"red": 0, "yellow": 1}

// sortDesk orders open appeals worst first: overdue, then warned, then by the first
// deadline, those without a running clock last, then by number.
func sortDesk(xs []DeskAppeal) {
	rank := func(d DeskAppeal) int {
		if d.Overdue {
			return 0
		}
		if r, ok := levelRank[d.SLALevel]; ok {
			return r
		}
		return 2
	}
	slices.SortStableFunc(xs, func(x, y DeskAppeal) int {
		if rx, ry := rank(x), rank(y); rx != ry {
			return rx - ry
		}
		if x.SLADue.IsZero() != y.SLADue.IsZero() {
			if x.SLADue.IsZero() {
				return 1
			}
			return -1
		}
		if c := x.SLADue.Compare(y.SLADue); c != 0 {
			return c
		}
		if x.ID < y.ID {
			return -1
		}
		if x.ID > y.ID {
			return 1
		}
		return 0
	})
}

// MonthSummary is a leader's month (by the visit date, Shanghai): visits, organisations
// visited, problems raised on those visits, and how the problems' appeals stand now —
// answered, closed, solved (the latest callback said so), called back, and of those
// satisfied (满意 or 基本满意).
type MonthSummary struct {
	Month       string // YYYY-MM
	Visits      int
	OrgsVisited int
	Problems    int
	Answered    int
	Closed      int
	Solved      int
	CalledBack  int
	Satisfied   int
}

// SatisfactionRate is Satisfied / CalledBack (0 when nobody was called back).
func (m MonthSummary) SatisfactionRate() float64 {
	if m.CalledBack == 0 {
		return 0
	}
	return float64(m.Satisfied) / float64(m.CalledBack)
}

// MonthlySummary returns the leader's last n months (1…36), the current month first.
// The leader and their officers only.
func (s *Service) MonthlySummary(ctx context.Context, a auth.Actor, leader int64, n int) ([]MonthSummary, error) {
	if !a.ScopeAllows("liaison", false) {
		return nil, apperr.Forbidden()
	}
	mine, err := s.ActingFor(ctx, a)
	if err != nil {
		return nil, err
	}
	if leader == 0 && len(mine) > 0 {
		leader = mine[0]
	}
	if !slices.Contains(mine, leader) {
		return nil, apperr.NotFound("liaison_leader")
	}
	if n < 1 || n > 36 {
		return nil, apperr.Invalid("months", "error.range", "Min", 1, "Max", 36)
	}
	return s.monthly(ctx, leader, s.now(), n)
}

func monthStart(t time.Time) time.Time {
	t = t.In(i18n.Shanghai)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, i18n.Shanghai)
}

// monthly computes n months ending with now's month: the visits by date in SQL, the
// problems' appeals through the appeal service (as the system: these are the leader's own
// figures), 500 at a time.
func (s *Service) monthly(ctx context.Context, leader int64, now time.Time, n int) ([]MonthSummary, error) {
	first := monthStart(now).AddDate(0, -(n - 1), 0)
	end := monthStart(now).AddDate(0, 1, 0)
	out := make([]MonthSummary, n)
	at := map[string]int{}
	for i := range out {
		m := monthStart(now).AddDate(0, -i, 0).Format("2006-01")
		out[i].Month, at[m] = m, i
	}
	from, to := first.Format("2006-01-02"), end.Format("2006-01-02")
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT SUBSTR(v.visited_on, 1, 7), COUNT(DISTINCT v.id), COUNT(DISTINCT m.org_id)
		FROM liaison_visits v LEFT JOIN liaison_visit_orgs m ON m.visit_id = v.id
		WHERE v.leader_user_id = $1 AND v.visited_on >= $2 AND v.visited_on < $3 GROUP BY SUBSTR(v.visited_on, 1, 7)`, leader, from, to)
	if err != nil {
		return nil, fmt.Errorf("liaison: monthly visits: %w", err)
	}
	for rows.Next() {
		var m string
		var visits, orgs int
		if err := rows.Scan(&m, &visits, &orgs); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := at[m]; ok {
			out[i].Visits, out[i].OrgsVisited = visits, orgs
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.RQ(ctx).QueryContext(ctx, `SELECT p.appeal_id, SUBSTR(v.visited_on, 1, 7) FROM liaison_problems p
		JOIN liaison_visits v ON v.id = p.visit_id WHERE v.leader_user_id = $1 AND v.visited_on >= $2 AND v.visited_on < $3`, leader, from, to)
	if err != nil {
		return nil, fmt.Errorf("liaison: monthly problems: %w", err)
	}
	month := map[int64]string{}
	var ids []int64
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return nil, err
		}
		month[id] = m
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		briefs, err := s.appeal.Briefs(ctx, auth.System(), chunk)
		if err != nil {
			return nil, err
		}
		for _, id := range chunk {
			i, ok := at[month[id]]
			if !ok {
				continue
			}
			m := &out[i]
			m.Problems++
			b, ok := briefs[id]
			if !ok {
				continue
			}
			if b.State == appeal.StateReplied || b.State == appeal.StateClosed {
				m.Answered++
			}
			if b.State == appeal.StateClosed {
				m.Closed++
			}
			if b.Solved != nil && *b.Solved {
				m.Solved++
			}
			if b.Satisfaction != "" {
				m.CalledBack++
				if b.Satisfaction == appeal.Satisfied || b.Satisfaction == appeal.Basically {
					m.Satisfied++
				}
			}
		}
	}
	return out, nil
}
