package api

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/i18n"
	"yingshang/internal/liaison"
)

// The leader liaison part: /api/v1/liaison/… (area "liaison"). Filing problems creates
// appeals, so a token that records visits or roundtables with problems needs the
// "appeals" area's write scope too (plain "write" covers both).
func (s *Server) liaisonRoutes() []Route {
	if s.Liaison == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/liaison/leaders", Area: "liaison", Handler: s.listLeaders},
		{Method: "GET", Pattern: "/api/v1/liaison/links", Area: "liaison", Handler: s.listLinks},
		{Method: "POST", Pattern: "/api/v1/liaison/links", Area: "liaison", Write: true, Create: true, Handler: s.createLink},
		{Method: "GET", Pattern: "/api/v1/liaison/links/{id}", Area: "liaison", Handler: s.getLink},
		{Method: "POST", Pattern: "/api/v1/liaison/links/{id}/end", Area: "liaison", Write: true, Handler: s.endLink},
		{Method: "GET", Pattern: "/api/v1/liaison/visits", Area: "liaison", Handler: s.listVisits},
		{Method: "POST", Pattern: "/api/v1/liaison/visits", Area: "liaison", Write: true, Create: true, Handler: s.createVisit},
		{Method: "GET", Pattern: "/api/v1/liaison/visits/{id}", Area: "liaison", Handler: s.getVisit},
		{Method: "GET", Pattern: "/api/v1/liaison/roundtables", Area: "liaison", Handler: s.listRoundtables},
		{Method: "POST", Pattern: "/api/v1/liaison/roundtables", Area: "liaison", Write: true, Create: true, Handler: s.createRoundtable},
		{Method: "GET", Pattern: "/api/v1/liaison/roundtables/{id}", Area: "liaison", Handler: s.getRoundtable},
		{Method: "POST", Pattern: "/api/v1/liaison/roundtables/{id}/issues", Area: "liaison", Write: true, Create: true, Handler: s.addRoundtableIssues},
		{Method: "GET", Pattern: "/api/v1/liaison/desk", Area: "liaison", Handler: s.getDesk},
		{Method: "GET", Pattern: "/api/v1/liaison/suggestions/stats", Area: "liaison", Handler: s.suggestionStats},
	}
}

// LeaderJSON is a city leader.
type LeaderJSON struct {
	UserID     int64  `json:"user_id"`
	Name       string `json:"name"`
	Title      string `json:"title"`
	OfficeID   int64  `json:"office_id"`
	OfficeName string `json:"office_name"`
	PersonID   *int64 `json:"person_id"`
	SortOrder  int    `json:"sort_order"`
	Disabled   bool   `json:"disabled"`
	Version    int64  `json:"version"`
}

