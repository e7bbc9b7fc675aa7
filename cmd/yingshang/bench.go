package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"yingshang/internal/bench"
)

const benchUsage = `Usage: yingshang bench [flags]

Loads the demo city's directory into a fresh database, bulk-generates --appeals historic
appeals over --years ending now, starts this binary's "serve" on a free port and measures
over HTTP: queue pages of every role, the 三率 ranking, search, API intake, cold start and
memory. Prints a table and writes the report as JSON (--out). Each result carries its
target and whether it was met; nothing is asserted.
`

func cmdBench(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("bench", &c)
	c.data = "" // a temporary directory unless --data is given
	fs.Lookup("data").DefValue = ""
	_ = fs.Set("data", "")
	n := fs.Int("appeals", 1_000_000, "appeals to generate")
	years := fs.Int("years", 5, "years of history, ending now")
	conc := fs.Int("concurrency", 16, "concurrent requests")
	out := fs.String("out", "bench.json", "JSON report file (empty: none)")
	keep := fs.Bool("keep", false, "keep the data directory (and print where it is)")
	requests := fs.Int("requests", 300, "requests per read scenario")
	intakeFor := fs.Duration("intake-for", 30*time.Second, "how long to drive API intake")
	users := fs.Int("users", 100, "people working at once in the workday scenario (0: none)")
	think := fs.Duration("think", 3*time.Second, "mean think time of a person between two requests (workday)")
	usersFor := fs.Duration("users-for", time.Minute, "how long the workday scenario runs")
	reuse := fs.Bool("reuse", false, "measure the database an earlier run loaded and kept (--keep with the same --data or --db)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the loading (this process) to the file")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, benchUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	rep, err := bench.Main(ctx, bench.Config{Appeals: *n, Years: *years, DBURL: c.db, DataDir: c.data, Concurrency: *conc,
		Out: *out, Keep: *keep, Binary: bin, Requests: *requests, Reuse: *reuse, IntakeFor: *intakeFor,
		Users: *users, Think: *think, UsersFor: *usersFor, Command: "yingshang bench " + strings.Join(args, " ")})
	if rep != nil && len(rep.Results) > 0 {
		rep.WriteTable(os.Stdout)
	}
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Printf("report: %s\n", *out)
	}
	return nil
}
