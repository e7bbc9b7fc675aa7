package api

import (
	"context"
	"net/http"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
)

// A move is POST /api/v1/appeals/{number}/{action} with a JSON body that carries the
// appeal's version as the caller read it. The service checks, in order: scope (404),
// version (409 conflict), the transition table (409 illegal-move), the party (403) and
// the input (422); the answer is the appeal as the move left it, its version one higher.

// appealMove is one move endpoint: its action name, a fresh body to decode into, and the
// call to the service.
type appealMove struct {
	name string
	body func() moveBody
}

// moveBody is a move's JSON body and the call it makes.
type moveBody interface {
	// target is what the JSON decodes into.
	target() any
	ver() *int64
	// check reports problems the service cannot see (the JSON's own shape).
	check(v *apperr.Validation)
	do(ctx context.Context, svc *appeal.Service, a auth.Actor, id, version int64) (appeal.Appeal, error)
}

// versioned is the field every move body carries.
type versioned struct {
	Version *int64 `json:"version"`
}

func (b *versioned) ver() *int64                { return b.Version }
func (b *versioned) check(v *apperr.Validation) {}

type noteBody struct {
	versioned
	Note string `json:"note"`
}

type reasonBody struct {
	versioned
	Reason string `json:"reason"`
}

type mergeBody struct {
	versioned
	// Into is the number of the earlier, open appeal.
	Into string `json:"into"`
	Note string `json:"note"`
}

type directReplyBody struct {
	versioned
	ArticleID int64  `json:"article_id"`
	Text      string `json:"text"`
	Outcome   string `json:"outcome"`
}

type dispatchBody struct {
	versioned
	LeadOrgID int64   `json:"lead_org_id"`
	CoOrgIDs  []int64 `json:"co_org_ids"`
	Note      string  `json:"note"`
}

type textBody struct {
	versioned
	Text string `json:"text"`
}

type ruleReturnBody struct {
	versioned
	// Decision is approve (back to accepted), redispatch (to lead_org_id and co_org_ids)
	// or refuse (back to the department; note required).
	Decision  string  `json:"decision"`
	Note      string  `json:"note"`
	LeadOrgID int64   `json:"lead_org_id"`
	CoOrgIDs  []int64 `json:"co_org_ids"`
}

func (b *ruleReturnBody) check(v *apperr.Validation) {
	switch b.Decision {
	case "":
		v.Add("decision", "error.required")
	case "approve", "refuse":
		if b.LeadOrgID != 0 || len(b.CoOrgIDs) > 0 {
			v.Add("lead_org_id", "appealapi.error.redispatch_only")
		}
	case "redispatch":
	default:
		v.Add("decision", "error.choice")
	}
}

type extensionBody struct {
	versioned
	Days   int    `json:"days"`
	Reason string `json:"reason"`
}

type decisionBody struct {
	versioned
	// Decision is approve or refuse (note required).
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

func (b *decisionBody) check(v *apperr.Validation) {
	switch b.Decision {
	case "approve", "refuse":
	case "":
		v.Add("decision", "error.required")
	default:
		v.Add("decision", "error.choice")
	}
}

type replyBody struct {
	versioned
	Outcome string `json:"outcome"`
	Text    string `json:"text"`
}

type callbackBody struct {
	versioned
	Satisfaction string `json:"satisfaction"`
	Solved       *bool  `json:"solved"`
	Note         string `json:"note"`
}

func (b *callbackBody) check(v *apperr.Validation) {
	if b.Solved == nil {
		v.Add("solved", "error.required")
	}
}

type superviseBody struct {
	versioned
	Level *int   `json:"level"`
	Note  string `json:"note"`
}

func (b *superviseBody) check(v *apperr.Validation) {
	if b.Level == nil {
		v.Add("level", "error.required")
	}
}

type escalateBody struct {
	versioned
	LeaderIDs []int64 `json:"leader_ids"`
	Note      string  `json:"note"`
}

// bodyOf is what every body type offers through its embedded versioned.
type bodyOf interface {
	ver() *int64
	check(v *apperr.Validation)
}

// moveFunc binds a body type to its service call.
type moveFunc[B any, P interface {
	*B
	bodyOf
}] struct {
	b  P
	fn func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, version int64, b P) (appeal.Appeal, error)
}

func (m moveFunc[B, P]) target() any                { return m.b }
func (m moveFunc[B, P]) ver() *int64                { return m.b.ver() }
func (m moveFunc[B, P]) check(v *apperr.Validation) { m.b.check(v) }
func (m moveFunc[B, P]) do(ctx context.Context, svc *appeal.Service, a auth.Actor, id, version int64) (appeal.Appeal, error) {
	return m.fn(ctx, svc, a, id, version, m.b)
}

func mv[B any, P interface {
	*B
	bodyOf
}](name string, fn func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, version int64, b P) (appeal.Appeal, error)) appealMove {
	return appealMove{name: name, body: func() moveBody { return moveFunc[B, P]{b: P(new(B)), fn: fn} }}
}

