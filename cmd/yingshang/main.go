// Command yingshang is the Yingshang platform: one binary that serves the web interface
// and the API, runs background work and administers the database.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

const usage = `yingshang — 营商环境服务平台 / the business-environment platform

Usage: yingshang <command> [flags]

Commands:
  serve      serve the web interface and the API (--addr, --data, --db, --demo)
  migrate    apply database migrations
  demo       load the demo city into an empty database
  import     import enterprises from Excel (import enterprises [--clean-only] FILE.xlsx)
             or historic appeals (import appeals --file FILE.csv|FILE.xlsx [--clean-only])
  bench      load a generated history and measure the server (bench --appeals N)
  user       add | passwd | list users
  token      create an API token (token create --user NAME [--scope …])
  backup     write a consistent online copy of the database (--out FILE)
  restore    restore a backup into an empty database (--in FILE)
  audit      verify the audit log's hash chain (audit verify)
  version    print the version

Every command accepts --data DIR (YINGSHANG_DATA, default ./data) and
--db URL (YINGSHANG_DB; empty for embedded SQLite, postgres://… for PostgreSQL).
Run "yingshang <command> -h" for its flags.
`

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest)
	case "migrate":
		err = cmdMigrate(ctx, rest)
	case "demo":
		err = cmdDemo(ctx, rest)
	case "import":
		err = cmdImport(ctx, rest)
	case "bench":
		err = cmdBench(ctx, rest)
	case "user":
		err = cmdUser(ctx, rest)
	case "token":
		err = cmdToken(ctx, rest)
	case "backup":
		err = cmdBackup(ctx, rest)
	case "restore":
		err = cmdRestore(ctx, rest)
	case "audit":
		return cmdAudit(ctx, rest)
	case "version":
		fmt.Println(versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "yingshang: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if err == errUsage {
			return 2
		}
		fmt.Fprintf(os.Stderr, "yingshang %s: %v\n", cmd, err)
		return 1
	}
	return 0
}
