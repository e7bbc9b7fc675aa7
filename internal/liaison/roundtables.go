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

// Roundtable is a government–enterprise roundtable (政企恳谈会): host departments meet
// entrepreneurs and chambers on topics; every issue raised becomes an appeal or a
// suggestion dispatched to a department and is followed until answered.
type Roundtable struct {
	ID           int64
	Title        string
	HeldOn       string
	Location     string
	Topics       string
	Summary      string
	Hosts        []OrgRef
	Participants []OrgRef
	Issues       []Problem
	CreatedBy    int64
	CreatorName  string
	CreatedAt    time.Time
	Version      int64
	// Limited: the actor is a participant and sees its own issues only.
	Limited bool
}

// AnsweredCount is how many issues have their answer.
func (r Roundtable) AnsweredCount() int {
	n := 0
	for _, p := range r.Issues {
		if p.Answered() {
			n++
		}
	}
	return n
}

// RoundtableInput records a roundtable with its issues.
type RoundtableInput struct {
	Title          string
	HeldOn         string
	Location       string
	Topics         string
	Summary        string
	HostIDs        []int64
	ParticipantIDs []int64
	// ParticipantNames name more participants as typed in a form (an enterprise's name or
	// credit code, a chamber's name).
	ParticipantNames []string
	Issues           []ProblemInput
}

// Roundtable limits.
const (
	MaxRoundtableTitle = 100
	MaxLocation        = 100
	MaxHosts           = 10
	MaxParticipants    = 100
)

const (
	roleHost        = "host"
	roleParticipant = "participant"
)

type roundtableHead struct {
	id                  int64
	hosts, participants []int64
}

func (s *Service) roundtableHead(ctx context.Context, id int64) (roundtableHead, error) {
	h := roundtableHead{id: id}
	var one int
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM liaison_roundtables WHERE id = $1`, id).Scan(&one)
	if db.IsNoRows(err) {
		return h, apperr.NotFound("liaison_roundtable")
	}
	if err != nil {
		return h, fmt.Errorf("liaison: roundtable %d: %w", id, err)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT org_id, role FROM liaison_roundtable_orgs WHERE roundtable_id = $1 ORDER BY org_id`, id)
	if err != nil {
		return h, fmt.Errorf("liaison: roundtable orgs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var role string
		if err := rows.Scan(&org, &role); err != nil {
			return h, err
		}
		if role == roleHost {
			h.hosts = append(h.hosts, org)
		} else {
			h.participants = append(h.participants, org)
		}
	}
	return h, rows.Err()
}

func roundtableView(a auth.Actor, h roundtableHead) view {
	switch {
	case seesAll(a):
		return viewFull
	case a.Has(auth.RoleDepartment) && a.OrgID != 0 && slices.Contains(h.hosts, a.OrgID):
		return viewFull
	case a.HasAny(auth.RoleEnterprise, auth.RoleChamber) && a.OrgID != 0 && slices.Contains(h.participants, a.OrgID):
		return viewLimited
	}
	return viewNone
}

