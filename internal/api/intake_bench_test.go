package api_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/db"
)

// BenchmarkAPIIntake is the bench's intake in one process: 16 clients (8 per core on
// two cores) post appeals with an Idempotency-Key each to the API on SQLite, through a
// real HTTP server. It measures what the writer's turn costs a keyed request (group.go,
// idempotency.go) without another process's noise:
//
//	go test ./internal/api -run XXX -bench BenchmarkAPIIntake -benchtime 20000x -count 5
func BenchmarkAPIIntake(b *testing.B) { benchIntake(b, 8) }

// BenchmarkAPIIntakeOne is the same with one client: a request's whole cost, server and
// client, when nothing waits for the writer or for a core — the serial path that bounds
// intake, measured without the scheduling noise of 16 clients on two cores:
//
//	go test ./internal/api -run XXX -bench BenchmarkAPIIntakeOne -benchtime 5000x -count 5 -cpu 1
func BenchmarkAPIIntakeOne(b *testing.B) { benchIntake(b, 0) }

// benchIntake posts appeals from perCPU clients per core (one client in all when 0).
func benchIntake(b *testing.B, perCPU int) {
	e := apptest.New(b, db.SQLite, demo)
	tok := e.Token("operator1")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq, fails atomic.Int64
	post := func() {
		k := seq.Add(1)
		body := fmt.Sprintf(`{"kind":"appeal","category":"finance","title":"小微企业贷款审批难（压测 %d）","body":"我公司申请流动资金贷款，银行审批周期过长，影响融资，恳请协调解决。",`+
			`"enterprise_name":"压测企业%d有限公司","district_code":"430104","contact_name":"王经理","contact_phone":"13800138000"}`, k, k%500)
		req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/appeals", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", k))
		resp, err := hc.Do(req)
		if err != nil {
			fails.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			fails.Add(1)
		}
	}
	b.ResetTimer()
	if perCPU == 0 {
		for range b.N {
			post()
		}
	} else {
		b.SetParallelism(perCPU)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post()
			}
		})
	}
	b.StopTimer()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d of %d intakes failed", n, seq.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appeals/s")
}
