package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// where a test's platform keeps its data: a data directory, and a database URL on
// PostgreSQL.
type where struct {
	data string
	db   string
}

func (w where) args() []string {
	a := []string{"--data=" + w.data, "--log-level=warn"}
	if w.db != "" {
		a = append(a, "--db="+w.db)
	}
	return a
}

// cli runs a one-off command and returns its standard output.
func cli(t *testing.T, w where, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(args, w.args()...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("yingshang %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

type server struct {
	cmd  *exec.Cmd
	addr string
	log  string
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `yingshang serve` and waits for /readyz.
func start(t *testing.T, w where, logName string, env ...string) *server {
	t.Helper()
	return startWith(t, w, logName, nil, env...)
}

// startWith is start with more arguments for serve.
func startWith(t *testing.T, w where, logName string, extra []string, env ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), log: filepath.Join(w.data, logName), done: make(chan error, 1)}
	f, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr=" + s.addr, "--workers=2"}, w.args()...)
	s.cmd = exec.Command(binary, append(args, extra...)...)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait(); f.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			b, _ := os.ReadFile(s.log)
			t.Fatalf("serve exited before it was ready: %v\n%s", err, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve was not ready within a minute")
		}
		time.Sleep(20 * time.Millisecond) // polling readiness, bounded by the deadline
	}
}

// kill ends the server with SIGKILL: no shutdown, no flush, no goodbye.
func (s *server) kill(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop ends the server with SIGTERM and checks it exits cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			b, _ := os.ReadFile(s.log)
			t.Errorf("serve exited with %v after SIGTERM\n%s", err, b)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop within 30 s of SIGTERM")
		_ = s.cmd.Process.Kill()
	}
}

// client calls the API with a bearer token.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body any, header map[string]string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *client) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	st, b, err := c.do(context.Background(), "GET", path, nil, nil)
	if err != nil || st != 200 {
		t.Fatalf("GET %s: %d %v %s", path, st, err, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return v
}