// CreateRoundtable records a roundtable (operators) and, in the same transaction, files
// each issue as an appeal of its kind (a suggestion is kind 建议; channel roundtable),
// accepts it and dispatches it to its department, where it is followed until answered.
// Any mistake refuses the whole with field errors (issues are "problems[i].…").
func (s *Service) CreateRoundtable(ctx context.Context, a auth.Actor, in RoundtableInput) (Roundtable, error) {
	if !CanRecordRoundtables(a) || !a.ScopeAllows("liaison", true) {
		return Roundtable{}, apperr.Forbidden()
	}
	var v apperr.Validation
	in.Title, in.Location = strings.TrimSpace(in.Title), strings.TrimSpace(in.Location)
	in.Topics, in.Summary = strings.TrimSpace(in.Topics), strings.TrimSpace(in.Summary)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		v.Add("title", "error.required")
	case n > MaxRoundtableTitle:
		v.Add("title", "error.too_long", "Max", MaxRoundtableTitle)
	}
	if d, ok := parseDay(in.HeldOn); strings.TrimSpace(in.HeldOn) == "" {
		v.Add("held_on", "error.required")
	} else if !ok {
		v.Add("held_on", "error.date")
	} else if d > s.Today() {
		v.Add("held_on", "liaison.error.future")
	} else {
		in.HeldOn = d
	}
	if utf8.RuneCountInString(in.Location) > MaxLocation {
		v.Add("location", "error.too_long", "Max", MaxLocation)
	}
	switch n := utf8.RuneCountInString(in.Topics); {
	case n == 0:
		v.Add("topics", "error.required")
	case n > MaxTopicsChars:
		v.Add("topics", "error.too_long", "Max", MaxTopicsChars)
	}
	if utf8.RuneCountInString(in.Summary) > MaxSummary {
		v.Add("summary", "error.too_long", "Max", MaxSummary)
	}
	in.HostIDs = distinct(in.HostIDs)
	_, bad, err := s.orgRefs(ctx, in.HostIDs, auth.OrgGovernment, auth.OrgFederation)
	if err != nil {
		return Roundtable{}, err
	}
	switch {
	case len(in.HostIDs) == 0:
		v.Add("host_ids", "liaison.error.hosts_required")
	case len(in.HostIDs) > MaxHosts:
		v.Add("host_ids", "liaison.error.too_many", "Max", MaxHosts)
	case len(bad) > 0:
		v.Add("host_ids", "liaison.error.department")
	}
	named, unknown, err := s.findOrgs(ctx, in.ParticipantNames, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return Roundtable{}, err
	}
	if len(unknown) > 0 {
		v.Add("participant_names", "liaison.error.org_unknown", "Name", strings.Join(unknown, "、"))
	}
	in.ParticipantIDs = distinct(append(in.ParticipantIDs, named...))
	parts, bad, err := s.orgRefs(ctx, in.ParticipantIDs, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return Roundtable{}, err
	}
	switch {
	case len(in.ParticipantIDs) == 0 && len(unknown) == 0:
		v.Add("participant_ids", "liaison.error.orgs_required")
	case len(in.ParticipantIDs) > MaxParticipants:
		v.Add("participant_ids", "liaison.error.too_many", "Max", MaxParticipants)
	case len(bad) > 0:
		v.Add("participant_ids", "liaison.error.org_kind")
	}
	if len(in.Issues) > MaxProblems {
		v.Add("problems", "liaison.error.too_many", "Max", MaxProblems)
	}
	if err := v.Err(); err != nil {
		return Roundtable{}, err
	}
	f := filing{channel: appeal.ChannelRoundtable, enterprises: map[int64]bool{}, dispatch: true}
	for _, o := range parts {
		if o.Kind == auth.OrgEnterprise {
			f.enterprises[o.ID] = true
		} else {
			f.typed = true
		}
	}
	var id int64
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO liaison_roundtables (title, held_on, location, topics, summary, created_by,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			in.Title, in.HeldOn, in.Location, in.Topics, in.Summary, nullID(a.UserID), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("liaison: insert roundtable: %w", err)
		}
		for _, g := range []struct {
			role string
			ids  []int64
		}{{roleHost, in.HostIDs}, {roleParticipant, in.ParticipantIDs}} {
			for _, o := range g.ids {
				if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO liaison_roundtable_orgs (roundtable_id, org_id, role) VALUES ($1, $2, $3)`,
					id, o, g.role); err != nil {
					return fmt.Errorf("liaison: roundtable org: %w", err)
				}
			}
		}
		if err := s.record(ctx, a, "liaison_roundtable.create", "liaison_roundtable", id, audit.Change{After: map[string]any{
			"title": in.Title, "held_on": in.HeldOn, "host_ids": in.HostIDs, "participant_ids": in.ParticipantIDs,
			"issues": len(in.Issues)}}); err != nil {
			return err
		}
		f.roundtableID = id
		return s.fileProblems(ctx, a, f, in.Issues)
	})
	if err != nil {
		return Roundtable{}, err
	}
	return s.GetRoundtable(ctx, a, id)
}

// GetRoundtable returns a roundtable as the actor may see it, with its follow-up list.
func (s *Service) GetRoundtable(ctx context.Context, a auth.Actor, id int64) (Roundtable, error) {
	if !a.ScopeAllows("liaison", false) {
		return Roundtable{}, apperr.Forbidden()
	}
	h, err := s.roundtableHead(ctx, id)
	if err != nil {
		return Roundtable{}, err
	}
	vw := roundtableView(a, h)
	if vw == viewNone {
		return Roundtable{}, apperr.NotFound("liaison_roundtable")
	}
	var r Roundtable
	var created int64
	err = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT r.id, r.title, r.held_on, r.location, r.topics, r.summary, COALESCE(r.created_by, 0),
		COALESCE(u.display_name, ''), r.created_at, r.version FROM liaison_roundtables r LEFT JOIN users u ON u.id = r.created_by
		WHERE r.id = $1`, id).Scan(&r.ID, &r.Title, &r.HeldOn, &r.Location, &r.Topics, &r.Summary, &r.CreatedBy, &r.CreatorName, &created, &r.Version)
	if err != nil {
		return Roundtable{}, fmt.Errorf("liaison: roundtable %d: %w", id, err)
	}
	r.CreatedAt = db.FromMillis(created)
	if r.Hosts, _, err = s.orgRefs(ctx, h.hosts, auth.OrgGovernment, auth.OrgFederation); err != nil {
		return Roundtable{}, err
	}
	if r.Participants, _, err = s.orgRefs(ctx, h.participants, auth.OrgEnterprise, auth.OrgChamber); err != nil {
		return Roundtable{}, err
	}
	if r.Issues, err = s.queryProblems(ctx, `p.roundtable_id = $1 ORDER BY p.id`, id); err != nil {
		return Roundtable{}, err
	}
	if vw == viewLimited {
		r.Limited = true
		r.Issues = slices.DeleteFunc(r.Issues, func(p Problem) bool { return p.OrgID != a.OrgID })
	}
	if err := s.withStates(ctx, a, r.Issues); err != nil {
		return Roundtable{}, err
	}
	return r, nil
}

