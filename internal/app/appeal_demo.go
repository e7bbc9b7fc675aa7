package app

import (
	"context"
	"fmt"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/demo"
)

// DemoAppealYear is how many appeals a demo city's year of history holds.
const DemoAppealYear = 3000

// LoadDemoAppeals completes a loaded demo city for the appeal loop: each category gets
// the department the city names for it (citydata's DefaultDept, by org key), then n
// appeals (0: DemoAppealYear) are filed and worked through over the year ending now,
// through the appeal service's own moves.
func (a *App) LoadDemoAppeals(ctx context.Context, l *demo.Loaded, n int, seed uint64) (appeal.HistoryResult, error) {
	if err := a.PrepareDemoAppeals(ctx, l); err != nil {
		return appeal.HistoryResult{}, err
	}
	if n == 0 {
		n = DemoAppealYear
	}
	ents := make([]int64, 0, len(l.City.Enterprises))
	for _, e := range l.City.Enterprises {
		if id := l.Orgs[e.Key]; id != 0 {
			ents = append(ents, id)
		}
	}
	to := a.Cfg.Clock.Now()
	return appeal.GenerateHistory(ctx, a.Appeal, appeal.HistoryOptions{N: n, From: to.AddDate(-1, 0, 0), To: to, Seed: seed, Enterprises: ents})
}

// PrepareDemoAppeals gives each category of a loaded demo city the department the city
// names for it (citydata's DefaultDept), without filing any appeal.
func (a *App) PrepareDemoAppeals(ctx context.Context, l *demo.Loaded) error {
	if l == nil || l.City == nil {
		return fmt.Errorf("app: demo appeals need the loaded demo city")
	}
	depts := map[string]int64{}
	for _, c := range l.City.Categories {
		if id := l.Orgs[c.DefaultDept]; id != 0 {
			depts[c.Code] = id
		}
	}
	if err := a.Appeal.SetDefaultDepartments(ctx, auth.System(), depts); err != nil {
		return fmt.Errorf("app: demo category departments: %w", err)
	}
	return nil
}
