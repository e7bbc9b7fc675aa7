package appeal

import (
	"slices"
	"time"

	"yingshang/internal/calendar"
)

// Kind is what the enterprise asks for; it sets the time limits.
type Kind string

// Kinds (诉求/投诉/咨询/建议).
const (
	KindAppeal       Kind = "appeal"       // 诉求
	KindComplaint    Kind = "complaint"    // 投诉
	KindConsultation Kind = "consultation" // 咨询
	KindSuggestion   Kind = "suggestion"   // 建议
)

// Kinds in display order.
var Kinds = []Kind{KindAppeal, KindComplaint, KindConsultation, KindSuggestion}

// Channel is how an appeal arrived.
type Channel string

// Channels.
const (
	ChannelHotline     Channel = "hotline"      // an operator types it in (12345-1)
	ChannelPortal      Channel = "portal"       // the enterprise's own user on the web
	ChannelChamber     Channel = "chamber"      // a chamber of commerce on behalf of a member
	ChannelLeaderVisit Channel = "leader_visit" // raised during a leader's visit (调研走访)
	ChannelRoundtable  Channel = "roundtable"   // raised at a roundtable (政企恳谈)
	ChannelAPI         Channel = "api"          // JSON API
	ChannelOpen311     Channel = "open311"      // Open311 GeoReport v2
	ChannelProactive   Channel = "proactive"    // 未诉先办: a common problem raised by package stats
)

// Channels in display order.
var Channels = []Channel{ChannelHotline, ChannelPortal, ChannelChamber, ChannelLeaderVisit, ChannelRoundtable, ChannelAPI, ChannelOpen311, ChannelProactive}

// Priority is normal or urgent; urgent shortens the claim and handle limits.
type Priority string