// RoundtableRow is a roundtable in a list.
type RoundtableRow struct {
	ID       int64
	Title    string
	HeldOn   string
	Hosts    []OrgRef
	Issues   int
	Answered int
}

// RoundtableFilter selects roundtables (From/To bound held_on, To exclusive).
type RoundtableFilter struct {
	HostID   int64
	From, To string
	// AfterDate and AfterID are the keyset cursor (held_on, id) of the previous page.
	AfterDate string
	AfterID   int64
	Offset    int
	Limit     int
	NoCount   bool
}

// ListRoundtables returns a page of the roundtables in the actor's scope, latest first,
// each with its hosts and how many of its issues are answered.
func (s *Service) ListRoundtables(ctx context.Context, a auth.Actor, f RoundtableFilter) ([]RoundtableRow, int, error) {
	if !a.ScopeAllows("liaison", false) {
		return nil, 0, apperr.Forbidden()
	}
	q := &sqlArgs{}
	var where []string
	if !seesAll(a) {
		var parts []string
		if a.Has(auth.RoleDepartment) && a.OrgID != 0 {
			parts = append(parts, "EXISTS (SELECT 1 FROM liaison_roundtable_orgs h WHERE h.roundtable_id = r.id AND h.role = 'host' AND h.org_id = "+q.add(a.OrgID)+")")
		}
		if a.HasAny(auth.RoleEnterprise, auth.RoleChamber) && a.OrgID != 0 {
			parts = append(parts, "EXISTS (SELECT 1 FROM liaison_roundtable_orgs p WHERE p.roundtable_id = r.id AND p.role = 'participant' AND p.org_id = "+q.add(a.OrgID)+")")
		}
		if len(parts) == 0 {
			parts = []string{"1 = 0"}
		}
		where = append(where, "("+strings.Join(parts, " OR ")+")")
	}
	if f.HostID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM liaison_roundtable_orgs fh WHERE fh.roundtable_id = r.id AND fh.role = 'host' AND fh.org_id = "+q.add(f.HostID)+")")
	}
	var v apperr.Validation
	for _, b := range []struct{ field, val, op string }{{"from", f.From, ">="}, {"to", f.To, "<"}} {
		if b.val == "" {
			continue
		}
		d, ok := parseDay(b.val)
		if !ok {
			v.Add(b.field, "error.date")
			continue
		}
		where = append(where, "r.held_on "+b.op+" "+q.add(d))
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	total := 0
	if !f.NoCount {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM liaison_roundtables r`+cond, q.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("liaison: count roundtables: %w", err)
		}
	}
	if f.AfterID > 0 {
		c := "(r.held_on < " + q.add(f.AfterDate) + " OR (r.held_on = " + q.add(f.AfterDate) + " AND r.id < " + q.add(f.AfterID) + "))"
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
	query := `SELECT r.id, r.title, r.held_on FROM liaison_roundtables r` + cond + ` ORDER BY r.held_on DESC, r.id DESC LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.AfterID == 0 {
		query += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, query, q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("liaison: roundtables: %w", err)
	}
	var out []RoundtableRow
	for rows.Next() {
		var r RoundtableRow
		if err := rows.Scan(&r.ID, &r.Title, &r.HeldOn); err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for i := range out {
		h, err := s.roundtableHead(ctx, out[i].ID)
		if err != nil {
			return nil, 0, err
		}
		if out[i].Hosts, _, err = s.orgRefs(ctx, h.hosts, auth.OrgGovernment, auth.OrgFederation); err != nil {
			return nil, 0, err
		}
		issues, err := s.queryProblems(ctx, `p.roundtable_id = $1`, out[i].ID)
		if err != nil {
			return nil, 0, err
		}
		if roundtableView(a, h) == viewLimited {
			issues = slices.DeleteFunc(issues, func(p Problem) bool { return p.OrgID != a.OrgID })
		}
		if err := s.withStates(ctx, a, issues); err != nil {
			return nil, 0, err
		}
		out[i].Issues = len(issues)
		for _, p := range issues {
			if p.Answered() {
				out[i].Answered++
			}
		}
	}
	return out, total, nil
}

// AddRoundtableIssues records more issues of a roundtable (operators): each becomes an
// appeal or a suggestion dispatched to its department, in one transaction, like the
// issues given at CreateRoundtable.
func (s *Service) AddRoundtableIssues(ctx context.Context, a auth.Actor, id int64, issues []ProblemInput) (Roundtable, error) {
	if !a.ScopeAllows("liaison", true) {
		return Roundtable{}, apperr.Forbidden()
	}
	h, err := s.roundtableHead(ctx, id)
	if err != nil {
		return Roundtable{}, err
	}
	if roundtableView(a, h) == viewNone {
		return Roundtable{}, apperr.NotFound("liaison_roundtable")
	}
	if !CanRecordRoundtables(a) {
		return Roundtable{}, apperr.Forbidden()
	}
	switch {
	case len(issues) == 0:
		return Roundtable{}, apperr.Invalid("problems", "liaison.error.problems_required")
	case len(issues) > MaxProblems:
		return Roundtable{}, apperr.Invalid("problems", "liaison.error.too_many", "Max", MaxProblems)
	}
	parts, _, err := s.orgRefs(ctx, h.participants, auth.OrgEnterprise, auth.OrgChamber)
	if err != nil {
		return Roundtable{}, err
	}
	f := filing{roundtableID: id, channel: appeal.ChannelRoundtable, enterprises: map[int64]bool{}, dispatch: true}
	for _, o := range parts {
		if o.Kind == auth.OrgEnterprise {
			f.enterprises[o.ID] = true
		} else {
			f.typed = true
		}
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.record(ctx, a, "liaison_roundtable.issues", "liaison_roundtable", id, audit.Change{After: map[string]any{"issues": len(issues)}}); err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE liaison_roundtables SET updated_at = $1, version = version + 1 WHERE id = $2`,
			db.Millis(s.now()), id); err != nil {
			return fmt.Errorf("liaison: touch roundtable: %w", err)
		}
		return s.fileProblems(ctx, a, f, issues)
	})
	if err != nil {
		return Roundtable{}, err
	}
	return s.GetRoundtable(ctx, a, id)
}
