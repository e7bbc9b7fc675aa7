package appeal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
)

// move is one move in progress: the appeal before and after, who makes it and as which
// party, and what else it writes and tells once the appeal row is saved.
type move struct {
	s      *Service
	actor  auth.Actor
	party  Party
	part   Assignment // the actor's own part when the party is lead or co
	parts  []Assignment
	before Appeal
	ap     Appeal
	now    time.Time
	note   string
	data   map[string]any
	public bool
	// reindex sends the appeal's text (with the reply) to the search index.
	reindex bool
	writes  []func(ctx context.Context) error
	tells   []appealEvent
}

// then queues a write that runs after the appeal row is saved, in the same transaction.
func (m *move) then(f func(ctx context.Context) error) { m.writes = append(m.writes, f) }

// tell queues a notification.
func (m *move) tell(key string, args map[string]any, to ...recipient) {
	m.tells = append(m.tells, appealEvent{Key: key, Args: args, To: to})
}

// The updates of an assignment that moves make (see setPart).
const (
	setClaim     = `state = ?, claimed_at = ?, claimed_by = ?, claimed_on_time = ?, claim_due = ?`
	setCoAnswer  = `state = ?, answered_at = ?, answered_by = ?, answered_on_time = ?, answer = ?, done = ?`
	setReturn    = `state = ?, returned_at = ?, return_reason = ?`
	setWithdraw  = `state = ?, closed_at = ?, return_approved = ?, done = ?`
	setCloseCo   = `state = ?, closed_at = ?, done = ?`
	setBack      = `state = ?, claim_due = ?`
	setHandleDue = `handle_due = ?`
	setReply     = `state = ?, answered_at = ?, answered_by = ?, answered_on_time = ?, answer = ?, outcome = ?, handle_working_ms = ?, done = ?`
	setRedone    = `redone = ?`
)

func partSQL(set string) string {
	return placeholders(`UPDATE appeal_assignments SET ` + set + ` WHERE id = ?`)
}

// setPart queues an update of one assignment: set is one of the set… constants.
func (m *move) setPart(id int64, set string, args ...any) {
	m.then(func(ctx context.Context) error {
		_, err := m.s.exec(ctx, partSQL(set), append(args, id)...)
		if err != nil {
			return fmt.Errorf("appeal: update assignment: %w", err)
		}
		return nil
	})
}

// publicMoves are the moves the enterprise sees on its timeline (and PublicStatus shows
// without names and notes). Returns, extensions asked, co-handlers' parts, supervision
// and escalation are internal.
var publicMoves = []Action{ActAccept, ActReject, ActMerge, ActDirectReply, ActDispatch, ActClaim, ActRedispatch,
	ActApproveExtension, ActReply, ActCallbackSatisfied, ActCallbackUnsatisfied, ActReopen, ActClose}

