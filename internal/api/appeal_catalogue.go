package api

import (
	"errors"
	"net/http"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
)

// LimitJSON is a time limit: working days or working hours (one of the two).
type LimitJSON struct {
	Days  int     `json:"days,omitempty"`
	Hours float64 `json:"hours,omitempty"`
}

// LimitSetJSON holds a category's own limits; an absent one is inherited.
type LimitSetJSON struct {
	Claim    *LimitJSON `json:"claim,omitempty"`
	Handle   *LimitJSON `json:"handle,omitempty"`
	Callback *LimitJSON `json:"callback,omitempty"`
}

// AppealCategoryJSON is a node of the dispatch catalogue (派单目录).
type AppealCategoryJSON struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// ParentCode is the parent's code ("" at the top, and under a retired parent that is
	// not listed).
	ParentCode string `json:"parent_code"`
	// DefaultDepartmentID is the department an operator is offered first at dispatch.
	DefaultDepartmentID *int64       `json:"default_department_id"`
	Limits              LimitSetJSON `json:"limits"`
	Active              bool         `json:"active"`
	SortOrder           int          `json:"sort_order"`
	Version             int64        `json:"version"`
}

func limitJSON(l *appeal.Limit) *LimitJSON {
	if l == nil {
		return nil
	}
	return &LimitJSON{Days: l.Days, Hours: l.Hours}
}

// listAppealCategories answers the whole catalogue tree, parents before their children:
// a few dozen rows, so one page without a cursor.
func (s *Server) listAppealCategories(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	inactive := false
	if v := r.URL.Query().Get("include_inactive"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return apperr.Invalid("include_inactive", "error.choice")
		}
		inactive = b
	}
	cats, err := s.Appeal.Categories(ctx, a, inactive)
	if err != nil {
		return err
	}
	codes := make(map[int64]string, len(cats))
	for _, c := range cats {
		codes[c.ID] = c.Code
	}
	page := Page[AppealCategoryJSON]{Items: make([]AppealCategoryJSON, 0, len(cats))}
	for _, c := range cats {
		j := AppealCategoryJSON{ID: c.ID, Code: c.Code, Name: c.Name, NameEN: c.NameEN, ParentCode: codes[c.ParentID],
			Limits: LimitSetJSON{Claim: limitJSON(c.Limits.Claim), Handle: limitJSON(c.Limits.Handle), Callback: limitJSON(c.Limits.Callback)},
			Active: c.Active, SortOrder: c.SortOrder, Version: c.Version}
		if c.DefaultDeptID != 0 {
			id := c.DefaultDeptID
			j.DefaultDepartmentID = &id
		}
		page.Items = append(page.Items, j)
	}
	return writeJSON(w, http.StatusOK, page)
}

// ArticleJSON is a knowledge-base entry: a standard answer for a direct reply.
type ArticleJSON struct {
	ID int64 `json:"id"`
	// Category is the code of the category it answers ("" for any).
	Category  string `json:"category"`
	Title     string `json:"title"`
	Answer    string `json:"answer"`
	Active    bool   `json:"active"`
	UseCount  int64  `json:"use_count"`
	CreatedAt stamp  `json:"created_at"`
	UpdatedAt stamp  `json:"updated_at"`
	Version   int64  `json:"version"`
}

// listKB pages the knowledge base, newest first (operators, administrators and
// departments).
func (s *Server) listKB(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	q := r.URL.Query()
	c, err := ParseCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	f := appeal.ArticleFilter{Q: q.Get("q"), ActiveOnly: true, BeforeID: c.ID, Limit: limit}
	if v := q.Get("include_inactive"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return apperr.Invalid("include_inactive", "error.choice")
		}
		f.ActiveOnly = !b
	}
	if code := q.Get("category"); code != "" {
		cat, err := s.Appeal.CategoryByCode(ctx, a, code)
		if errors.Is(err, apperr.ErrNotFound) {
			return apperr.Invalid("category", "appeal.error.category_unknown")
		} else if err != nil {
			return err
		}
		f.CategoryID = cat.ID
	}
	arts, err := s.Appeal.Articles(ctx, a, f)
	if err != nil {
		return err
	}
	codes, err := s.categoryCodes(ctx, a)
	if err != nil {
		return err
	}
	page := Page[ArticleJSON]{Items: make([]ArticleJSON, 0, len(arts))}
	for _, ar := range arts {
		page.Items = append(page.Items, ArticleJSON{ID: ar.ID, Category: codes[ar.CategoryID], Title: ar.Title, Answer: ar.Answer,
			Active: ar.Active, UseCount: ar.UseCount, CreatedAt: stamp(ar.CreatedAt), UpdatedAt: stamp(ar.UpdatedAt), Version: ar.Version})
	}
	if len(arts) == limit {
		page.NextCursor = Cursor{ID: arts[len(arts)-1].ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}
