package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemoryGiB int    `json:"memory_gib"`
	OS        string `json:"os"`
	Go        string `json:"go"`
}

// ThisMachine reads /proc for the CPU model and memory.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				m.MemoryGiB = int((kb + 512*1024) / (1024 * 1024))
				break
			}
		}
		f.Close()
	}
	return m
}

// Report is everything one `yingshang bench` run measured.
type Report struct {
	Started    time.Time         `json:"started"`
	Command    string            `json:"command"`
	Engine     string            `json:"engine"`
	Appeals    int64             `json:"appeals"`
	Machine    Machine           `json:"machine"`
	Generation map[string]any    `json:"generation,omitempty"`
	Server     map[string]any    `json:"server,omitempty"`
	Results    []Result          `json:"results"`
	Notes      map[string]string `json:"notes,omitempty"`
}

// WriteTable prints the results for a terminal.
func (rep *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "\nyingshang bench — %s, %d appeals, %s (%d cores, %d GiB), %s\n\n", rep.Engine, rep.Appeals, rep.Machine.CPU, rep.Machine.Cores, rep.Machine.MemoryGiB, rep.Machine.Go)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\terrors\tconc\tper s\tp50 ms\tp95 ms\tp99 ms\ttarget\tmet\t")
	for _, r := range rep.Results {
		met := ""
		if r.Met != nil {
			met = "no"
			if *r.Met {
				met = "yes"
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%s\t%s\t\n", r.Name, r.Requests, r.Errors, r.Concurrency, r.PerSecond, r.P50ms, r.P95ms, r.P99ms, r.Target, met)
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Name, r.Note)
		}
	}
	for k, v := range rep.Server {
		fmt.Fprintf(w, "server %s: %v\n", k, v)
	}
	for k, v := range rep.Notes {
		fmt.Fprintf(w, "note %s: %s\n", k, v)
	}
}

// WriteJSON saves the report.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