// do runs a move: it loads the appeal, applies scope (NotFound), version (Conflict), the
// transition table (IllegalMove) and the party rules (Forbidden), lets fn validate and
// change the appeal, saves it with the version check, then writes the move's other rows,
// its timeline step, the audit entry, the news for merged appeals, the search index and
// the notifications — all in one transaction.
func (s *Service) do(ctx context.Context, a auth.Actor, id, version int64, action Action, fn func(ctx context.Context, m *move) error) (Appeal, error) {
	if !a.ScopeAllows("appeals", true) {
		return Appeal{}, apperr.Forbidden()
	}
	var out Appeal
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		ap, err := s.loadForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if ok, err := s.canSee(ctx, a, ap); err != nil {
			return err
		} else if !ok {
			return apperr.NotFound("appeal")
		}
		if ap.Version != version {
			return apperr.Conflict()
		}
		edge, ok := Lookup(ap.State, action)
		if !ok {
			return illegal(ap.State, action)
		}
		parts, err := s.parts(ctx, id)
		if err != nil {
			return err
		}
		m := &move{s: s, actor: a, parts: parts, before: ap, ap: ap, now: s.now(), data: map[string]any{},
			public: slices.Contains(publicMoves, action)}
		if !s.actAs(ctx, m, edge) {
			return apperr.Forbidden()
		}
		m.ap.State = edge.To
		if edge.To == StateReturnFrom {
			m.ap.State = ap.ReturnFrom
		}
		if err := fn(ctx, m); err != nil {
			return err
		}
		m.ap.UpdatedAt = m.now
		s.refreshSLA(&m.ap, m.now, false)
		if err := s.save(ctx, &m.ap, version); err != nil {
			return err
		}
		for _, w := range m.writes {
			if err := w(ctx); err != nil {
				return err
			}
		}
		if err := s.syncPartDue(ctx, id, m.ap.SLADue); err != nil {
			return err
		}
		if err := s.addEvent(ctx, a, Event{AppealID: id, At: m.now, Action: action, From: ap.State, To: m.ap.State,
			Note: m.note, Data: m.data, Public: m.public}); err != nil {
			return err
		}
		if err := s.record(ctx, a, string(action), id, audit.Change{
			Before: map[string]any{"state": ap.State, "version": ap.Version},
			After:  map[string]any{"state": m.ap.State, "version": m.ap.Version, "data": m.data},
			Note:   m.note,
		}); err != nil {
			return err
		}
		if ap.State != m.ap.State {
			if err := s.propagate(ctx, a, m); err != nil {
				return err
			}
		}
		if m.reindex {
			body := m.ap.Body
			if m.ap.ReplyText != "" {
				body += "\n\n" + m.ap.ReplyText
			}
			if err := s.idx().PutAppeal(ctx, id, m.ap.EnterpriseOrgID, s.idx().Document(m.ap.Title, body)); err != nil {
				return fmt.Errorf("appeal: index: %w", err)
			}
		}
		if out, err = s.load(ctx, id); err != nil {
			return err
		}
		for _, t := range m.tells {
			t.Appeal, t.ID = out, fmt.Sprintf("appeal:%d:v%d", id, out.Version)
			if err := s.notifyAll(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Appeal{}, err
	}
	return out, nil
}

// actAs picks the party in which the actor makes the move, if any: the first of the
// edge's parties whose role the actor holds and whose scope covers this appeal.
func (s *Service) actAs(ctx context.Context, m *move, e Edge) bool {
	a := m.actor
	for _, p := range e.parties(a) {
		switch p {
		case ByOperator:
			m.party = p
			return true
		case ByLead, ByCo:
			role := RoleLead
			if p == ByCo {
				role = RoleCo
			}
			if part, ok := partOf(m.parts, m.ap.Round, a.OrgID, role); ok && a.OrgID != 0 {
				m.party, m.part = p, part
				return true
			}
		case ByEnterprise:
			if a.OrgID != 0 && m.ap.EnterpriseOrgID == a.OrgID {
				m.party = p
				return true
			}
		case ByLeader:
			if ok, err := s.leaderSees(ctx, a, m.ap); err == nil && ok {
				m.party = p
				return true
			}
		}
	}
	return false
}

const childrenSQL = `SELECT id FROM appeals WHERE merged_into_id = $1 ORDER BY id`

// propagate tells the appeals merged into this one that it moved: a public step on each
// timeline (with the reply, once there is one) and, at the reply, closure or rejection, a
// message to their enterprises.
func (s *Service) propagate(ctx context.Context, a auth.Actor, m *move) error {
	rows, err := s.rows(ctx, childrenSQL, m.ap.ID)
	if err != nil {
		return fmt.Errorf("appeal: merged appeals: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, cid := range ids {
		c, err := s.load(ctx, cid)
		if err != nil {
			return err
		}
		data := map[string]any{"original": m.ap.Number, "state": m.ap.State}
		if m.ap.State == StateReplied {
			data["outcome"], data["reply"] = m.ap.Outcome, m.ap.ReplyText
		}
		if err := s.addEvent(ctx, a, Event{AppealID: c.ID, At: m.now, Action: ActOriginalUpdate, From: c.State, To: c.State,
			Data: data, Public: true}); err != nil {
			return err
		}
		switch m.ap.State {
		case StateReplied, StateClosed, StateRejected:
			if err := s.notifyAll(ctx, appealEvent{ID: fmt.Sprintf("appeal:%d:original:%d:v%d", c.ID, m.ap.ID, m.ap.Version),
				Key: "appeal.notify.original_" + string(m.ap.State), Appeal: c,
				Args: map[string]any{"Original": m.ap.Number}, To: []recipient{toEnterprise(c)}}); err != nil {
				return err
			}
		}
	}
	return nil
}

func moveErr(key string, kv ...any) error { return apperr.New(apperr.ErrIllegalMove, key, kv...) }

func checkNote(v *apperr.Validation, field, note string, required bool) string {
	note = strings.TrimSpace(note)
	switch {
	case note == "" && required:
		v.Add(field, "error.required")
	case utf8.RuneCountInString(note) > MaxNote:
		v.Add(field, "error.too_long", "Max", MaxNote)
	}
	return note
}

// Accept accepts a submitted appeal (受理; operators).
func (s *Service) Accept(ctx context.Context, a auth.Actor, id, version int64, note string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActAccept, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", note, false)
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.AcceptedAt = m.now
		m.tell("appeal.notify.accepted", nil, toEnterprise(m.ap))
		return nil
	})
}

// Reject refuses a submitted appeal (不予受理; operators) with a reason the enterprise reads.
func (s *Service) Reject(ctx context.Context, a auth.Actor, id, version int64, reason string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActReject, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "reason", reason, true)
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.ClosedAt = m.now
		m.tell("appeal.notify.rejected", map[string]any{"Reason": m.note}, toEnterprise(m.ap))
		return nil
	})
}

