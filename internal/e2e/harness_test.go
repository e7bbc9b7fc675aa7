package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"yingshang/internal/db/dbtest"
)

// The suite is one server and one browser per package run, started by the first test that
// needs them and stopped by TestMain; every test gets a fresh browser context (its own
// cookies and storage, like an incognito window).

const (
	// chromiumPath is where Debian's chromium package puts the browser (.ci/run installs it).
	chromiumPath = "/usr/bin/chromium"
	// adminPassword is the bootstrap admin's password (YINGSHANG_ADMIN_PASSWORD).
	adminPassword = "Lushan#Browser2026"
	// envEngine selects the server's database: sqlite (default) or postgres.
	envEngine = "E2E_ENGINE"
	// readyTimeout bounds the wait for /readyz after the server starts.
	readyTimeout = 60 * time.Second
	// stopTimeout bounds the graceful shutdown after SIGTERM.
	stopTimeout = 20 * time.Second
)

// suite is the running server and browser shared by the package's tests.
type suite struct {
	root    string // module root (where go.mod is)
	engine  string
	baseURL string

	server     *exec.Cmd
	serverOut  *syncBuffer
	serverDone chan struct{} // closed when the server process has exited
	serverErr  error         // cmd.Wait's result, valid after serverDone

	allocCancel   context.CancelFunc
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserOut    *syncBuffer

	tmp string // binary, data directory, browser profile
	// clockFile is the server's test clock (serve --fake-clock-file): the offset written
	// there moves the server's time (see moveClock).
	clockFile string
	setupTB   *setupTB // cleanups of helpers written for tests (the PostgreSQL schema)
	secretMu  sync.Mutex
	steps     map[string]int64  // the last TOTP step used per user
	secrets   map[string]string // username → TOTP secret read from the enrolment page
	timing    string            // how long the start took, for the first test's log
}

var (
	suiteOnce sync.Once
	shared    *suite
	// setupSkip and setupErr tell every test why there is no suite.
	setupSkip string
	setupErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.close(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: e2e teardown: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// env returns the running suite, starting it on first use. It skips the test when the
// browser is missing (failing under CI) and fails it when the suite could not start.
func env(t *testing.T) *suite {
	t.Helper()
	suiteOnce.Do(func() {
		shared, setupSkip, setupErr = start()
		if shared != nil {
			t.Logf("e2e suite on %s at %s: %s", shared.engine, shared.baseURL, shared.timing)
		}
	})
	switch {
	case setupErr != nil:
		t.Fatalf("e2e suite: %v", setupErr)
	case setupSkip != "":
		t.Skip(setupSkip)
	}
	return shared
}

// start builds the binary, starts the server and the browser. It returns a reason to skip
// when an optional component is missing outside CI.
func start() (s *suite, skip string, err error) {
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("browser tests need Chromium at %s (apt-get install -y chromium fonts-wqy-microhei)", chromiumPath)
		if dbtest.CI() {
			return nil, "", errors.New(msg + ": it is required under CI")
		}
		return nil, msg, nil
	}
	engine := strings.ToLower(strings.TrimSpace(os.Getenv(envEngine)))
	switch engine {
	case "", "sqlite":
		engine = "sqlite"
	case "postgres":
	default:
		return nil, "", fmt.Errorf("%s=%q: use sqlite or postgres", envEngine, engine)
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, "", err
	}
	if err := readBuildInputs(root); err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(filepath.Join(root, "internal/web/static/vendor/htmx.min.js")); err != nil {
		return nil, "", errors.New("front-end assets are missing (internal/web/static/vendor/htmx.min.js): run `bash scripts/build-assets.sh` in the module root first")
	}
	tmp, err := os.MkdirTemp("", "yingshang-e2e-")
	if err != nil {
		return nil, "", err
	}
	s = &suite{root: root, engine: engine, tmp: tmp, setupTB: &setupTB{}, secrets: map[string]string{},
		serverOut: &syncBuffer{}, browserOut: &syncBuffer{}}
	defer func() {
		if err != nil || skip != "" {
			_ = s.close()
			s = nil
		}
	}()

	var dbURL string
	if engine == "postgres" {
		dbURL, skip, err = s.setupTB.run(dbtest.NewPostgresSchema)
		if err != nil || skip != "" {
			return s, skip, err
		}
	}

	// The binary builds while the browser starts.
	t0 := time.Now()
	bin := filepath.Join(tmp, "yingshang")
	built := make(chan error, 1)
	var buildTime time.Duration
	go func() {
		err := build(root, bin)
		buildTime = time.Since(t0)
		built <- err
	}()
	browserErr := s.startBrowser()
	browserTime := time.Since(t0)
	if err := <-built; err != nil {
		return s, "", err
	}
	if browserErr != nil {
		return s, "", browserErr
	}
	t1 := time.Now()
	if err := s.startServer(bin, dbURL); err != nil {
		return s, "", err
	}
	s.timing = fmt.Sprintf("go build %s, browser %s (in parallel), server with the demo city ready %s later",
		buildTime.Round(time.Millisecond), browserTime.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	return s, "", nil
}

// moduleRoot asks the go command where go.mod is.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the yingshang module")
	}
	return filepath.Dir(mod), nil
}