// Priorities.
const (
	PriorityNormal Priority = "normal"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists the priorities in display order.
var Priorities = []Priority{PriorityNormal, PriorityUrgent}

// State is where an appeal stands in the closed loop.
type State string

// States (product.md §1a).
const (
	StateSubmitted          State = "submitted"           // 待受理
	StateAccepted           State = "accepted"            // 已受理 (待派单)
	StateRejected           State = "rejected"            // 不予受理 (final)
	StateMerged             State = "merged"              // 已合并 (final)
	StateDispatched         State = "dispatched"          // 已派单 (待签收)
	StateInProgress         State = "in_progress"         // 办理中
	StateReturned           State = "returned"            // 退单待裁定
	StateExtensionRequested State = "extension_requested" // 延期待批
	StateReplied            State = "replied"             // 已答复 (待回访)
	StateClosed             State = "closed"              // 已办结 (final)
)

// States in the order of the loop.
var States = []State{StateSubmitted, StateAccepted, StateRejected, StateMerged, StateDispatched, StateInProgress,
	StateReturned, StateExtensionRequested, StateReplied, StateClosed}

// OpenStates are the states in which an appeal still waits for someone.
var OpenStates = []State{StateSubmitted, StateAccepted, StateDispatched, StateInProgress, StateReturned,
	StateExtensionRequested, StateReplied}

// Open reports whether the appeal is not yet finished (rejected, merged or closed).
func (s State) Open() bool { return slices.Contains(OpenStates, s) }

// Outcome is what the department's reply achieved.
type Outcome string

// Outcomes (已解决/部分解决/未解决并说明/政策解释).
const (
	OutcomeSolved            Outcome = "solved"
	OutcomePartly            Outcome = "partly"
	OutcomeUnsolvedExplained Outcome = "unsolved_explained"
	OutcomePolicyExplained   Outcome = "policy_explained"
)

// Outcomes in display order.
var Outcomes = []Outcome{OutcomeSolved, OutcomePartly, OutcomeUnsolvedExplained, OutcomePolicyExplained}

// Satisfaction is the enterprise's verdict at the callback (回访).
type Satisfaction string

// Satisfaction levels (满意/基本满意/不满意).
const (
	Satisfied   Satisfaction = "satisfied"
	Basically   Satisfaction = "basically"
	Unsatisfied Satisfaction = "unsatisfied"
)

// Satisfactions in display order.
var Satisfactions = []Satisfaction{Satisfied, Basically, Unsatisfied}

// Clock names one of the three time limits.
type Clock string

// Clocks.
const (
	ClockClaim    Clock = "claim"    // the lead department signs for it (签收)
	ClockHandle   Clock = "handle"   // the lead department replies (办理)
	ClockCallback Clock = "callback" // the operator or enterprise calls back (回访)
)

// Level is an SLA colour: calendar.LevelGreen, LevelYellow (80% of the working time
// used) or LevelRed (overdue); empty while no clock runs.
type Level = calendar.Level

// Levels lists the SLA colours.
var Levels = []Level{calendar.LevelGreen, calendar.LevelYellow, calendar.LevelRed}

// AssignmentRole says whether a department leads or helps.
type AssignmentRole string

// Assignment roles.
const (
	RoleLead AssignmentRole = "lead" // 主办
	RoleCo   AssignmentRole = "co"   // 协办
)

// AssignmentState is where one department's part stands.
type AssignmentState string

// Assignment states.
const (
	PartDispatched AssignmentState = "dispatched" // waiting to be signed for
	PartClaimed    AssignmentState = "claimed"    // signed for, being handled
	PartReturned   AssignmentState = "returned"   // the lead returned it; the operator rules
	PartAnswered   AssignmentState = "answered"   // answered (the lead's reply, or a co-handler's part)
	PartClosed     AssignmentState = "closed"     // closed unanswered: a co part when the lead replied, or a return approved
)

// Appeal is one enterprise appeal with its current state and clocks.
type Appeal struct {
	ID           int64
	Number       string // ZQ20250930000123
	QueryCode    string // 6 characters for PublicStatus; empty unless the viewer filed it or is an operator
	Kind         Kind
	Channel      Channel
	CategoryID   int64
	CategoryCode string
	CategoryName string
	DistrictCode string
	Priority     Priority
	Confidential bool
	Title        string
	Body         string
	Location     string

	EnterpriseOrgID int64 // 0 when the hotline caller's enterprise is not in the directory
	EnterpriseName  string
	CreditCode      string
	ContactName     string
	ContactPhone    string // full number: only Get returns it (and audits the read)
	FiledByUserID   int64
	FiledByOrgID    int64
	ChamberOrgID    int64 // the chamber that filed it on the enterprise's behalf

	State        State
	ReturnFrom   State // while returned: the state the department returned it from
	Round        int   // dispatch round: 1 at the first dispatch, +1 at each reopen
	LeadOrgID    int64
	LeadOrgName  string
	MergedIntoID int64
	KBArticleID  int64

	Outcome      Outcome
	ReplyText    string
	Satisfaction Satisfaction // of the latest callback
	Solved       *bool        // of the latest callback
	RedoCount    int

	SupervisionLevel int // 0 none, 1 督办, 2 重点督办, 3 挂牌督办
	Escalated        bool

	Claim    calendar.SLA // the lead department's claim limit (zero before dispatch)
	Handle   calendar.SLA // the handle limit (zero before dispatch)
	Callback calendar.SLA // the callback limit (zero before the reply)

	SLALevel      Level // worst colour of the running clocks; "" when none runs
	SLAClock      Clock // the clock whose deadline comes first
	SLADue        time.Time
	NextAlertAt   time.Time
	HandledOnTime *bool // set at the reply
	HandleWorking time.Duration

	CreatedAt    time.Time
	UpdatedAt    time.Time
	AcceptedAt   time.Time
	DispatchedAt time.Time
	RepliedAt    time.Time
	CallbackAt   time.Time
	ClosedAt     time.Time
	Version      int64
}

// Assignment is one department's part in one dispatch round.
type Assignment struct {
	ID             int64
	AppealID       int64
	OrgID          int64
	OrgName        string
	Role           AssignmentRole
	Round          int
	State          AssignmentState
	DispatchedAt   time.Time
	ClaimDue       time.Time
	ClaimedAt      time.Time
	ClaimedOnTime  *bool
	HandleDue      time.Time
	AnsweredAt     time.Time
	AnsweredOnTime *bool
	Answer         string
	Outcome        Outcome
	ReturnedAt     time.Time
	ReturnReason   string
	ReturnApproved bool
	Redone         bool
	ClosedAt       time.Time
}

// Event is one step of an appeal's timeline.
type Event struct {
	ID           int64
	AppealID     int64
	At           time.Time
	ActorID      int64
	ActorName    string
	ActorOrgID   int64
	ActorOrgName string
	Action       Action
	From, To     State
	Note         string
	// Data holds the step's structured facts: department names, deadlines, outcome…
	Data map[string]any
	// Public steps are shown to the enterprise (and, without names and notes, by
	// PublicStatus); internal ones only to operators, departments and leaders.
	Public bool
}

// CallbackRecord is one callback (回访).
type CallbackRecord struct {
	ID           int64
	AppealID     int64
	Round        int
	LeadOrgID    int64
	Satisfaction Satisfaction
	Solved       bool
	Note         string
	Via          string // "phone" (operator) or "self" (the enterprise)
	ByUserID     int64
	At           time.Time
	OnTime       bool
}

// Extension is a request for more time and its decision.
type Extension struct {
	ID          int64
	AppealID    int64
	OrgID       int64
	Days        int
	Reason      string
	RequestedAt time.Time
	RequestedBy int64
	DecidedAt   time.Time
	DecidedBy   int64
	Approved    *bool
	Note        string
	OldDue      time.Time
	NewDue      time.Time
}
