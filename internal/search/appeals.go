package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// MaxCandidates is how many matching appeals one search ranks (the newest ones; see Match).
const MaxCandidates = 1000

// AppealHit is one appeal found, as the actor may see it.
type AppealHit struct {
	appeal.Brief
	Score float64
}

// AppealPage is one page of appeals found.
type AppealPage struct {
	Items []AppealHit
	// Next is the cursor of the next page ("" on the last).
	Next string
	// Total is how many the actor may see among the ranked candidates; Capped says the
	// candidates were cut at MaxCandidates (there are more).
	Total  int
	Capped bool
}

// AppealQuery is a search for appeals.
type AppealQuery struct {
	Q      string
	Limit  int    // 1–100, default 20
	Cursor string // from AppealPage.Next
	// Exclude leaves one appeal out (the appeal whose similar ones are asked for).
	Exclude int64
}

// Appeals finds the appeals matching q that a may see, ranked, a page at a time. Access
// is the appeal service's: a narrowed match for enterprises, chambers and departments
// (appeal.SearchScope), and every hit through Briefs, which applies the full rules.
func (e *Engine) Appeals(ctx context.Context, a auth.Actor, svc *appeal.Service, in AppealQuery) (AppealPage, error) {
	var v apperr.Validation
	q := ParseQuery(in.Q)
	if q.Empty() {
		v.Add("q", "search.error.empty")
	}
	if in.Limit == 0 {
		in.Limit = 20
	}
	if in.Limit < 1 || in.Limit > 100 {
		v.Add("limit", "error.range", "Min", 1, "Max", 100)
	}
	offset := 0
	if in.Cursor != "" {
		n, err := strconv.Atoi(in.Cursor)
		if err != nil || n < 0 || n > MaxCandidates {
			v.Add("cursor", "error.cursor")
		}
		offset = n
	}
	if err := v.Err(); err != nil {
		return AppealPage{}, err
	}
	mode, sqlText, args := appeal.SearchScope(a)
	var hits []Hit
	var err error
	switch mode {
	case appeal.ScopeNone:
		return AppealPage{}, apperr.Forbidden()
	case appeal.ScopeRows:
		if org, ok := appeal.SearchScopeEnterprise(a); ok && e.db.Engine == db.SQLite {
			hits, err = e.matchEnterprise(ctx, q, org, sqlText, args)
		} else {
			hits, err = e.matchRows(ctx, q, sqlText, args)
		}
	default:
		hits, err = e.Match(ctx, q, MaxCandidates)
	}
	if err != nil {
		return AppealPage{}, err
	}
	out := AppealPage{Capped: len(hits) >= MaxCandidates}
	if len(hits) > MaxCandidates {
		hits = hits[:MaxCandidates]
	}
	if in.Exclude != 0 {
		kept := hits[:0]
		for _, h := range hits {
			if h.ID != in.Exclude {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	// Departments' and leaders' candidates are filtered whole, so that totals and pages
	// are right; the other modes hold only what the actor sees (Briefs confirms the page).
	if mode == appeal.ScopeFilter {
		if hits, err = visible(ctx, a, svc, hits); err != nil {
			return AppealPage{}, err
		}
	}
	out.Total = len(hits)
	if offset > len(hits) {
		offset = len(hits)
	}
	end := min(offset+in.Limit, len(hits))
	page := hits[offset:end]
	if end < len(hits) {
		out.Next = strconv.Itoa(end)
	}
	ids := make([]int64, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	briefs, err := svc.Briefs(ctx, a, ids)
	if err != nil {
		return AppealPage{}, err
	}
	out.Items = make([]AppealHit, 0, len(page))
	for _, h := range page {
		if b, ok := briefs[h.ID]; ok {
			out.Items = append(out.Items, AppealHit{Brief: b, Score: h.Score})
		}
	}
	return out, nil
}

// visible keeps the hits a may see, in order.
func visible(ctx context.Context, a auth.Actor, svc *appeal.Service, hits []Hit) ([]Hit, error) {
	var out []Hit
	const chunk = 500
	for i := 0; i < len(hits); i += chunk {
		part := hits[i:min(i+chunk, len(hits))]
		ids := make([]int64, len(part))
		for j, h := range part {
			ids[j] = h.ID
		}
		seen, err := svc.Briefs(ctx, a, ids)
		if err != nil {
			return nil, err
		}
		for _, h := range part {
			if _, ok := seen[h.ID]; ok {
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// SimilarCandidates is how many of the newest appeals sharing a word with the text are
// compared with it.
const SimilarCandidates = 300

// SimilarHit is a past appeal like the one being filed or read, with how alike (0–100).
type SimilarHit struct {
	appeal.Brief
	Percent int
}

// Similar returns up to n appeals a may see whose text is like title and body (at least
// minPercent alike by Similarity), the most alike first; exclude leaves one out. The hints
// at intake and the "similar appeals" of an appeal's page use it.
func (e *Engine) Similar(ctx context.Context, a auth.Actor, svc *appeal.Service, title, body string, exclude int64, n, minPercent int) ([]SimilarHit, error) {
	terms := similarQuery(title, body)
	mode, sqlText, args := appeal.SearchScope(a)
	if len(terms) == 0 || mode == appeal.ScopeNone || n <= 0 {
		return nil, nil
	}
	var texts []appealText
	var err error
	if mode == appeal.ScopeRows {
		// Few appeals: compare with each of them.
		texts, err = e.readTexts(ctx, sqlText, args, exclude)
	} else {
		var ids []int64
		if ids, err = e.any(ctx, terms, SimilarCandidates); err == nil {
			texts, err = e.texts(ctx, ids, exclude)
		}
	}
	if err != nil {
		return nil, err
	}
	me := Signature(title, body)
	type scored struct {
		id  int64
		pct int
	}
	var best []scored
	for _, t := range texts {
		pct := int(Similarity(me, Signature(t.title, t.body))*100 + 0.5)
		if pct >= minPercent {
			best = append(best, scored{t.id, pct})
		}
	}
	slices.SortFunc(best, func(x, y scored) int {
		if c := cmp.Compare(y.pct, x.pct); c != 0 {
			return c
		}
		return cmp.Compare(y.id, x.id)
	})
	var out []SimilarHit
	for i := 0; i < len(best) && len(out) < n; i += 50 {
		chunk := best[i:min(i+50, len(best))]
		chunkIDs := make([]int64, len(chunk))
		for j, c := range chunk {
			chunkIDs[j] = c.id
		}
		briefs, err := svc.Briefs(ctx, a, chunkIDs)
		if err != nil {
			return nil, err
		}
		for _, c := range chunk {
			if b, ok := briefs[c.id]; ok && len(out) < n {
				out = append(out, SimilarHit{Brief: b, Percent: c.pct})
			}
		}
	}
	return out, nil
}

type appealText struct {
	id          int64
	title, body string
}

// texts reads the titles and bodies of ids (without exclude).
func (e *Engine) texts(ctx context.Context, ids []int64, exclude int64) ([]appealText, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return e.readTexts(ctx, e.db.Engine.InIDs("$1"), []any{db.IDsJSON(ids)}, exclude)
}

// matchRows matches q against the appeals the subquery names, one by one (see
// appeal.ScopeRows), ranked by how often the words occur for the text's length.
func (e *Engine) matchRows(ctx context.Context, q Query, scopeSQL string, args []any) ([]Hit, error) {
	var hits []Hit
	err := e.scoreRows(ctx, newScorer(q), scopeSQL, args, true, func(id int64, ok bool, score float64) {
		if ok {
			hits = append(hits, Hit{ID: id, Score: score})
		}
	})
	if err != nil {
		return nil, err
	}
	rankHits(hits)
	return hits, nil
}

// readTexts reads the titles and bodies of the appeals whose ids are in (a subquery with
// args), leaving out exclude.
func (e *Engine) readTexts(ctx context.Context, in string, args []any, exclude int64) ([]appealText, error) {
	rows, err := e.db.RQ(ctx).QueryContext(ctx, `SELECT id, title, body FROM appeals WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search: similar: %w", err)
	}
	defer rows.Close()
	var out []appealText
	for rows.Next() {
		var t appealText
		if err := rows.Scan((*db.Int64)(&t.id), &t.title, &t.body); err != nil {
			return nil, fmt.Errorf("search: similar: %w", err)
		}
		if t.id != exclude {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}
