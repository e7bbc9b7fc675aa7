package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"yingshang/internal/app"
	"yingshang/internal/db"
)

func cmdBackup(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("backup", &c)
	out := fs.String("out", "", "the backup file to write (required; must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	cfg, err := c.config()
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DBURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.CheckCurrent(ctx); err != nil {
		return fmt.Errorf("the database is not ready for a backup: %w", err)
	}
	start := time.Now()
	if err := app.Backup(ctx, d, *out); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Printf("backup of the %s database written to %s (%d bytes, %s)\n", d.Engine, *out, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

func cmdRestore(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("restore", &c)
	in := fs.String("in", "", "the backup file to restore (required)")
	force := fs.Bool("force", false, "SQLite: replace an existing database file (stop the server first)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("--in is required")
	}
	cfg, err := c.config()
	if err != nil {
		return err
	}
	if err := app.Restore(ctx, cfg, *in, *force); err != nil {
		return err
	}
	fmt.Printf("restored %s; start the server as usual\n", *in)
	return nil
}