// Merge merges a submitted appeal into an earlier, open one (合并; operators): the
// duplicate is finished, both timelines record it, appeals already merged into the
// duplicate follow it to the original, and from now on every move of the original
// reaches the duplicate's enterprise (a public step on its timeline; a message at the
// reply, closure or rejection).
func (s *Service) Merge(ctx context.Context, a auth.Actor, id, version, intoID int64, note string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActMerge, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", note, false)
		var target Appeal
		switch {
		case intoID == 0:
			v.Add("into", "error.required")
		case intoID == id:
			v.Add("into", "appeal.error.merge_self")
		default:
			if s.db.Engine == db.Postgres {
				// Hold the original while merging so it cannot finish in between.
				var one int
				if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM appeals WHERE id = $1 FOR UPDATE`, intoID).Scan(&one); err != nil && !db.IsNoRows(err) {
					return fmt.Errorf("appeal: lock original: %w", err)
				}
			}
			t, err := s.load(ctx, intoID)
			switch {
			case err != nil:
				v.Add("into", "appeal.error.merge_target")
			case !(t.CreatedAt.Before(m.ap.CreatedAt) || (t.CreatedAt.Equal(m.ap.CreatedAt) && t.ID < m.ap.ID)):
				v.Add("into", "appeal.error.merge_not_earlier")
			case !t.State.Open():
				v.Add("into", "appeal.error.merge_target_finished")
			default:
				target = t
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.MergedIntoID = target.ID
		m.ap.ClosedAt = m.now
		m.data["into"] = target.Number
		m.then(func(ctx context.Context) error {
			if err := s.addEvent(ctx, a, Event{AppealID: target.ID, At: m.now, Action: ActMergedIn, From: target.State, To: target.State,
				Note: m.note, Data: map[string]any{"merged": m.ap.Number}}); err != nil {
				return err
			}
			if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeals SET merged_into_id = $1 WHERE merged_into_id = $2`, target.ID, id); err != nil {
				return fmt.Errorf("appeal: move merged appeals: %w", err)
			}
			return nil
		})
		m.tell("appeal.notify.merged", map[string]any{"Original": target.Number}, toEnterprise(m.ap))
		return nil
	})
}

// DirectReplyInput answers from the knowledge base.
type DirectReplyInput struct {
	ArticleID int64   // optional: the article answered from; its answer is the default text
	Text      string  // the answer the enterprise reads
	Outcome   Outcome // default policy_explained
}

