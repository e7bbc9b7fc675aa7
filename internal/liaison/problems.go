package liaison

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// ProblemInput is a problem (or suggestion) raised on a visit or at a roundtable. It
// becomes an appeal of the closed loop in the transaction that records the meeting: the
// enterprise is one the meeting was with (no retyping), the contact defaults to the
// enterprise's contact in the directory.
type ProblemInput struct {
	OrgID int64 // the enterprise: one of the visit's or roundtable's enterprises
	// EnterpriseName (and DistrictCode) name an enterprise that is not in the directory,
	// for a problem a chamber raised on a member's behalf; only when a chamber took part.
	EnterpriseName string
	DistrictCode   string
	Kind           appeal.Kind // appeal, complaint, consultation or suggestion
	CategoryID     int64
	Title          string
	Body           string
	Priority       appeal.Priority
	ContactName    string
	ContactPhone   string
	// DeptID is the department a roundtable's issue is dispatched to (required there).
	DeptID int64
}

// Problem is a problem as the meeting recorded it, with the appeal it became.
type Problem struct {
	ID           int64
	AppealID     int64
	VisitID      int64
	RoundtableID int64
	LeaderID     int64
	OrgID        int64
	OrgName      string
	DeptID       int64
	DeptName     string
	Kind         appeal.Kind
	Title        string
	CreatedAt    time.Time
	// Appeal is where the appeal stands (HasAppeal), read for those who see the meeting.
	Appeal    appeal.Brief
	HasAppeal bool
	// CanOpen says the actor may open the appeal itself (the appeal loop's own scope).
	CanOpen bool
}

// Answered reports whether the problem has its answer (replied, closed, or finished
// otherwise).
func (p Problem) Answered() bool { return p.HasAppeal && p.Appeal.Answered() }

// Overdue reports whether the appeal's running clock is past its deadline at now.
func (p Problem) Overdue(now time.Time) bool { return p.HasAppeal && Overdue(p.Appeal, now) }

// Overdue reports whether an appeal is red: stored so by the loop, or its first running
// deadline has passed (between two sweeps).
func Overdue(b appeal.Brief, now time.Time) bool {
	return b.State.Open() && (b.SLALevel == "red" || (!b.SLADue.IsZero() && now.After(b.SLADue)))
}

// MaxProblems bounds the problems of one visit or roundtable.
const MaxProblems = 30

// problemField maps a field of the appeal's intake to the problem input's.
func problemField(i int, f string) string {
	switch f {
	case "enterprise_org_id":
		f = "org_id"
	case "supervising_leader_id":
		f = "leader_id"
	case "lead_org_id":
		f = "dept_id"
	}
	if f == "leader_id" {
		return f
	}
	return "problems[" + strconv.Itoa(i) + "]." + f
}

// filing is how the problems of one meeting are filed.
type filing struct {
	visitID, roundtableID int64
	leaderID              int64          // the visit's leader: supervises every problem
	channel               appeal.Channel // leader_visit or roundtable
	enterprises           map[int64]bool // the meeting's enterprises
	typed                 bool           // a chamber took part: typed enterprises allowed
	dispatch              bool           // roundtables: accept and dispatch to DeptID
}

