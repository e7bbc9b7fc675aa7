package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"yingshang/internal/app"
)

var errUsage = errors.New("usage")

// common are the flags every command takes; each also reads an environment variable.
type common struct {
	data, db, logFormat, logLevel, officeHours string
	smtpURL, baseURL                           string
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func newFlags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("yingshang "+name, flag.ContinueOnError)
	fs.StringVar(&c.data, "data", env("YINGSHANG_DATA", "./data"), "data directory: the SQLite file and attachments (YINGSHANG_DATA)")
	fs.StringVar(&c.db, "db", env("YINGSHANG_DB", ""), "database URL: empty for embedded SQLite, postgres://… for PostgreSQL (YINGSHANG_DB)")
	fs.StringVar(&c.logFormat, "log-format", env("YINGSHANG_LOG_FORMAT", "text"), "log format: text or json (YINGSHANG_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", env("YINGSHANG_LOG_LEVEL", "info"), "log level: debug, info, warn, error (YINGSHANG_LOG_LEVEL)")
	fs.StringVar(&c.officeHours, "office-hours", env("YINGSHANG_OFFICE_HOURS", ""), "office hours for working-time deadlines, e.g. 09:00-12:00,13:30-17:30 (YINGSHANG_OFFICE_HOURS)")
	fs.StringVar(&c.smtpURL, "smtp-url", env("YINGSHANG_SMTP_URL", ""), "mail server smtp://user:pass@host:port?from=…&tls=starttls|tls|none; overrides /admin/notify (YINGSHANG_SMTP_URL)")
	fs.StringVar(&c.baseURL, "base-url", env("YINGSHANG_BASE_URL", ""), "address users reach the site at, for links in emails, e.g. https://yingshang.example.cn (YINGSHANG_BASE_URL)")
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return errUsage
	}
	return nil
}

func (c common) config() (app.Config, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return app.Config{}, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	f := strings.ToLower(c.logFormat)
	if f != "text" && f != "json" {
		return app.Config{}, fmt.Errorf("--log-format %q: use text or json", c.logFormat)
	}
	return app.Config{DataDir: c.data, DBURL: c.db, LogFormat: f, LogLevel: lvl, OfficeHours: c.officeHours, SMTPURL: c.smtpURL, BaseURL: c.baseURL}, nil
}

func versionString() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = s.Value[:12]
			}
		}
		return "yingshang " + v + " (" + bi.GoVersion + ")"
	}
	return "yingshang " + v
}
