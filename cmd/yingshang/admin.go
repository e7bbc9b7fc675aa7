package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"yingshang/internal/app"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/demo"
	"yingshang/internal/i18n"
)

// open opens the application for a one-off command: no HTTP, no workers.
func open(ctx context.Context, c common) (*app.App, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg)
}

// explain turns a service error into a line an operator understands.
func explain(a *app.App, err error) error {
	if e, ok := apperr.As(err); ok {
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, "--"+strings.ReplaceAll(f.Field, "_", "-")+": "+a.Catalog.T("en", f.Key, f.Args))
		}
		if len(parts) == 0 {
			parts = append(parts, a.Catalog.T("en", e.Key, e.Args))
		}
		return errors.New(strings.Join(parts, "; "))
	}
	return err
}

func cmdMigrate(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("migrate", &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	cur, target, err := a.DB.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("database (%s) at migration %d of %d\n", a.DB.Engine, cur, target)
	return nil
}

func cmdDemo(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("demo", &c)
	seed := fs.Uint64("seed", 1, "random seed of the city")
	n := fs.Int("enterprises", 2400, "number of enterprises")
	appeals := fs.Int("appeals", 0, "appeals of the past year to write through the closed loop (0: the default, about 3,000)")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, _, err := a.Bootstrap(ctx, os.Getenv("YINGSHANG_ADMIN_PASSWORD")); err != nil {
		return err
	}
	start := time.Now()
	res, loaded, err := a.LoadDemo(ctx, demo.Options{Seed: *seed, Enterprises: *n})
	if err != nil {
		return err
	}
	hist, err := a.LoadDemoAppeals(ctx, loaded, *appeals, *seed)
	if err != nil {
		return err
	}
	fmt.Printf("demo city loaded in %s: %d organisations, %d enterprises, %d people, %d users, %d appeals (password %s)\n",
		time.Since(start).Round(time.Millisecond), res.Orgs, res.Enterprises, res.People, res.Users, hist.Appeals, res.Password)
	return nil
}

func cmdUser(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: yingshang user add|passwd|list [flags]")
		return errUsage
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:])
	case "passwd":
		return userPasswd(ctx, args[1:])
	case "list":
		return userList(ctx, args[1:])
	}
	fmt.Fprintf(os.Stderr, "yingshang user: unknown subcommand %q (add, passwd, list)\n", args[0])
	return errUsage
}

func readPassword(flagValue string, fromStdin bool) (string, bool, error) {
	if flagValue != "" {
		return flagValue, false, nil
	}
	if fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, fmt.Errorf("reading the password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	if v := os.Getenv("YINGSHANG_USER_PASSWORD"); v != "" {
		return v, false, nil
	}
	return app.RandomPassword(), true, nil
}

func userAdd(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("user add", &c)
	username := fs.String("username", "", "login name (required)")
	name := fs.String("name", "", "display name (default: the login name)")
	org := fs.String("org", app.FederationName, "organisation, by exact name")
	roles := fs.String("roles", "", "comma-separated roles: "+strings.Join(roleNames(), ","))
	pw := fs.String("password", "", "password (default: YINGSHANG_USER_PASSWORD, or a random one printed once)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	phone := fs.String("phone", "", "mobile number")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("--username is required")
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	o, err := a.Directory.OrgByName(ctx, auth.CLI(), *org)
	if err != nil {
		return fmt.Errorf("--org: no organisation named %q", *org)
	}
	password, generated, err := readPassword(*pw, *stdin)
	if err != nil {
		return err
	}
	var rs []auth.Role
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			rs = append(rs, auth.Role(r))
		}
	}
	if *name == "" {
		*name = *username
	}
	u, err := a.Auth.CreateUser(ctx, auth.CLI(), auth.NewUser{Username: *username, DisplayName: *name, OrgID: o.ID, Password: password, Roles: rs, Phone: *phone})
	if err != nil {
		return explain(a, err)
	}
	fmt.Printf("user %s created (id %d, %s)\n", u.Username, u.ID, u.OrgName)
	if generated {
		fmt.Printf("password: %s   (shown once)\n", password)
	}
	return nil
}

