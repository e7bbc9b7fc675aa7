package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/i18n"
)

// The appeal resources (诉求闭环): intake, queues, one appeal with its timeline, the
// moves of the loop, the catalogue, the knowledge base and attachments. Every handler
// calls the appeal service, which applies role and organisation scope (out of scope is
// 404) and audits; the handlers only translate JSON and the path's readable number.

func (s *Server) appealRoutes() []Route {
	rs := []Route{
		{Method: "GET", Pattern: "/api/v1/appeals", Area: "appeals", Handler: s.listAppeals},
		{Method: "POST", Pattern: "/api/v1/appeals", Area: "appeals", Write: true, Create: true, Handler: s.createAppeal},
		{Method: "GET", Pattern: "/api/v1/appeals/{number}", Area: "appeals", Handler: s.getAppeal},
		{Method: "POST", Pattern: "/api/v1/appeals/{number}/attachments", Area: "appeals", Write: true, Create: true,
			MaxBody: attachmentBodyLimit, Handler: s.uploadAttachment},
		{Method: "GET", Pattern: "/api/v1/appeals/{number}/attachments/{id}", Area: "appeals", Handler: s.downloadAttachment},
		{Method: "GET", Pattern: "/api/v1/appeal-categories", Area: "appeals", Handler: s.listAppealCategories},
		{Method: "GET", Pattern: "/api/v1/kb", Area: "appeals", Handler: s.listKB},
	}
	for _, m := range appealMoves {
		rs = append(rs, Route{Method: "POST", Pattern: "/api/v1/appeals/{number}/" + m.name, Area: "appeals", Write: true,
			Handler: s.moveHandler(m)})
	}
	return rs
}

// stamp is an instant as the appeal resources show it: RFC 3339 in Asia/Shanghai
// (2026-03-02T09:30:00+08:00), null when unset.
type stamp time.Time

// MarshalJSON writes the instant in +08:00, or null.
func (t stamp) MarshalJSON() ([]byte, error) { return appendStamp(make([]byte, 0, 27), t), nil }

// UnmarshalJSON reads what MarshalJSON writes (Go clients decode the API's own types).
func (t *stamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = stamp{}
		return nil
	}
	var tt time.Time
	if err := tt.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = stamp(tt)
	return nil
}

