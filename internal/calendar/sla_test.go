package calendar

import (
	"math"
	"sync"
	"testing"
	"time"
)

func TestProgressAndLevel(t *testing.T) {
	c := Default()
	// Handle within 5 working days, dispatched Monday 2024-03-11 09:00: due
	// Monday 2024-03-18 17:30, 6 full days = 42 working hours from start.
	start := at(t, "2024-03-11 09:00")
	due := c.AddWorkingDays(start, 5)
	if want := at(t, "2024-03-18 17:30"); !due.Equal(want) {
		t.Fatalf("due = %s, want %s", due.Format(stamp), want.Format(stamp))
	}
	tests := []struct {
		now      string
		progress float64
		level    Level
	}{
		{"2024-03-08 10:00", 0, LevelGreen}, // before start
		{"2024-03-11 09:00", 0, LevelGreen},
		{"2024-03-14 17:30", 28.0 / 42, LevelGreen},
		{"2024-03-15 15:00", 32.5 / 42, LevelGreen}, // + Friday 09:00-12:00, 13:30-15:00
		{"2024-03-15 16:05", 33.6/42 - 1.0/60/42, LevelGreen},
		{"2024-03-15 16:06", 33.6 / 42, LevelYellow}, // exactly 80%
		{"2024-03-16 12:00", 35.0 / 42, LevelYellow}, // Saturday: no working time passes
		{"2024-03-18 17:30", 1, LevelYellow},         // due, not yet past
		{"2024-03-18 17:31", 1, LevelRed},            // past due in real time
		{"2024-03-19 10:00", 43.0 / 42, LevelRed},
	}
	for _, tt := range tests {
		now := at(t, tt.now)
		if got := c.Progress(start, due, now); math.Abs(got-tt.progress) > 1e-9 {
			t.Errorf("Progress at %s = %.4f, want %.4f", tt.now, got, tt.progress)
		}
		if got := c.Level(start, due, now); got != tt.level {
			t.Errorf("Level at %s = %s, want %s", tt.now, got, tt.level)
		}
	}
	// A limit with no office time inside (started and due on a Sunday).
	sun := at(t, "2024-03-10 10:00")
	if p := c.Progress(sun, sun.Add(time.Hour), sun); p != 0 {
		t.Errorf("empty limit before due: progress %v, want 0", p)
	}
	if p := c.Progress(sun, sun.Add(time.Hour), sun.Add(time.Hour)); p != 1 {
		t.Errorf("empty limit at due: progress %v, want 1", p)
	}
	if got := c.Remaining(due, at(t, "2024-03-18 10:00")); got != hm(6, 0) {
		t.Errorf("Remaining = %s, want 6h", got)
	}
	if got := c.Remaining(due, at(t, "2024-03-19 10:00")); got != -time.Hour {
		t.Errorf("Remaining when overdue = %s, want -1h", got)
	}
}

// A claim limit of 1 working day, paused over the 2025 National Day break
// while waiting for documents.
func TestSLAPause(t *testing.T) {
	c := Default()
	start := at(t, "2025-09-29 09:00") // Monday
	s := SLA{Start: start, Due: c.AddWorkingDays(start, 1)}
	if want := at(t, "2025-09-30 17:30"); !s.Due.Equal(want) {
		t.Fatalf("due = %s", s.Due.Format(stamp))
	}
	// Budget: Mon + Tue = 14 working hours.
	s = c.Pause(s, at(t, "2025-09-30 10:00")) // 8 hours used
	if !s.IsPaused() {
		t.Fatal("not paused")
	}
	frozen := c.SLAProgress(s, at(t, "2025-09-30 10:00"))
	if math.Abs(frozen-8.0/14) > 1e-9 {
		t.Errorf("progress at pause = %v, want 8/14", frozen)
	}
	// While paused nothing moves, even past the original due.
	later := at(t, "2025-10-09 16:00")
	if got := c.SLAProgress(s, later); got != frozen {
		t.Errorf("progress while paused = %v, want frozen %v", got, frozen)
	}
	if got := c.SLALevel(s, later); got != LevelGreen {
		t.Errorf("level while paused past the old due = %s, want green", got)
	}
	if got := c.SLARemaining(s, later); got != 6*time.Hour {
		t.Errorf("remaining while paused = %s, want 6h", got)
	}
	if again := c.Pause(s, later); again != s {
		t.Error("pausing a paused SLA changed it")
	}
	// Resume Thursday Oct 9 11:00: the pause held Tue 10:00–17:30 (6h) and
	// Oct 9 09:00–11:00 (2h); the break itself costs nothing.
	s = c.Resume(s, at(t, "2025-10-09 11:00"))
	if s.IsPaused() || s.Paused != 8*time.Hour {
		t.Fatalf("after resume: %+v", s)
	}
	// 6h were left: Oct 9 11:00–17:30 is 5h of office time, then 1h on Friday.
	if want := at(t, "2025-10-10 10:00"); !s.Due.Equal(want) {
		t.Errorf("due after resume = %s, want %s", s.Due.Format(stamp), want.Format(stamp))
	}
	if got := c.SLAProgress(s, at(t, "2025-10-09 11:00")); math.Abs(got-8.0/14) > 1e-9 {
		t.Errorf("progress right after resume = %v, want 8/14", got)
	}
	if got := c.SLALevel(s, at(t, "2025-10-09 16:30")); got != LevelYellow {
		t.Errorf("level at (8+4)/14 = %s, want yellow", got)
	}
	if got := c.SLALevel(s, at(t, "2025-10-10 10:01")); got != LevelRed {
		t.Errorf("level past the moved due = %s, want red", got)
	}
	if again := c.Resume(s, later); again != s {
		t.Error("resuming a running SLA changed it")
	}
	// A resume stamped before the pause costs nothing.
	p := c.Pause(SLA{Start: start, Due: s.Due}, at(t, "2025-10-09 11:00"))
	if r := c.Resume(p, at(t, "2025-10-09 10:00")); r.Paused != 0 || !r.Due.Equal(s.Due) || r.IsPaused() {
		t.Errorf("backwards resume: %+v", r)
	}
}

func TestTestClock(t *testing.T) {
	start := at(t, "2024-10-08 09:00")
	clk := NewTestClock(start)
	var _ Clock = clk
	var _ Clock = RealClock{}
	if !clk.Now().Equal(start) {
		t.Fatal("Now != start")
	}
	if got := clk.Advance(90 * time.Minute); !got.Equal(start.Add(90*time.Minute)) || !clk.Now().Equal(got) {
		t.Errorf("Advance = %s", got)
	}
	clk.Set(start)
	if !clk.Now().Equal(start) {
		t.Error("Set did not move the clock back")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				clk.Advance(time.Second)
				_ = clk.Now()
			}
		})
	}
	wg.Wait()
	if want := start.Add(8000 * time.Second); !clk.Now().Equal(want) {
		t.Errorf("after concurrent advances: %s, want %s", clk.Now(), want)
	}
	if d := time.Since(RealClock{}.Now()); d < 0 || d > time.Minute {
		t.Errorf("RealClock is %s off", d)
	}
}