// fileProblems turns the problems into appeals inside the caller's transaction. It goes
// through every problem so that all their mistakes come back at once (as field errors
// named problems[i].field); the caller's transaction then rolls everything back.
func (s *Service) fileProblems(ctx context.Context, a auth.Actor, f filing, ps []ProblemInput) error {
	var v apperr.Validation
	for i, p := range ps {
		p.Title, p.Body = strings.TrimSpace(p.Title), strings.TrimSpace(p.Body)
		p.EnterpriseName = strings.TrimSpace(p.EnterpriseName)
		bad := false
		switch {
		case p.OrgID != 0 && !f.enterprises[p.OrgID]:
			v.Add(problemField(i, "org_id"), "liaison.error.problem_org")
			bad = true
		case p.OrgID == 0 && (!f.typed || p.EnterpriseName == ""):
			v.Add(problemField(i, "org_id"), "liaison.error.problem_org_required")
			bad = true
		}
		if f.dispatch {
			if p.DeptID == 0 {
				v.Add(problemField(i, "dept_id"), "error.required")
				bad = true
			} else if kind, err := s.orgKind(ctx, p.DeptID); err != nil {
				return err
			} else if kind != auth.OrgGovernment {
				v.Add(problemField(i, "dept_id"), "liaison.error.department")
				bad = true
			}
		}
		if p.OrgID != 0 && (p.ContactName == "" || p.ContactPhone == "") && !bad {
			if e, err := s.dir.ReadEnterprise(ctx, a, p.OrgID); err == nil && !e.ContactMasked {
				if p.ContactName == "" {
					p.ContactName = e.ContactName
				}
				if p.ContactPhone == "" {
					p.ContactPhone = e.ContactPhone
				}
			}
		}
		in := appeal.NewAppeal{Kind: p.Kind, Channel: f.channel, CategoryID: p.CategoryID, Title: p.Title, Body: p.Body,
			DistrictCode: p.DistrictCode, Priority: p.Priority, EnterpriseOrgID: p.OrgID, EnterpriseName: p.EnterpriseName,
			ContactName: p.ContactName, ContactPhone: p.ContactPhone, SupervisingLeaderID: f.leaderID}
		if p.OrgID != 0 {
			in.EnterpriseName = ""
		}
		if bad {
			continue
		}
		ap, err := s.appeal.Create(ctx, a, in)
		if err != nil {
			if e, ok := apperr.As(err); ok && isInvalid(err) {
				for _, fe := range e.Fields {
					v.Add(problemField(i, fe.Field), fe.Key, argsKV(fe.Args)...)
				}
				continue
			}
			return err
		}
		if f.dispatch {
			if ap, err = s.appeal.Accept(ctx, a, ap.ID, ap.Version, ""); err != nil {
				return err
			}
			if _, err = s.appeal.Dispatch(ctx, a, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: p.DeptID}); err != nil {
				if e, ok := apperr.As(err); ok && isInvalid(err) {
					for _, fe := range e.Fields {
						v.Add(problemField(i, fe.Field), fe.Key, argsKV(fe.Args)...)
					}
					continue
				}
				return err
			}
		}
		var dept any
		if f.dispatch {
			dept = p.DeptID
		}
		_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO liaison_problems (appeal_id, visit_id, roundtable_id, leader_user_id, org_id,
			org_name, dept_org_id, kind, title, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			ap.ID, nullID(f.visitID), nullID(f.roundtableID), nullID(f.leaderID), nullID(ap.EnterpriseOrgID), ap.EnterpriseName,
			dept, string(ap.Kind), ap.Title, db.Millis(s.now()))
		if err != nil {
			return fmt.Errorf("liaison: insert problem: %w", err)
		}
	}
	return v.Err()
}

func argsKV(m map[string]any) []any {
	kv := make([]any, 0, 2*len(m))
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

// orgKind returns an organisation's kind ("" when unknown).
func (s *Service) orgKind(ctx context.Context, id int64) (string, error) {
	var kind string
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, id).Scan(&kind)
	if db.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("liaison: org kind: %w", err)
	}
	return kind, nil
}

const problemCols = `p.id, p.appeal_id, COALESCE(p.visit_id, 0), COALESCE(p.roundtable_id, 0), COALESCE(p.leader_user_id, 0),
	COALESCE(p.org_id, 0), p.org_name, COALESCE(p.dept_org_id, 0), COALESCE(d.name, ''), p.kind, p.title, p.created_at`

const problemFrom = ` FROM liaison_problems p LEFT JOIN orgs d ON d.id = p.dept_org_id`

func (s *Service) queryProblems(ctx context.Context, where string, args ...any) ([]Problem, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT `+problemCols+problemFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("liaison: problems: %w", err)
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		var p Problem
		var created int64
		if err := rows.Scan(&p.ID, &p.AppealID, &p.VisitID, &p.RoundtableID, &p.LeaderID, &p.OrgID, &p.OrgName, &p.DeptID, &p.DeptName,
			&p.Kind, &p.Title, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = db.FromMillis(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// withStates fills each problem's appeal. states are read as the system: whoever sees the
// meeting reads how its problems are followed up; CanOpen is the actor's own scope.
func (s *Service) withStates(ctx context.Context, a auth.Actor, ps []Problem) error {
	for start := 0; start < len(ps); start += 500 {
		end := min(start+500, len(ps))
		ids := make([]int64, 0, end-start)
		for _, p := range ps[start:end] {
			ids = append(ids, p.AppealID)
		}
		all, err := s.appeal.Briefs(ctx, auth.System(), ids)
		if err != nil {
			return err
		}
		mine, err := s.appeal.Briefs(ctx, a, ids)
		if err != nil {
			return err
		}
		for i := start; i < end; i++ {
			b, ok := all[ps[i].AppealID]
			if !ok {
				continue
			}
			if own, ok := mine[ps[i].AppealID]; ok {
				b, ps[i].CanOpen = own, true // redacted as the actor may read it
			} else {
				b.EnterpriseName = ""
			}
			ps[i].Appeal, ps[i].HasAppeal = b, true
		}
	}
	return nil
}