// DirectReply answers a submitted or accepted appeal at once (直接答复; operators),
// usually from a knowledge-base article; the callback clock starts.
func (s *Service) DirectReply(ctx context.Context, a auth.Actor, id, version int64, in DirectReplyInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActDirectReply, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		text := strings.TrimSpace(in.Text)
		if in.ArticleID != 0 {
			ar, err := s.article(ctx, in.ArticleID)
			if err != nil || !ar.Active {
				v.Add("article_id", "appeal.error.article")
			} else if text == "" {
				text = ar.Answer
			}
		}
		switch n := utf8.RuneCountInString(text); {
		case n == 0:
			v.Add("text", "error.required")
		case n > MaxBody:
			v.Add("text", "error.too_long", "Max", MaxBody)
		}
		if in.Outcome == "" {
			in.Outcome = OutcomePolicyExplained
		}
		if !outcomeAllowed(m.ap.Kind, in.Outcome) {
			v.Add("outcome", "error.choice")
		}
		if err := v.Err(); err != nil {
			return err
		}
		lim, err := s.Limits(ctx, m.ap.Kind, m.ap.CategoryID, m.ap.Priority)
		if err != nil {
			return err
		}
		if m.ap.AcceptedAt.IsZero() {
			m.ap.AcceptedAt = m.now
		}
		m.ap.KBArticleID, m.ap.Outcome, m.ap.ReplyText, m.ap.RepliedAt = in.ArticleID, in.Outcome, text, m.now
		m.ap.Callback = calendar.SLA{Start: m.now, Due: lim.Callback.Due(s.cal, m.now)}
		m.data["outcome"], m.data["article_id"], m.data["callback_due"] = in.Outcome, in.ArticleID, fmtTime(m.ap.Callback.Due)
		m.reindex = true
		if in.ArticleID != 0 {
			m.then(func(ctx context.Context) error {
				_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE kb_articles SET use_count = use_count + 1 WHERE id = $1`, in.ArticleID)
				return err
			})
		}
		m.tell("appeal.notify.replied", nil, toEnterprise(m.ap))
		return nil
	})
}

// DispatchInput names the departments of a dispatch round.
type DispatchInput struct {
	LeadOrgID int64   // 主办
	CoOrgIDs  []int64 // 协办, at most MaxCoHandlers
	Note      string
}

// MaxCoHandlers bounds the co-handlers of one round.
const MaxCoHandlers = 5

const (
	supersedeSQL  = `UPDATE appeal_assignments SET done = $1 WHERE appeal_id = $2 AND org_id = $3 AND done`
	insertPartSQL = `INSERT INTO appeal_assignments (appeal_id, org_id, role, round, state, dispatched_at, claim_due, handle_due)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	pendingExtensionSQL = `SELECT id, days FROM appeal_extensions WHERE appeal_id = $1 AND decided_at = 0 ORDER BY id DESC LIMIT 1`
	insertCallbackSQL   = `INSERT INTO appeal_callbacks (appeal_id, round, lead_org_id, satisfaction, solved, note, via, by_user_id, at, on_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
)

// dispatch starts a new round with in's departments (not notLead as the lead): parts
// dispatched, claim and handle clocks started from now.
func (m *move) dispatch(ctx context.Context, in DispatchInput, notLead int64) error {
	s := m.s
	var v apperr.Validation
	m.note = checkNote(&v, "note", in.Note, false)
	leadName := ""
	if in.LeadOrgID == 0 {
		v.Add("lead_org_id", "error.required")
	} else if kind, name, _, err := s.orgInfo(ctx, in.LeadOrgID); err != nil || !slices.Contains(handlerKinds, kind) {
		v.Add("lead_org_id", "appeal.error.department")
	} else if in.LeadOrgID == notLead {
		v.Add("lead_org_id", "appeal.error.same_lead")
	} else {
		leadName = name
	}
	if len(in.CoOrgIDs) > MaxCoHandlers {
		v.Add("co_org_ids", "appeal.error.too_many_co", "Max", MaxCoHandlers)
	}
	var coNames []string
	seen := map[int64]bool{in.LeadOrgID: true}
	for _, co := range in.CoOrgIDs {
		kind, name, _, err := s.orgInfo(ctx, co)
		switch {
		case seen[co]:
			v.Add("co_org_ids", "appeal.error.co_duplicate")
		case err != nil || !slices.Contains(handlerKinds, kind):
			v.Add("co_org_ids", "appeal.error.department")
		default:
			coNames = append(coNames, name)
		}
		seen[co] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	lim, err := s.Limits(ctx, m.ap.Kind, m.ap.CategoryID, m.ap.Priority)
	if err != nil {
		return err
	}
	now := m.now
	claimDue, handleDue := lim.Claim.Due(s.cal, now), lim.Handle.Due(s.cal, now)
	m.ap.Round++
	m.ap.LeadOrgID, m.ap.DispatchedAt, m.ap.ReturnFrom = in.LeadOrgID, now, ""
	m.ap.Claim = calendar.SLA{Start: now, Due: claimDue}
	m.ap.Handle = calendar.SLA{Start: now, Due: handleDue}
	round := m.ap.Round
	m.then(func(ctx context.Context) error {
		for i, org := range append([]int64{in.LeadOrgID}, in.CoOrgIDs...) {
			role := RoleLead
			if i > 0 {
				role = RoleCo
			}
			// Only a department's latest part of an appeal is listed among its answered ones.
			if _, err := s.exec(ctx, supersedeSQL, false, m.ap.ID, org); err != nil {
				return fmt.Errorf("appeal: supersede part: %w", err)
			}
			if _, err := s.exec(ctx, insertPartSQL, m.ap.ID, org, string(role), round, string(PartDispatched),
				db.Millis(now), db.Millis(claimDue), db.Millis(handleDue)); err != nil {
				return fmt.Errorf("appeal: insert part: %w", err)
			}
		}
		return nil
	})
	m.data["round"], m.data["lead"], m.data["claim_due"], m.data["handle_due"] = round, leadName, fmtTime(claimDue), fmtTime(handleDue)
	if len(coNames) > 0 {
		m.data["co"] = coNames
	}
	due := map[string]any{"ClaimDue": fmtTime(claimDue), "HandleDue": fmtTime(handleDue)}
	m.tell("appeal.notify.dispatched_lead", due, toDept(in.LeadOrgID))
	for _, co := range in.CoOrgIDs {
		m.tell("appeal.notify.dispatched_co", map[string]any{"Lead": leadName, "HandleDue": fmtTime(handleDue)}, toDept(co))
	}
	m.tell("appeal.notify.dispatched", map[string]any{"Dept": leadName}, toEnterprise(m.ap))
	return nil
}

// closeRound closes the round's open parts: after the lead's reply (co parts closed
// unanswered but listed among the department's finished ones), or when a return is
// approved (every open part withdrawn, the lead's marked return_approved).
func (m *move) closeRound(approvedReturn bool) {
	for _, p := range current(m.parts, m.ap.Round) {
		if !p.open() {
			continue
		}
		if approvedReturn {
			m.setPart(p.ID, setWithdraw, string(PartClosed), db.Millis(m.now), p.Role == RoleLead, false)
		} else if p.Role == RoleCo {
			m.setPart(p.ID, setCloseCo, string(PartClosed), db.Millis(m.now), true)
		}
	}
}

// Dispatch sends an accepted appeal to a lead department and optional co-handlers (派单;
// operators). The claim and handle deadlines are set from the appeal's limits.
func (s *Service) Dispatch(ctx context.Context, a auth.Actor, id, version int64, in DispatchInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActDispatch, func(ctx context.Context, m *move) error {
		return m.dispatch(ctx, in, 0)
	})
}

const claimActionSQL = `SELECT
	COALESCE(SUM(CASE WHEN x.org_id = $2 AND x.role = 'lead' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN x.org_id = $2 AND x.role = 'co' THEN 1 ELSE 0 END), 0)
	FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id AND a.round = x.round
	WHERE x.appeal_id = $1`

// claimAction is ActCoClaim when the actor's department holds a co part, and no lead
// part, of the appeal's current round; else ActClaim.
func (s *Service) claimAction(ctx context.Context, a auth.Actor, id int64) Action {
	var lead, co int
	err := s.row(ctx, claimActionSQL, id, a.OrgID).Scan(&lead, &co)
	if err == nil && co > 0 && lead == 0 {
		return ActCoClaim
	}
	return ActClaim
}

// Claim signs for the actor's department's part (签收; departments). The lead's claim
// moves the appeal to in_progress and stops the claim clock. When the department is a
// co-handler of the current round, Claim is ClaimPart.
func (s *Service) Claim(ctx context.Context, a auth.Actor, id, version int64, note string) (Appeal, error) {
	return s.claim(ctx, a, id, version, s.claimAction(ctx, a, id), note)
}

// ClaimPart signs for a co-handler's part (协办签收; departments): only the part changes.
func (s *Service) ClaimPart(ctx context.Context, a auth.Actor, id, version int64, note string) (Appeal, error) {
	return s.claim(ctx, a, id, version, ActCoClaim, note)
}

func (s *Service) claim(ctx context.Context, a auth.Actor, id, version int64, action Action, note string) (Appeal, error) {
	return s.do(ctx, a, id, version, action, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", note, false)
		if err := v.Err(); err != nil {
			return err
		}
		if m.part.State != PartDispatched {
			return moveErr("appeal.error.part_claimed")
		}
		due := m.part.ClaimDue
		if m.party == ByLead {
			due = m.ap.Claim.Due // moved by any paused time
		}
		onTime := !m.now.After(due)
		m.setPart(m.part.ID, setClaim,
			string(PartClaimed), db.Millis(m.now), nullID(m.actor.UserID), onTime, db.Millis(due))
		m.data["dept"], m.data["on_time"] = m.part.OrgName, onTime
		return nil
	})
}

// AnswerPart records a co-handler's answer to its part (协办答复; departments). The lead
// sees it and is told.
func (s *Service) AnswerPart(ctx context.Context, a auth.Actor, id, version int64, text string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActCoAnswer, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		text = strings.TrimSpace(text)
		switch n := utf8.RuneCountInString(text); {
		case n == 0:
			v.Add("text", "error.required")
		case n > MaxBody:
			v.Add("text", "error.too_long", "Max", MaxBody)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if m.part.State != PartClaimed {
			return moveErr("appeal.error.part_not_claimed")
		}
		onTime := !m.now.After(m.ap.Handle.Due)
		m.setPart(m.part.ID, setCoAnswer,
			string(PartAnswered), db.Millis(m.now), nullID(m.actor.UserID), onTime, text, true)
		m.data["dept"] = m.part.OrgName
		if lead, ok := leadOf(m.parts, m.ap.Round); ok {
			m.tell("appeal.notify.co_answered", map[string]any{"Dept": m.part.OrgName}, toDept(lead.OrgID))
		}
		return nil
	})
}

// Return sends the appeal back to the operators (退单; the lead department) saying it is
// not theirs. The claim (if unclaimed) and handle clocks pause until the operator rules.
func (s *Service) Return(ctx context.Context, a auth.Actor, id, version int64, reason string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActReturn, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "reason", reason, true)
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.ReturnFrom = m.before.State
		m.ap.Handle = s.cal.Pause(m.ap.Handle, m.now)
		if m.before.State == StateDispatched {
			m.ap.Claim = s.cal.Pause(m.ap.Claim, m.now)
		}
		m.setPart(m.part.ID, setReturn, string(PartReturned), db.Millis(m.now), m.note)
		m.data["dept"] = m.part.OrgName
		m.tell("appeal.notify.returned", map[string]any{"Dept": m.part.OrgName, "Reason": m.note}, toOperators())
		return nil
	})
}

// ReturnRuling is the operator's decision on a return.
type ReturnRuling struct {
	// Approve agrees the appeal is not the department's: its round is withdrawn and the
	// appeal goes back to accepted, or straight to Redispatch's departments.
	Approve    bool
	Redispatch *DispatchInput
	// Note is required when refusing: the department reads why it must handle it.
	Note string
}

// RuleReturn decides on a return (operators). Approve → accepted (approve_return), or
// dispatched to other departments in the same move (redispatch). Refuse → back to the
// department in the state it returned from (refuse_return); the paused clocks resume and
// every deadline moves later by exactly the working time the return waited.
func (s *Service) RuleReturn(ctx context.Context, a auth.Actor, id, version int64, r ReturnRuling) (Appeal, error) {
	action := ActRefuseReturn
	switch {
	case r.Approve && r.Redispatch != nil:
		action = ActRedispatch
	case r.Approve:
		action = ActApproveReturn
	}
	return s.do(ctx, a, id, version, action, func(ctx context.Context, m *move) error {
		lead, _ := leadOf(m.parts, m.ap.Round)
		m.data["dept"] = lead.OrgName
		if !r.Approve {
			var v apperr.Validation
			m.note = checkNote(&v, "note", r.Note, true)
			if err := v.Err(); err != nil {
				return err
			}
			paused := s.cal.WorkingDuration(m.ap.Handle.PausedAt, m.now)
			m.ap.Handle = s.cal.Resume(m.ap.Handle, m.now)
			back := PartClaimed
			if m.before.ReturnFrom == StateDispatched {
				m.ap.Claim = s.cal.Resume(m.ap.Claim, m.now)
				back = PartDispatched
			}
			m.ap.Claim.Due, m.ap.Handle.Due = ms(m.ap.Claim.Due), ms(m.ap.Handle.Due)
			m.ap.ReturnFrom = ""
			m.setPart(lead.ID, setBack, string(back), db.Millis(m.ap.Claim.Due))
			for _, p := range current(m.parts, m.ap.Round) {
				if p.open() {
					m.setPart(p.ID, setHandleDue, db.Millis(m.ap.Handle.Due))
				}
			}
			m.data["paused_minutes"], m.data["handle_due"] = int64(paused/time.Minute), fmtTime(m.ap.Handle.Due)
			m.tell("appeal.notify.return_refused", map[string]any{"Note": m.note, "HandleDue": fmtTime(m.ap.Handle.Due)}, toDept(lead.OrgID))
			return nil
		}
		m.closeRound(true)
		m.ap.LeadOrgID, m.ap.ReturnFrom = 0, ""
		m.ap.Claim, m.ap.Handle = calendar.SLA{}, calendar.SLA{}
		m.tell("appeal.notify.return_approved", nil, toDept(lead.OrgID))
		if r.Redispatch == nil {
			var v apperr.Validation
			m.note = checkNote(&v, "note", r.Note, false)
			return v.Err()
		}
		in := *r.Redispatch
		if in.Note == "" {
			in.Note = r.Note
		}
		return m.dispatch(ctx, in, lead.OrgID)
	})
}

// ExtensionRequest asks for more time.
type ExtensionRequest struct {
	Days   int // working days, 1 … Settings.MaxExtensionDays
	Reason string
}

// RequestExtension asks the operators for more time (申请延期; the lead department). The
// handle clock keeps running while they decide.
func (s *Service) RequestExtension(ctx context.Context, a auth.Actor, id, version int64, in ExtensionRequest) (Appeal, error) {
	return s.do(ctx, a, id, version, ActRequestExtension, func(ctx context.Context, m *move) error {
		st, err := s.Settings(ctx)
		if err != nil {
			return err
		}
		var v apperr.Validation
		m.note = checkNote(&v, "reason", in.Reason, true)
		if in.Days < 1 || in.Days > st.MaxExtensionDays {
			v.Add("days", "error.range", "Min", 1, "Max", st.MaxExtensionDays)
		}
		if err := v.Err(); err != nil {
			return err
		}
		m.then(func(ctx context.Context) error {
			_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO appeal_extensions (appeal_id, org_id, days, reason, requested_at, requested_by, old_due)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ap.ID, m.part.OrgID, in.Days, m.note, db.Millis(m.now), nullID(m.actor.UserID), db.Millis(m.ap.Handle.Due))
			return err
		})
		m.data["dept"], m.data["days"] = m.part.OrgName, in.Days
		m.tell("appeal.notify.extension_requested", map[string]any{"Dept": m.part.OrgName, "Days": in.Days}, toOperators())
		return nil
	})
}

// ExtensionDecision is the operator's answer to an extension request.
type ExtensionDecision struct {
	Approve bool
	Note    string // required when refusing
}

// DecideExtension approves (the handle deadline moves by the requested working days) or
// refuses (it stays) the pending extension request (operators).
func (s *Service) DecideExtension(ctx context.Context, a auth.Actor, id, version int64, d ExtensionDecision) (Appeal, error) {
	action := ActRefuseExtension
	if d.Approve {
		action = ActApproveExtension
	}
	return s.do(ctx, a, id, version, action, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", d.Note, !d.Approve)
		if err := v.Err(); err != nil {
			return err
		}
		var extID, days int64
		if err := s.row(ctx, pendingExtensionSQL, m.ap.ID).Scan(&extID, &days); err != nil {
			return fmt.Errorf("appeal: pending extension: %w", err)
		}
		newDue := m.ap.Handle.Due
		if d.Approve {
			newDue = ms(s.cal.AddWorkingHours(m.ap.Handle.Due, time.Duration(days)*s.cal.OfficeHours().DayLength()))
			m.ap.Handle.Due = newDue
			for _, p := range current(m.parts, m.ap.Round) {
				if p.open() {
					m.setPart(p.ID, setHandleDue, db.Millis(newDue))
				}
			}
		}
		m.then(func(ctx context.Context) error {
			_, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeal_extensions SET decided_at = $1, decided_by = $2, approved = $3, note = $4, new_due = $5 WHERE id = $6`,
				db.Millis(m.now), nullID(m.actor.UserID), d.Approve, m.note, db.Millis(newDue), extID)
			return err
		})
		m.data["days"], m.data["handle_due"] = days, fmtTime(newDue)
		key := "appeal.notify.extension_refused"
		if d.Approve {
			key = "appeal.notify.extension_approved"
		}
		m.tell(key, map[string]any{"HandleDue": fmtTime(newDue)}, toDept(m.ap.LeadOrgID))
		return nil
	})
}

