// Package directory is 一企一档's base: organisations of every kind, enterprises with their
// unified social credit codes, chambers and their members, and people with their posts.
// Every call takes an Actor; what lies outside the actor's scope is "not found".
package directory

import (
	"time"

	"yingshang/internal/audit"
	"yingshang/internal/db"
)

// Service holds the directory's rules.
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
}

// New returns the service.
func New(d *db.DB, a *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, audit: a, now: now}
}
