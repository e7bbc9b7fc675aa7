package appeal_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

func actions(tl []appeal.Event) []appeal.Action {
	var out []appeal.Action
	for _, e := range tl {
		out = append(out, e.Action)
	}
	return out
}

// The whole loop as it should usually go, with a co-handler, on time.
func TestHappyPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.hotline()
		if !strings.HasPrefix(ap.Number, "ZQ20260302") || len(ap.Number) != 16 || len(ap.QueryCode) != 6 || ap.State != appeal.StateSubmitted {
			t.Fatalf("filed %+v", ap)
		}
		if ap.DistrictCode != "430104" {
			t.Errorf("district %q, want the enterprise's 430104", ap.DistrictCode)
		}
		f.clock.Advance(10 * time.Minute)
		ap = f.must(s.Accept(ctx, f.op, ap.ID, ap.Version, "已核实"))
		f.clock.Advance(20 * time.Minute)
		ap = f.must(s.Dispatch(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA, CoOrgIDs: []int64{f.deptB}}))
		// Dispatched Monday 10:00: claim within 1 working day, handle within 5.
		if want := time.Date(2026, 3, 3, 17, 30, 0, 0, calendar.Location()); !ap.Claim.Due.Equal(want) {
			t.Errorf("claim due %v, want %v", ap.Claim.Due, want)
		}
		if want := time.Date(2026, 3, 9, 17, 30, 0, 0, calendar.Location()); !ap.Handle.Due.Equal(want) {
			t.Errorf("handle due %v, want %v", ap.Handle.Due, want)
		}
		if ap.SLALevel != calendar.LevelGreen || ap.SLAClock != appeal.ClockClaim || ap.NextAlertAt.IsZero() {
			t.Errorf("sla %s %s next %v", ap.SLALevel, ap.SLAClock, ap.NextAlertAt)
		}
		f.clock.Advance(time.Hour)
		ap = f.must(s.Claim(ctx, f.b1, ap.ID, ap.Version, "")) // a co-handler's Claim is its part's
		if ap.State != appeal.StateDispatched {
			t.Fatalf("co claim moved the appeal to %s", ap.State)
		}
		ap = f.must(s.Claim(ctx, f.a1, ap.ID, ap.Version, "已签收"))
		ap = f.must(s.AnswerPart(ctx, f.b1, ap.ID, ap.Version, "我委已督促供电公司加快办理。"))
		f.clock.Advance(48 * time.Hour)
		ap = f.must(s.Reply(ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已协调供电公司完成增容。"}))
		if ap.State != appeal.StateReplied || ap.HandledOnTime == nil || !*ap.HandledOnTime || ap.HandleWorking <= 0 {
			t.Fatalf("replied %+v", ap)
		}
		if ap.SLAClock != appeal.ClockCallback || ap.Callback.Due.IsZero() {
			t.Errorf("callback clock %s due %v", ap.SLAClock, ap.Callback.Due)
		}
		if !strings.Contains(f.index.puts[ap.ID], "完成增容") {
			t.Errorf("index has %q", f.index.puts[ap.ID])
		}
		// The enterprise rates it itself.
		ap = f.must(s.Callback(ctx, f.e1, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Satisfied, Solved: true}))
		if ap.State != appeal.StateClosed || ap.ClosedAt.IsZero() || ap.Satisfaction != appeal.Satisfied || ap.SLALevel != "" || !ap.NextAlertAt.IsZero() {
			t.Fatalf("closed %+v", ap)
		}
		tl, err := s.Timeline(ctx, f.op, ap.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []appeal.Action{appeal.ActCreate, appeal.ActAccept, appeal.ActDispatch, appeal.ActCoClaim, appeal.ActClaim,
			appeal.ActCoAnswer, appeal.ActReply, appeal.ActCallbackSatisfied}
		if !slices.Equal(actions(tl), want) {
			t.Errorf("timeline %v, want %v", actions(tl), want)
		}
		if tl[2].Data["lead"] != "长沙市工业和信息化局" || tl[2].ActorOrgName != "长沙市工商业联合会" {
			t.Errorf("dispatch step %+v", tl[2])
		}
		// The enterprise sees public steps without staff names.
		etl, _ := s.Timeline(ctx, f.e1, ap.ID)
		for _, e := range etl {
			if !e.Public || (e.ActorOrgID != f.ent1 && e.ActorName != "") {
				t.Errorf("enterprise sees %+v", e)
			}
		}
		if slices.Contains(actions(etl), appeal.ActCoAnswer) {
			t.Error("enterprise sees the co-handler's answer step")
		}
		// 三率 inputs.
		parts, _ := s.Assignments(ctx, f.op, ap.ID)
		if len(parts) != 2 || parts[0].Role != appeal.RoleLead || parts[0].State != appeal.PartAnswered || parts[0].ClaimedOnTime == nil ||
			!*parts[0].ClaimedOnTime || parts[0].AnsweredOnTime == nil || !*parts[0].AnsweredOnTime || parts[1].State != appeal.PartAnswered {
			t.Errorf("parts %+v", parts)
		}
		cbs, _ := s.Callbacks(ctx, f.op, ap.ID)
		if len(cbs) != 1 || cbs[0].Via != "self" || !cbs[0].OnTime || cbs[0].LeadOrgID != f.deptA || cbs[0].Round != 1 {
			t.Errorf("callbacks %+v", cbs)
		}
		// Who heard what.
		if n := f.notes(f.a1); count(n, "appeal.notify.dispatched_lead") != 1 || count(n, "appeal.notify.co_answered") != 1 || count(n, "appeal.notify.callback_satisfied") != 1 {
			t.Errorf("lead department heard %v", n)
		}
		if n := f.notes(f.b1); count(n, "appeal.notify.dispatched_co") != 1 {
			t.Errorf("co-handler heard %v", n)
		}
		if n := f.notes(f.e1); !slices.Equal(n, []string{"appeal.notify.created", "appeal.notify.accepted", "appeal.notify.dispatched", "appeal.notify.replied"}) {
			t.Errorf("enterprise heard %v", n)
		}
		if n := f.notes(f.op); count(n, "appeal.notify.to_callback") != 1 {
			t.Errorf("operator heard %v", n)
		}
		if n := f.notes(f.e2); len(n) != 0 {
			t.Errorf("another enterprise heard %v", n)
		}
		var audited int
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'appeal' AND object_id = $1 AND action LIKE 'appeal.%'`, idStr(ap.ID)).Scan(&audited)
		if audited != 8 {
			t.Errorf("%d audit entries for 8 steps", audited)
		}
	})
}

// Unsatisfied → reopened elsewhere → answered again → basically satisfied.
func TestRedoPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.replied()
		if _, err := s.Reopen(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptC}); !isErr(err, apperr.ErrIllegalMove, "appeal.error.reopen_needs_unsatisfied") {
			t.Fatalf("reopen without a callback: %v", err)
		}
		ap = f.must(s.Callback(ctx, f.op, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied, Solved: false, Note: "增容仍未落实"}))
		if ap.State != appeal.StateReplied || ap.SLAClock != "" {
			t.Fatalf("after unsatisfied: %s clock %q", ap.State, ap.SLAClock)
		}
		if n := f.notes(f.op); count(n, "appeal.notify.unsatisfied") != 1 {
			t.Errorf("operators heard %v", n)
		}
		f.clock.Advance(time.Hour)
		ap = f.must(s.Reopen(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptC, Note: "请市场监管局牵头"}))
		if ap.State != appeal.StateDispatched || ap.RedoCount != 1 || ap.Round != 2 || ap.LeadOrgID != f.deptC || ap.ReplyText != "" {
			t.Fatalf("reopened %+v", ap)
		}
		ap = f.must(s.Claim(ctx, f.c1, ap.ID, ap.Version, ""))
		ap = f.must(s.Reply(ctx, f.c1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomePartly, Text: "已约谈供电公司，本周完成。"}))
		ap = f.must(s.Callback(ctx, f.e1, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Basically, Solved: true}))
		if ap.State != appeal.StateClosed || ap.RedoCount != 1 {
			t.Fatalf("closed %+v", ap)
		}
		parts, _ := s.Assignments(ctx, f.op, ap.ID)
		if len(parts) != 3 || !parts[0].Redone || parts[0].Round != 1 || parts[2].Round != 2 || parts[2].OrgID != f.deptC || parts[2].Redone {
			t.Errorf("parts %+v", parts)
		}
		cbs, _ := s.Callbacks(ctx, f.op, ap.ID)
		if len(cbs) != 2 || cbs[0].LeadOrgID != f.deptA || cbs[0].Satisfaction != appeal.Unsatisfied || cbs[1].LeadOrgID != f.deptC || cbs[1].Round != 2 {
			t.Errorf("callbacks %+v", cbs)
		}
		// Department A still sees the appeal it answered in round 1; C lists it as answered.
		for _, a := range []struct {
			name string
			q    appeal.Queue
			who  int
		}{{"A answered", appeal.QueueDeptAnswered, 0}, {"C answered", appeal.QueueDeptAnswered, 1}} {
			actor := f.a1
			if a.who == 1 {
				actor = f.c1
			}
			p, err := s.List(ctx, actor, a.q, appeal.Filter{})
			if err != nil || len(p.Items) != 1 || p.Items[0].ID != ap.ID {
				t.Errorf("%s: %+v %v", a.name, p, err)
			}
		}
	})
}

// Close after an unsatisfied callback, with a note.
func TestCloseAfterUnsatisfied(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ap := f.replied()
		ap = f.must(f.svc.Callback(f.ctx, f.op, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied}))
		if _, err := f.svc.Close(f.ctx, f.op, ap.ID, ap.Version, " "); !fieldErr(err, "note", "error.required") {
			t.Fatalf("close without a note: %v", err)
		}
		ap = f.must(f.svc.Close(f.ctx, f.op, ap.ID, ap.Version, "诉求超出政策范围，已解释"))
		if ap.State != appeal.StateClosed || ap.Satisfaction != appeal.Unsatisfied {
			t.Fatalf("%+v", ap)
		}
	})
}

// The lead's reply closes co-handler parts still open; the co-handler cannot answer after.
func TestCoHandlersClosedByLeadReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.accepted()
		ap = f.must(s.Dispatch(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA, CoOrgIDs: []int64{f.deptB, f.deptC}}))
		if _, err := s.Dispatch(ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA}); !isErr(err, apperr.ErrIllegalMove, "appeal.illegal_move") {
			t.Errorf("second dispatch: %v", err)
		}
		ap = f.must(s.ClaimPart(ctx, f.c1, ap.ID, ap.Version, ""))
		if _, err := s.ClaimPart(ctx, f.c1, ap.ID, ap.Version, ""); !isErr(err, apperr.ErrIllegalMove, "appeal.error.part_claimed") {
			t.Errorf("claiming twice: %v", err)
		}
		if _, err := s.AnswerPart(ctx, f.b1, ap.ID, ap.Version, "意见"); !isErr(err, apperr.ErrIllegalMove, "appeal.error.part_not_claimed") {
			t.Errorf("answering unclaimed: %v", err)
		}
		// A co-handler cannot make the lead's moves.
		if _, err := s.Reply(ctx, f.c1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "x"}); !isErr(err, apperr.ErrIllegalMove, "") {
			t.Errorf("co reply in dispatched: %v", err)
		}
		ap = f.must(s.Claim(ctx, f.a1, ap.ID, ap.Version, ""))
		if _, err := s.Reply(ctx, f.c1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "x"}); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("co-handler replying for the lead: %v", err)
		}
		ap = f.must(s.Reply(ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomePolicyExplained, Text: "已解释政策。"}))
		parts, _ := s.Assignments(ctx, f.op, ap.ID)
		states := map[int64]appeal.AssignmentState{}
		for _, p := range parts {
			states[p.OrgID] = p.State
		}
		if states[f.deptA] != appeal.PartAnswered || states[f.deptB] != appeal.PartClosed || states[f.deptC] != appeal.PartClosed {
			t.Errorf("parts after the reply: %v", states)
		}
		if _, err := s.AnswerPart(ctx, f.c1, ap.ID, ap.Version, "迟到的意见"); !isErr(err, apperr.ErrIllegalMove, "appeal.illegal_move") {
			t.Errorf("co answer after the reply: %v", err)
		}
		// Both co-handlers list it among their finished parts.
		for _, a := range []struct{ dept string }{{"B"}, {"C"}} {
			actor := f.b1
			if a.dept == "C" {
				actor = f.c1
			}
			p, err := s.List(ctx, actor, appeal.QueueDeptAnswered, appeal.Filter{})
			if err != nil || len(p.Items) != 1 || p.Items[0].PartRole != appeal.RoleCo || p.Items[0].PartState != appeal.PartClosed {
				t.Errorf("%s answered queue: %+v %v", a.dept, p, err)
			}
		}
	})
}

// A return pauses the clocks; a refusal resumes them with every deadline moved later by
// exactly the working time the return waited.
func TestReturnRulingPausesClock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.dispatched() // Monday 09:30
		claimDue, handleDue := ap.Claim.Due, ap.Handle.Due
		f.clock.Advance(2 * time.Hour) // 11:30
		ap = f.must(s.Return(ctx, f.a1, ap.ID, ap.Version, "用电增容属供电公司职责"))
		pausedAt := f.clock.Now()
		if ap.State != appeal.StateReturned || ap.ReturnFrom != appeal.StateDispatched || !ap.Handle.IsPaused() || !ap.Claim.IsPaused() || !ap.NextAlertAt.IsZero() {
			t.Fatalf("returned %+v", ap)
		}
		if n := f.notes(f.op); count(n, "appeal.notify.returned") != 1 {
			t.Errorf("operators heard %v", n)
		}
		// The operator rules the next day at 15:00.
		f.clock.Set(time.Date(2026, 3, 3, 15, 0, 0, 0, calendar.Location()))
		if _, err := s.RuleReturn(ctx, f.op, ap.ID, ap.Version, appeal.ReturnRuling{}); !fieldErr(err, "note", "error.required") {
			t.Fatalf("refusal without a note: %v", err)
		}
		ap = f.must(s.RuleReturn(ctx, f.op, ap.ID, ap.Version, appeal.ReturnRuling{Note: "增容审批属贵局协调职责"}))
		paused := f.cal.WorkingDuration(pausedAt, f.clock.Now()) // 11:30→12:00, 13:30–17:30, 09:00–12:00, 13:30–15:00
		if paused != 30*time.Minute+4*time.Hour+3*time.Hour+90*time.Minute {
			t.Fatalf("paused %v", paused)
		}
		if ap.State != appeal.StateDispatched || ap.Handle.IsPaused() || ap.Claim.IsPaused() || ap.Handle.Paused != paused {
			t.Fatalf("resumed %+v", ap)
		}
		if got := f.cal.WorkingDuration(handleDue, ap.Handle.Due); got != paused {
			t.Errorf("handle due moved by %v, want %v (%v → %v)", got, paused, handleDue, ap.Handle.Due)
		}
		if got := f.cal.WorkingDuration(claimDue, ap.Claim.Due); got != paused {
			t.Errorf("claim due moved by %v, want %v", got, paused)
		}
		parts, _ := s.Assignments(ctx, f.op, ap.ID)
		if parts[0].State != appeal.PartDispatched || !parts[0].ClaimDue.Equal(ap.Claim.Due) || !parts[1].HandleDue.Equal(ap.Handle.Due) {
			t.Errorf("parts after refusal %+v", parts)
		}
		if n := f.notes(f.a1); count(n, "appeal.notify.return_refused") != 1 {
			t.Errorf("department heard %v", n)
		}
		// Returned again after claiming; approved with a re-dispatch to another department.
		ap = f.must(s.Claim(ctx, f.a1, ap.ID, ap.Version, ""))
		ap = f.must(s.Return(ctx, f.a1, ap.ID, ap.Version, "确非本局职责"))
		if _, err := s.RuleReturn(ctx, f.op, ap.ID, ap.Version, appeal.ReturnRuling{Approve: true, Redispatch: &appeal.DispatchInput{LeadOrgID: f.deptA}}); !fieldErr(err, "lead_org_id", "appeal.error.same_lead") {
			t.Fatalf("re-dispatch to the same lead: %v", err)
		}
		f.clock.Advance(time.Hour)
		ap = f.must(s.RuleReturn(ctx, f.op, ap.ID, ap.Version, appeal.ReturnRuling{Approve: true, Redispatch: &appeal.DispatchInput{LeadOrgID: f.deptC}}))
		if ap.State != appeal.StateDispatched || ap.Round != 2 || ap.LeadOrgID != f.deptC || ap.Handle.Paused != 0 || !ap.Handle.Start.Equal(f.clock.Now()) {
			t.Fatalf("re-dispatched %+v", ap)
		}
		parts, _ = s.Assignments(ctx, f.op, ap.ID)
		if len(parts) != 3 || parts[0].State != appeal.PartClosed || !parts[0].ReturnApproved || parts[1].State != appeal.PartClosed || parts[2].OrgID != f.deptC {
			t.Errorf("parts after the approval %+v", parts)
		}
		// Department A keeps seeing it, but nothing waits for it.
		for _, q := range []appeal.Queue{appeal.QueueDeptToClaim, appeal.QueueDeptHandling, appeal.QueueDeptAnswered} {
			if p, _ := s.List(ctx, f.a1, q, appeal.Filter{}); len(p.Items) != 0 {
				t.Errorf("department A's %s lists %d", q, len(p.Items))
			}
		}
		if _, err := s.Get(ctx, f.a1, ap.ID); err != nil {
			t.Errorf("department A lost sight of it: %v", err)
		}
		// A plain approval goes back to accepted with no clock.
		ap = f.must(s.Return(ctx, f.c1, ap.ID, ap.Version, "也非本局职责"))
		ap = f.must(s.RuleReturn(ctx, f.op, ap.ID, ap.Version, appeal.ReturnRuling{Approve: true, Note: "另行研究"}))
		if ap.State != appeal.StateAccepted || ap.LeadOrgID != 0 || !ap.Handle.Due.IsZero() || ap.SLALevel != "" || !ap.NextAlertAt.IsZero() {
			t.Fatalf("approved %+v", ap)
		}
	})
}

// Extension: approval moves the handle deadline by N working days; refusal keeps it.
func TestExtension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.inProgress()
		due := ap.Handle.Due // Monday 2026-03-09 17:30
		if _, err := s.RequestExtension(ctx, f.a1, ap.ID, ap.Version, appeal.ExtensionRequest{Days: 99, Reason: ""}); !fieldErr(err, "days", "error.range") || !fieldErr(err, "reason", "error.required") {
			t.Fatalf("bad request: %v", err)
		}
		ap = f.must(s.RequestExtension(ctx, f.a1, ap.ID, ap.Version, appeal.ExtensionRequest{Days: 3, Reason: "需等待省级部门意见"}))
		if _, err := s.DecideExtension(ctx, f.op, ap.ID, ap.Version, appeal.ExtensionDecision{}); !fieldErr(err, "note", "error.required") {
			t.Fatalf("refusal without note: %v", err)
		}
		ap = f.must(s.DecideExtension(ctx, f.op, ap.ID, ap.Version, appeal.ExtensionDecision{Approve: true, Note: "同意"}))
		if want := time.Date(2026, 3, 12, 17, 30, 0, 0, calendar.Location()); ap.State != appeal.StateInProgress || !ap.Handle.Due.Equal(want) {
			t.Fatalf("approved: %s due %v, want %v (was %v)", ap.State, ap.Handle.Due, want, due)
		}
		ap = f.must(s.RequestExtension(ctx, f.a1, ap.ID, ap.Version, appeal.ExtensionRequest{Days: 2, Reason: "再延"}))
		ap = f.must(s.DecideExtension(ctx, f.op, ap.ID, ap.Version, appeal.ExtensionDecision{Note: "不再延期"}))
		if want := time.Date(2026, 3, 12, 17, 30, 0, 0, calendar.Location()); !ap.Handle.Due.Equal(want) {
			t.Fatalf("refused: due %v", ap.Handle.Due)
		}
		exts, err := s.Extensions(ctx, f.op, ap.ID)
		if err != nil || len(exts) != 2 || exts[0].Approved == nil || !*exts[0].Approved || exts[1].Approved == nil || *exts[1].Approved ||
			!exts[0].OldDue.Equal(due) || exts[0].Days != 3 {
			t.Fatalf("extensions %+v %v", exts, err)
		}
		if _, err := s.Extensions(ctx, f.e1, ap.ID); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("enterprise reads extensions: %v", err)
		}
		if n := f.notes(f.a1); count(n, "appeal.notify.extension_approved") != 1 || count(n, "appeal.notify.extension_refused") != 1 {
			t.Errorf("department heard %v", n)
		}
	})
}

// Merging: only into an earlier, open appeal; the duplicate's enterprise follows the original.
func TestMerge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		orig := f.hotline()
		f.clock.Advance(time.Minute)
		dup := f.hotline(func(in *appeal.NewAppeal) { in.EnterpriseOrgID = f.ent2; in.ContactPhone = "13987654321" })
		f.clock.Advance(time.Minute)
		later := f.hotline()
		for _, c := range []struct {
			into int64
			key  string
		}{{dup.ID, "appeal.error.merge_self"}, {later.ID, "appeal.error.merge_not_earlier"}, {999999, "appeal.error.merge_target"}} {
			if _, err := s.Merge(ctx, f.op, dup.ID, dup.Version, c.into, ""); !fieldErr(err, "into", c.key) {
				t.Errorf("merge into %d: %v", c.into, err)
			}
		}
		rejected := f.must(s.Reject(ctx, f.op, later.ID, later.Version, "重复"))
		_ = rejected
		dup = f.must(s.Merge(ctx, f.op, dup.ID, dup.Version, orig.ID, "同一问题"))
		if dup.State != appeal.StateMerged || dup.MergedIntoID != orig.ID {
			t.Fatalf("merged %+v", dup)
		}
		third := f.hotline()
		if _, err := s.Merge(ctx, f.op, third.ID, third.Version, later.ID, ""); !fieldErr(err, "into", "appeal.error.merge_target_finished") {
			t.Errorf("merge into a rejected one: %v", err)
		}
		if n := f.notes(f.e2); count(n, "appeal.notify.merged") != 1 {
			t.Errorf("duplicate's enterprise heard %v", n)
		}
		otl, _ := s.Timeline(ctx, f.op, orig.ID)
		if last := otl[len(otl)-1]; last.Action != appeal.ActMergedIn || last.Data["merged"] != dup.Number {
			t.Errorf("original's timeline ends with %+v", last)
		}
		// The original runs its course; the duplicate's enterprise follows.
		o := f.must(s.Accept(ctx, f.op, orig.ID, orig.Version, ""))
		o = f.must(s.Dispatch(ctx, f.op, o.ID, o.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
		o = f.must(s.Claim(ctx, f.a1, o.ID, o.Version, ""))
		o = f.must(s.Reply(ctx, f.a1, o.ID, o.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已完成增容。"}))
		o = f.must(s.Callback(ctx, f.op, o.ID, o.Version, appeal.CallbackInput{Satisfaction: appeal.Satisfied, Solved: true}))
		n := f.notes(f.e2)
		if count(n, "appeal.notify.original_replied") != 1 || count(n, "appeal.notify.original_closed") != 1 {
			t.Errorf("duplicate's enterprise heard %v", n)
		}
		dtl, err := s.Timeline(ctx, f.e2, dup.ID)
		if err != nil {
			t.Fatal(err)
		}
		var updates []appeal.State
		var reply any
		for _, e := range dtl {
			if e.Action == appeal.ActOriginalUpdate {
				updates = append(updates, appeal.State(e.Data["state"].(string)))
				if e.Data["reply"] != nil {
					reply = e.Data["reply"]
				}
			}
		}
		want := []appeal.State{appeal.StateAccepted, appeal.StateDispatched, appeal.StateInProgress, appeal.StateReplied, appeal.StateClosed}
		if !slices.Equal(updates, want) || reply != "已完成增容。" {
			t.Errorf("duplicate's timeline follows %v (reply %v), want %v", updates, reply, want)
		}
		// The duplicate's enterprise cannot open the original (another enterprise's).
		if _, err := s.Get(ctx, f.e2, orig.ID); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("e2 opens the original: %v", err)
		}
		// Merging into a finished appeal is refused.
		fourth := f.hotline()
		if _, err := s.Merge(ctx, f.op, fourth.ID, fourth.Version, o.ID, ""); !fieldErr(err, "into", "appeal.error.merge_target_finished") {
			t.Errorf("merge into closed: %v", err)
		}
	})
}

// Direct reply from the knowledge base, and the base's own CRUD.
func TestDirectReplyFromKB(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		if _, err := s.CreateArticle(ctx, f.e1, appeal.ArticleInput{Title: "x", Answer: "y"}); !isErr(err, apperr.ErrForbidden, "") {
			t.Fatalf("enterprise writes the knowledge base: %v", err)
		}
		if _, err := s.CreateArticle(ctx, f.op, appeal.ArticleInput{}); !fieldErr(err, "title", "error.required") || !fieldErr(err, "answer", "error.required") {
			t.Fatalf("empty article: %v", err)
		}
		ar, err := s.CreateArticle(ctx, f.op, appeal.ArticleInput{CategoryID: f.catPower, Title: "用电增容办理流程", Answer: "可通过“网上国网”App 提交增容申请，供电公司 5 个工作日内答复。", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Articles(ctx, f.a1, appeal.ArticleFilter{Q: "增容", ActiveOnly: true})
		if err != nil || len(list) != 1 {
			t.Fatalf("departments read it: %v %v", list, err)
		}
		ap := f.hotline()
		ap = f.must(s.DirectReply(ctx, f.op, ap.ID, ap.Version, appeal.DirectReplyInput{ArticleID: ar.ID}))
		if ap.State != appeal.StateReplied || ap.ReplyText != ar.Answer || ap.KBArticleID != ar.ID || ap.Outcome != appeal.OutcomePolicyExplained ||
			ap.Callback.Due.IsZero() || ap.AcceptedAt.IsZero() || ap.SLAClock != appeal.ClockCallback {
			t.Fatalf("direct reply %+v", ap)
		}
		if got, _ := s.Article(ctx, f.op, ar.ID); got.UseCount != 1 {
			t.Errorf("use count %d", got.UseCount)
		}
		// A retired article cannot answer.
		ar, err = s.UpdateArticle(ctx, f.op, ar.ID, appeal.ArticleInput{Title: ar.Title, Answer: ar.Answer, Active: false, Version: ar.Version})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateArticle(ctx, f.op, ar.ID, appeal.ArticleInput{Title: "x", Answer: "y", Version: 1}); !isErr(err, apperr.ErrConflict, "") {
			t.Errorf("stale update: %v", err)
		}
		other := f.hotline()
		if _, err := s.DirectReply(ctx, f.op, other.ID, other.Version, appeal.DirectReplyInput{ArticleID: ar.ID}); !fieldErr(err, "article_id", "appeal.error.article") {
			t.Errorf("retired article: %v", err)
		}
		if err := s.DeleteArticle(ctx, f.op, ar.ID, ar.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, f.op, ap.ID); got.KBArticleID != 0 || got.ReplyText == "" {
			t.Errorf("after deletion the appeal has article %d, text %q", got.KBArticleID, got.ReplyText)
		}
	})
}

// Supervision is a flag on any open appeal; escalation reaches the linked leaders.
func TestSuperviseAndEscalate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.inProgress()
		ap = f.must(s.Supervise(ctx, f.op, ap.ID, ap.Version, appeal.SuperviseInput{Level: appeal.SupervisionListed, Note: "挂牌督办"}))
		if ap.State != appeal.StateInProgress || ap.SupervisionLevel != 3 {
			t.Fatalf("%+v", ap)
		}
		if n := f.notes(f.a1); count(n, "appeal.notify.supervised") != 1 {
			t.Errorf("department heard %v", n)
		}
		if _, err := s.Supervise(ctx, f.op, ap.ID, ap.Version, appeal.SuperviseInput{Level: 4}); !fieldErr(err, "level", "error.range") {
			t.Errorf("level 4: %v", err)
		}
		// No leader is linked yet: escalation needs one named.
		if _, err := s.Escalate(ctx, f.op, ap.ID, ap.Version, appeal.EscalateInput{Note: "多部门推诿"}); !fieldErr(err, "leader_ids", "appeal.error.no_leader") {
			t.Fatalf("escalate without leaders: %v", err)
		}
		if _, err := s.Escalate(ctx, f.op, ap.ID, ap.Version, appeal.EscalateInput{LeaderIDs: []int64{f.a1.UserID}, Note: "x"}); !fieldErr(err, "leader_ids", "appeal.error.leader") {
			t.Fatalf("escalate to a non-leader: %v", err)
		}
		if _, err := s.Get(ctx, f.leader, ap.ID); !isErr(err, apperr.ErrNotFound, "") {
			t.Fatalf("leader sees it before: %v", err)
		}
		f.links.link(f.ent1, f.leader.UserID)
		ap = f.must(s.Escalate(ctx, f.op, ap.ID, ap.Version, appeal.EscalateInput{Note: "多部门推诿，请领导协调"}))
		if !ap.Escalated {
			t.Fatal("not escalated")
		}
		if n := f.notes(f.leader); count(n, "appeal.notify.escalated") != 1 {
			t.Errorf("leader heard %v", n)
		}
		p, err := s.List(ctx, f.leader, appeal.QueueLeader, appeal.Filter{})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != ap.ID {
			t.Errorf("leader queue %+v %v", p, err)
		}
		// The leader supervises it too, and the operators hear of it.
		ap = f.must(s.Supervise(ctx, f.leader, ap.ID, ap.Version, appeal.SuperviseInput{Level: 2, Note: "请一周内解决"}))
		if n := f.notes(f.op); count(n, "appeal.notify.supervised_by_leader") != 1 {
			t.Errorf("operators heard %v", n)
		}
		// Another leader, not linked, sees nothing and may not supervise.
		if _, err := s.Supervise(ctx, f.leader2, ap.ID, ap.Version, appeal.SuperviseInput{Level: 1}); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("unlinked leader: %v", err)
		}
		// A leader visit: filed by the leader, supervised by them from the start.
		lv, err := s.Create(ctx, f.leader2, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catTax, Title: "出口退税到账慢",
			Body: "走访中企业反映出口退税平均到账时间超过一个月。", EnterpriseOrgID: f.ent2, ContactName: "李总", ContactPhone: "13987654321"})
		if err != nil {
			t.Fatal(err)
		}
		if lv.Channel != appeal.ChannelLeaderVisit || lv.SupervisionLevel != 1 {
			t.Errorf("leader visit %+v", lv)
		}
		if _, err := s.Get(ctx, f.leader2, lv.ID); err != nil {
			t.Errorf("the visiting leader cannot see it: %v", err)
		}
	})
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
