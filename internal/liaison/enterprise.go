package liaison

import (
	"context"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
)

// EnterpriseFile is the liaison part of an enterprise's file (一企一档, "联系领导与走访"):
// its leaders, the visits it received and the problems it raised on visits and at
// roundtables with where each stands — as much of it as the actor may see.
type EnterpriseFile struct {
	Links    []Link
	Visits   []VisitRow
	Problems []Problem
}

// Empty reports whether the actor sees nothing of it.
func (f EnterpriseFile) Empty() bool {
	return len(f.Links) == 0 && len(f.Visits) == 0 && len(f.Problems) == 0
}

// EnterpriseFileLimit bounds each list of the section.
const EnterpriseFileLimit = 10

// EnterpriseFile gathers the section for enterprise org. Links and visits follow their own
// scope; a problem shows when the actor may see its appeal (the appeal loop's scope: the
// enterprise itself, its leader, an operator, a department it was dispatched to).
func (s *Service) EnterpriseFile(ctx context.Context, a auth.Actor, org int64) (EnterpriseFile, error) {
	var f EnterpriseFile
	if !a.ScopeAllows("liaison", false) {
		return f, apperr.Forbidden()
	}
	var err error
	if f.Links, _, err = s.ListLinks(ctx, a, LinkFilter{OrgID: org, Status: StatusAll, Limit: EnterpriseFileLimit, NoCount: true}); err != nil {
		return f, err
	}
	if f.Visits, _, err = s.ListVisits(ctx, a, VisitFilter{OrgID: org, Limit: EnterpriseFileLimit, NoCount: true}); err != nil {
		return f, err
	}
	ps, err := s.queryProblems(ctx, `p.org_id = $1 ORDER BY p.id DESC LIMIT 100`, org)
	if err != nil {
		return f, err
	}
	if err := s.withStates(ctx, a, ps); err != nil {
		return f, err
	}
	for _, p := range ps {
		if p.CanOpen && len(f.Problems) < EnterpriseFileLimit {
			f.Problems = append(f.Problems, p)
		}
	}
	return f, nil
}

// SuggestionStats are the suggestion statistics of the appeal loop (kind 建议: by source,
// department and outcome; Total.Handled is the "suggestions handled" figure) for the
// period [from, to).
func (s *Service) SuggestionStats(ctx context.Context, a auth.Actor, from, to time.Time) (appeal.SuggestionStats, error) {
	if !a.ScopeAllows("liaison", false) {
		return appeal.SuggestionStats{}, apperr.Forbidden()
	}
	return s.appeal.SuggestionStats(ctx, a, from, to)
}

// Supervise sets or changes the supervision (督办) of an appeal from the leader's desk,
// or adds a note to it at the same level (a comment): appeal.Service.Supervise, whose
// rules decide (the leader must see the appeal; operators may too).
func (s *Service) Supervise(ctx context.Context, a auth.Actor, appealID, version int64, level int, note string) (appeal.Appeal, error) {
	return s.appeal.Supervise(ctx, a, appealID, version, appeal.SuperviseInput{Level: level, Note: note})
}

// Categories are the appeal categories a problem may take (for the forms).
func (s *Service) Categories(ctx context.Context, a auth.Actor) ([]appeal.Category, error) {
	return s.appeal.Categories(ctx, a, false)
}

// Districts are the districts a problem of an enterprise outside the directory may name.
func (s *Service) Districts(ctx context.Context) ([]appeal.District, error) {
	st, err := s.appeal.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return st.Districts, nil
}
