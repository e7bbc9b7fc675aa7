package calendar_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"yingshang/internal/calendar"
)

// The file clock is the real clock plus the file's offset, read again when the file
// changes; a missing file is no offset, garbage keeps the last good offset.
func TestFileClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	c, err := calendar.NewFileClock(path)
	if err != nil {
		t.Fatal(err)
	}
	near := func(want time.Duration) {
		t.Helper()
		got := c.Now().Sub(time.Now())
		if d := got - want; d < -time.Second || d > time.Second {
			t.Errorf("offset %v, want %v", got, want)
		}
	}
	near(0)
	for _, step := range []struct {
		content string
		want    time.Duration
	}{
		{"170h30m\n", 170*time.Hour + 30*time.Minute},
		{"-2h", -2 * time.Hour},
		{"this is not a duration", -2 * time.Hour},
		{"", 0},
		{"72h", 72 * time.Hour},
	} {
		if err := os.WriteFile(path, []byte(step.content), 0o600); err != nil {
			t.Fatal(err)
		}
		near(step.want)
		if c.Offset() != step.want {
			t.Errorf("after %q: Offset() = %v", step.content, c.Offset())
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	near(0)
	if err := os.WriteFile(path, []byte("soon"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := calendar.NewFileClock(path); err == nil {
		t.Error("a clock file that does not parse was accepted at start")
	}
}