// ReplyInput is the lead department's answer.
type ReplyInput struct {
	Outcome Outcome
	Text    string
}

// Reply answers the appeal (答复; the lead department). The lead's part is answered,
// co-handler parts still open are closed as they stand, the handle clock stops (on time
// or not is recorded) and the callback clock starts.
func (s *Service) Reply(ctx context.Context, a auth.Actor, id, version int64, in ReplyInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActReply, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		text := strings.TrimSpace(in.Text)
		switch n := utf8.RuneCountInString(text); {
		case n == 0:
			v.Add("text", "error.required")
		case n > MaxBody:
			v.Add("text", "error.too_long", "Max", MaxBody)
		}
		if !outcomeAllowed(m.ap.Kind, in.Outcome) {
			v.Add("outcome", "error.choice")
		}
		if err := v.Err(); err != nil {
			return err
		}
		lim, err := s.Limits(ctx, m.ap.Kind, m.ap.CategoryID, m.ap.Priority)
		if err != nil {
			return err
		}
		onTime := !m.now.After(m.ap.Handle.Due)
		working := max(s.cal.WorkingDuration(m.ap.Handle.Start, m.now)-m.ap.Handle.Paused, 0).Truncate(time.Millisecond)
		m.closeRound(false)
		m.setPart(m.part.ID, setReply,
			string(PartAnswered), db.Millis(m.now), nullID(m.actor.UserID), onTime, text, string(in.Outcome), working.Milliseconds(), true)
		m.ap.Outcome, m.ap.ReplyText, m.ap.RepliedAt = in.Outcome, text, m.now
		m.ap.HandledOnTime, m.ap.HandleWorking = boolPtr(onTime), working
		m.ap.Callback = calendar.SLA{Start: m.now, Due: lim.Callback.Due(s.cal, m.now)}
		m.data["dept"], m.data["outcome"], m.data["on_time"], m.data["callback_due"] = m.part.OrgName, in.Outcome, onTime, fmtTime(m.ap.Callback.Due)
		m.reindex = true
		m.tell("appeal.notify.replied", nil, toEnterprise(m.ap))
		m.tell("appeal.notify.to_callback", map[string]any{"CallbackDue": fmtTime(m.ap.Callback.Due)}, toOperators())
		return nil
	})
}

