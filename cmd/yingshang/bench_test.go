package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"yingshang/internal/bench"
	"yingshang/internal/db/dbtest"
)

// `yingshang bench` end to end with a small history: the real binary loads the city and
// 2,000 appeals, serves, is measured and writes its report. Timings are recorded, never
// asserted; what is checked is that every scenario ran without errors and carries its
// target.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "yingshang")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	engines := map[string]string{"sqlite": ""}
	if os.Getenv(dbtest.EnvPostgres) != "" || dbtest.CI() {
		engines["postgres"] = dbtest.NewPostgresSchema(t)
	}
	for engine, url := range engines {
		t.Run(engine, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bench.json")
			args := []string{"bench", "--appeals=2000", "--years=1", "--requests=20", "--concurrency=4", "--intake-for=2s", "--users=8", "--think=50ms", "--users-for=3s", "--out=" + out}
			if url != "" {
				args = append(args, "--db="+url)
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "YINGSHANG_DB=", "YINGSHANG_DATA=")
			stdout, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("bench: %v\n%s\n%s", err, stdout, stderr)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rep bench.Report
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Engine != engine || rep.Appeals != 2000 || rep.Generation["appeals"] != float64(2000) {
				t.Fatalf("report engine %s, %d appeals, generation %v", rep.Engine, rep.Appeals, rep.Generation)
			}
			names := map[string]bool{}
			for _, r := range rep.Results {
				names[r.Name] = true
				if r.Errors > 0 {
					t.Errorf("%s: %d errors (%s)", r.Name, r.Errors, r.Note)
				}
				if r.Target == "" || r.Met == nil {
					t.Errorf("%s has no target", r.Name)
				}
				if strings.HasPrefix(r.Name, "workday:") && (r.Requests == 0 || r.Concurrency != 8) {
					t.Errorf("%s: %d requests by %d people", r.Name, r.Requests, r.Concurrency)
				}
			}
			for _, want := range []string{"queue operator 待受理", "queue department 待签收", "queue enterprise 我的诉求", "queue leader 督办", "search 20 words", "search word pairs",
				"intake POST /api/v1/appeals", "serve RSS peak (MiB)", "workday: queue pages", "workday: open an appeal", "workday: search",
				"workday: 三率 ranking", "workday: file an appeal (POST)"} {
				if !names[want] {
					t.Errorf("no result %q in %v", want, names)
				}
			}
			if !strings.Contains(string(stdout), "yingshang bench —") {
				t.Errorf("no table printed:\n%s", stdout)
			}
			if v, ok := rep.Server["raw_tx_per_second"].(float64); !ok || v <= 0 {
				t.Errorf("raw transaction rate %v", rep.Server["raw_tx_per_second"])
			}
			if rep.Server["cold_start_ms"] == nil {
				t.Error("no cold start measured")
			}
		})
	}
}
