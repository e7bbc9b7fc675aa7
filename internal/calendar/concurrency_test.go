package calendar

import (
	"sync"
	"sync/atomic"
	"testing"
)

// Readers racing with SetOverrides must see either the old or the new set in
// full, never a mix, and never trip the race detector.
func TestConcurrentSwap(t *testing.T) {
	plain := []Override(nil)
	// A local closure of Oct 8–11 2024 moves "Mon Sep 30 + 2 working days"
	// from Wed Oct 9 to Mon Oct 14 (Sat Oct 12 is a make-up day: the first).
	closed := []Override{
		{Date: Date{2024, 10, 8}, Kind: OverrideHoliday},
		{Date: Date{2024, 10, 9}, Kind: OverrideHoliday},
		{Date: Date{2024, 10, 10}, Kind: OverrideHoliday},
		{Date: Date{2024, 10, 11}, Kind: OverrideHoliday},
	}
	c := newCal(t, Config{})
	from := at(t, "2024-09-30 10:00")
	wantPlain, wantClosed := at(t, "2024-10-09 17:30"), at(t, "2024-10-14 17:30")
	if err := c.SetOverrides(closed); err != nil {
		t.Fatal(err)
	}
	if got := c.AddWorkingDays(from, 2); !got.Equal(wantClosed) {
		t.Fatalf("with closure: %s, want %s", got.Format(stamp), wantClosed.Format(stamp))
	}

	var stop atomic.Bool
	var sawPlain, sawClosed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				got := c.AddWorkingDays(from, 2)
				switch {
				case got.Equal(wantPlain):
					sawPlain.Add(1)
				case got.Equal(wantClosed):
					sawClosed.Add(1)
				default:
					t.Errorf("AddWorkingDays during swaps = %s", got.Format(stamp))
					return
				}
				if n := len(c.Overrides()); n != 0 && n != 4 {
					t.Errorf("Overrides() has %d entries, want 0 or 4", n)
				}
				_ = c.Days(2024)
				_ = c.WorkingDuration(from, got)
			}
		})
	}
	for i := range 300 {
		set := plain
		if i%2 == 1 {
			set = closed
		}
		if err := c.SetOverrides(set); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if sawPlain.Load() == 0 || sawClosed.Load() == 0 {
		t.Logf("readers saw plain %d times, closed %d times", sawPlain.Load(), sawClosed.Load())
	}
}