// CallbackInput is the result of a callback (回访).
type CallbackInput struct {
	Satisfaction Satisfaction
	Solved       bool
	Note         string
}

// Callback records a callback by an operator (by phone) or by the enterprise itself.
// 满意 and 基本满意 close the appeal; 不满意 keeps it replied with the callback recorded,
// for the operator to reopen (Reopen) or close with a note (Close).
func (s *Service) Callback(ctx context.Context, a auth.Actor, id, version int64, in CallbackInput) (Appeal, error) {
	action := ActCallbackSatisfied
	if in.Satisfaction == Unsatisfied {
		action = ActCallbackUnsatisfied
	}
	return s.do(ctx, a, id, version, action, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", in.Note, false)
		if !slices.Contains(Satisfactions, in.Satisfaction) {
			v.Add("satisfaction", "error.choice")
		}
		if err := v.Err(); err != nil {
			return err
		}
		via := "phone"
		if m.party == ByEnterprise {
			via = "self"
		}
		onTime := m.ap.Callback.Due.IsZero() || !m.now.After(m.ap.Callback.Due)
		round, lead := m.ap.Round, m.ap.LeadOrgID
		m.then(func(ctx context.Context) error {
			_, err := s.exec(ctx, insertCallbackSQL, m.ap.ID, round, nullID(lead), string(in.Satisfaction), in.Solved, m.note,
				via, nullID(m.actor.UserID), db.Millis(m.now), onTime)
			return err
		})
		m.ap.Satisfaction, m.ap.Solved, m.ap.CallbackAt = in.Satisfaction, boolPtr(in.Solved), m.now
		if in.Satisfaction != Unsatisfied {
			m.ap.ClosedAt = m.now
		}
		m.data["satisfaction"], m.data["solved"], m.data["via"] = in.Satisfaction, in.Solved, via
		args := map[string]any{"Satisfaction": string(in.Satisfaction)}
		if lead != 0 {
			m.tell("appeal.notify.callback_"+string(in.Satisfaction), args, toDept(lead))
		}
		if in.Satisfaction == Unsatisfied {
			m.tell("appeal.notify.unsatisfied", nil, toOperators())
		}
		return nil
	})
}