// appealMoves are the move endpoints, in the order of the loop.
var appealMoves = []appealMove{
	mv("accept", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *noteBody) (appeal.Appeal, error) {
		return svc.Accept(ctx, a, id, ver, b.Note)
	}),
	mv("reject", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *reasonBody) (appeal.Appeal, error) {
		return svc.Reject(ctx, a, id, ver, b.Reason)
	}),
	mv("merge", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *mergeBody) (appeal.Appeal, error) {
		into := int64(0)
		if n := strings.TrimSpace(b.Into); n != "" {
			into = -1 // a number that names no appeal the caller sees: the service says which field
			if t, err := svc.GetByNumber(ctx, a, n); err == nil {
				into = t.ID
			}
		}
		return svc.Merge(ctx, a, id, ver, into, b.Note)
	}),
	mv("direct-reply", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *directReplyBody) (appeal.Appeal, error) {
		return svc.DirectReply(ctx, a, id, ver, appeal.DirectReplyInput{ArticleID: b.ArticleID, Text: b.Text, Outcome: appeal.Outcome(b.Outcome)})
	}),
	mv("dispatch", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *dispatchBody) (appeal.Appeal, error) {
		return svc.Dispatch(ctx, a, id, ver, appeal.DispatchInput{LeadOrgID: b.LeadOrgID, CoOrgIDs: b.CoOrgIDs, Note: b.Note})
	}),
	mv("claim", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *noteBody) (appeal.Appeal, error) {
		return svc.Claim(ctx, a, id, ver, b.Note)
	}),
	mv("claim-part", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *noteBody) (appeal.Appeal, error) {
		return svc.ClaimPart(ctx, a, id, ver, b.Note)
	}),
	mv("answer-part", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *textBody) (appeal.Appeal, error) {
		return svc.AnswerPart(ctx, a, id, ver, b.Text)
	}),
	mv("return", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *reasonBody) (appeal.Appeal, error) {
		return svc.Return(ctx, a, id, ver, b.Reason)
	}),
	mv("rule-return", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *ruleReturnBody) (appeal.Appeal, error) {
		rr := appeal.ReturnRuling{Approve: b.Decision != "refuse", Note: b.Note}
		if b.Decision == "redispatch" {
			rr.Redispatch = &appeal.DispatchInput{LeadOrgID: b.LeadOrgID, CoOrgIDs: b.CoOrgIDs, Note: b.Note}
		}
		return svc.RuleReturn(ctx, a, id, ver, rr)
	}),
	mv("request-extension", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *extensionBody) (appeal.Appeal, error) {
		return svc.RequestExtension(ctx, a, id, ver, appeal.ExtensionRequest{Days: b.Days, Reason: b.Reason})
	}),
	mv("decide-extension", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *decisionBody) (appeal.Appeal, error) {
		return svc.DecideExtension(ctx, a, id, ver, appeal.ExtensionDecision{Approve: b.Decision == "approve", Note: b.Note})
	}),
	mv("reply", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *replyBody) (appeal.Appeal, error) {
		return svc.Reply(ctx, a, id, ver, appeal.ReplyInput{Outcome: appeal.Outcome(b.Outcome), Text: b.Text})
	}),
	mv("callback", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *callbackBody) (appeal.Appeal, error) {
		return svc.Callback(ctx, a, id, ver, appeal.CallbackInput{Satisfaction: appeal.Satisfaction(b.Satisfaction), Solved: *b.Solved, Note: b.Note})
	}),
	mv("reopen", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *dispatchBody) (appeal.Appeal, error) {
		return svc.Reopen(ctx, a, id, ver, appeal.DispatchInput{LeadOrgID: b.LeadOrgID, CoOrgIDs: b.CoOrgIDs, Note: b.Note})
	}),
	mv("close", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *noteBody) (appeal.Appeal, error) {
		return svc.Close(ctx, a, id, ver, b.Note)
	}),
	mv("supervise", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *superviseBody) (appeal.Appeal, error) {
		return svc.Supervise(ctx, a, id, ver, appeal.SuperviseInput{Level: *b.Level, Note: b.Note})
	}),
	mv("escalate", func(ctx context.Context, svc *appeal.Service, a auth.Actor, id, ver int64, b *escalateBody) (appeal.Appeal, error) {
		return svc.Escalate(ctx, a, id, ver, appeal.EscalateInput{LeaderIDs: b.LeaderIDs, Note: b.Note})
	}),
}

// moveHandler serves one move: decode (400), find the appeal by number in the caller's
// scope (404), require the version and the body's own fields (422), then the service.
func (s *Server) moveHandler(m appealMove) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, a := r.Context(), actorOf(r)
		body := m.body()
		if err := decode(r, body.target()); err != nil {
			return err
		}
		cur, err := s.Appeal.GetByNumber(ctx, a, r.PathValue("number"))
		if err != nil {
			return err
		}
		var v apperr.Validation
		if body.ver() == nil {
			v.Add("version", "error.required")
		}
		body.check(&v)
		if err := v.Err(); err != nil {
			return err
		}
		out, err := body.do(ctx, s.Appeal, a, cur.ID, *body.ver())
		if err != nil {
			return s.localiseMove(r, err)
		}
		return writeJSON(w, http.StatusOK, appealView(a, out))
	}
}
