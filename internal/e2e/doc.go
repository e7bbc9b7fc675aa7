// Package e2e holds the end-to-end tests: they build the real yingshang binary, serve the
// demo city from it (SQLite by default, PostgreSQL with E2E_ENGINE=postgres) and drive the
// pages with a real headless Chromium through chromedp, the way a person would: typing the
// TOTP code an authenticator app shows, switching languages, opening the phone menu.
//
// The package has tests only; docs/testing.md tells how to run them.
package e2e