// CategoryRef names an appeal's category.
type CategoryRef struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// EnterpriseRef is the enterprise an appeal is about: its directory organisation (null
// when the hotline caller's enterprise is not in the directory) and the snapshot taken at
// filing.
type EnterpriseRef struct {
	OrgID      *int64 `json:"org_id"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
}

// ContactJSON is the enterprise's contact person. The phone is shown in full to the
// operators and to the enterprise (or chamber) the appeal belongs to, masked to others.
type ContactJSON struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	PhoneMasked bool   `json:"phone_masked"`
}

// OrgRef names an organisation.
type OrgRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ReplyJSON is the answer the enterprise reads.
type ReplyJSON struct {
	Outcome appeal.Outcome `json:"outcome"`
	Text    string         `json:"text"`
	At      stamp          `json:"at"`
	// OnTime says whether the lead department replied within the handle limit (null for
	// a direct reply by an operator).
	OnTime *bool `json:"on_time"`
	// WorkingMinutes is the working time the handling took, pauses excluded.
	WorkingMinutes int64 `json:"working_minutes"`
}

// LatestCallbackJSON is the verdict of the latest callback (回访).
type LatestCallbackJSON struct {
	Satisfaction appeal.Satisfaction `json:"satisfaction"`
	Solved       *bool               `json:"solved"`
	At           stamp               `json:"at"`
}

// ClockJSON is one running or finished time limit.
type ClockJSON struct {
	Start stamp `json:"start"`
	Due   stamp `json:"due"`
	// PausedAt is set while a return waits for the operators' ruling.
	PausedAt stamp `json:"paused_at"`
	// PausedMinutes is the working time already spent paused.
	PausedMinutes int64 `json:"paused_minutes"`
}

// ClocksJSON holds the three limits; a clock that never started is null.
type ClocksJSON struct {
	Claim    *ClockJSON `json:"claim"`
	Handle   *ClockJSON `json:"handle"`
	Callback *ClockJSON `json:"callback"`
}

// SLAJSON is the appeal's colour: the worst of its running clocks.
type SLAJSON struct {
	Level appeal.Level `json:"level"`
	Clock appeal.Clock `json:"clock"`
	Due   stamp        `json:"due"`
}

// AppealJSON is an appeal as the API shows it.
type AppealJSON struct {
	Number string `json:"number"`
	// QueryCode lets anyone holding number and code follow the appeal on the public status
	// page; only the operators and whoever filed it receive it.
	QueryCode        string              `json:"query_code,omitempty"`
	Kind             appeal.Kind         `json:"kind"`
	Channel          appeal.Channel      `json:"channel"`
	Category         CategoryRef         `json:"category"`
	DistrictCode     string              `json:"district_code"`
	Priority         appeal.Priority     `json:"priority"`
	Confidential     bool                `json:"confidential"`
	Title            string              `json:"title"`
	Body             string              `json:"body"`
	Location         string              `json:"location"`
	Enterprise       *EnterpriseRef      `json:"enterprise"`
	Contact          *ContactJSON        `json:"contact"`
	State            appeal.State        `json:"state"`
	ReturnFrom       appeal.State        `json:"return_from,omitempty"`
	Round            int                 `json:"round"`
	LeadDepartment   *OrgRef             `json:"lead_department"`
	KBArticleID      *int64              `json:"kb_article_id"`
	Reply            *ReplyJSON          `json:"reply"`
	Callback         *LatestCallbackJSON `json:"callback"`
	RedoCount        int                 `json:"redo_count"`
	SupervisionLevel int                 `json:"supervision_level"`
	Escalated        bool                `json:"escalated"`
	Clocks           ClocksJSON          `json:"clocks"`
	SLA              SLAJSON             `json:"sla"`
	CreatedAt        stamp               `json:"created_at"`
	UpdatedAt        stamp               `json:"updated_at"`
	AcceptedAt       stamp               `json:"accepted_at"`
	DispatchedAt     stamp               `json:"dispatched_at"`
	RepliedAt        stamp               `json:"replied_at"`
	ClosedAt         stamp               `json:"closed_at"`
	Version          int64               `json:"version"`
}

// operatorSide reports whether the actor handles every appeal (operators, the system).
func operatorSide(a auth.Actor) bool { return a.IsSystem() || a.Has(auth.RoleOperator) }

// ownsAppeal reports whether the actor's organisation is the appeal's enterprise or the
// chamber that filed it.
func ownsAppeal(a auth.Actor, ap appeal.Appeal) bool {
	return a.OrgID != 0 && (a.OrgID == ap.EnterpriseOrgID || a.OrgID == ap.ChamberOrgID)
}

// appealView builds the JSON of ap for actor a. The service's Get already hides what a
// confidential appeal keeps from departments and leaders; a move or Create returns the
// appeal as stored, so the same rules are applied here again (they are idempotent): the
// query code for the operators and the filer only, a confidential appeal's enterprise and
// contact hidden from others, and the contact's phone masked for everyone but the
// operators and the appeal's own enterprise or chamber.
func appealView(a auth.Actor, ap appeal.Appeal) AppealJSON {
	op, own := operatorSide(a), ownsAppeal(a, ap)
	j := AppealJSON{Number: ap.Number, Kind: ap.Kind, Channel: ap.Channel,
		Category:     CategoryRef{ID: ap.CategoryID, Code: ap.CategoryCode, Name: ap.CategoryName},
		DistrictCode: ap.DistrictCode, Priority: ap.Priority, Confidential: ap.Confidential,
		Title: ap.Title, Body: ap.Body, Location: ap.Location, State: ap.State, ReturnFrom: ap.ReturnFrom, Round: ap.Round,
		RedoCount: ap.RedoCount, SupervisionLevel: ap.SupervisionLevel, Escalated: ap.Escalated,
		SLA:       SLAJSON{Level: ap.SLALevel, Clock: ap.SLAClock, Due: stamp(ap.SLADue)},
		CreatedAt: stamp(ap.CreatedAt), UpdatedAt: stamp(ap.UpdatedAt), AcceptedAt: stamp(ap.AcceptedAt),
		DispatchedAt: stamp(ap.DispatchedAt), RepliedAt: stamp(ap.RepliedAt), ClosedAt: stamp(ap.ClosedAt), Version: ap.Version}
	if op || own {
		j.QueryCode = ap.QueryCode
	}
	hidden := ap.Confidential && !op && !own
	if !hidden && (ap.EnterpriseOrgID != 0 || ap.EnterpriseName != "") {
		j.Enterprise = &EnterpriseRef{Name: ap.EnterpriseName, CreditCode: ap.CreditCode}
		if ap.EnterpriseOrgID != 0 {
			id := ap.EnterpriseOrgID
			j.Enterprise.OrgID = &id
		}
	}
	if !hidden && (ap.ContactName != "" || ap.ContactPhone != "") {
		j.Contact = &ContactJSON{Name: ap.ContactName, Phone: ap.ContactPhone}
		if !op && !own && ap.ContactPhone != "" {
			j.Contact.Phone, j.Contact.PhoneMasked = i18n.MaskPhone(ap.ContactPhone), true
		}
	}
	if ap.LeadOrgID != 0 {
		j.LeadDepartment = &OrgRef{ID: ap.LeadOrgID, Name: ap.LeadOrgName}
	}
	if ap.KBArticleID != 0 {
		id := ap.KBArticleID
		j.KBArticleID = &id
	}
	if ap.Outcome != "" { // a reopen clears the reply until the next one
		j.Reply = &ReplyJSON{Outcome: ap.Outcome, Text: ap.ReplyText, At: stamp(ap.RepliedAt), OnTime: ap.HandledOnTime,
			WorkingMinutes: int64(ap.HandleWorking / time.Minute)}
	}
	if ap.Satisfaction != "" {
		j.Callback = &LatestCallbackJSON{Satisfaction: ap.Satisfaction, Solved: ap.Solved, At: stamp(ap.CallbackAt)}
	}
	j.Clocks.Claim = clockJSON(ap.Claim)
	j.Clocks.Handle = clockJSON(ap.Handle)
	j.Clocks.Callback = clockJSON(ap.Callback)
	return j
}

func clockJSON(c calendar.SLA) *ClockJSON {
	if c.Due.IsZero() {
		return nil
	}
	return &ClockJSON{Start: stamp(c.Start), Due: stamp(c.Due), PausedAt: stamp(c.PausedAt), PausedMinutes: int64(c.Paused / time.Minute)}
}

// EventJSON is one step of the timeline.
type EventJSON struct {
	At     stamp         `json:"at"`
	Action appeal.Action `json:"action"`
	From   appeal.State  `json:"from"`
	To     appeal.State  `json:"to"`
	// ActorName and ActorOrgName are empty where the viewer may not know who acted (the
	// enterprise side does not see staff names).
	ActorName    string         `json:"actor_name"`
	ActorOrgName string         `json:"actor_org_name"`
	Note         string         `json:"note"`
	Data         map[string]any `json:"data"`
	Public       bool           `json:"public"`
}

// AssignmentJSON is one department's part in one dispatch round.
type AssignmentJSON struct {
	Org            OrgRef                 `json:"org"`
	Role           appeal.AssignmentRole  `json:"role"`
	Round          int                    `json:"round"`
	State          appeal.AssignmentState `json:"state"`
	DispatchedAt   stamp                  `json:"dispatched_at"`
	ClaimDue       stamp                  `json:"claim_due"`
	ClaimedAt      stamp                  `json:"claimed_at"`
	ClaimedOnTime  *bool                  `json:"claimed_on_time"`
	HandleDue      stamp                  `json:"handle_due"`
	AnsweredAt     stamp                  `json:"answered_at"`
	AnsweredOnTime *bool                  `json:"answered_on_time"`
	Answer         string                 `json:"answer"`
	Outcome        appeal.Outcome         `json:"outcome,omitempty"`
	ReturnedAt     stamp                  `json:"returned_at"`
	ReturnReason   string                 `json:"return_reason"`
	ReturnApproved bool                   `json:"return_approved"`
	Redone         bool                   `json:"redone"`
	ClosedAt       stamp                  `json:"closed_at"`
}

// CallbackJSON is one callback (回访).
type CallbackJSON struct {
	Round        int                 `json:"round"`
	LeadOrgID    *int64              `json:"lead_org_id"`
	Satisfaction appeal.Satisfaction `json:"satisfaction"`
	Solved       bool                `json:"solved"`
	Note         string              `json:"note"`
	Via          string              `json:"via"`
	At           stamp               `json:"at"`
	OnTime       bool                `json:"on_time"`
}

// ExtensionJSON is a request for more time and its decision.
type ExtensionJSON struct {
	OrgID       int64  `json:"org_id"`
	Days        int    `json:"days"`
	Reason      string `json:"reason"`
	RequestedAt stamp  `json:"requested_at"`
	DecidedAt   stamp  `json:"decided_at"`
	Approved    *bool  `json:"approved"`
	Note        string `json:"note"`
	OldDue      stamp  `json:"old_due"`
	NewDue      stamp  `json:"new_due"`
}

// AttachmentJSON is a file attached to an appeal (without its bytes).
type AttachmentJSON struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	CreatedAt   stamp  `json:"created_at"`
	// URL downloads the file (GET, same credentials).
	URL string `json:"url"`
}

func attachmentJSON(number string, at appeal.Attachment) AttachmentJSON {
	return AttachmentJSON{ID: at.ID, Filename: at.Filename, ContentType: at.ContentType, Size: at.Size, SHA256: at.SHA256,
		CreatedAt: stamp(at.CreatedAt), URL: "/api/v1/appeals/" + number + "/attachments/" + strconv.FormatInt(at.ID, 10)}
}

// AppealDetailJSON is one appeal with everything around it.
type AppealDetailJSON struct {
	AppealJSON
	// MergedInto is the number of the appeal this one was merged into.
	MergedInto string `json:"merged_into,omitempty"`
	// Actions are the moves the caller may make now (POST /api/v1/appeals/{number}/{action}).
	Actions     []string         `json:"actions"`
	Timeline    []EventJSON      `json:"timeline"`
	Assignments []AssignmentJSON `json:"assignments"`
	Callbacks   []CallbackJSON   `json:"callbacks"`
	// Extensions are shown to the government side only (absent for the enterprise's).
	Extensions  *[]ExtensionJSON `json:"extensions,omitempty"`
	Attachments []AttachmentJSON `json:"attachments"`
}

// apiAction maps the service's moves to the API's action names (one endpoint each).
var apiAction = map[appeal.Action]string{
	appeal.ActAccept: "accept", appeal.ActReject: "reject", appeal.ActMerge: "merge", appeal.ActDirectReply: "direct-reply",
	appeal.ActDispatch: "dispatch", appeal.ActClaim: "claim", appeal.ActReturn: "return", appeal.ActCoClaim: "claim-part",
	appeal.ActCoAnswer: "answer-part", appeal.ActApproveReturn: "rule-return", appeal.ActRedispatch: "rule-return",
	appeal.ActRefuseReturn: "rule-return", appeal.ActRequestExtension: "request-extension",
	appeal.ActApproveExtension: "decide-extension", appeal.ActRefuseExtension: "decide-extension", appeal.ActReply: "reply",
	appeal.ActCallbackSatisfied: "callback", appeal.ActCallbackUnsatisfied: "callback", appeal.ActReopen: "reopen",
	appeal.ActClose: "close", appeal.ActSupervise: "supervise", appeal.ActEscalate: "escalate",
}

// ActionName is the API's name of a move of the service (its endpoint).
func ActionName(a appeal.Action) string { return apiAction[a] }

func (s *Server) getAppeal(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	ctx := appeal.RememberSeen(r.Context(), a) // one read of the appeal for all its parts
	ap, err := s.Appeal.GetByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		return err
	}
	d := AppealDetailJSON{AppealJSON: appealView(a, ap), Actions: []string{}, Timeline: []EventJSON{},
		Assignments: []AssignmentJSON{}, Callbacks: []CallbackJSON{}, Attachments: []AttachmentJSON{}}
	events, err := s.Appeal.Timeline(ctx, a, ap.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		d.Timeline = append(d.Timeline, EventJSON{At: stamp(e.At), Action: e.Action, From: e.From, To: e.To, ActorName: e.ActorName,
			ActorOrgName: e.ActorOrgName, Note: e.Note, Data: data, Public: e.Public})
		if e.Action == appeal.ActMerge {
			if into, ok := e.Data["into"].(string); ok {
				d.MergedInto = into
			}
		}
	}
	parts, err := s.Appeal.Assignments(ctx, a, ap.ID)
	if err != nil {
		return err
	}
	for _, p := range parts {
		d.Assignments = append(d.Assignments, AssignmentJSON{Org: OrgRef{ID: p.OrgID, Name: p.OrgName}, Role: p.Role, Round: p.Round,
			State: p.State, DispatchedAt: stamp(p.DispatchedAt), ClaimDue: stamp(p.ClaimDue), ClaimedAt: stamp(p.ClaimedAt),
			ClaimedOnTime: p.ClaimedOnTime, HandleDue: stamp(p.HandleDue), AnsweredAt: stamp(p.AnsweredAt),
			AnsweredOnTime: p.AnsweredOnTime, Answer: p.Answer, Outcome: p.Outcome, ReturnedAt: stamp(p.ReturnedAt),
			ReturnReason: p.ReturnReason, ReturnApproved: p.ReturnApproved, Redone: p.Redone, ClosedAt: stamp(p.ClosedAt)})
	}
	cbs, err := s.Appeal.Callbacks(ctx, a, ap.ID)
	if err != nil {
		return err
	}
	for _, c := range cbs {
		cj := CallbackJSON{Round: c.Round, Satisfaction: c.Satisfaction, Solved: c.Solved, Note: c.Note, Via: c.Via, At: stamp(c.At), OnTime: c.OnTime}
		if c.LeadOrgID != 0 {
			id := c.LeadOrgID
			cj.LeadOrgID = &id
		}
		d.Callbacks = append(d.Callbacks, cj)
	}
	exts, err := s.Appeal.Extensions(ctx, a, ap.ID)
	switch {
	case errors.Is(err, apperr.ErrForbidden):
		// the enterprise's side: no extensions
	case err != nil:
		return err
	default:
		list := make([]ExtensionJSON, 0, len(exts))
		for _, e := range exts {
			list = append(list, ExtensionJSON{OrgID: e.OrgID, Days: e.Days, Reason: e.Reason, RequestedAt: stamp(e.RequestedAt),
				DecidedAt: stamp(e.DecidedAt), Approved: e.Approved, Note: e.Note, OldDue: stamp(e.OldDue), NewDue: stamp(e.NewDue)})
		}
		d.Extensions = &list
	}
	acts, err := s.Appeal.Actions(ctx, a, ap.ID)
	if err != nil {
		return err
	}
	for _, act := range acts {
		if name, ok := apiAction[act]; ok && !slices.Contains(d.Actions, name) {
			d.Actions = append(d.Actions, name)
		}
	}
	atts, err := s.Appeal.Attachments(ctx, a, ap.ID)
	if err != nil {
		return err
	}
	for _, at := range atts {
		d.Attachments = append(d.Attachments, attachmentJSON(ap.Number, at))
	}
	return writeJSON(w, http.StatusOK, d)
}

// AppealListItem is a row of a queue: enough for a table, the phone always masked.
type AppealListItem struct {
	Number             string          `json:"number"`
	Kind               appeal.Kind     `json:"kind"`
	Channel            appeal.Channel  `json:"channel"`
	Category           CategoryRef     `json:"category"`
	DistrictCode       string          `json:"district_code"`
	Priority           appeal.Priority `json:"priority"`
	Confidential       bool            `json:"confidential"`
	Title              string          `json:"title"`
	EnterpriseName     string          `json:"enterprise_name"`
	ContactPhoneMasked string          `json:"contact_phone_masked"`
	State              appeal.State    `json:"state"`
	LeadDepartmentName string          `json:"lead_department_name"`
	SLA                SLAJSON         `json:"sla"`
	SupervisionLevel   int             `json:"supervision_level"`
	Escalated          bool            `json:"escalated"`
	RedoCount          int             `json:"redo_count"`
	CreatedAt          stamp           `json:"created_at"`
	UpdatedAt          stamp           `json:"updated_at"`
	Version            int64           `json:"version"`
	// Part is the department's own part (department queues only).
	Part *PartRef `json:"part,omitempty"`
}

// PartRef is a department's own part of a listed appeal.
type PartRef struct {
	Role  appeal.AssignmentRole  `json:"role"`
	State appeal.AssignmentState `json:"state"`
}

// AppealPage is a page of a queue. Total (first page only) counts the queue up to
// 10,000; beyond it total_capped is true.
type AppealPage struct {
	Items       []AppealListItem `json:"items"`
	NextCursor  string           `json:"next_cursor,omitempty"`
	Total       *int             `json:"total,omitempty"`
	TotalCapped bool             `json:"total_capped,omitempty"`
}

// allQueues are the queue names the list accepts (each role opens its own).
var allQueues = []appeal.Queue{appeal.QueueSubmitted, appeal.QueueAccepted, appeal.QueueReturned, appeal.QueueExtension,
	appeal.QueueReplied, appeal.QueueYellow, appeal.QueueRed, appeal.QueueSupervised, appeal.QueueAll,
	appeal.QueueDeptToClaim, appeal.QueueDeptHandling, appeal.QueueDeptYellow, appeal.QueueDeptRed, appeal.QueueDeptAnswered,
	appeal.QueueMine, appeal.QueueLeader}

// defaultQueue is the queue a list without ?queue= reads: every appeal for operators,
// else the actor's first queue.
func defaultQueue(a auth.Actor) (appeal.Queue, bool) {
	if a.Has(auth.RoleOperator) {
		return appeal.QueueAll, true
	}
	qs := appeal.QueuesFor(a)
	if len(qs) == 0 {
		return "", false
	}
	return qs[0], true
}

// parseWhen reads a from/to bound: a date (YYYY-MM-DD, a whole Shanghai day; as an upper
// bound it includes that day) or an RFC 3339 instant.
func parseWhen(v string, upper bool) (time.Time, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, v, calendar.Location()); err == nil {
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, true
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

func (s *Server) listAppeals(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	q := r.URL.Query()
	var v apperr.Validation
	queue := appeal.Queue(q.Get("queue"))
	if queue == "" {
		dq, ok := defaultQueue(a)
		if !ok {
			return apperr.Forbidden()
		}
		queue = dq
	} else if !slices.Contains(allQueues, queue) {
		v.Add("queue", "error.choice")
	}
	f := appeal.Filter{Kind: appeal.Kind(q.Get("kind")), District: q.Get("district"), State: appeal.State(q.Get("state")),
		Q: q.Get("q"), Sort: appeal.Sort(q.Get("sort")), Cursor: q.Get("cursor")}
	switch p := appeal.Priority(q.Get("priority")); p {
	case "", appeal.PriorityNormal, appeal.PriorityUrgent:
		f.Priority = p
	default:
		v.Add("priority", "error.choice")
	}
	if code := q.Get("category"); code != "" {
		c, err := s.Appeal.CategoryByCode(ctx, a, code)
		if errors.Is(err, apperr.ErrNotFound) {
			v.Add("category", "appeal.error.category_unknown")
		} else if err != nil {
			return err
		}
		f.CategoryID = c.ID
	}
	for _, b := range []struct {
		name  string
		upper bool
		dst   *time.Time
	}{{"from", false, &f.From}, {"to", true, &f.To}} {
		if val := q.Get(b.name); val != "" {
			t, ok := parseWhen(val, b.upper)
			if !ok {
				v.Add(b.name, "appealapi.error.when")
			}
			*b.dst = t
		}
	}
	if val := q.Get("supervised"); val != "" {
		sup, ok := parseBool(val)
		if !ok {
			v.Add("supervised", "error.choice")
		}
		f.Supervised = sup
	}
	switch lvl := appeal.Level(q.Get("level")); lvl {
	case "", calendar.LevelGreen, calendar.LevelYellow, calendar.LevelRed:
		f.Level = lvl
	default:
		v.Add("level", "error.choice")
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	f.Limit, f.SkipCount = limit, f.Cursor != ""
	page, err := s.Appeal.List(ctx, a, queue, f)
	if err != nil {
		return err
	}
	out := AppealPage{Items: make([]AppealListItem, 0, len(page.Items)), NextCursor: page.NextCursor}
	if !f.SkipCount {
		total := page.Total
		out.Total, out.TotalCapped = &total, page.TotalCapped
	}
	for _, it := range page.Items {
		li := AppealListItem{Number: it.Number, Kind: it.Kind, Channel: it.Channel,
			Category:     CategoryRef{ID: it.CategoryID, Code: it.CategoryCode, Name: it.CategoryName},
			DistrictCode: it.DistrictCode, Priority: it.Priority, Confidential: it.Confidential, Title: it.Title,
			EnterpriseName: it.EnterpriseName, ContactPhoneMasked: it.ContactPhoneMasked, State: it.State,
			LeadDepartmentName: it.LeadOrgName, SLA: SLAJSON{Level: it.SLALevel, Clock: it.SLAClock, Due: stamp(it.SLADue)},
			SupervisionLevel: it.SupervisionLevel, Escalated: it.Escalated, RedoCount: it.RedoCount,
			CreatedAt: stamp(it.CreatedAt), UpdatedAt: stamp(it.UpdatedAt), Version: it.Version}
		if it.PartRole != "" {
			li.Part = &PartRef{Role: it.PartRole, State: it.PartState}
		}
		out.Items = append(out.Items, li)
	}
	return writeAppealPage(w, http.StatusOK, out)
}

// categoryCodes maps every category's id to its code (the catalogue is a few dozen rows).
func (s *Server) categoryCodes(ctx context.Context, a auth.Actor) (map[int64]string, error) {
	cats, err := s.Appeal.Categories(ctx, a, true)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(cats))
	for _, c := range cats {
		m[c.ID] = c.Code
	}
	return m, nil
}

type newAppealJSON struct {
	Kind                string `json:"kind"`
	Channel             string `json:"channel"`
	Category            string `json:"category"`
	Title               string `json:"title"`
	Body                string `json:"body"`
	Location            string `json:"location"`
	DistrictCode        string `json:"district_code"`
	Priority            string `json:"priority"`
	Confidential        bool   `json:"confidential"`
	EnterpriseOrgID     int64  `json:"enterprise_org_id"`
	EnterpriseName      string `json:"enterprise_name"`
	CreditCode          string `json:"credit_code"`
	ContactName         string `json:"contact_name"`
	ContactPhone        string `json:"contact_phone"`
	SupervisingLeaderID int64  `json:"supervising_leader_id"`
}

func (s *Server) createAppeal(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	var in newAppealJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	ch := appeal.Channel(in.Channel)
	if ch == "" {
		ch = appeal.ChannelAPI
		if !a.HasAny(auth.RoleOperator, auth.RoleEnterprise, auth.RoleChamber) && a.Has(auth.RoleLeader) {
			ch = appeal.ChannelLeaderVisit // a leader files what a visit raised
		}
	}
	ap, err := s.Appeal.Create(r.Context(), a, appeal.NewAppeal{Kind: appeal.Kind(in.Kind), Channel: ch,
		CategoryCode: in.Category, Title: in.Title, Body: in.Body, Location: in.Location, DistrictCode: in.DistrictCode,
		Priority: appeal.Priority(in.Priority), Confidential: in.Confidential, EnterpriseOrgID: in.EnterpriseOrgID,
		EnterpriseName: in.EnterpriseName, CreditCode: in.CreditCode, ContactName: in.ContactName, ContactPhone: in.ContactPhone,
		SupervisingLeaderID: in.SupervisingLeaderID})
	if err != nil {
		return renameFields(err, func(f *apperr.FieldError) {
			if f.Field == "category_id" {
				f.Field = "category"
				if strings.TrimSpace(in.Category) == "" {
					f.Key, f.Args = "error.required", nil
				}
			}
		})
	}
	w.Header().Set("Location", "/api/v1/appeals/"+ap.Number)
	return writeJSON(w, http.StatusCreated, appealView(a, ap))
}

// renameFields lets a handler name a service's field errors as its own JSON does.
func renameFields(err error, fn func(f *apperr.FieldError)) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = slices.Clone(e.Fields)
	for i := range out.Fields {
		fn(&out.Fields[i])
	}
	return &out
}

// localiseMove puts the catalog labels of an illegal move's state and action into its
// message ("该诉求当前为“已办结”状态，不能执行“受理”操作。"): the service names them by
// catalog key (StateKey, ActionKey) next to their raw values.
func (s *Server) localiseMove(r *http.Request, err error) error {
	e, ok := apperr.As(err)
	if !ok || !errors.Is(err, apperr.ErrIllegalMove) || len(e.Args) == 0 {
		return err
	}
	lang := s.lang(r)
	out := *e
	out.Args = maps.Clone(e.Args)
	for k, v := range e.Args {
		name, isKey := strings.CutSuffix(k, "Key")
		key, isStr := v.(string)
		if !isKey || !isStr || name == "" {
			continue
		}
		if label := s.Catalog.T(lang, key); label != key {
			out.Args[name] = label
		}
	}
	return &out
}
