package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"yingshang/internal/auth"
	"yingshang/internal/notify"
)

// notifyRoutes: the system administrator's notification settings (mail server, webhook
// address policy, the email delivery log) and webhook subscriptions; every user's email
// preference on the account page.
func (s *Server) notifyRoutes() []Route {
	settings := perm(auth.PermSettingsManage)
	return []Route{
		{"GET", "/admin/notify", settings, s.adminNotify},
		{"POST", "/admin/notify", settings, s.adminNotifySave},
		{"POST", "/admin/notify/test", settings, s.adminNotifyTest},
		{"GET", "/admin/webhooks", settings, s.adminWebhooks},
		{"POST", "/admin/webhooks", settings, s.adminWebhookCreate},
		{"GET", "/admin/webhooks/{id}", settings, s.adminWebhook},
		{"POST", "/admin/webhooks/{id}/active", settings, s.adminWebhookActive},
		{"POST", "/admin/webhooks/{id}/delete", settings, s.adminWebhookDelete},
		{"POST", "/account/notify", signedIn, s.accountNotifySave},
	}
}

type notifySettingsData struct {
	View       notify.SettingsView
	TLSModes   []string
	States     []string
	State      string
	Deliveries []notify.Delivery
	Next       string
}

func deliveryFilter(r *http.Request) notify.DeliveryFilter {
	q := r.URL.Query()
	f := notify.DeliveryFilter{Limit: 50}
	if st := q.Get("state"); slices.Contains(notify.DeliveryStates, st) {
		f.State = st
	}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

func (s *Server) adminNotify(w http.ResponseWriter, r *http.Request) {
	s.renderNotifySettings(w, r, nil, http.StatusOK)
}

func (s *Server) renderNotifySettings(w http.ResponseWriter, r *http.Request, f *Form, status int) {
	a := actorOf(r)
	view, err := s.Notify.Settings(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	df := deliveryFilter(r)
	df.Channel = notify.ChannelEmail
	ds, err := s.Notify.ListDeliveries(r.Context(), a, df)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := notifySettingsData{View: view, TLSModes: notify.TLSModes, States: notify.DeliveryStates, State: df.State, Deliveries: ds}
	if len(ds) == df.Limit {
		d.Next = withParamQuery(r, "before", strconv.FormatInt(ds[len(ds)-1].ID, 10))
	}
	if f == nil {
		f = NewForm(nil)
		c := view.SMTP
		f.Values.Set("smtp_host", c.Host)
		if c.Port != 0 {
			f.Values.Set("smtp_port", strconv.Itoa(c.Port))
		}
		f.Values.Set("smtp_username", c.Username)
		f.Values.Set("smtp_from", c.From)
		f.Values.Set("smtp_tls", c.TLS)
		if c.TLS == "" {
			f.Values.Set("smtp_tls", notify.TLSStartTLS)
		}
		if view.AllowPrivateWebhooks {
			f.Values.Set("allow_private_webhooks", "1")
		}
	}
	p := s.page(w, r, "notify.settings.title", d)
	p.Form = f
	s.renderStatus(w, r, status, "notify/settings", p)
}

func (s *Server) adminNotifySave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	port := 0
	if p := strings.TrimSpace(v.Get("smtp_port")); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			port = n
		} else {
			port = -1 // out of range: the service names the field
		}
	}
	err := s.Notify.SaveSettings(r.Context(), actorOf(r), notify.SettingsInput{
		SMTP: notify.SMTPConfig{Host: v.Get("smtp_host"), Port: port, Username: v.Get("smtp_username"), Password: v.Get("smtp_password"),
			From: v.Get("smtp_from"), TLS: v.Get("smtp_tls")},
		ClearPassword:        v.Get("smtp_clear_password") == "1",
		AllowPrivateWebhooks: v.Get("allow_private_webhooks") == "1",
	})
	if err != nil {
		f := NewForm(v)
		f.Values.Del("smtp_password")
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.renderNotifySettings(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/admin/notify")
}

func (s *Server) adminNotifyTest(w http.ResponseWriter, r *http.Request) {
	if err := s.Notify.SendTest(r.Context(), actorOf(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.notify_test_sent")
	redirect(w, r, "/admin/notify")
}

type webhooksData struct {
	Hooks        []notify.Webhook
	Pager        Pager
	Created      *notify.Webhook
	Secret       string
	AllowPrivate bool
}

func (s *Server) adminWebhooks(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, NewForm(nil), nil, "", http.StatusOK)
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, f *Form, created *notify.Webhook, secret string, status int) {
	a := actorOf(r)
	page, size := pageParams(r.URL.Query(), 50)
	hooks, total, err := s.Notify.ListWebhooks(r.Context(), a, notify.WebhookFilter{Offset: (page - 1) * size, Limit: size})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view, err := s.Notify.Settings(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "notify.webhooks.title", webhooksData{Hooks: hooks, Pager: newPager(r.URL.Query(), page, size, total),
		Created: created, Secret: secret, AllowPrivate: view.AllowPrivateWebhooks})
	p.Form = f
	s.renderStatus(w, r, status, "notify/webhooks", p)
}

func (s *Server) adminWebhookCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	h, secret, err := s.Notify.CreateWebhook(r.Context(), actorOf(r), notify.WebhookInput{
		URL: v.Get("url"), Events: notify.SplitPatterns(v.Get("events")), OrgID: s.resolveOrg(r, v.Get("org")), Description: v.Get("description"),
	})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["org_id"]; ok {
			f.Errors["org"] = msg
		}
		s.renderWebhooks(w, r, f, nil, "", http.StatusUnprocessableEntity)
		return
	}
	// The secret is shown once, on this response, never again.
	s.renderWebhooks(w, r, NewForm(nil), &h, secret, http.StatusOK)
}

