package appeal

import (
	"context"
	"fmt"
	"slices"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Outcomes of a suggestion (意见建议): the department says whether it takes the
// suggestion up (采纳/部分采纳/解释说明) rather than whether a problem was solved.
const (
	OutcomeAdopted       Outcome = "adopted"        // 采纳
	OutcomePartlyAdopted Outcome = "partly_adopted" // 部分采纳
	OutcomeExplained     Outcome = "explained"      // 解释说明
)

// SuggestionOutcomes in display order.
var SuggestionOutcomes = []Outcome{OutcomeAdopted, OutcomePartlyAdopted, OutcomeExplained}

// OutcomesFor lists the outcomes a reply to an appeal of kind k offers, in display order:
// the suggestion outcomes for a suggestion, the general ones otherwise.
func OutcomesFor(k Kind) []Outcome {
	if k == KindSuggestion {
		return SuggestionOutcomes
	}
	return Outcomes
}

// outcomeAllowed reports whether a reply to an appeal of kind k may record o. A
// suggestion also accepts the general outcomes (a reply form that offers them still
// works; SuggestionOutcome reads them as their suggestion equivalents).
func outcomeAllowed(k Kind, o Outcome) bool {
	return slices.Contains(Outcomes, o) || (k == KindSuggestion && slices.Contains(SuggestionOutcomes, o))
}

// SuggestionOutcome reads a suggestion's outcome as one of SuggestionOutcomes: solved
// counts as adopted, partly as partly adopted, the explanations as explained; "" (not
// answered yet) stays "".
func SuggestionOutcome(o Outcome) Outcome {
	switch o {
	case OutcomeAdopted, OutcomeSolved:
		return OutcomeAdopted
	case OutcomePartlyAdopted, OutcomePartly:
		return OutcomePartlyAdopted
	case OutcomeExplained, OutcomeUnsolvedExplained, OutcomePolicyExplained:
		return OutcomeExplained
	}
	return ""
}

// SuggestionSource is where a suggestion came from.
type SuggestionSource string

// Sources of suggestions, from the channel they arrived by.
const (
	SourceEnterprise SuggestionSource = "enterprise" // the enterprise itself: portal, hotline, API, Open311
	SourceChamber    SuggestionSource = "chamber"    // a chamber on a member's behalf
	SourceVisit      SuggestionSource = "visit"      // a leader's visit
	SourceRoundtable SuggestionSource = "roundtable" // a roundtable
	SourceProactive  SuggestionSource = "proactive"  // 未诉先办: raised by the government itself
)

// SuggestionSources in display order.
var SuggestionSources = []SuggestionSource{SourceEnterprise, SourceChamber, SourceVisit, SourceRoundtable, SourceProactive}

// SourceOf names the source of a suggestion that arrived by channel c.
func SourceOf(c Channel) SuggestionSource {
	switch c {
	case ChannelChamber:
		return SourceChamber
	case ChannelLeaderVisit:
		return SourceVisit
	case ChannelRoundtable:
		return SourceRoundtable
	case ChannelProactive:
		return SourceProactive
	}
	return SourceEnterprise
}

// SuggestionCount is one group of suggestions: how many were filed, how many were
// handled (answered: replied or closed after a reply), and the handled ones by outcome.
type SuggestionCount struct {
	Filed     int
	Handled   int
	ByOutcome map[Outcome]int // adopted, partly_adopted, explained
}

func (c *SuggestionCount) add(n int, handled bool, o Outcome) {
	c.Filed += n
	if handled {
		c.Handled += n
		if o != "" {
			if c.ByOutcome == nil {
				c.ByOutcome = map[Outcome]int{}
			}
			c.ByOutcome[o] += n
		}
	}
}

// DeptSuggestions is a department's share: the suggestions it led.
type DeptSuggestions struct {
	OrgID   int64
	OrgName string
	SuggestionCount
}

// SuggestionStats are the suggestions (kind 建议) filed in a period: in all, by source,
// by lead department and by outcome. Handled is the report's "600+ suggestions handled"
// (意见建议办理), computed: suggestions answered (replied or closed with a reply).
type SuggestionStats struct {
	From, To time.Time
	Total    SuggestionCount
	BySource map[SuggestionSource]SuggestionCount
	// ByDept lists the departments that led suggestions, most first; suggestions never
	// dispatched (answered directly, or still waiting) have no department.
	ByDept []DeptSuggestions
}

// CanReadSuggestionStats reports whether the actor may read the suggestion statistics:
// aggregates for operators, analysts and city leaders.
func CanReadSuggestionStats(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(auth.RoleOperator, auth.RoleAnalyst, auth.RoleLeader)
}

// SuggestionStats counts the suggestions filed in [from, to) (zero times: unbounded) by
// channel, lead department, state and outcome in one indexed aggregate (appeals_kind_created),
// and folds the groups into sources and suggestion outcomes. Only aggregates leave.
func (s *Service) SuggestionStats(ctx context.Context, a auth.Actor, from, to time.Time) (SuggestionStats, error) {
	if !CanReadSuggestionStats(a) || !a.ScopeAllows("appeals", false) {
		return SuggestionStats{}, apperr.Forbidden()
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return SuggestionStats{}, apperr.Invalid("to", "appeal.error.period")
	}
	q := `SELECT a.channel, COALESCE(a.lead_org_id, 0), COALESCE(o.name, ''), a.replied_at > 0, a.outcome, COUNT(*)
		FROM appeals a LEFT JOIN orgs o ON o.id = a.lead_org_id WHERE a.kind = $1`
	args := []any{string(KindSuggestion)}
	if !from.IsZero() {
		args = append(args, db.Millis(from))
		q += fmt.Sprintf(` AND a.created_at >= $%d`, len(args))
	}
	if !to.IsZero() {
		args = append(args, db.Millis(to))
		q += fmt.Sprintf(` AND a.created_at < $%d`, len(args))
	}
	q += ` GROUP BY a.channel, COALESCE(a.lead_org_id, 0), COALESCE(o.name, ''), a.replied_at > 0, a.outcome`
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return SuggestionStats{}, fmt.Errorf("appeal: suggestion stats: %w", err)
	}
	defer rows.Close()
	st := SuggestionStats{From: from, To: to, BySource: map[SuggestionSource]SuggestionCount{}}
	depts := map[int64]*DeptSuggestions{}
	for rows.Next() {
		var ch Channel
		var org int64
		var name string
		var replied bool
		var o Outcome
		var n int
		if err := rows.Scan(&ch, &org, &name, &replied, &o, &n); err != nil {
			return SuggestionStats{}, err
		}
		// A reopened suggestion has its earlier reply cleared: it counts as handled again
		// once answered again.
		handled := replied && o != ""
		out := SuggestionOutcome(o)
		st.Total.add(n, handled, out)
		src := st.BySource[SourceOf(ch)]
		src.add(n, handled, out)
		st.BySource[SourceOf(ch)] = src
		if org != 0 {
			d := depts[org]
			if d == nil {
				d = &DeptSuggestions{OrgID: org, OrgName: name}
				depts[org] = d
			}
			d.add(n, handled, out)
		}
	}
	if err := rows.Err(); err != nil {
		return SuggestionStats{}, err
	}
	for _, d := range depts {
		st.ByDept = append(st.ByDept, *d)
	}
	slices.SortFunc(st.ByDept, func(x, y DeptSuggestions) int {
		if x.Filed != y.Filed {
			return y.Filed - x.Filed
		}
		return int(x.OrgID - y.OrgID)
	})
	return st, nil
}
