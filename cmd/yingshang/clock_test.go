package main

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"yingshang/internal/db"
)

// --fake-clock-file is refused without YINGSHANG_TEST_CLOCK=1 (nothing starts); with it,
// the server's time is the real time plus the file's offset.
func TestFakeClockIsTestOnly(t *testing.T) {
	dir := t.TempDir()
	clock := filepath.Join(dir, "clock")
	if err := os.WriteFile(clock, []byte("48h"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("YINGSHANG_LOG_LEVEL", "error")
	t.Setenv("YINGSHANG_ADMIN_PASSWORD", "Yingshang@Test2026")
	t.Setenv(testClockEnv, "")
	for _, args := range [][]string{{"serve", "--fake-clock-file", clock}, {"serve", "-fake-clock-file=" + clock}} {
		if code, _ := capture(t, append(args, "--data="+dir)...); code == 0 {
			t.Errorf("%v without %s=1 was accepted", args, testClockEnv)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "yingshang.db")); err == nil {
		t.Fatal("a refused serve opened the database")
	}

	t.Setenv(testClockEnv, "1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int)
	go func() {
		served <- run(ctx, []string{"serve", "--data=" + dir, "--addr=" + addr, "--workers=1", "--fake-clock-file=" + clock})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("serve did not become ready")
		}
		select {
		case code := <-served:
			t.Fatalf("serve exited %d", code)
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	if code := <-served; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	d, err := sql.Open("sqlite", filepath.Join(dir, "yingshang.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var created int64
	if err := d.QueryRow(`SELECT created_at FROM users WHERE username = 'admin'`).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if off := db.FromMillis(created).Sub(time.Now()); off < 47*time.Hour || off > 49*time.Hour {
		t.Errorf("the admin was created %v from now, want about 48h", off)
	}
}
