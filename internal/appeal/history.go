package appeal

import (
	"container/heap"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/calendar"
)

// HistoryOptions configure GenerateHistory.
type HistoryOptions struct {
	// N is the number of appeals to file.
	N int
	// From and To bound the filing times; To is also "now" for the history: a move that
	// would come after To is not made, so the newest appeals stay open (some overdue),
	// as they would be on the day the history ends. Leave To at or before the real time.
	From, To time.Time
	// Seed makes the history reproducible.
	Seed uint64
	// Enterprises to file for (organisation ids); empty: the directory's enterprises
	// (up to 5,000).
	Enterprises []int64
	// Batch is the number of moves per transaction (default 500).
	Batch int
}

// HistoryResult says what GenerateHistory wrote.
type HistoryResult struct {
	Appeals int
	Moves   int
	ByState map[State]int
	ByKind  map[Kind]int
	Elapsed time.Duration
}

// GenerateHistory writes a realistic history of appeals through the service's own moves
// (so every row — numbers, parts, clocks, 三率 inputs, timeline, audit — is what users
// would have produced), in the order the moves happened across all appeals, with the
// clock set to each move's time. Distributions: kinds 诉求 60%, 投诉 15%, 咨询 20%, 建议 5%;
// categories weighted by how often enterprises raise them; the enterprise's district;
// the category's default department as lead (else another handler), a co-handler in 15%;
// 2% rejected, 2% merged into a recent open appeal of the same category, direct answers
// for a third of consultations; 4% returned (mostly re-dispatched), 5% extended; about
// 5% claimed late and 10% answered late; callbacks about 70% 满意, 20% 基本满意, 10% 不满意,
// half of which are redone; 3% supervised. History writes no notifications (they would be
// news of the past); the sweep alerts on the history's open, late appeals when it next
// runs, as it would have.
//
// Throughput on SQLite is measured by BenchmarkGenerateHistory (see the package doc).
func GenerateHistory(ctx context.Context, svc *Service, o HistoryOptions) (HistoryResult, error) {
	start := time.Now()
	res := HistoryResult{ByState: map[State]int{}, ByKind: map[Kind]int{}}
	if o.N <= 0 {
		return res, nil
	}
	if !o.From.Before(o.To) {
		return res, fmt.Errorf("appeal: history: From %v is not before To %v", o.From, o.To)
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	clock := calendar.NewTestClock(o.From)
	h := &history{
		s:   &Service{db: svc.db, audit: svc.audit, cal: svc.cal, clock: clock, log: svc.log, indexer: svc.idx(), leaders: svc.links(), prep: svc.prep},
		clk: clock, rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15)), o: o, res: &res,
		recent: map[int64][]*script{},
	}
	if err := h.load(ctx); err != nil {
		return res, err
	}
	span := o.To.Sub(o.From)
	next := 0 // the next appeal to file
	filingTime := func(i int) time.Time {
		return o.From.Add(time.Duration((float64(i) + h.rng.Float64()) / float64(o.N) * float64(span))).Truncate(time.Second)
	}
	nextFiling := filingTime(0)
	for next < o.N || h.queue.Len() > 0 {
		err := svc.db.WithTx(ctx, func(ctx context.Context) error {
			for n := 0; n < o.Batch && (next < o.N || h.queue.Len() > 0); n++ {
				if next < o.N && (h.queue.Len() == 0 || !h.queue[0].at.Before(nextFiling)) {
					if err := h.file(ctx, nextFiling); err != nil {
						return err
					}
					next++
					if next < o.N {
						nextFiling = filingTime(next)
					}
					continue
				}
				sc := heap.Pop(&h.queue).(*script)
				if err := h.step(ctx, sc); err != nil {
					return fmt.Errorf("appeal: history %s at %v in %s: %w", sc.ap.Number, sc.at, sc.ap.State, err)
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	for _, sc := range h.all {
		res.ByState[sc.ap.State]++
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// script is one appeal's life in progress: its state now and what it will do next.
type script struct {
	ap       Appeal
	at       time.Time // when the next move happens
	idx      int       // in the heap
	ent      histEnterprise
	co       int64 // the current round's co-handler, if any
	coClaim  bool  // its part waits to be claimed
	coAnswer bool  // … to be answered
	extended bool
	returned bool
	supervise,
	escalate bool
}

type scriptHeap []*script

func (q scriptHeap) Len() int { return len(q) }
func (q scriptHeap) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].ap.ID < q[j].ap.ID
	}
	return q[i].at.Before(q[j].at)
}
func (q scriptHeap) Swap(i, j int) { q[i], q[j] = q[j], q[i]; q[i].idx = i; q[j].idx = j }
func (q *scriptHeap) Push(x any)   { sc := x.(*script); sc.idx = len(*q); *q = append(*q, sc) }
func (q *scriptHeap) Pop() any {
	old := *q
	sc := old[len(old)-1]
	*q = old[:len(old)-1]
	return sc
}

type histEnterprise struct {
	id       int64
	name     string
	district string
}

type histCategory struct {
	id     int64
	code   string
	top    string
	weight float64
	dept   int64
}

type history struct {
	s      *Service
	clk    *calendar.TestClock
	rng    *rand.Rand
	o      HistoryOptions
	res    *HistoryResult
	queue  scriptHeap
	all    []*script
	recent map[int64][]*script // open appeals by category, newest last: merge targets

	operator    auth.Actor
	enterprises []histEnterprise
	categories  []histCategory
	catWeights  []float64
	handlers    []histOrg
	chambersOf  map[int64][]int64 // enterprise → chambers it is a current member of
	leaders     []int64
	districts   []string
}

type histOrg struct {
	id   int64
	name string
}

// topWeights is how often each branch of the catalogue comes up (by the share of the
// hotline's appeals in each, roughly).
var topWeights = map[string]float64{"policy": 14, "approval": 12, "finance": 10, "land": 6, "utilities": 12, "labour": 10,
	"tax": 9, "ip": 4, "market": 6, "arrears": 8, "enforcement": 4, "legal": 4, "other": 3}

func (h *history) load(ctx context.Context) error {
	s := h.s
	q := s.db.RQ(ctx)
	var fed int64
	var fedName string
	if err := q.QueryRowContext(ctx, `SELECT id, name FROM orgs WHERE kind = $1 ORDER BY id LIMIT 1`, auth.OrgFederation).Scan(&fed, &fedName); err != nil {
		return fmt.Errorf("appeal: history needs the federation: %w", err)
	}
	h.operator = auth.Actor{Username: "history", Name: "12345-1 坐席", OrgID: fed, OrgName: fedName, Roles: []auth.Role{auth.RoleOperator}, Via: "system"}
	// Enterprises.
	ids := h.o.Enterprises
	rows, err := q.QueryContext(ctx, `SELECT id, name, district_code FROM orgs WHERE kind = $1 ORDER BY id LIMIT 5000`, auth.OrgEnterprise)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e histEnterprise
		if err := rows.Scan(&e.id, &e.name, &e.district); err != nil {
			rows.Close()
			return err
		}
		if len(ids) == 0 || slices.Contains(ids, e.id) {
			h.enterprises = append(h.enterprises, e)
		}
	}
	rows.Close()
	if len(h.enterprises) == 0 {
		return fmt.Errorf("appeal: history needs enterprises in the directory")
	}
	// Handling departments.
	rows, err = q.QueryContext(ctx, `SELECT id, name FROM orgs WHERE kind IN ($1, $2, $3, $4) ORDER BY id`,
		auth.OrgGovernment, auth.OrgCourt, auth.OrgProcuratorate, auth.OrgPolice)
	if err != nil {
		return err
	}
	for rows.Next() {
		var o histOrg
		if err := rows.Scan(&o.id, &o.name); err != nil {
			rows.Close()
			return err
		}
		h.handlers = append(h.handlers, o)
	}
	rows.Close()
	if len(h.handlers) < 2 {
		return fmt.Errorf("appeal: history needs at least two handling departments")
	}
	// Chambers and leaders, if any.
	// A chamber files for its current members only, so the history does the same.
	h.chambersOf = map[int64][]int64{}
	rows, err = q.QueryContext(ctx, `SELECT enterprise_id, chamber_id FROM memberships WHERE left_on = '' ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ent, ch int64
		if err := rows.Scan(&ent, &ch); err != nil {
			rows.Close()
			return err
		}
		h.chambersOf[ent] = append(h.chambersOf[ent], ch)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = $1 AND u.disabled = $2 ORDER BY u.id`,
		string(auth.RoleLeader), false)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		h.leaders = append(h.leaders, id)
	}
	rows.Close()
	// Categories with their usual department (their own, else their parent's).
	cats, err := s.Categories(ctx, auth.System(), false)
	if err != nil {
		return err
	}
	byID := map[int64]Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	for _, c := range cats {
		top, dept := c, c.DefaultDeptID
		for top.ParentID != 0 {
			top = byID[top.ParentID]
			if dept == 0 {
				dept = top.DefaultDeptID
			}
		}
		w := topWeights[top.Code]
		if w == 0 {
			w = 2
		}
		if c.ParentID == 0 {
			w *= 0.4 // filed under the branch itself
		}
		h.categories = append(h.categories, histCategory{id: c.ID, code: c.Code, top: top.Code, weight: w, dept: dept})
		h.catWeights = append(h.catWeights, w)
	}
	if len(h.categories) == 0 {
		return fmt.Errorf("appeal: history needs categories (EnsureDefaults)")
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	for _, d := range st.Districts {
		h.districts = append(h.districts, d.Code)
	}
	return nil
}

func pickW(rng *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	r := rng.Float64() * total
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func (h *history) chance(p float64) bool { return h.rng.Float64() < p }

// after is a working-time delay from t, between lo and hi.
func (h *history) after(t time.Time, lo, hi time.Duration) time.Time {
	d := lo + time.Duration(h.rng.Float64()*float64(hi-lo))
	return ms(h.s.cal.AddWorkingHours(t, d)).Truncate(time.Second)
}

// share is the instant at fraction f of an SLA's working budget from its start.
func (h *history) share(sla calendar.SLA, f float64) time.Time {
	total := h.s.cal.WorkingDuration(sla.Start, sla.Due) - sla.Paused
	return ms(h.s.cal.AddWorkingHours(sla.Start, sla.Paused+time.Duration(f*float64(total)))).Truncate(time.Second)
}

// schedule queues the script's next move at t, unless t is past the history's end.
func (h *history) schedule(sc *script, t time.Time) {
	if !t.After(sc.ap.UpdatedAt) {
		t = sc.ap.UpdatedAt.Add(time.Minute)
	}
	if t.After(h.o.To) {
		return
	}
	sc.at = t
	heap.Push(&h.queue, sc)
}

func (h *history) dept(id int64) auth.Actor {
	name := ""
	for _, o := range h.handlers {
		if o.id == id {
			name = o.name
		}
	}
	return auth.Actor{Username: "history", Name: name + "经办人", OrgID: id, OrgName: name, Roles: []auth.Role{auth.RoleDepartment}, Via: "system"}
}

func (h *history) enterprise(e histEnterprise) auth.Actor {
	return auth.Actor{Username: "history", Name: e.name, OrgID: e.id, OrgName: e.name, Roles: []auth.Role{auth.RoleEnterprise}, Via: "system"}
}

func (h *history) otherHandler(not ...int64) int64 {
	for {
		o := h.handlers[h.rng.IntN(len(h.handlers))]
		if !slices.Contains(not, o.id) {
			return o.id
		}
	}
}

var histSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程")

func (h *history) contact() (string, string) {
	name := string(histSurnames[h.rng.IntN(len(histSurnames))]) + []string{"经理", "总", "主任", "会计", "女士", "先生"}[h.rng.IntN(6)]
	phone := fmt.Sprintf("1%d%09d", 3+h.rng.IntN(7), h.rng.IntN(1_000_000_000))
	return name, phone
}

// file files appeal number len(all) at t.
func (h *history) file(ctx context.Context, t time.Time) error {
	h.clk.Set(t)
	kind := []Kind{KindAppeal, KindComplaint, KindConsultation, KindSuggestion}[pickW(h.rng, []float64{60, 15, 20, 5})]
	cat := h.categories[pickW(h.rng, h.catWeights)]
	ent := h.enterprises[h.rng.IntN(len(h.enterprises))]
	title, body := histText(h.rng, cat.top, kind)
	name, phone := h.contact()
	in := NewAppeal{Kind: kind, CategoryID: cat.id, Title: title, Body: body, EnterpriseOrgID: ent.id, ContactName: name, ContactPhone: phone}
	if !slices.Contains(h.districts, ent.district) {
		in.DistrictCode = h.districts[h.rng.IntN(len(h.districts))]
	}
	if h.chance(0.05) {
		in.Priority = PriorityUrgent
	}
	actor := h.operator
	switch r := h.rng.Float64(); {
	case r < 0.30:
		actor, in.Channel = h.enterprise(ent), ChannelPortal
	case r < 0.37 && len(h.chambersOf[ent.id]) > 0:
		chs := h.chambersOf[ent.id]
		ch := chs[h.rng.IntN(len(chs))]
		actor = auth.Actor{Username: "history", Name: "商会秘书处", OrgID: ch, Roles: []auth.Role{auth.RoleChamber}, Via: "system"}
		in.Channel = ChannelChamber
	case r < 0.40:
		in.Channel = ChannelLeaderVisit
		if len(h.leaders) > 0 {
			in.SupervisingLeaderID = h.leaders[h.rng.IntN(len(h.leaders))]
		}
	case r < 0.42:
		in.Channel = ChannelRoundtable
	case r < 0.45:
		in.Channel = ChannelAPI
	default:
		in.Channel = ChannelHotline
	}
	ap, err := h.s.Create(ctx, actor, in)
	if err != nil {
		return fmt.Errorf("appeal: history: file: %w", err)
	}
	h.res.Appeals++
	h.res.ByKind[kind]++
	sc := &script{ap: ap, ent: ent, supervise: h.chance(0.03), escalate: h.chance(0.005)}
	h.all = append(h.all, sc)
	h.recent[cat.id] = append(h.recent[cat.id], sc)
	if n := len(h.recent[cat.id]); n > 50 {
		h.recent[cat.id] = h.recent[cat.id][n-50:]
	}
	h.schedule(sc, h.after(t, 5*time.Minute, 2*time.Hour))
	return nil
}

// step makes the script's next move at sc.at and schedules the one after.
func (h *history) step(ctx context.Context, sc *script) error {
	h.clk.Set(sc.at)
	s, ap, op := h.s, sc.ap, h.operator
	var err error
	var next time.Time
	move := func(a Appeal, e error) {
		if e == nil {
			sc.ap = a
			h.res.Moves++
		}
		err = e
	}
	switch ap.State {
	case StateSubmitted:
		switch {
		case h.chance(0.02):
			move(s.Reject(ctx, op, ap.ID, ap.Version, "所反映事项不属于涉企诉求受理范围，已告知企业通过相应渠道反映。"))
		case h.chance(0.02) && h.mergeTarget(sc) != nil:
			t := h.mergeTarget(sc)
			move(s.Merge(ctx, op, ap.ID, ap.Version, t.ap.ID, "与前件反映问题相同，合并办理。"))
		case (ap.Kind == KindConsultation && h.chance(0.35)) || h.chance(0.02):
			move(s.DirectReply(ctx, op, ap.ID, ap.Version, DirectReplyInput{Text: histReply(h.rng, OutcomePolicyExplained), Outcome: OutcomePolicyExplained}))
			next = h.share(sc.ap.Callback, 0.2+0.7*h.rng.Float64())
		default:
			move(s.Accept(ctx, op, ap.ID, ap.Version, ""))
			next = h.after(sc.at, 10*time.Minute, 3*time.Hour)
		}
	case StateAccepted:
		in := h.dispatchInput(sc, 0)
		move(s.Dispatch(ctx, op, ap.ID, ap.Version, in))
		next = h.afterDispatch(sc)
	case StateDispatched:
		switch {
		case sc.coClaim:
			move(s.ClaimPart(ctx, h.dept(sc.co), ap.ID, ap.Version, ""))
			sc.coClaim, sc.coAnswer = false, true
			next = h.claimTime(sc)
		case sc.supervise:
			move(s.Supervise(ctx, op, ap.ID, ap.Version, SuperviseInput{Level: 1 + h.rng.IntN(3), Note: "企业反映强烈，请加快办理。"}))
			sc.supervise = false
			next = h.claimTime(sc)
		case !sc.returned && h.chance(0.04):
			move(s.Return(ctx, h.dept(ap.LeadOrgID), ap.ID, ap.Version, "经核实，该事项不属于本单位职责范围，建议转相关部门办理。"))
			sc.returned = true
			next = h.after(sc.at, time.Hour, 8*time.Hour)
		default:
			move(s.Claim(ctx, h.dept(ap.LeadOrgID), ap.ID, ap.Version, ""))
			next = h.handleStep(sc)
		}
	case StateReturned:
		if h.chance(0.6) {
			in := h.dispatchInput(sc, ap.LeadOrgID)
			move(s.RuleReturn(ctx, op, ap.ID, ap.Version, ReturnRuling{Approve: true, Redispatch: &in, Note: "同意退单，改派相关部门。"}))
			next = h.afterDispatch(sc)
		} else {
			move(s.RuleReturn(ctx, op, ap.ID, ap.Version, ReturnRuling{Note: "该事项属贵单位职责，请继续办理。"}))
			next = h.after(sc.at, 30*time.Minute, 4*time.Hour)
		}
	case StateInProgress:
		switch {
		case sc.coAnswer:
			move(s.AnswerPart(ctx, h.dept(sc.co), ap.ID, ap.Version, "我单位已按职责配合核实，意见已反馈主办单位。"))
			sc.coAnswer = false
			next = h.handleStep(sc)
		case sc.escalate && len(h.leaders) > 0:
			move(s.Escalate(ctx, op, ap.ID, ap.Version, EscalateInput{LeaderIDs: []int64{h.leaders[h.rng.IntN(len(h.leaders))]}, Note: "涉及多个部门，协调难度大，报请领导协调。"}))
			sc.escalate = false
			next = h.handleStep(sc)
		case !sc.extended && h.chance(0.05):
			move(s.RequestExtension(ctx, h.dept(ap.LeadOrgID), ap.ID, ap.Version, ExtensionRequest{Days: 3 + h.rng.IntN(8), Reason: "需现场核查并征求相关部门意见，申请延期。"}))
			sc.extended = true
			next = h.after(sc.at, time.Hour, 6*time.Hour)
		default:
			outcome := Outcomes[pickW(h.rng, []float64{62, 18, 8, 12})]
			move(s.Reply(ctx, h.dept(ap.LeadOrgID), ap.ID, ap.Version, ReplyInput{Outcome: outcome, Text: histReply(h.rng, outcome)}))
			next = h.share(sc.ap.Callback, 0.2+0.7*h.rng.Float64())
			if h.chance(0.05) {
				next = h.share(sc.ap.Callback, 1.1+h.rng.Float64())
			}
		}
	case StateExtensionRequested:
		if h.chance(0.8) {
			move(s.DecideExtension(ctx, op, ap.ID, ap.Version, ExtensionDecision{Approve: true, Note: "同意延期。"}))
		} else {
			move(s.DecideExtension(ctx, op, ap.ID, ap.Version, ExtensionDecision{Note: "请在原时限内办结。"}))
		}
		next = h.handleStep(sc)
	case StateReplied:
		if ap.Satisfaction == Unsatisfied && !ap.CallbackAt.Before(ap.RepliedAt) {
			if ap.LeadOrgID != 0 && ap.RedoCount < 2 && h.chance(0.5) {
				move(s.Reopen(ctx, op, ap.ID, ap.Version, h.dispatchInput(sc, 0)))
				next = h.afterDispatch(sc)
			} else {
				move(s.Close(ctx, op, ap.ID, ap.Version, "已向企业解释政策依据，企业表示理解，按规定办结。"))
			}
			break
		}
		sat := Satisfactions[pickW(h.rng, []float64{70, 20, 10})]
		if ap.Outcome == OutcomeUnsolvedExplained && h.chance(0.3) {
			sat = Unsatisfied
		}
		in := CallbackInput{Satisfaction: sat, Solved: sat != Unsatisfied && ap.Outcome != OutcomeUnsolvedExplained}
		actor := op
		if h.chance(0.2) {
			actor = h.enterprise(sc.ent)
		}
		move(s.Callback(ctx, actor, ap.ID, ap.Version, in))
		if sat == Unsatisfied {
			next = h.after(sc.at, time.Hour, 16*time.Hour)
		}
	}
	if err != nil {
		return err
	}
	if !sc.ap.State.Open() || next.IsZero() {
		return nil
	}
	h.schedule(sc, next)
	return nil
}

// mergeTarget is a recent, earlier, open appeal of the same category.
func (h *history) mergeTarget(sc *script) *script {
	list := h.recent[sc.ap.CategoryID]
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		if t != sc && t.ap.ID < sc.ap.ID && t.ap.State.Open() && sc.ap.CreatedAt.Sub(t.ap.CreatedAt) < 10*24*time.Hour {
			return t
		}
	}
	return nil
}

// dispatchInput picks the lead (the category's usual department in most cases) and
// sometimes a co-handler; never notLead. It notes the co-handler in the script.
func (h *history) dispatchInput(sc *script, notLead int64) DispatchInput {
	lead := int64(0)
	for _, c := range h.categories {
		if c.id == sc.ap.CategoryID {
			lead = c.dept
		}
	}
	if lead == 0 || lead == notLead || h.chance(0.2) {
		lead = h.otherHandler(notLead)
	}
	in := DispatchInput{LeadOrgID: lead}
	sc.co = 0
	if h.chance(0.15) {
		sc.co = h.otherHandler(lead)
		in.CoOrgIDs = []int64{sc.co}
	}
	return in
}

// afterDispatch is when the first move after a dispatch comes: a co-handler's claim, a
// supervision, or the lead's claim.
func (h *history) afterDispatch(sc *script) time.Time {
	sc.coClaim, sc.coAnswer = sc.co != 0, false
	if sc.coClaim {
		return h.after(sc.ap.DispatchedAt, 10*time.Minute, 3*time.Hour)
	}
	if sc.supervise {
		return h.after(sc.ap.DispatchedAt, 30*time.Minute, 4*time.Hour)
	}
	return h.claimTime(sc)
}

// claimTime: mostly well within the claim limit, about 5% late.
func (h *history) claimTime(sc *script) time.Time {
	if h.chance(0.05) {
		return h.share(sc.ap.Claim, 1.05+1.5*h.rng.Float64())
	}
	return h.share(sc.ap.Claim, 0.05+0.7*h.rng.Float64())
}

// handleStep: the next step while in progress, mostly on time, about 10% late.
func (h *history) handleStep(sc *script) time.Time {
	if sc.coAnswer {
		return h.after(sc.ap.UpdatedAt, time.Hour, 14*time.Hour)
	}
	if h.chance(0.10) {
		return h.share(sc.ap.Handle, 1.03+0.6*h.rng.Float64())
	}
	t := h.share(sc.ap.Handle, 0.2+0.75*h.rng.Float64())
	if !t.After(sc.ap.UpdatedAt) {
		t = h.after(sc.ap.UpdatedAt, 30*time.Minute, 2*time.Hour)
	}
	return t
}
