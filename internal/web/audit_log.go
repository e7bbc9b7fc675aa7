package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/i18n"
	"yingshang/internal/xlsx"
)

func (s *Server) auditRoutes() []Route {
	return []Route{
		{"GET", "/audit", perm(auth.PermAuditRead), s.auditList},
		{"GET", "/audit/export.xlsx", perm(auth.PermAuditRead), s.auditExport},
		{"POST", "/audit/verify", perm(auth.PermAuditRead), s.auditVerify},
		{"GET", "/history/{type}/{id}", perm(auth.PermHistoryRead), s.history},
	}
}

type auditData struct {
	Entries []audit.Entry
	Next    string
	Verify  *audit.VerifyResult
}

func auditFilter(r *http.Request) audit.Filter {
	q := r.URL.Query()
	f := audit.Filter{ActorName: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		ObjectType: strings.TrimSpace(q.Get("object_type")), ObjectID: strings.TrimSpace(q.Get("object_id"))}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), i18n.Shanghai); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), i18n.Shanghai); err == nil {
		f.To = t.Add(24 * time.Hour)
	}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	s.renderAudit(w, r, nil)
}

func (s *Server) renderAudit(w http.ResponseWriter, r *http.Request, v *audit.VerifyResult) {
	f := auditFilter(r)
	f.Limit = 50
	entries, err := s.Audit.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditData{Entries: entries, Verify: v}
	if len(entries) == f.Limit {
		d.Next = withParamQuery(r, "before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
	}
	s.render(w, r, "audit/list", s.page(w, r, "audit.title", d))
}

func withParamQuery(r *http.Request, k, v string) string {
	q := r.URL.Query()
	q.Set(k, v)
	return "?" + q.Encode()
}

func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) {
	res, err := s.Audit.Verify(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	result := "ok"
	if res.Bad != nil {
		result = "failed"
	}
	if err := s.Audit.RecordResult(r.Context(), a, "audit.verify", "audit_log", "", result, map[string]any{"checked": res.Checked}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAudit(w, r, &res)
}

func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	T := func(k string) string { return s.Catalog.T(lang, k) }
	xw, err := xlsx.NewWriter(T("audit.title"), []string{"ID", T("audit.at"), T("audit.actor"), T("audit.ip"), T("audit.action"),
		T("audit.object"), T("audit.object_id"), T("audit.result"), T("audit.summary"), T("audit.hash")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := auditFilter(r)
	f.Limit = 1000
	for xw.Rows() < xlsx.MaxRows {
		entries, err := s.Audit.List(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range entries {
			if err := xw.Row(e.ID, e.At, e.ActorName, e.ActorIP, e.Action, e.ObjectType, e.ObjectID, e.Result, e.Summary, e.Hash); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if len(entries) < f.Limit {
			break
		}
		f.BeforeID = entries[len(entries)-1].ID
	}
	a := actorOf(r)
	if err := s.Audit.Record(r.Context(), a, "audit.export", "audit_log", "", map[string]any{"rows": xw.Rows()}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := xw.Serve(w, T("audit.title")+".xlsx"); err != nil {
		s.Logger.Error("export audit", "err", err)
	}
}

type historyData struct {
	Type    string
	ID      string
	Entries []audit.Entry
}

// history is one object's audit trail. Operators see it on the objects they work with;
// the auditor sees any.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	typ, id := r.PathValue("type"), r.PathValue("id")
	if len(typ) > 40 || len(id) > 40 {
		s.notFound(w, r)
		return
	}
	entries, err := s.Audit.History(r.Context(), typ, id, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "audit/history", s.page(w, r, "history.title", historyData{Type: typ, ID: id, Entries: entries}))
}
