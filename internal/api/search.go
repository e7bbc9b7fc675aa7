package api

import (
	"net/http"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/search"
)

func (s *Server) searchRoutes() []Route {
	if s.Search == nil {
		return nil
	}
	return []Route{{Method: "GET", Pattern: "/api/v1/search", Area: "appeals", Handler: s.search}}
}

// SearchHit is one appeal found.
type SearchHit struct {
	Type               string          `json:"type"`
	Number             string          `json:"number"`
	Kind               appeal.Kind     `json:"kind"`
	Title              string          `json:"title"`
	EnterpriseName     string          `json:"enterprise_name"`
	State              appeal.State    `json:"state"`
	LeadDepartmentName string          `json:"lead_department_name"`
	Priority           appeal.Priority `json:"priority"`
	SLA                SLAJSON         `json:"sla"`
	CreatedAt          stamp           `json:"created_at"`
	Score              float64         `json:"score"`
}

// SearchPage is a page of search results.
type SearchPage struct {
	Items       []SearchHit `json:"items"`
	NextCursor  string      `json:"next_cursor,omitempty"`
	Total       int         `json:"total"`
	TotalCapped bool        `json:"total_capped"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if t := q.Get("type"); t != "" && t != "appeal" {
		return apperr.Invalid("type", "error.choice")
	}
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apperr.Invalid("limit", "error.range", "Min", 1, "Max", 100)
		}
		limit = n
	}
	page, err := s.Search.Appeals(r.Context(), actorOf(r), s.Appeal, search.AppealQuery{Q: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	out := SearchPage{Items: make([]SearchHit, 0, len(page.Items)), NextCursor: page.Next, Total: page.Total, TotalCapped: page.Capped}
	for _, h := range page.Items {
		out.Items = append(out.Items, SearchHit{Type: "appeal", Number: h.Number, Kind: h.Kind, Title: h.Title, EnterpriseName: h.EnterpriseName,
			State: h.State, LeadDepartmentName: h.LeadOrgName, Priority: h.Priority,
			SLA: SLAJSON{Level: h.SLALevel, Clock: h.SLAClock, Due: stamp(h.SLADue)}, CreatedAt: stamp(h.CreatedAt), Score: h.Score})
	}
	return writeJSON(w, http.StatusOK, out)
}
