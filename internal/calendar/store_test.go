package calendar_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
)

func TestOverridesTakePrecedenceAndReachOtherProcesses(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		store := e.App.Calendar
		// 2027-01-04 is an ordinary Monday; a local day off moves a deadline by a day.
		day := calendar.NewDate(2027, 1, 4)
		from := calendar.NewDate(2027, 1, 1).Start()
		before := store.Calendar().AddWorkingDays(from, 1)
		if _, err := store.PutOverride(ctx, auth.CLI(), calendar.OverrideInput{Date: "2027-01-04", Kind: "holiday", Name: "本地停工"}); err != nil {
			t.Fatal(err)
		}
		if store.Calendar().IsWorkingDay(day) {
			t.Fatal("override not applied")
		}
		after := store.Calendar().AddWorkingDays(from, 1)
		if !after.After(before) {
			t.Fatalf("deadline %v did not move past %v", after, before)
		}
		// A second process (a second store on the same database) sees it after Refresh.
		other := calendar.NewStore(e.App.DB, e.App.Audit, calendar.Default(), e.Clock)
		if err := other.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if other.Calendar().IsWorkingDay(day) {
			t.Fatal("the other process does not see the override")
		}
		if err := store.DeleteOverride(ctx, auth.CLI(), "2027-01-04"); err != nil {
			t.Fatal(err)
		}
		_ = other.Refresh(ctx)
		if !other.Calendar().IsWorkingDay(day) {
			t.Fatal("the deletion did not reach the other process")
		}
		if err := store.DeleteOverride(ctx, auth.CLI(), "2027-01-04"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

func TestOverrideValidationAndAccess(t *testing.T) {
	e := apptest.New(t, "sqlite", apptest.Options{})
	ctx := context.Background()
	store := e.App.Calendar
	for _, c := range []struct {
		in    calendar.OverrideInput
		field string
	}{
		{calendar.OverrideInput{Date: "2027-13-01", Kind: "holiday"}, "date"},
		{calendar.OverrideInput{Date: "1800-01-01", Kind: "holiday"}, "date"},
		{calendar.OverrideInput{Date: "2027-01-04", Kind: "party"}, "kind"},
		{calendar.OverrideInput{Date: "2027-01-04", Kind: "holiday", Name: strings.Repeat("长", 41)}, "name"},
	} {
		_, err := store.PutOverride(ctx, auth.CLI(), c.in)
		e2, ok := apperr.As(err)
		if !ok || len(e2.Fields) == 0 || e2.Fields[0].Field != c.field {
			t.Errorf("%+v: got %v, want a %s error", c.in, err, c.field)
		}
	}
	op := auth.Actor{UserID: 99, Roles: []auth.Role{auth.RoleOperator}, Via: "session"}
	if _, err := store.PutOverride(ctx, op, calendar.OverrideInput{Date: "2027-01-04", Kind: "holiday"}); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("operator editing the calendar: %v", err)
	}
}

func TestCalendarPageAndAPI(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		// National Day and Mid-Autumn 2025: Oct 1–8 off, Oct 11 (Saturday) a working day.
		r := c.Get("/calendar?year=2025&from=2025-09-30T16:00&working_days=5")
		if r.Status != http.StatusOK {
			t.Fatalf("calendar page: %d", r.Status)
		}
		for _, want := range []string{"2025-10-11", "调休上班", "2025-10-14 17:30"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("calendar page lacks %q", want)
			}
		}
		bad := c.Get("/calendar?year=2025&from=2025-09-30&working_days=400")
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "应在 0 到 365 之间") {
			t.Errorf("bad input: %d", bad.Status)
		}
		if r := c.PostForm("/calendar/overrides", url.Values{"date": {"2027-02-19"}, "kind": {"workday"}, "name": {"2027年春节调休"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add override: %d %s", r.Status, r.Body)
		}
		api := e.APIClient("admin", "calendar:read")
		var due struct {
			Due string `json:"due"`
		}
		res := api.Get("/api/v1/calendar/add?from=2025-09-30T16:00&working_days=5")
		if res.Status != http.StatusOK {
			t.Fatalf("api add: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &due)
		if due.Due != "2025-10-14T17:30:00+08:00" {
			t.Errorf("due %s, want 2025-10-14T17:30:00+08:00", due.Due)
		}
		res = api.Get("/api/v1/calendar/add?from=2025-09-30&working_days=-1")
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"working_days"`) {
			t.Errorf("api bad days: %d %s", res.Status, res.Body)
		}
		res = api.Get("/api/v1/calendar/add?from=tomorrow&working_hours=2")
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"from"`) {
			t.Errorf("api bad from: %d %s", res.Status, res.Body)
		}
		days := api.Get("/api/v1/calendar/days?year=2027")
		if days.Status != http.StatusOK || !strings.Contains(days.Body, `"2027-02-19"`) {
			t.Errorf("api days: %d %s", days.Status, days.Body)
		}
		if r := api.Get("/api/v1/calendar/days?year=abc"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("api bad year: %d", r.Status)
		}
	})
}
