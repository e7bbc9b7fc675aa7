package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"yingshang/internal/db"
)

// capture runs the command line and returns its exit code and standard output.
func capture(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	code := run(context.Background(), args)
	w.Close()
	os.Stdout = old
	return code, <-done
}

func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	data := "--data=" + dir
	t.Setenv("YINGSHANG_LOG_LEVEL", "error")
	if code, out := capture(t, "migrate", data); code != 0 || !strings.Contains(out, "at migration") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	if code, _ := capture(t, "demo", data, "--enterprises=300", "--appeals=50"); code != 0 {
		t.Fatalf("demo: %d", code)
	}
	if code, _ := capture(t, "demo", data, "--enterprises=300"); code == 0 {
		t.Fatal("a second demo load into a full database succeeded")
	}
	code, out := capture(t, "user", "add", data, "--username=wang.fang", "--name=王芳", "--roles=operator")
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("user add: %d %q", code, out)
	}
	if code, _ := capture(t, "user", "add", data, "--username=li.lei", "--roles=admin,auditor", "--password=Changsha@2026x"); code != 1 {
		t.Fatalf("user add with separated roles: exit %d, want 1", code)
	}
	if code, out := capture(t, "user", "list", data, "--role=operator"); code != 0 || !strings.Contains(out, "wang.fang") || !strings.Contains(out, "operator1") {
		t.Fatalf("user list: %d %q", code, out)
	}
	if code, out := capture(t, "user", "passwd", data, "--username=wang.fang", "--password=Xiangjiang@2026"); code != 0 || !strings.Contains(out, "unlocked") {
		t.Fatalf("user passwd: %d %q", code, out)
	}
	code, out = capture(t, "token", "create", data, "--user=wang.fang", "--scope=appeals:write", "--name=hotline")
	if code != 0 || !strings.HasPrefix(out, "ys_") {
		t.Fatalf("token create: %d %q", code, out)
	}
	if code, _ := capture(t, "token", "create", data, "--user=wang.fang", "--scope=everything"); code != 1 {
		t.Fatalf("token with a bad scope: exit %d", code)
	}
	if code, out := capture(t, "audit", "verify", data); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("audit verify: %d %q", code, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if code, out := capture(t, "backup", data, "--out="+backup); code != 0 || !strings.Contains(out, "backup of the sqlite database") {
		t.Fatalf("backup: %d %q", code, out)
	}
	restoreDir := t.TempDir()
	if code, _ := capture(t, "restore", "--data="+restoreDir, "--in="+backup); code != 0 {
		t.Fatalf("restore: %d", code)
	}
	if code, out := capture(t, "user", "list", "--data="+restoreDir, "--role=operator"); code != 0 || !strings.Contains(out, "wang.fang") {
		t.Fatalf("restored user list: %d %q", code, out)
	}
	// Tamper with the log behind the application's back: verify fails and names the entry.
	d, err := db.Open(context.Background(), db.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor_name = 'nobody' WHERE id = 10`} {
		if _, err := d.W.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	if code, out := capture(t, "audit", "verify", data); code != 1 || !strings.Contains(out, "entry 10") {
		t.Fatalf("tampered audit verify: %d %q", code, out)
	}
	if code, _ := capture(t, "nonsense"); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// Operator commands work on SQLite while serve runs on the same data directory, and serve
// shuts down cleanly when its context ends (SIGTERM).
func TestCommandsBesideRunningServer(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("YINGSHANG_LOG_LEVEL", "error")
	t.Setenv("YINGSHANG_ADMIN_PASSWORD", "Yingshang@Test2026")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debugAddr := dln.Addr().String()
	dln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int)
	go func() {
		served <- run(ctx, []string{"serve", "--data=" + dir, "--addr=" + addr, "--workers=1", "--debug-addr=" + debugAddr})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if err == nil {
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not become ready")
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, bounded by the deadline
	}
	// The profiler answers on its own loopback address, not on the site's.
	if resp, err := http.Get("http://" + debugAddr + "/debug/pprof/cmdline"); err != nil || resp.StatusCode != 200 {
		t.Errorf("the profiler: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline"); err == nil {
		if resp.StatusCode == 200 {
			t.Error("the site serves the profiler")
		}
		resp.Body.Close()
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // traffic on the server while the commands run
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if resp, err := http.PostForm("http://"+addr+"/login", url.Values{"username": {"admin"}, "password": {"wrong"}}); err == nil {
				resp.Body.Close()
			}
		}
	}()
	for i := 0; i < 5; i++ {
		if code, _ := capture(t, "user", "add", "--data="+dir, fmt.Sprintf("--username=clerk%d", i), "--password=Xiangjiang@2026"); code != 0 {
			t.Errorf("user add beside serve: exit %d", code)
		}
	}
	if code, _ := capture(t, "backup", "--data="+dir, "--out="+filepath.Join(t.TempDir(), "b.db")); code != 0 {
		t.Errorf("backup beside serve: exit %d", code)
	}
	if code, _ := capture(t, "audit", "verify", "--data="+dir); code != 0 {
		t.Errorf("audit verify beside serve: exit %d", code)
	}
	close(stop)
	wg.Wait()
	cancel()
	if code := <-served; code != 0 {
		t.Fatalf("serve exited %d after its context ended", code)
	}
}

// The profiler shows the process's memory: serve refuses to put it on a public address,
// before it touches any data.
func TestDebugAddrMustBeLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", "192.168.1.10:6060", ":6060", "example.com:6060"} {
		if loopback(addr) {
			t.Errorf("%s taken for loopback", addr)
		}
		dir := t.TempDir()
		if code, _ := capture(t, "serve", "--data="+dir, "--addr=127.0.0.1:0", "--debug-addr="+addr); code == 0 {
			t.Errorf("--debug-addr=%s: exit 0", addr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("--debug-addr=%s: serve wrote %d files before refusing", addr, len(entries))
		}
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		if !loopback(addr) {
			t.Errorf("%s is loopback", addr)
		}
	}
}
