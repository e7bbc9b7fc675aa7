package appeal_test

import (
	"fmt"
	"slices"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// perform makes action on ap as actor with a valid input; orig is an earlier open appeal
// to merge into.
func (f *fx) perform(ap appeal.Appeal, action appeal.Action, a auth.Actor, orig int64) (appeal.Appeal, error) {
	s, ctx, id, v := f.svc, f.ctx, ap.ID, ap.Version
	switch action {
	case appeal.ActAccept:
		return s.Accept(ctx, a, id, v, "")
	case appeal.ActReject:
		return s.Reject(ctx, a, id, v, "不属于涉企诉求")
	case appeal.ActMerge:
		return s.Merge(ctx, a, id, v, orig, "与前件重复")
	case appeal.ActDirectReply:
		return s.DirectReply(ctx, a, id, v, appeal.DirectReplyInput{Text: "根据现行政策，可向供电公司申请临时增容。"})
	case appeal.ActDispatch:
		return s.Dispatch(ctx, a, id, v, appeal.DispatchInput{LeadOrgID: f.deptA, CoOrgIDs: []int64{f.deptB}})
	case appeal.ActClaim:
		return s.Claim(ctx, a, id, v, "")
	case appeal.ActReturn:
		return s.Return(ctx, a, id, v, "不属于本单位职责")
	case appeal.ActCoClaim:
		return s.ClaimPart(ctx, a, id, v, "")
	case appeal.ActCoAnswer:
		return s.AnswerPart(ctx, a, id, v, "我委已配合核实。")
	case appeal.ActApproveReturn:
		return s.RuleReturn(ctx, a, id, v, appeal.ReturnRuling{Approve: true})
	case appeal.ActRedispatch:
		return s.RuleReturn(ctx, a, id, v, appeal.ReturnRuling{Approve: true, Redispatch: &appeal.DispatchInput{LeadOrgID: f.deptC}})
	case appeal.ActRefuseReturn:
		return s.RuleReturn(ctx, a, id, v, appeal.ReturnRuling{Note: "属于贵单位职责"})
	case appeal.ActRequestExtension:
		return s.RequestExtension(ctx, a, id, v, appeal.ExtensionRequest{Days: 3, Reason: "需现场勘查"})
	case appeal.ActApproveExtension:
		return s.DecideExtension(ctx, a, id, v, appeal.ExtensionDecision{Approve: true})
	case appeal.ActRefuseExtension:
		return s.DecideExtension(ctx, a, id, v, appeal.ExtensionDecision{Note: "时限内可办结"})
	case appeal.ActReply:
		return s.Reply(ctx, a, id, v, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已完成增容。"})
	case appeal.ActCallbackSatisfied:
		return s.Callback(ctx, a, id, v, appeal.CallbackInput{Satisfaction: appeal.Basically, Solved: true})
	case appeal.ActCallbackUnsatisfied:
		return s.Callback(ctx, a, id, v, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied, Note: "问题未解决"})
	case appeal.ActReopen:
		return s.Reopen(ctx, a, id, v, appeal.DispatchInput{LeadOrgID: f.deptC})
	case appeal.ActClose:
		return s.Close(ctx, a, id, v, "企业联系不上，按规定办结")
	case appeal.ActSupervise:
		return s.Supervise(ctx, a, id, v, appeal.SuperviseInput{Level: 2, Note: "请加快办理"})
	case appeal.ActEscalate:
		return s.Escalate(ctx, a, id, v, appeal.EscalateInput{LeaderIDs: []int64{f.leader2.UserID}, Note: "涉及多部门，请协调"})
	}
	f.t.Fatalf("no way to perform %s", action)
	return appeal.Appeal{}, nil
}

// actorFor is the actor who makes a move as party p.
func (f *fx) actorFor(p appeal.Party) auth.Actor {
	switch p {
	case appeal.ByLead:
		return f.a1
	case appeal.ByCo:
		return f.b1
	case appeal.ByEnterprise:
		return f.e1
	case appeal.ByLeader:
		return f.leader
	}
	return f.op
}

// TestTransitionTable walks every legal edge for every party that may make it, and tries
// every other (state, action) pair: a clear ErrIllegalMove naming both, and nothing
// changed — the appeal row, its timeline, parts, callbacks, extensions, leaders, alerts,
// and the audit log and notifications as a whole.
func TestTransitionTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		f.links.link(f.ent1, f.leader.UserID) // the leader party acts on ent1's appeals
		legal := 0
		for _, e := range appeal.Transitions {
			for _, p := range e.By {
				name := fmt.Sprintf("%s/%s/%s", e.From, e.Action, p)
				variants := []appeal.State{""}
				if e.Action == appeal.ActRefuseReturn {
					variants = []appeal.State{appeal.StateDispatched, appeal.StateInProgress}
				}
				for _, from := range variants {
					orig := f.hotline() // an earlier open appeal to merge into
					ap := f.inState(e.From)
					if from == appeal.StateDispatched { // a return before the claim
						ap = f.dispatched()
						ap = f.must(f.svc.Return(f.ctx, f.a1, ap.ID, ap.Version, "不属于本单位职责"))
					}
					switch e.Action {
					case appeal.ActCoAnswer:
						ap = f.must(f.svc.ClaimPart(f.ctx, f.b1, ap.ID, ap.Version, ""))
					case appeal.ActReopen:
						ap = f.must(f.svc.Callback(f.ctx, f.op, ap.ID, ap.Version, appeal.CallbackInput{Satisfaction: appeal.Unsatisfied}))
					}
					before := ap
					got, err := f.perform(ap, e.Action, f.actorFor(p), orig.ID)
					if err != nil {
						t.Errorf("%s (from %q): %v", name, from, err)
						continue
					}
					want := e.To
					if want == appeal.StateReturnFrom {
						want = before.ReturnFrom
					}
					if got.State != want || got.Version != before.Version+1 {
						t.Errorf("%s: state %s version %d, want %s version %d", name, got.State, got.Version, want, before.Version+1)
					}
					tl, err := f.svc.Timeline(f.ctx, f.op, ap.ID)
					if err != nil || len(tl) == 0 || tl[len(tl)-1].Action != e.Action || tl[len(tl)-1].From != before.State || tl[len(tl)-1].To != got.State {
						t.Errorf("%s: last timeline step %+v (%v)", name, tl[len(tl)-1], err)
					}
					var audited int
					_ = f.d.R.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, "appeal."+string(e.Action), fmt.Sprint(ap.ID)).Scan(&audited)
					if audited != 1 {
						t.Errorf("%s: %d audit entries", name, audited)
					}
					legal++
				}
			}
		}
		if legal < len(appeal.Transitions) {
			t.Fatalf("walked %d edges of %d", legal, len(appeal.Transitions))
		}

		// Every pair the table lacks, tried by an actor who holds every role (so neither
		// scope nor role stops it first) on one appeal per state.
		super := auth.Actor{UserID: f.op.UserID, Username: "super", OrgID: f.deptA, Via: "session",
			Roles: []auth.Role{auth.RoleOperator, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleLeader}}
		orig := f.hotline()
		illegal := 0
		for _, s := range appeal.States {
			ap := f.inState(s)
			if ap.State != s {
				t.Fatalf("built %s, want %s", ap.State, s)
			}
			before := f.snapshot(ap.ID)
			for _, action := range appeal.Moves {
				if _, ok := appeal.Lookup(s, action); ok {
					continue
				}
				illegal++
				_, err := f.perform(ap, action, super, orig.ID)
				e, ok := apperr.As(err)
				if !ok || !isErr(err, apperr.ErrIllegalMove, "appeal.illegal_move") || e.Args["State"] != string(s) || e.Args["Action"] != string(action) {
					t.Errorf("%s/%s: got %v, want an illegal move naming both", s, action, err)
					continue
				}
				if after := f.snapshot(ap.ID); after != before {
					t.Errorf("%s/%s changed something:\nbefore %s\nafter  %s", s, action, before, after)
				}
			}
		}
		if want := len(appeal.States)*len(appeal.Moves) - len(appeal.Transitions); illegal != want {
			t.Fatalf("tried %d illegal pairs, want %d", illegal, want)
		}
		t.Logf("%d legal walks, %d illegal pairs", legal, illegal)
	})
}

// The table itself: every move appears, every edge's states are known, no pair twice,
// and final states have only supervision-free, move-free rows.
func TestTransitionTableShape(t *testing.T) {
	seen := map[string]bool{}
	used := map[appeal.Action]bool{}
	for _, e := range appeal.Transitions {
		k := string(e.From) + "/" + string(e.Action)
		if seen[k] {
			t.Errorf("%s appears twice", k)
		}
		seen[k] = true
		used[e.Action] = true
		if !slices.Contains(appeal.States, e.From) || (e.To != appeal.StateReturnFrom && !slices.Contains(appeal.States, e.To)) {
			t.Errorf("%s: unknown state", k)
		}
		if !e.From.Open() {
			t.Errorf("%s: a move out of a final state", k)
		}
		if len(e.By) == 0 {
			t.Errorf("%s: nobody may make it", k)
		}
	}
	for _, m := range appeal.Moves {
		if !used[m] {
			t.Errorf("move %s has no edge", m)
		}
	}
}
