package appeal

import (
	"slices"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
)

// Action names a move of the closed loop (and, for the timeline, a few steps that are
// not moves: filing, SLA alerts, attachments, news from the original of a merged appeal).
type Action string

// Moves: every one is a row of the transition table.
const (
	ActAccept              Action = "accept"               // 受理
	ActReject              Action = "reject"               // 不予受理
	ActMerge               Action = "merge"                // 合并到更早的诉求
	ActDirectReply         Action = "direct_reply"         // 直接答复 (knowledge base)
	ActDispatch            Action = "dispatch"             // 派单
	ActClaim               Action = "claim"                // 签收 (lead)
	ActReturn              Action = "return"               // 退单 (lead)
	ActCoClaim             Action = "co_claim"             // 协办签收
	ActCoAnswer            Action = "co_answer"            // 协办答复
	ActApproveReturn       Action = "approve_return"       // 同意退单 → 待派单
	ActRedispatch          Action = "redispatch"           // 同意退单并改派
	ActRefuseReturn        Action = "refuse_return"        // 驳回退单 → back to the department
	ActRequestExtension    Action = "request_extension"    // 申请延期
	ActApproveExtension    Action = "approve_extension"    // 同意延期
	ActRefuseExtension     Action = "refuse_extension"     // 驳回延期
	ActReply               Action = "reply"                // 答复
	ActCallbackSatisfied   Action = "callback_satisfied"   // 回访：满意/基本满意 → 办结
	ActCallbackUnsatisfied Action = "callback_unsatisfied" // 回访：不满意
	ActReopen              Action = "reopen"               // 重办
	ActClose               Action = "close"                // 办结
	ActSupervise           Action = "supervise"            // 督办 (a flag, not a state)
	ActEscalate            Action = "escalate"             // 疑难件上报联系领导
)

// Timeline steps that are not moves.
const (
	ActCreate         Action = "create"          // 登记
	ActMergedIn       Action = "merged_in"       // on the original: another appeal was merged into it
	ActOriginalUpdate Action = "original_update" // on a merged appeal: its original moved
	ActSLAWarning     Action = "sla_warning"     // 即将超期
	ActSLAOverdue     Action = "sla_overdue"     // 已超期
	ActAttach         Action = "attach"          // 上传附件
)

// Moves lists every move in display order.
var Moves = []Action{ActAccept, ActReject, ActMerge, ActDirectReply, ActDispatch, ActClaim, ActReturn, ActCoClaim,
	ActCoAnswer, ActApproveReturn, ActRedispatch, ActRefuseReturn, ActRequestExtension, ActApproveExtension,
	ActRefuseExtension, ActReply, ActCallbackSatisfied, ActCallbackUnsatisfied, ActReopen, ActClose, ActSupervise, ActEscalate}

// Party is who, beyond the role, may make a move on a given appeal.
type Party string

// Parties.
const (
	ByOperator   Party = "operator"   // role operator: every appeal
	ByLead       Party = "lead"       // role department, of the round's lead department
	ByCo         Party = "co"         // role department, of a co-handler with an open part
	ByEnterprise Party = "enterprise" // role enterprise, of the appeal's own enterprise
	ByLeader     Party = "leader"     // role leader, supervising, escalated to, or linked to the enterprise
)

// role is the role a party must hold.
func (p Party) role() auth.Role {
	switch p {
	case ByOperator:
		return auth.RoleOperator
	case ByLead, ByCo:
		return auth.RoleDepartment
	case ByEnterprise:
		return auth.RoleEnterprise
	case ByLeader:
		return auth.RoleLeader
	}
	return ""
}

// StateReturnFrom in the To column means "the state the department returned it from"
// (dispatched or in_progress, kept in Appeal.ReturnFrom).
const StateReturnFrom State = "(return_from)"

// Edge is one legal move: in state From, Action by one of By leads to To, if Checks hold.
type Edge struct {
	From   State
	Action Action
	To     State
	By     []Party
	Checks string
}

