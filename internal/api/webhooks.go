package api

import (
	"net/http"
	"strconv"
	"time"

	"yingshang/internal/notify"
)

// Webhook subscriptions are system settings: the system administrator manages them (a
// token needs the "write" scope to change them, "read" to list them).
func (s *Server) webhookRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/webhooks", Area: "webhooks", Handler: s.listWebhooks},
		{Method: "POST", Pattern: "/api/v1/webhooks", Area: "webhooks", Write: true, Create: true, Handler: s.createWebhook},
		{Method: "GET", Pattern: "/api/v1/webhooks/{id}", Area: "webhooks", Handler: s.getWebhook},
		{Method: "DELETE", Pattern: "/api/v1/webhooks/{id}", Area: "webhooks", Write: true, Handler: s.deleteWebhook},
	}
}

// WebhookJSON is a subscription in the API; its secret appears only in the answer that
// created it.
type WebhookJSON struct {
	ID           int64             `json:"id"`
	URL          string            `json:"url"`
	Events       []string          `json:"events"`
	OrgID        *int64            `json:"org_id"`
	Active       bool              `json:"active"`
	Description  string            `json:"description"`
	CreatedBy    string            `json:"created_by,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	LastDelivery *LastDeliveryJSON `json:"last_delivery"`
	Secret       string            `json:"secret,omitempty"`
}

// LastDeliveryJSON is the latest delivery attempt of a subscription.
type LastDeliveryJSON struct {
	State      string    `json:"state"`
	StatusCode int       `json:"status_code"`
	At         time.Time `json:"at"`
}

func webhookJSON(h notify.Webhook) WebhookJSON {
	j := WebhookJSON{ID: h.ID, URL: h.URL, Events: h.Events, Active: h.Active, Description: h.Description,
		CreatedBy: h.CreatedByName, CreatedAt: h.CreatedAt}
	if j.Events == nil {
		j.Events = []string{}
	}
	if h.OrgID != 0 {
		o := h.OrgID
		j.OrgID = &o
	}
	if !h.LastAt.IsZero() {
		j.LastDelivery = &LastDeliveryJSON{State: h.LastState, StatusCode: h.LastCode, At: h.LastAt}
	}
	return j
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	c, err := ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	limit, err := Limit(r)
	if err != nil {
		return err
	}
	hooks, _, err := s.Notify.ListWebhooks(r.Context(), actorOf(r), notify.WebhookFilter{AfterID: c.ID, Limit: limit})
	if err != nil {
		return err
	}
	page := Page[WebhookJSON]{Items: make([]WebhookJSON, 0, len(hooks))}
	for _, h := range hooks {
		page.Items = append(page.Items, webhookJSON(h))
	}
	if len(hooks) == limit {
		page.NextCursor = Cursor{ID: hooks[len(hooks)-1].ID}.Encode()
	}
	return writeJSON(w, http.StatusOK, page)
}

type webhookInputJSON struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	OrgID       *int64   `json:"org_id"`
	Description string   `json:"description"`
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookInputJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	wi := notify.WebhookInput{URL: in.URL, Events: in.Events, Description: in.Description}
	if in.OrgID != nil {
		wi.OrgID = *in.OrgID
		if wi.OrgID == 0 {
			wi.OrgID = -1 // an explicit 0 names no organisation: refuse it rather than widen the scope
		}
	}
	h, secret, err := s.Notify.CreateWebhook(r.Context(), actorOf(r), wi)
	if err != nil {
		return err
	}
	j := webhookJSON(h)
	j.Secret = secret
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(h.ID, 10))
	return writeJSON(w, http.StatusCreated, j)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Notify.GetWebhook(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookJSON(h))
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.Notify.DeleteWebhook(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
