package calendar

import (
	"sync"
	"time"
)

// Clock tells the time. Services take a Clock instead of calling time.Now so
// that tests, and browser tests driving a real server, can move time forward
// and watch deadlines turn yellow and red without sleeping.
type Clock interface {
	Now() time.Time
}

// RealClock is the system clock.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

// TestClock is a Clock that only moves when told to. It is safe for
// concurrent use (a test moves it while server goroutines read it).
type TestClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewTestClock starts a TestClock at t.
func NewTestClock(t time.Time) *TestClock { return &TestClock{now: t} }

func (c *TestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forwards or backwards.
func (c *TestClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock by d and returns the new time.
func (c *TestClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
