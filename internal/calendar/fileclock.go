package calendar

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// FileClock is the real clock moved by an offset read from a file. It is a TEST-ONLY
// control: the browser tests run the real binary on the real clock, and to see a deadline
// pass (an appeal turning red, the sweep alerting) without sleeping they write an offset
// into the file (yingshang serve --fake-clock-file PATH, which the binary refuses unless
// YINGSHANG_TEST_CLOCK=1). The file holds a Go duration ("0", "170h30m", "-1h"); a missing
// or empty file means no offset. The file is read again whenever its size or modification
// time changes, so a write takes effect at the next Now; content that does not parse
// keeps the previous offset.
type FileClock struct {
	path string

	mu     sync.Mutex
	size   int64
	mod    time.Time
	seen   bool
	offset time.Duration
}

// NewFileClock reads path once and returns the clock; content that does not parse is an
// error here (and only kept aside later).
func NewFileClock(path string) (*FileClock, error) {
	c := &FileClock{path: path}
	if _, err := c.read(); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseOffset reads the file's content: a Go duration, blank for none.
func ParseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("calendar: clock offset %q: %w", s, err)
	}
	return d, nil
}

// read refreshes the offset if the file changed; the caller holds no lock.
func (c *FileClock) read() (time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fi, err := os.Stat(c.path)
	if os.IsNotExist(err) {
		c.seen, c.offset = false, 0
		return 0, nil
	}
	if err != nil {
		return c.offset, err
	}
	if c.seen && fi.Size() == c.size && fi.ModTime().Equal(c.mod) {
		return c.offset, nil
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c.offset, err
	}
	d, err := ParseOffset(string(b))
	if err != nil {
		return c.offset, err
	}
	c.seen, c.size, c.mod, c.offset = true, fi.Size(), fi.ModTime(), d
	return d, nil
}

// Now is the real time plus the file's offset.
func (c *FileClock) Now() time.Time {
	d, _ := c.read()
	return time.Now().Add(d)
}

// Offset is the offset in force.
func (c *FileClock) Offset() time.Duration {
	d, _ := c.read()
	return d
}