func leaderJSON(l liaison.Leader) LeaderJSON {
	return LeaderJSON{UserID: l.UserID, Name: l.Name, Title: l.Title, OfficeID: l.OfficeID, OfficeName: l.OfficeName,
		PersonID: idPtr(l.PersonID), SortOrder: l.SortOrder, Disabled: l.Disabled, Version: l.Version}
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) listLeaders(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.Liaison.Leaders(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	page := Page[LeaderJSON]{Items: make([]LeaderJSON, 0, len(ls))}
	for _, l := range ls {
		page.Items = append(page.Items, leaderJSON(l))
	}
	return writeJSON(w, http.StatusOK, page)
}

// LinkJSON is a leader's link to an enterprise or chamber.
type LinkJSON struct {
	ID          int64     `json:"id"`
	LeaderID    int64     `json:"leader_id"`
	LeaderName  string    `json:"leader_name"`
	LeaderTitle string    `json:"leader_title"`
	OrgID       int64     `json:"org_id"`
	OrgKind     string    `json:"org_kind"`
	OrgName     string    `json:"org_name"`
	OfficerID   *int64    `json:"officer_id"`
	OfficerName string    `json:"officer_name,omitempty"`
	SinceOn     string    `json:"since_on"`
	UntilOn     *string   `json:"until_on"`
	Active      bool      `json:"active"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

func linkJSON(l liaison.Link) LinkJSON {
	return LinkJSON{ID: l.ID, LeaderID: l.LeaderID, LeaderName: l.LeaderName, LeaderTitle: l.LeaderTitle, OrgID: l.OrgID, OrgKind: l.OrgKind,
		OrgName: l.OrgName, OfficerID: idPtr(l.OfficerID), OfficerName: l.OfficerName, SinceOn: l.SinceOn, UntilOn: strPtr(l.UntilOn),
		Active: l.Active(), Note: l.Note, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Version: l.Version}
}

// queryID reads an optional positive id parameter.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam(name)
	}
	return id, nil
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.LinkFilter{Kind: q.Get("kind"), Status: q.Get("status"), Q: q.Get("q"), AfterID: c.ID, Limit: limit, NoCount: true}
	if f.LeaderID, err = queryID(r, "leader_id"); err != nil {
		return err
	}
	if f.OrgID, err = queryID(r, "org_id"); err != nil {
		return err
	}
	ls, _, err := s.Liaison.ListLinks(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[LinkJSON]{Items: make([]LinkJSON, 0, len(ls))}
	for _, l := range ls {
		page.Items = append(page.Items, linkJSON(l))
	}
	if len(ls) == limit {
		page.NextCursor = Cursor{ID: ls[len(ls)-1].ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type newLinkJSON struct {
	LeaderID  int64  `json:"leader_id"`
	OrgID     int64  `json:"org_id"`
	OfficerID int64  `json:"officer_id"`
	SinceOn   string `json:"since_on"`
	UntilOn   string `json:"until_on"`
	Note      string `json:"note"`
}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request) error {
	var in newLinkJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	l, err := s.Liaison.CreateLink(r.Context(), actorOf(r), liaison.LinkInput{LeaderID: in.LeaderID, OrgID: in.OrgID, OfficerID: in.OfficerID,
		SinceOn: in.SinceOn, UntilOn: in.UntilOn, Note: in.Note})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/liaison/links/"+strconv.FormatInt(l.ID, 10))
	return writeJSON(w, http.StatusCreated, linkJSON(l))
}

func (s *Server) getLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	l, err := s.Liaison.GetLink(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, linkJSON(l))
}

func (s *Server) endLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		UntilOn string `json:"until_on"`
		Version int64  `json:"version"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	l, err := s.Liaison.EndLink(r.Context(), actorOf(r), id, in.UntilOn, in.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, linkJSON(l))
}

// OrgRefJSON names an organisation.
type OrgRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func orgRefs(os []liaison.OrgRef) []OrgRefJSON {
	out := make([]OrgRefJSON, 0, len(os))
	for _, o := range os {
		out = append(out, OrgRefJSON{ID: o.ID, Name: o.Name, Kind: o.Kind})
	}
	return out
}

// AppealBriefJSON is where a problem's appeal stands.
type AppealBriefJSON struct {
	Number           string     `json:"number"`
	Kind             string     `json:"kind"`
	State            string     `json:"state"`
	SLALevel         string     `json:"sla_level"`
	SLADue           *time.Time `json:"sla_due"`
	SupervisionLevel int        `json:"supervision_level"`
	LeadOrgName      string     `json:"lead_org_name"`
	Outcome          string     `json:"outcome"`
	Satisfaction     string     `json:"satisfaction"`
	Solved           *bool      `json:"solved"`
}

func briefJSON(b appeal.Brief) AppealBriefJSON {
	return AppealBriefJSON{Number: b.Number, Kind: string(b.Kind), State: string(b.State), SLALevel: string(b.SLALevel), SLADue: timePtr(b.SLADue),
		SupervisionLevel: b.SupervisionLevel, LeadOrgName: b.LeadOrgName, Outcome: string(b.Outcome), Satisfaction: string(b.Satisfaction),
		Solved: b.Solved}
}

// ProblemJSON is a problem raised on a visit or at a roundtable, with its appeal.
type ProblemJSON struct {
	ID             int64            `json:"id"`
	AppealID       int64            `json:"appeal_id"`
	OrgID          *int64           `json:"org_id"`
	OrgName        string           `json:"org_name"`
	Kind           string           `json:"kind"`
	Title          string           `json:"title"`
	DepartmentID   *int64           `json:"department_id"`
	DepartmentName string           `json:"department_name,omitempty"`
	Appeal         *AppealBriefJSON `json:"appeal"`
	CanOpen        bool             `json:"can_open"`
}

func problemsJSON(ps []liaison.Problem) []ProblemJSON {
	out := make([]ProblemJSON, 0, len(ps))
	for _, p := range ps {
		j := ProblemJSON{ID: p.ID, AppealID: p.AppealID, OrgID: idPtr(p.OrgID), OrgName: p.OrgName, Kind: string(p.Kind), Title: p.Title,
			DepartmentID: idPtr(p.DeptID), DepartmentName: p.DeptName, CanOpen: p.CanOpen}
		if p.HasAppeal {
			b := briefJSON(p.Appeal)
			j.Appeal = &b
		}
		out = append(out, j)
	}
	return out
}

// FileJSON is a visit's photo or document (its bytes are on the web page's link).
type FileJSON struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// VisitJSON is a visit with its problems.
type VisitJSON struct {
	ID          int64         `json:"id"`
	LeaderID    int64         `json:"leader_id"`
	LeaderName  string        `json:"leader_name"`
	LeaderTitle string        `json:"leader_title"`
	Kind        string        `json:"kind"`
	VisitedOn   string        `json:"visited_on"`
	Summary     string        `json:"summary"`
	Limited     bool          `json:"limited"`
	Orgs        []OrgRefJSON  `json:"orgs"`
	Departments []OrgRefJSON  `json:"departments"`
	Files       []FileJSON    `json:"files"`
	Problems    []ProblemJSON `json:"problems"`
	CreatedAt   time.Time     `json:"created_at"`
	Version     int64         `json:"version"`
}

func visitJSON(v liaison.Visit) VisitJSON {
	j := VisitJSON{ID: v.ID, LeaderID: v.LeaderID, LeaderName: v.LeaderName, LeaderTitle: v.LeaderTitle, Kind: v.Kind, VisitedOn: v.VisitedOn,
		Summary: v.Summary, Limited: v.Limited, Orgs: orgRefs(v.Orgs), Departments: orgRefs(v.Depts), Files: []FileJSON{},
		Problems: problemsJSON(v.Problems), CreatedAt: v.CreatedAt, Version: v.Version}
	for _, f := range v.Files {
		j.Files = append(j.Files, FileJSON{ID: f.ID, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, CreatedAt: f.CreatedAt})
	}
	return j
}

// VisitRowJSON is a visit in a list.
type VisitRowJSON struct {
	ID          int64        `json:"id"`
	LeaderID    int64        `json:"leader_id"`
	LeaderName  string       `json:"leader_name"`
	LeaderTitle string       `json:"leader_title"`
	Kind        string       `json:"kind"`
	VisitedOn   string       `json:"visited_on"`
	Orgs        []OrgRefJSON `json:"orgs"`
	Problems    int          `json:"problems"`
}

func (s *Server) listVisits(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.VisitFilter{Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), AfterDate: c.Key, AfterID: c.ID, Limit: limit, NoCount: true}
	if f.LeaderID, err = queryID(r, "leader_id"); err != nil {
		return err
	}
	if f.OrgID, err = queryID(r, "org_id"); err != nil {
		return err
	}
	rows, _, err := s.Liaison.ListVisits(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[VisitRowJSON]{Items: make([]VisitRowJSON, 0, len(rows))}
	for _, v := range rows {
		page.Items = append(page.Items, VisitRowJSON{ID: v.ID, LeaderID: v.LeaderID, LeaderName: v.LeaderName, LeaderTitle: v.LeaderTitle,
			Kind: v.Kind, VisitedOn: v.VisitedOn, Orgs: orgRefs(v.Orgs), Problems: v.Problems})
	}
	if len(rows) == limit {
		last := rows[len(rows)-1]
		page.NextCursor = Cursor{Key: last.VisitedOn, ID: last.ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type problemInJSON struct {
	OrgID          int64  `json:"org_id"`
	EnterpriseName string `json:"enterprise_name"`
	DistrictCode   string `json:"district_code"`
	Kind           string `json:"kind"`
	CategoryID     int64  `json:"category_id"`
	Title          string `json:"title"`
	Body           string `json:"body"`
	Priority       string `json:"priority"`
	ContactName    string `json:"contact_name"`
	ContactPhone   string `json:"contact_phone"`
	DepartmentID   int64  `json:"department_id"`
}

func problemInputs(in []problemInJSON) []liaison.ProblemInput {
	out := make([]liaison.ProblemInput, 0, len(in))
	for _, p := range in {
		out = append(out, liaison.ProblemInput{OrgID: p.OrgID, EnterpriseName: p.EnterpriseName, DistrictCode: p.DistrictCode,
			Kind: appeal.Kind(p.Kind), CategoryID: p.CategoryID, Title: p.Title, Body: p.Body, Priority: appeal.Priority(p.Priority),
			ContactName: p.ContactName, ContactPhone: p.ContactPhone, DeptID: p.DepartmentID})
	}
	return out
}

// renameDeptField names the API's department_id where the service says dept_id.
func renameDeptField(err error) error {
	if e, ok := apperr.As(err); ok {
		for i, f := range e.Fields {
			if n := len(f.Field); n >= 7 && f.Field[n-7:] == "dept_id" {
				e.Fields[i].Field = f.Field[:n-7] + "department_id"
			}
			if f.Field == "dept_ids" {
				e.Fields[i].Field = "department_ids"
			}
		}
	}
	return err
}

type newVisitJSON struct {
	LeaderID      int64           `json:"leader_id"`
	Kind          string          `json:"kind"`
	VisitedOn     string          `json:"visited_on"`
	OrgIDs        []int64         `json:"org_ids"`
	DepartmentIDs []int64         `json:"department_ids"`
	Summary       string          `json:"summary"`
	Problems      []problemInJSON `json:"problems"`
}

func (s *Server) createVisit(w http.ResponseWriter, r *http.Request) error {
	var in newVisitJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.Liaison.CreateVisit(r.Context(), actorOf(r), liaison.VisitInput{LeaderID: in.LeaderID, Kind: in.Kind, VisitedOn: in.VisitedOn,
		OrgIDs: in.OrgIDs, DeptIDs: in.DepartmentIDs, Summary: in.Summary, Problems: problemInputs(in.Problems)})
	if err != nil {
		return renameDeptField(err)
	}
	w.Header().Set("Location", "/api/v1/liaison/visits/"+strconv.FormatInt(v.ID, 10))
	return writeJSON(w, http.StatusCreated, visitJSON(v))
}

func (s *Server) getVisit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Liaison.GetVisit(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, visitJSON(v))
}

// RoundtableJSON is a roundtable with its follow-up list.
type RoundtableJSON struct {
	ID           int64         `json:"id"`
	Title        string        `json:"title"`
	HeldOn       string        `json:"held_on"`
	Location     string        `json:"location"`
	Topics       string        `json:"topics"`
	Summary      string        `json:"summary"`
	Hosts        []OrgRefJSON  `json:"hosts"`
	Participants []OrgRefJSON  `json:"participants"`
	Issues       []ProblemJSON `json:"issues"`
	Answered     int           `json:"answered"`
	Limited      bool          `json:"limited"`
	CreatedAt    time.Time     `json:"created_at"`
	Version      int64         `json:"version"`
}

func roundtableJSON(t liaison.Roundtable) RoundtableJSON {
	return RoundtableJSON{ID: t.ID, Title: t.Title, HeldOn: t.HeldOn, Location: t.Location, Topics: t.Topics, Summary: t.Summary,
		Hosts: orgRefs(t.Hosts), Participants: orgRefs(t.Participants), Issues: problemsJSON(t.Issues), Answered: t.AnsweredCount(),
		Limited: t.Limited, CreatedAt: t.CreatedAt, Version: t.Version}
}

// RoundtableRowJSON is a roundtable in a list.
type RoundtableRowJSON struct {
	ID       int64        `json:"id"`
	Title    string       `json:"title"`
	HeldOn   string       `json:"held_on"`
	Hosts    []OrgRefJSON `json:"hosts"`
	Issues   int          `json:"issues"`
	Answered int          `json:"answered"`
}

func (s *Server) listRoundtables(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.RoundtableFilter{From: q.Get("from"), To: q.Get("to"), AfterDate: c.Key, AfterID: c.ID, Limit: limit, NoCount: true}
	if f.HostID, err = queryID(r, "host_id"); err != nil {
		return err
	}
	rows, _, err := s.Liaison.ListRoundtables(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	page := Page[RoundtableRowJSON]{Items: make([]RoundtableRowJSON, 0, len(rows))}
	for _, t := range rows {
		page.Items = append(page.Items, RoundtableRowJSON{ID: t.ID, Title: t.Title, HeldOn: t.HeldOn, Hosts: orgRefs(t.Hosts), Issues: t.Issues, Answered: t.Answered})
	}
	if len(rows) == limit {
		last := rows[len(rows)-1]
		page.NextCursor = Cursor{Key: last.HeldOn, ID: last.ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type newRoundtableJSON struct {
	Title          string          `json:"title"`
	HeldOn         string          `json:"held_on"`
	Location       string          `json:"location"`
	Topics         string          `json:"topics"`
	Summary        string          `json:"summary"`
	HostIDs        []int64         `json:"host_ids"`
	ParticipantIDs []int64         `json:"participant_ids"`
	Issues         []problemInJSON `json:"issues"`
}

// renameIssues names a roundtable's issues "issues[i]" as the API calls them.
func renameIssues(err error) error {
	err = renameDeptField(err)
	if e, ok := apperr.As(err); ok {
		for i, f := range e.Fields {
			if len(f.Field) >= 8 && f.Field[:8] == "problems" {
				e.Fields[i].Field = "issues" + f.Field[8:]
			}
		}
	}
	return err
}

func (s *Server) createRoundtable(w http.ResponseWriter, r *http.Request) error {
	var in newRoundtableJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Liaison.CreateRoundtable(r.Context(), actorOf(r), liaison.RoundtableInput{Title: in.Title, HeldOn: in.HeldOn, Location: in.Location,
		Topics: in.Topics, Summary: in.Summary, HostIDs: in.HostIDs, ParticipantIDs: in.ParticipantIDs, Issues: problemInputs(in.Issues)})
	if err != nil {
		return renameIssues(err)
	}
	w.Header().Set("Location", "/api/v1/liaison/roundtables/"+strconv.FormatInt(t.ID, 10))
	return writeJSON(w, http.StatusCreated, roundtableJSON(t))
}

func (s *Server) getRoundtable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Liaison.GetRoundtable(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, roundtableJSON(t))
}

func (s *Server) addRoundtableIssues(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Issues []problemInJSON `json:"issues"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Liaison.AddRoundtableIssues(r.Context(), actorOf(r), id, problemInputs(in.Issues))
	if err != nil {
		return renameIssues(err)
	}
	return writeJSON(w, http.StatusCreated, roundtableJSON(t))
}

// DeskAppealJSON is an open appeal on a leader's desk.
type DeskAppealJSON struct {
	AppealBriefJSON
	ID             int64      `json:"id"`
	Title          string     `json:"title"`
	EnterpriseName string     `json:"enterprise_name"`
	Overdue        bool       `json:"overdue"`
	ClaimDue       *time.Time `json:"claim_due"`
	HandleDue      *time.Time `json:"handle_due"`
	CallbackDue    *time.Time `json:"callback_due"`
	Escalated      bool       `json:"escalated"`
	Linked         bool       `json:"linked"`
	Version        int64      `json:"version"`
}

func deskAppeals(xs []liaison.DeskAppeal) []DeskAppealJSON {
	out := make([]DeskAppealJSON, 0, len(xs))
	for _, x := range xs {
		out = append(out, DeskAppealJSON{AppealBriefJSON: briefJSON(x.Brief), ID: x.ID, Title: x.Title, EnterpriseName: x.EnterpriseName,
			Overdue: x.Overdue, ClaimDue: timePtr(x.ClaimDue), HandleDue: timePtr(x.HandleDue), CallbackDue: timePtr(x.CallbackDue),
			Escalated: x.EscalatedHere, Linked: x.Linked, Version: x.Version})
	}
	return out
}

// LiaisonMonthJSON is a leader's month.
type LiaisonMonthJSON struct {
	Month            string   `json:"month"`
	Visits           int      `json:"visits"`
	OrgsVisited      int      `json:"orgs_visited"`
	Problems         int      `json:"problems"`
	Answered         int      `json:"answered"`
	Closed           int      `json:"closed"`
	Solved           int      `json:"solved"`
	CalledBack       int      `json:"called_back"`
	Satisfied        int      `json:"satisfied"`
	SatisfactionRate *float64 `json:"satisfaction_rate"`
}

func liaisonMonthJSON(m liaison.MonthSummary) LiaisonMonthJSON {
	j := LiaisonMonthJSON{Month: m.Month, Visits: m.Visits, OrgsVisited: m.OrgsVisited, Problems: m.Problems, Answered: m.Answered, Closed: m.Closed,
		Solved: m.Solved, CalledBack: m.CalledBack, Satisfied: m.Satisfied}
	if m.CalledBack > 0 {
		r := m.SatisfactionRate()
		j.SatisfactionRate = &r
	}
	return j
}

// DeskOrgJSON is one of the leader's organisations on the desk.
type DeskOrgJSON struct {
	Link      LinkJSON `json:"link"`
	LastVisit *string  `json:"last_visit"`
	Visits    int      `json:"visits"`
	Open      int      `json:"open"`
	Overdue   int      `json:"overdue"`
}

func (s *Server) getDesk(w http.ResponseWriter, r *http.Request) error {
	leader, err := queryID(r, "leader_id")
	if err != nil {
		return err
	}
	d, err := s.Liaison.Desk(r.Context(), actorOf(r), leader)
	if err != nil {
		return err
	}
	out := struct {
		Leader    LeaderJSON       `json:"leader"`
		Orgs      []DeskOrgJSON    `json:"orgs"`
		Open      []DeskAppealJSON `json:"open"`
		Escalated []DeskAppealJSON `json:"escalated"`
		Month     LiaisonMonthJSON `json:"month"`
	}{Leader: leaderJSON(d.Leader), Orgs: []DeskOrgJSON{}, Open: deskAppeals(d.Open), Escalated: deskAppeals(d.Escalated), Month: liaisonMonthJSON(d.Month)}
	for _, o := range d.Orgs {
		out.Orgs = append(out.Orgs, DeskOrgJSON{Link: linkJSON(o.Link), LastVisit: strPtr(o.LastVisit), Visits: o.Visits, Open: o.Open, Overdue: o.Overdue})
	}
	return writeJSON(w, http.StatusOK, out)
}

// SuggestionCountJSON is one group of suggestions.
type SuggestionCountJSON struct {
	Filed     int            `json:"filed"`
	Handled   int            `json:"handled"`
	ByOutcome map[string]int `json:"by_outcome"`
}

func suggestionCount(c appeal.SuggestionCount) SuggestionCountJSON {
	j := SuggestionCountJSON{Filed: c.Filed, Handled: c.Handled, ByOutcome: map[string]int{}}
	for _, o := range appeal.SuggestionOutcomes {
		j.ByOutcome[string(o)] = c.ByOutcome[o]
	}
	return j
}

func (s *Server) suggestionStats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
		next bool
	}{{"from", &from, false}, {"to", &to, true}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", v, i18n.Shanghai)
		if err != nil {
			return apperr.Invalid(p.name, "error.date")
		}
		if p.next {
			d = d.AddDate(0, 0, 1)
		}
		*p.t = d
	}
	st, err := s.Liaison.SuggestionStats(r.Context(), actorOf(r), from, to)
	if err != nil {
		return err
	}
	out := struct {
		Total    SuggestionCountJSON            `json:"total"`
		BySource map[string]SuggestionCountJSON `json:"by_source"`
		ByDept   []any                          `json:"by_department"`
	}{Total: suggestionCount(st.Total), BySource: map[string]SuggestionCountJSON{}, ByDept: []any{}}
	for _, src := range appeal.SuggestionSources {
		out.BySource[string(src)] = suggestionCount(st.BySource[src])
	}
	for _, d := range st.ByDept {
		out.ByDept = append(out.ByDept, struct {
			OrgID   int64  `json:"org_id"`
			OrgName string `json:"org_name"`
			SuggestionCountJSON
		}{d.OrgID, d.OrgName, suggestionCount(d.SuggestionCount)})
	}
	return writeJSON(w, http.StatusOK, out)
}