// readBuildInputs reads every file the server binary is built from. go test caches a
// passing result by the test binary and the files the test opened; the server is another
// binary, so without this a changed template, stylesheet or handler would answer
// "(cached)" instead of running the browser again. Test files and testdata do not go into
// the binary and are left out.
func readBuildInputs(root string) error {
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.ReadFile(filepath.Join(root, f)); err != nil {
			return err
		}
	}
	for _, dir := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || path == filepath.Join(root, "internal", "e2e") {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			_, err = os.ReadFile(path)
			return err
		})
		if err != nil {
			return fmt.Errorf("read the server's sources: %w", err)
		}
	}
	return nil
}

// goTool is the go command: from PATH, else the one of this toolchain.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if gr := os.Getenv("GOROOT"); gr != "" {
		return filepath.Join(gr, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}

func build(root, bin string) error {
	cmd := exec.Command(goTool(), "build", "-o", bin, "./cmd/yingshang")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/yingshang: %w\n%s", err, out.String())
	}
	return nil
}

func (s *suite) startServer(bin, dbURL string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	// Text logs: finish looks for level=ERROR lines.
	s.clockFile = filepath.Join(s.tmp, "clock")
	if err := os.WriteFile(s.clockFile, []byte("0"), 0o600); err != nil {
		return err
	}
	args := []string{"serve", "--addr", addr, "--data", filepath.Join(s.tmp, "data"), "--demo", "--log-format", "text", "--log-level", "info",
		"--fake-clock-file", s.clockFile}
	if dbURL != "" {
		args = append(args, "--db", dbURL)
	}
	cmd := exec.Command(bin, args...)
	// The server reads its settings from YINGSHANG_* too: only ours count here.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "YINGSHANG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "YINGSHANG_ADMIN_PASSWORD="+adminPassword, "YINGSHANG_TEST_CLOCK=1")
	cmd.Stdout, cmd.Stderr = s.serverOut, s.serverOut
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	s.server, s.serverDone = cmd, make(chan struct{})
	go func() {
		s.serverErr = cmd.Wait()
		close(s.serverDone)
	}()
	s.baseURL = "http://" + addr

	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if resp, err := client.Get(s.baseURL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				// The start-up line names the engine: the suite runs where it says it does.
				if out := s.serverOut.String(); !strings.Contains(out, "(engine "+s.engine+",") {
					return fmt.Errorf("server does not run on %s; its output:\n%s", s.engine, out)
				}
				return nil
			}
		}
		select {
		case <-s.serverDone:
			return fmt.Errorf("server exited before it was ready (%v); its output:\n%s", s.serverErr, s.serverOut.String())
		case <-ctx.Done():
			return fmt.Errorf("server not ready after %s; its output:\n%s", readyTimeout, s.serverOut.String())
		case <-tick.C:
		}
	}
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *suite) startBrowser() error {
	profile := filepath.Join(s.tmp, "chromium-profile")
	if err := os.MkdirAll(profile, 0o700); err != nil {
		return err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("password-store", "basic"),
		// A browser of a Chinese office: Accept-Language zh-CN.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(desktop.width, desktop.height),
		chromedp.CombinedOutput(s.browserOut),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	s.allocCancel = allocCancel
	s.browserCtx, s.browserCancel = chromedp.NewContext(allocCtx)
	// The first Do starts the browser; it lives as long as browserCtx (no timeout here).
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(s.browserCtx) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start %s: %w\n%s", chromiumPath, err, s.browserOut.String())
		}
		return nil
	case <-time.After(readyTimeout):
		return fmt.Errorf("%s did not start within %s\n%s", chromiumPath, readyTimeout, s.browserOut.String())
	}
}

// close stops the browser and the server (SIGTERM: it must shut down gracefully and exit
// 0) and removes the temporary files.
func (s *suite) close() error {
	var errs []error
	if s.browserCancel != nil {
		ctx, cancel := context.WithTimeout(s.browserCtx, 10*time.Second)
		_ = chromedp.Cancel(ctx)
		cancel()
		s.browserCancel()
	}
	if s.allocCancel != nil {
		s.allocCancel()
	}
	if s.server != nil {
		if err := s.stopServer(); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.setupTB.cleanup())
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
	return errors.Join(errs...)
}