// Reopen sends an appeal whose latest callback was unsatisfied back to departments (重办;
// operators): a new dispatch round, the redo count + 1, the previous lead's part marked
// redone.
func (s *Service) Reopen(ctx context.Context, a auth.Actor, id, version int64, in DispatchInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActReopen, func(ctx context.Context, m *move) error {
		if m.ap.Satisfaction != Unsatisfied || m.ap.CallbackAt.Before(m.ap.RepliedAt) {
			return moveErr("appeal.error.reopen_needs_unsatisfied")
		}
		if lead, ok := leadOf(m.parts, m.ap.Round); ok {
			m.setPart(lead.ID, setRedone, true)
		}
		m.ap.RedoCount++
		m.ap.Outcome, m.ap.ReplyText, m.ap.Satisfaction, m.ap.Solved = "", "", "", nil
		m.ap.HandledOnTime, m.ap.HandleWorking, m.ap.Callback = nil, 0, calendar.SLA{}
		if err := m.dispatch(ctx, in, 0); err != nil {
			return err
		}
		m.data["redo_count"] = m.ap.RedoCount
		m.tell("appeal.notify.reopened", nil, toEnterprise(m.ap))
		return nil
	})
}

// Close finishes a replied appeal with a note (办结; operators): after an unsatisfied
// callback the operator explains why no redo, or the enterprise could not be reached.
func (s *Service) Close(ctx context.Context, a auth.Actor, id, version int64, note string) (Appeal, error) {
	return s.do(ctx, a, id, version, ActClose, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", note, true)
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.ClosedAt = m.now
		m.tell("appeal.notify.closed", nil, toEnterprise(m.ap))
		if m.ap.LeadOrgID != 0 {
			m.tell("appeal.notify.closed", nil, toDept(m.ap.LeadOrgID))
		}
		return nil
	})
}

