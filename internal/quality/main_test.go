// Package quality holds the quality gates that drive the real binary from outside:
// crash safety under SIGKILL, and several processes on one PostgreSQL. They build
// `yingshang` once and run it as child processes. YINGSHANG_GATES=full runs the long
// versions; docs/quality.md gives the commands and the figures.
package quality

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var binary string

// full reports whether the long versions of the gates run (YINGSHANG_GATES=full); the
// short ones run in every `make test`.
func full() bool { return os.Getenv("YINGSHANG_GATES") == "full" }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "yingshang-quality-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go env GOMOD:", err)
		os.Exit(1)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	binary = filepath.Join(dir, "yingshang")
	build := exec.Command("go", "build", "-o", binary, "./cmd/yingshang")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
