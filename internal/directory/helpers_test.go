package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

var ctx = context.Background()

type fixture struct {
	t     testing.TB
	d     *db.DB
	svc   *directory.Service
	log   *audit.Log
	cat   *i18n.Catalog
	clock *calendar.TestClock
	fic   int64 // the federation
	gov   int64 // a government department
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	clock := calendar.NewTestClock(time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location()))
	log := audit.New(d, clock.Now)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, svc: directory.New(d, log, clock.Now), log: log, cat: cat, clock: clock}
	f.fic = f.org(auth.OrgFederation, "长沙市工商业联合会", 0)
	f.gov = f.org(auth.OrgGovernment, "长沙市发展和改革委员会", 0)
	return f
}

func (f *fixture) org(kind, name string, parent int64) int64 {
	f.t.Helper()
	o, err := f.svc.CreateOrg(ctx, auth.System(), directory.OrgInput{Kind: kind, Name: name, ParentID: parent})
	if err != nil {
		f.t.Fatalf("org %s: %v", name, err)
	}
	return o.ID
}

func (f *fixture) enterprise(in directory.EnterpriseInput) int64 {
	f.t.Helper()
	e, err := f.svc.CreateEnterprise(ctx, auth.System(), in)
	if err != nil {
		f.t.Fatalf("enterprise %s: %v", in.Name, err)
	}
	return e.ID
}

func (f *fixture) member(chamber, enterprise int64, post string) int64 {
	f.t.Helper()
	m, err := f.svc.AddMembership(ctx, auth.System(), directory.MembershipInput{ChamberID: chamber, EnterpriseID: enterprise, Post: post, JoinedOn: "2020-01-01"})
	if err != nil {
		f.t.Fatalf("member: %v", err)
	}
	return m.ID
}

var nextUser int64 = 1000

// actor is a signed-in user of org with roles.
func actor(org int64, roles ...auth.Role) auth.Actor {
	nextUser++
	return auth.Actor{UserID: nextUser, Username: "u", Name: "u", OrgID: org, Roles: roles, Via: "session"}
}

// fieldErr returns the key and args of the first error on field, failing if there is none.
func fieldErr(t testing.TB, err error, field string) (string, map[string]any) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || !errors.Is(err, apperr.ErrInvalid) {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	for _, fe := range e.Fields {
		if fe.Field == field {
			return fe.Key, fe.Args
		}
	}
	t.Fatalf("no error on %s in %v", field, err)
	return "", nil
}

// auditCount counts log entries of action on an object.
func (f *fixture) auditCount(action, objectID string) int {
	f.t.Helper()
	var n int
	if err := f.d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, objectID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}