type webhookData struct {
	Hook       notify.Webhook
	States     []string
	State      string
	Deliveries []notify.Delivery
	Next       string
}

func (s *Server) adminWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorOf(r)
	h, err := s.Notify.GetWebhook(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	df := deliveryFilter(r)
	df.WebhookID, df.WithAttempts = id, true
	ds, err := s.Notify.ListDeliveries(r.Context(), a, df)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := webhookData{Hook: h, States: notify.DeliveryStates, State: df.State, Deliveries: ds}
	if len(ds) == df.Limit {
		d.Next = withParamQuery(r, "before", strconv.FormatInt(ds[len(ds)-1].ID, 10))
	}
	s.render(w, r, "notify/webhook", s.page(w, r, "notify.webhook.title", d))
}

func (s *Server) adminWebhookActive(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	active := r.PostForm.Get("active") == "1"
	if _, err := s.Notify.SetWebhookActive(r.Context(), actorOf(r), id, active); err != nil {
		s.fail(w, r, err)
		return
	}
	if active {
		s.flash(w, "success", "flash.webhook_enabled")
	} else {
		s.flash(w, "success", "flash.webhook_disabled")
	}
	redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10))
}

func (s *Server) adminWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Notify.DeleteWebhook(r.Context(), actorOf(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.webhook_deleted")
	redirect(w, r, "/admin/webhooks")
}

// accountNotifySave stores the user's own email address and email preference.
func (s *Server) accountNotifySave(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	v := r.PostForm
	err := s.Notify.SetPrefs(r.Context(), actorOf(r), notify.Prefs{Email: v.Get("email"), EmailNotify: v.Get("email_notify") == "1"})
	if err != nil {
		f := NewForm(v)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		s.renderAccount(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	s.flash(w, "success", "flash.saved")
	redirect(w, r, "/account")
}

// notifyPrefsForm fills the account page's notification form from the saved preferences.
func (s *Server) notifyPrefsForm(r *http.Request) (*Form, error) {
	p, err := s.Notify.Prefs(r.Context(), actorOf(r))
	if err != nil {
		return nil, err
	}
	f := NewForm(nil)
	f.Values.Set("email", p.Email)
	if p.EmailNotify {
		f.Values.Set("email_notify", "1")
	}
	return f, nil
}