// Supervision levels (督办).
const (
	SupervisionNone   = 0
	Supervision       = 1 // 督办
	SupervisionKey    = 2 // 重点督办
	SupervisionListed = 3 // 挂牌督办
)

// SuperviseInput sets the supervision flag.
type SuperviseInput struct {
	Level int // 0 lifts it
	Note  string
}

// Supervise flags an open appeal as supervised at a level, or lifts the flag with level
// 0 (督办; operators, and leaders on appeals in their scope). It is a flag, not a state:
// the appeal stays where it is. A supervising leader keeps seeing the appeal.
func (s *Service) Supervise(ctx context.Context, a auth.Actor, id, version int64, in SuperviseInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActSupervise, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", in.Note, false)
		if in.Level < SupervisionNone || in.Level > SupervisionListed {
			v.Add("level", "error.range", "Min", SupervisionNone, "Max", SupervisionListed)
		}
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.SupervisionLevel = in.Level
		m.data["level"] = in.Level
		if m.party == ByLeader {
			m.then(func(ctx context.Context) error {
				return s.addLeader(ctx, m.ap.ID, m.actor.UserID, leaderSupervise, m.now)
			})
			m.tell("appeal.notify.supervised_by_leader", map[string]any{"Level": in.Level, "Leader": m.actor.Name}, toOperators())
		}
		if in.Level > 0 {
			for _, p := range current(m.parts, m.ap.Round) {
				if p.open() {
					m.tell("appeal.notify.supervised", map[string]any{"Level": in.Level}, toDept(p.OrgID))
				}
			}
		}
		return nil
	})
}

// EscalateInput escalates a difficult case (疑难件).
type EscalateInput struct {
	// LeaderIDs names the leaders (users with role leader); empty means the leaders
	// linked to the enterprise (LeaderLinks).
	LeaderIDs []int64
	Note      string
}

// Escalate reports a difficult open appeal to city leaders (operators): to the leaders
// named, or to those LeaderLinks links to the enterprise. They see it from now on (their
// 督办 queue) and are told.
func (s *Service) Escalate(ctx context.Context, a auth.Actor, id, version int64, in EscalateInput) (Appeal, error) {
	return s.do(ctx, a, id, version, ActEscalate, func(ctx context.Context, m *move) error {
		var v apperr.Validation
		m.note = checkNote(&v, "note", in.Note, true)
		ids := slices.Clone(in.LeaderIDs)
		if len(ids) == 0 && m.ap.EnterpriseOrgID != 0 {
			linked, err := s.links().LeadersFor(ctx, m.ap.EnterpriseOrgID)
			if err != nil {
				return fmt.Errorf("appeal: leader links: %w", err)
			}
			ids = linked
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) == 0 {
			v.Add("leader_ids", "appeal.error.no_leader")
		}
		for _, l := range ids {
			if !s.isLeader(ctx, l) {
				v.Add("leader_ids", "appeal.error.leader")
				break
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		m.ap.Escalated = true
		m.data["leaders"] = ids
		m.then(func(ctx context.Context) error {
			for _, l := range ids {
				if err := s.addLeader(ctx, m.ap.ID, l, leaderEscalate, m.now); err != nil {
					return err
				}
			}
			return nil
		})
		for _, l := range ids {
			m.tell("appeal.notify.escalated", nil, toUser(l))
		}
		return nil
	})
}