func (s *suite) stopServer() error {
	select {
	case <-s.serverDone:
		return fmt.Errorf("server had already exited (%v); its output:\n%s", s.serverErr, s.serverOut.String())
	default:
	}
	if err := s.server.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM to server: %w", err)
	}
	select {
	case <-s.serverDone:
	case <-time.After(stopTimeout):
		_ = s.server.Process.Kill()
		<-s.serverDone
		return fmt.Errorf("server did not stop within %s of SIGTERM; its output:\n%s", stopTimeout, s.serverOut.String())
	}
	if s.serverErr != nil {
		return fmt.Errorf("server did not shut down cleanly after SIGTERM (%v); its output:\n%s", s.serverErr, s.serverOut.String())
	}
	return nil
}

// moveClock sets the server's clock to the real time plus offset (0 puts it back). The
// server reads the file at its next look at the time; its background jobs (the deadline
// sweep) run on the moved time within a second. Privileged users cannot sign in while the
// clock is moved (their codes follow the real time): sign them in before, or after it is
// put back.
func (s *suite) moveClock(offset time.Duration) error {
	return os.WriteFile(s.clockFile, []byte(offset.String()), 0o600)
}

// remember keeps the TOTP secret a user enrolled with, as their authenticator app would.
func (s *suite) remember(username, secret string) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	s.secrets[username] = secret
}

func (s *suite) secret(username string) string {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	return s.secrets[username]
}

// codeAt returns a TOTP code the server has not seen yet for username. The server takes a
// code once (replay protection) and accepts the next 30-second step's code for clock
// drift; when both the current and the next step are used up, it waits for the clock to
// reach a fresh step, as a person would wait for the app to show a new code.
func (s *suite) codeAt(username, secret string) (string, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.steps == nil {
		s.steps = map[string]int64{}
	}
	step := time.Now().Unix() / 30
	last := s.steps[username]
	if step <= last {
		step = last + 1
	}
	if step > time.Now().Unix()/30+1 {
		time.Sleep(time.Until(time.Unix((step-1)*30, 0)))
	}
	s.steps[username] = step
	return totp.GenerateCode(secret, time.Unix(step*30, 0))
}

// syncBuffer is an output sink safe for the writing process and the reading tests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// Since returns what was written after offset off.
func (b *syncBuffer) Since(off int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if off > b.buf.Len() {
		return ""
	}
	return string(b.buf.Bytes()[off:])
}

// setupTB lets the package-level setup call helpers written for tests
// (dbtest.NewPostgresSchema): a failure or skip ends the helper, cleanups run at the end
// of the package run. Only the methods below may be called; the embedded interface is nil.
type setupTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

type setupStop struct {
	skip bool
	msg  string
}

func (*setupTB) Helper()                         {}
func (*setupTB) Name() string                    { return "e2e-setup" }
func (*setupTB) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (*setupTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (*setupTB) Error(args ...any)               { panic(setupStop{msg: fmt.Sprint(args...)}) }
func (*setupTB) Errorf(format string, a ...any)  { panic(setupStop{msg: fmt.Sprintf(format, a...)}) }
func (*setupTB) Fatal(args ...any)               { panic(setupStop{msg: fmt.Sprint(args...)}) }
func (*setupTB) Fatalf(format string, a ...any)  { panic(setupStop{msg: fmt.Sprintf(format, a...)}) }
func (*setupTB) Skip(args ...any)                { panic(setupStop{skip: true, msg: fmt.Sprint(args...)}) }
func (*setupTB) Skipf(format string, args ...any) {
	panic(setupStop{skip: true, msg: fmt.Sprintf(format, args...)})
}

func (tb *setupTB) Cleanup(f func()) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.cleanups = append(tb.cleanups, f)
}

// run calls fn with the setupTB, turning its Fatal/Skip into results.
func (tb *setupTB) run(fn func(testing.TB) string) (v, skip string, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, ok := r.(setupStop)
			if !ok {
				panic(r)
			}
			if st.skip {
				skip = st.msg
			} else {
				err = errors.New(st.msg)
			}
		}
	}()
	return fn(tb), "", nil
}

// cleanup runs the registered cleanups, last first.
func (tb *setupTB) cleanup() (err error) {
	tb.mu.Lock()
	fs := tb.cleanups
	tb.cleanups = nil
	tb.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = errors.Join(err, fmt.Errorf("cleanup: %v", r))
				}
			}()
			fs[i]()
		}()
	}
	return err
}
