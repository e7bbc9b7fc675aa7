package web

import (
	"encoding/json"
	"net/http"

	"yingshang/internal/notify"
)

// HomeCard is a tile on a role's home page; domains add theirs through HomeCards.
type HomeCard struct {
	TitleKey string
	Value    string
	Href     string
	NoteKey  string
}

type homeData struct {
	Cards []HomeCard
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	var cards []HomeCard
	for _, f := range s.HomeCards {
		cards = append(cards, f(r, a)...)
	}
	s.render(w, r, "home/home", s.page(w, r, "nav.home", homeData{Cards: cards}))
}

type notificationView struct {
	notify.Message
	Text string
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	msgs, err := s.Notify.List(r.Context(), a.UserID, 0, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	views := make([]notificationView, 0, len(msgs))
	for _, m := range msgs {
		var args map[string]any
		_ = json.Unmarshal([]byte(m.Body), &args)
		views = append(views, notificationView{Message: m, Text: s.Catalog.T(lang, m.Title, args)})
	}
	s.render(w, r, "home/notifications", s.page(w, r, "nav.notifications", views))
}

func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := s.Notify.MarkAllRead(r.Context(), actorOf(r).UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/notifications")
}
