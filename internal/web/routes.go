package web

import (
	"net/http"

	"yingshang/internal/auth"
)

// Access says who may reach a route. Services still check role and scope on every call;
// this only keeps people out of surfaces that are not theirs.
type Access struct {
	// Public routes need no session.
	Public bool
	// Partial routes accept a session still waiting for its second factor or a new password.
	Partial bool
	// Roles, when set, are the roles that may use the route (any of them).
	Roles []auth.Role
	// Perm, when set, is a permission one of the actor's roles must carry.
	Perm auth.Perm
}

// Route is one line of the route table.
type Route struct {
	Method  string
	Pattern string
	Access  Access
	Handler http.HandlerFunc
}

var (
	public    = Access{Public: true}
	partial   = Access{Partial: true}
	signedIn  = Access{}
	perm      = func(p auth.Perm) Access { return Access{Perm: p} }
	roles     = func(rs ...auth.Role) Access { return Access{Roles: rs} }
	everyRole = Access{}
)

// routeTable is the whole interface at a glance. Each part of the domain contributes its
// routes from its own file.
func (s *Server) routeTable() []Route {
	var rs []Route
	rs = append(rs, s.authRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.auditRoutes()...)
	rs = append(rs, s.homeRoutes()...)
	rs = append(rs, s.calendarRoutes()...)
	rs = append(rs, s.notifyRoutes()...)
	rs = append(rs, s.directoryRoutes()...)
	rs = append(rs, s.liaisonRoutes()...)
	rs = append(rs, s.appealRoutes()...)
	rs = append(rs, s.statsRoutes()...)
	rs = append(rs, s.searchRoutes()...)
	return rs
}

func (s *Server) homeRoutes() []Route {
	return []Route{
		{"GET", "/{$}", everyRole, s.home},
		{"GET", "/notifications", signedIn, s.notifications},
		{"POST", "/notifications/read", signedIn, s.notificationsRead},
	}
}