// Transitions is THE transition table of the closed loop: the only place that says which
// move is legal in which state, for whom, and where it leads. Every move method looks its
// edge up here before it changes anything; what the Checks column says is enforced by the
// move's own validation. TestTransitionTable walks every edge and every missing pair.
var Transitions = expand([]row{
	{on(StateSubmitted), ActAccept, StateAccepted, by(ByOperator), ""},
	{on(StateSubmitted), ActReject, StateRejected, by(ByOperator), "reason required"},
	{on(StateSubmitted), ActMerge, StateMerged, by(ByOperator), "into an earlier, open appeal"},
	{on(StateSubmitted, StateAccepted), ActDirectReply, StateReplied, by(ByOperator), "knowledge-base article or answer text; callback clock starts"},
	{on(StateAccepted), ActDispatch, StateDispatched, by(ByOperator), "lead department, distinct co-handlers (at most 5); claim and handle clocks start"},
	{on(StateDispatched), ActClaim, StateInProgress, by(ByLead), "the lead part is dispatched"},
	{on(StateDispatched, StateInProgress), ActReturn, StateReturned, by(ByLead), "reason required; clocks pause"},
	{on(StateDispatched, StateInProgress, StateReturned, StateExtensionRequested), ActCoClaim, sameState, by(ByCo), "the co part is dispatched"},
	{on(StateDispatched, StateInProgress, StateReturned, StateExtensionRequested), ActCoAnswer, sameState, by(ByCo), "the co part is claimed; answer text"},
	{on(StateReturned), ActApproveReturn, StateAccepted, by(ByOperator), "open parts closed; clocks stop"},
	{on(StateReturned), ActRedispatch, StateDispatched, by(ByOperator), "open parts closed; a new lead other than the returning one; clocks restart"},
	{on(StateReturned), ActRefuseReturn, StateReturnFrom, by(ByOperator), "note required; clocks resume, deadlines move by the paused working time"},
	{on(StateInProgress), ActRequestExtension, StateExtensionRequested, by(ByLead), "days 1…MaxExtensionDays, reason required"},
	{on(StateExtensionRequested), ActApproveExtension, StateInProgress, by(ByOperator), "handle deadline moves by N working days"},
	{on(StateExtensionRequested), ActRefuseExtension, StateInProgress, by(ByOperator), "note required; deadline kept"},
	{on(StateInProgress), ActReply, StateReplied, by(ByLead), "outcome and text; open co parts closed; callback clock starts"},
	{on(StateReplied), ActCallbackSatisfied, StateClosed, by(ByOperator, ByEnterprise), "满意 or 基本满意; solved yes/no"},
	{on(StateReplied), ActCallbackUnsatisfied, StateReplied, by(ByOperator, ByEnterprise), "不满意; solved yes/no"},
	{on(StateReplied), ActReopen, StateDispatched, by(ByOperator), "latest callback unsatisfied; new dispatch; redo count + 1"},
	{on(StateReplied), ActClose, StateClosed, by(ByOperator), "note required"},
	{on(OpenStates...), ActSupervise, sameState, by(ByOperator, ByLeader), "level 0 (lift) to 3; note"},
	{on(OpenStates...), ActEscalate, sameState, by(ByOperator), "leaders linked to the enterprise, or named"},
})

// sameState in the to column keeps the state the move started from.
const sameState State = "(same)"

// row is a line of the table as written: one move from several states.
type row struct {
	from   []State
	action Action
	to     State
	by     []Party
	checks string
}

func on(s ...State) []State  { return s }
func by(ps ...Party) []Party { return ps }

// expand turns the written rows into one Edge per (state, action).
func expand(rows []row) []Edge {
	var out []Edge
	for _, r := range rows {
		for _, f := range r.from {
			to := r.to
			if to == sameState {
				to = f
			}
			out = append(out, Edge{From: f, Action: r.action, To: to, By: r.by, Checks: r.checks})
		}
	}
	return out
}

// Edges returns the legal edges out of state s, in table order.
func Edges(s State) []Edge {
	var out []Edge
	for _, e := range Transitions {
		if e.From == s {
			out = append(out, e)
		}
	}
	return out
}

// Lookup returns the edge of (s, a) if the move is legal in s.
func Lookup(s State, a Action) (Edge, bool) {
	for _, e := range Transitions {
		if e.From == s && e.Action == a {
			return e, true
		}
	}
	return Edge{}, false
}

// illegal is the error of a move the table does not allow in the appeal's state.
func illegal(s State, a Action) error {
	return apperr.New(apperr.ErrIllegalMove, "appeal.illegal_move",
		"State", string(s), "Action", string(a),
		"StateKey", "appeal.state."+string(s), "ActionKey", "appeal.action."+string(a))
}

// allows reports whether the actor holds the role of one of the edge's parties.
func (e Edge) allows(a auth.Actor) bool {
	return slices.ContainsFunc(e.By, func(p Party) bool { return a.Has(p.role()) })
}

// parties returns the edge's parties whose role the actor holds.
func (e Edge) parties(a auth.Actor) []Party {
	var out []Party
	for _, p := range e.By {
		if a.Has(p.role()) {
			out = append(out, p)
		}
	}
	return out
}
