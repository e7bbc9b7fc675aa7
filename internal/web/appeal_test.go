package web

import (
	"net/url"
	"testing"

	"yingshang/internal/appeal"
)

func TestCountText(t *testing.T) {
	for _, c := range []struct {
		n      int
		capped bool
		want   string
	}{{0, false, "0"}, {999, false, "999"}, {1234, false, "1,234"}, {10000, true, "10,000+"}} {
		if got := countText(c.n, c.capped); got != c.want {
			t.Errorf("countText(%d, %v) = %q, want %q", c.n, c.capped, got, c.want)
		}
	}
}

// Progress bars come in steps of 5 (the .w-0 … .w-100 classes), never past 100.
func TestPct5(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want int
	}{{-0.2, 0}, {0, 0}, {0.024, 0}, {0.026, 5}, {0.5, 50}, {0.83, 85}, {0.99, 100}, {1, 100}, {3.7, 100}} {
		if got := pct5(c.f); got != c.want || got%5 != 0 {
			t.Errorf("pct5(%v) = %d, want %d", c.f, got, c.want)
		}
	}
}

// A queue's entry is current on its queue only; the page's own entry on the page and
// below it.
func TestNavActive(t *testing.T) {
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	for _, c := range []struct {
		href, path, query string
		want              bool
	}{
		{"/appeals", "/appeals", "", true},
		{"/appeals", "/appeals/ZQ20260302000001", "", true},
		{"/appeals", "/appealsx", "", false},
		{"/appeals?queue=red", "/appeals", "queue=red&sort=due", true},
		{"/appeals?queue=red", "/appeals", "queue=submitted", false},
		{"/appeals?queue=red", "/appeals/ZQ20260302000001", "queue=red", false},
		{"/", "/appeals", "", false},
	} {
		if got := navActive(c.href, c.path, q(c.query)); got != c.want {
			t.Errorf("navActive(%q, %q, %q) = %v, want %v", c.href, c.path, c.query, got, c.want)
		}
	}
}

func TestDefaultQueue(t *testing.T) {
	op := []appeal.Queue{appeal.QueueSubmitted, appeal.QueueAccepted, appeal.QueueAll}
	dept := []appeal.Queue{appeal.QueueDeptToClaim, appeal.QueueDeptHandling}
	for _, c := range []struct {
		query  string
		queues []appeal.Queue
		want   appeal.Queue
	}{
		{"", op, appeal.QueueSubmitted},
		{"queue=accepted", op, appeal.QueueAccepted},
		{"dept=12&from=2026-03-01", op, appeal.QueueAll},
		{"dept=12", dept, appeal.QueueDeptToClaim},
		{"queue=red&dept=12", op, appeal.QueueRed},
	} {
		v, _ := url.ParseQuery(c.query)
		if got := defaultQueue(v, c.queues); got != c.want {
			t.Errorf("defaultQueue(%q) = %s, want %s", c.query, got, c.want)
		}
	}
}
