package stats_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
)

// The pages and the API answer each role as the access rules say, with the department's
// scope applied from outside: another department's figures are 404 by HTTP and API.
func TestStatsHTTP(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 120, 3); err != nil {
			t.Fatal(err)
		}
		e.RunJobs()
		gxj, fgw := e.Demo.Orgs["gxj"], e.Demo.Orgs["fgw"]
		year := "period=" + fmt.Sprint(e.Clock.Now().AddDate(0, -6, 0).Year())
		client := func(user string) *apptest.Client {
			c := e.Client()
			c.Login(user, apptest.DemoPassword)
			return c
		}
		op, an, dept, ent := client("operator1"), client("analyst1"), client("gxj1"), client("ent1")
		cases := []struct {
			name   string
			c      *apptest.Client
			path   string
			status int
			has    string
		}{
			{"operator ranking", op, "/stats/assessment?" + year, 200, "data-chart-json=\"chart-assessment\""},
			{"analyst ranking", an, "/stats/assessment?period=year", 200, "<table class=\"table\">"},
			{"department sees its own row marked", dept, "/stats/assessment?" + year, 200, "aria-current=\"true\""},
			{"department's own page", dept, fmt.Sprintf("/stats/assessment/%d?%s", gxj, year), 200, "chart-dept"},
			{"another department's page", dept, fmt.Sprintf("/stats/assessment/%d?%s", fgw, year), 404, ""},
			{"operator reads any department", op, fmt.Sprintf("/stats/assessment/%d?%s", fgw, year), 200, "chart-dept"},
			{"enterprise", ent, "/stats/assessment", 403, ""},
			{"bad range keeps the form", op, "/stats/assessment?period=custom&from=2025-09-01&to=2025-08-01", 200, "aria-invalid=\"true\""},
			{"export", an, "/stats/assessment.xlsx?" + year, 200, ""},
			{"hot spots", an, "/stats/hotspots?" + year, 200, "class=\"heat heat-"},
			{"hot spots of a district", dept, "/stats/hotspots?period=year&district=430104", 200, "chart-heat"},
			{"proactive for operators", op, "/stats/proactive", 200, ""},
			{"proactive not for analysts", an, "/stats/proactive", 403, ""},
			{"unknown task", op, "/stats/proactive/99999", 404, ""},
			{"settings need settings.manage", op, "/stats/settings", 403, ""},
		}
		for _, tc := range cases {
			r := tc.c.Get(tc.path)
			if r.Status != tc.status || !strings.Contains(r.Body, tc.has) {
				t.Errorf("%s: %s → %d (want %d, containing %q)", tc.name, tc.path, r.Status, tc.status, tc.has)
			}
		}
		if r := an.Get("/stats/assessment.xlsx?" + year); !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Errorf("export content type %q", r.Header.Get("Content-Type"))
		}
		if r := op.Get("/stats/assessment?" + year); strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, "style=\"") {
			t.Error("inline script or style on the page")
		}

		// Settings: the weights must add up to 100; the typed values stay.
		adm := e.Client()
		adm.Login("admin", apptest.AdminPassword)
		form := url.Values{"weight_response": {"40"}, "weight_resolution": {"40"}, "weight_satisfaction": {"40"}, "min_enterprises": {"5"},
			"window_days": {"14"}, "similarity": {"50"}, "surge_percent": {"50"}, "surge_min": {"5"}}
		if r := adm.PostForm("/stats/settings", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "value=\"40\"") ||
			!strings.Contains(r.Body, "e-weight_satisfaction") {
			t.Errorf("bad weights: %d", r.Status)
		}
		form.Set("weight_satisfaction", "20")
		if r := adm.PostForm("/stats/settings", form); r.Status != http.StatusSeeOther {
			t.Errorf("good weights: %d %s", r.Status, r.Body)
		}
		if st, _ := e.App.Stats.Settings(ctx); st.WeightResponse != 40 || st.WeightSatisfaction != 20 {
			t.Errorf("settings %+v", st)
		}

		// The API: the same rules, responses checked against the OpenAPI document.
		api := func(user, path string) *apptest.Response { return e.APIClient(user, "stats:read").Get(path) }
		var rep struct {
			Rows []struct {
				OrgID        int64    `json:"org_id"`
				Own          bool     `json:"own"`
				ResponseRate *float64 `json:"response_rate"`
			} `json:"rows"`
		}
		r := api("gxj1", "/api/v1/stats/assessment?"+year)
		if r.Status != 200 {
			t.Fatalf("api assessment %d %s", r.Status, r.Body)
		}
		r.JSON(t, &rep)
		own := 0
		for _, row := range rep.Rows {
			if row.Own {
				own++
				if row.OrgID != gxj {
					t.Errorf("own row is %d", row.OrgID)
				}
			}
		}
		if len(rep.Rows) < 2 || own != 1 {
			t.Errorf("%d rows, %d own", len(rep.Rows), own)
		}
		for _, tc := range []struct {
			user, path string
			status     int
		}{
			{"gxj1", fmt.Sprintf("/api/v1/stats/assessment/%d?%s", gxj, year), 200},
			{"gxj1", fmt.Sprintf("/api/v1/stats/assessment/%d?%s", fgw, year), 404},
			{"analyst1", "/api/v1/stats/hotspots?" + year, 200},
			{"analyst1", "/api/v1/stats/assessment?period=2025-Q5", 422},
			{"analyst1", "/api/v1/stats/assessment?from=2025-01-01&to=2031-01-01", 422},
			{"operator1", "/api/v1/stats/proactive?state=open", 200},
			{"analyst1", "/api/v1/stats/proactive", 403},
			{"ent1", "/api/v1/stats/assessment", 403},
		} {
			if r := api(tc.user, tc.path); r.Status != tc.status {
				t.Errorf("%s %s → %d, want %d: %s", tc.user, tc.path, r.Status, tc.status, r.Body)
			}
		}
		// A token without the stats area is refused.
		if r := e.APIClient("analyst1", "directory:read").Get("/api/v1/stats/assessment"); r.Status != 403 {
			t.Errorf("token without stats: %d", r.Status)
		}
	})
}
