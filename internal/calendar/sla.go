package calendar

import "time"

// WarnAt is the share of the working time after which a limit shows yellow.
const WarnAt = 0.8

// Level is the SLA colour of a running time limit.
type Level string

const (
	LevelGreen  Level = "green"
	LevelYellow Level = "yellow" // at least WarnAt of the working time used
	LevelRed    Level = "red"    // past due
)

// Progress is the share of the working time between start and due that has
// elapsed at now: 0 before start, 1 at due, above 1 when overdue. When start
// and due enclose no office time at all the limit is all-or-nothing: 0 before
// due, 1 from due on.
func (c *Calendar) Progress(start, due, now time.Time) float64 {
	total := c.WorkingDuration(start, due)
	if total <= 0 {
		if now.Before(due) {
			return 0
		}
		return 1
	}
	elapsed := max(c.WorkingDuration(start, now), 0)
	return float64(elapsed) / float64(total)
}

// Level is red once now is past due (in real time: a limit due at 17:30 is
// overdue at 18:00 although no office time has passed), yellow from WarnAt
// of the working time, green before.
func (c *Calendar) Level(start, due, now time.Time) Level {
	return c.level(c.Progress(start, due, now), now.After(due))
}

func (c *Calendar) level(progress float64, overdue bool) Level {
	switch {
	case overdue:
		return LevelRed
	case progress >= WarnAt:
		return LevelYellow
	}
	return LevelGreen
}

// Remaining is the working time left until due: negative once overdue, and
// the amount by which the limit is exceeded.
func (c *Calendar) Remaining(due, now time.Time) time.Duration {
	return c.WorkingDuration(now, due)
}

// SLA is a time limit that can be paused, e.g. while an appeal waits for the
// enterprise to supply documents. The caller stores the four fields (four
// columns) and passes them back; the Calendar holds no state per limit.
//
// While paused the clock is frozen at PausedAt. Resume moves Due later by the
// working time the pause lasted and adds that to Paused, so Due always says
// when the limit really expires and Progress still measures the original
// budget: progress = (working time since Start - Paused) / (working time
// from Start to Due - Paused).
type SLA struct {
	Start    time.Time     `json:"start"`
	Due      time.Time     `json:"due"`
	PausedAt time.Time     `json:"paused_at,omitzero"` // zero while running
	Paused   time.Duration `json:"paused"`             // working time of completed pauses
}

// IsPaused reports whether the clock is stopped.
func (s SLA) IsPaused() bool { return !s.PausedAt.IsZero() }

// now is the instant the limit is measured at: frozen while paused.
func (s SLA) now(now time.Time) time.Time {
	if s.IsPaused() {
		return s.PausedAt
	}
	return now
}

// Pause stops the clock at at; pausing a paused limit changes nothing.
func (c *Calendar) Pause(s SLA, at time.Time) SLA {
	if !s.IsPaused() {
		s.PausedAt = at
	}
	return s
}

// Resume restarts the clock at at, extending Due by the working time of the
// pause (none if at is not after PausedAt); resuming a running limit changes
// nothing.
func (c *Calendar) Resume(s SLA, at time.Time) SLA {
	if !s.IsPaused() {
		return s
	}
	p := max(c.WorkingDuration(s.PausedAt, at), 0)
	s.Due = c.AddWorkingHours(s.Due, p)
	s.Paused += p
	s.PausedAt = time.Time{}
	return s
}

// SLARemaining is the working time left (negative when overdue), frozen
// while paused.
func (c *Calendar) SLARemaining(s SLA, now time.Time) time.Duration {
	return c.Remaining(s.Due, s.now(now))
}

// SLAProgress is Progress with completed pauses taken out, frozen while paused.
func (c *Calendar) SLAProgress(s SLA, now time.Time) float64 {
	at := s.now(now)
	total := c.WorkingDuration(s.Start, s.Due) - s.Paused
	if total <= 0 {
		if at.Before(s.Due) {
			return 0
		}
		return 1
	}
	elapsed := max(c.WorkingDuration(s.Start, at)-s.Paused, 0)
	return float64(elapsed) / float64(total)
}

// SLALevel is Level for a pausable limit: a paused limit keeps the colour it
// had when paused.
func (c *Calendar) SLALevel(s SLA, now time.Time) Level {
	at := s.now(now)
	return c.level(c.SLAProgress(s, now), at.After(s.Due))
}