func roleNames() []string {
	out := make([]string, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		out[i] = string(r)
	}
	return out
}

func userPasswd(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("user passwd", &c)
	username := fs.String("username", "", "login name (required)")
	pw := fs.String("password", "", "new password (default: YINGSHANG_USER_PASSWORD, or a random one printed once)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("--username is required")
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByUsername(ctx, auth.CLI(), *username)
	if err != nil {
		return fmt.Errorf("no user %q", *username)
	}
	password, generated, err := readPassword(*pw, *stdin)
	if err != nil {
		return err
	}
	if err := a.Auth.ResetPassword(ctx, auth.CLI(), u.ID, password); err != nil {
		return explain(a, err)
	}
	if err := a.Auth.Unlock(ctx, auth.CLI(), u.ID); err != nil {
		return err
	}
	fmt.Printf("password of %s changed; the account is unlocked\n", u.Username)
	if generated {
		fmt.Printf("password: %s   (shown once)\n", password)
	}
	return nil
}

func userList(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("user list", &c)
	role := fs.String("role", "", "only users with this role")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tORGANISATION\tROLES\tSTATUS\tLAST LOGIN")
	f := auth.UserFilter{Role: auth.Role(*role), Limit: 500}
	for {
		users, _, err := a.Auth.ListUsers(ctx, auth.CLI(), f)
		if err != nil {
			return err
		}
		for _, u := range users {
			status := "active"
			switch {
			case u.Disabled:
				status = "disabled"
			case u.Locked:
				status = "locked"
			}
			var rs []string
			for _, r := range u.Roles {
				rs = append(rs, string(r))
			}
			last := "never"
			if !u.LastLoginAt.IsZero() {
				last = i18n.DateTime("en", u.LastLoginAt)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, u.OrgName, strings.Join(rs, ","), status, last)
		}
		if len(users) < f.Limit {
			break
		}
		f.AfterID = users[len(users)-1].ID
	}
	return tw.Flush()
}

func cmdToken(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(os.Stderr, "usage: yingshang token create --user NAME [--scope read,write,appeals:write…] [--name TEXT]")
		return errUsage
	}
	var c common
	fs := newFlags("token create", &c)
	user := fs.String("user", "", "the user the token acts as (required)")
	scope := fs.String("scope", "read", "comma-separated scopes: read, write, or AREA:read|write (areas: directory, appeals, calendar, search, stats, liaison, open311, users)")
	name := fs.String("name", "cli", "what the token is for")
	days := fs.Int("expires-days", 0, "expire after this many days (0: never)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *user == "" {
		return fmt.Errorf("--user is required")
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByUsername(ctx, auth.CLI(), *user)
	if err != nil {
		return fmt.Errorf("--user: no user %q", *user)
	}
	var expires time.Time
	if *days > 0 {
		expires = time.Now().Add(time.Duration(*days) * 24 * time.Hour)
	}
	var scopes []string
	for _, s := range strings.Split(*scope, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	plain, _, err := a.Auth.CreateToken(ctx, auth.CLI(), u.ID, *name, scopes, expires)
	if err != nil {
		return explain(a, err)
	}
	fmt.Println(plain)
	return nil
}

func cmdAudit(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(os.Stderr, "usage: yingshang audit verify [--data DIR] [--db URL]")
		return 2
	}
	var c common
	fs := newFlags("audit verify", &c)
	if err := parse(fs, args[1:]); err != nil {
		return 2
	}
	a, err := open(ctx, c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "yingshang audit verify: %v\n", err)
		return 1
	}
	defer a.Close()
	res, err := a.Audit.Verify(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "yingshang audit verify: %v\n", err)
		return 1
	}
	if res.Bad != nil {
		b := res.Bad
		fmt.Printf("BROKEN after %d good entries: entry %d (%s, %s %s/%s by %s): %s\n", res.Checked, b.ID,
			i18n.DateTime("en", b.At), b.Action, b.ObjectType, b.ObjectID, b.ActorName, res.Reason)
		return 1
	}
	fmt.Printf("ok: %d entries on %d chain(s), every chain holds\n", res.Checked, res.Chains)
	return 0
}
