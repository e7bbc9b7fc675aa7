package appeal

import (
	"context"
	"fmt"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/jobs"
)

// JobSweep is the kind of the periodic deadline sweep.
const JobSweep = "appeal.sweep"

// SweepEvery is how often the sweep runs.
const SweepEvery = time.Minute

// RegisterJobs registers the deadline sweep with the queue: a periodic job, once per
// minute across all processes (the queue's slot key), that calls Sweep.
func (s *Service) RegisterJobs(q *jobs.Queue) {
	q.Handle(JobSweep, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.Sweep(ctx)
		return err
	})
	q.Every(JobSweep, SweepEvery)
}

// SweepResult says what a sweep did.
type SweepResult struct {
	Checked  int // appeals whose next alert time had come
	Warnings int // yellow alerts sent
	Overdue  int // red alerts sent
}

// sweepBatch is how many due appeals one query takes; a sweep takes batches until none is
// left, each appeal in its own short transaction.
const sweepBatch = 200

// Sweep finds the appeals whose next alert time has come (index appeals_next_alert),
// recomputes their colour, sends the warning (80% of the working time used) or overdue
// alert of every running clock that reached it, and sets the next alert time. An alert is
// keyed by (appeal, clock, level, deadline) in appeal_alerts, so it goes out exactly once
// however many processes sweep at the same time and however often; a deadline that moves
// (an extension, a return refused) can alert again.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.now()
	var lastAt, lastID int64
	for {
		rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT id, next_alert_at FROM appeals WHERE next_alert_at <= $1
			AND (next_alert_at, id) > ($2, $3) ORDER BY next_alert_at, id LIMIT `+fmt.Sprint(sweepBatch), db.Millis(now), lastAt, lastID)
		if err != nil {
			return res, fmt.Errorf("appeal: sweep: %w", err)
		}
		var ids []int64
		for rows.Next() {
			if err := rows.Scan(&lastID, &lastAt); err != nil {
				rows.Close()
				return res, err
			}
			ids = append(ids, lastID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
		if len(ids) == 0 {
			return res, nil
		}
		for _, id := range ids {
			w, o, err := s.sweepOne(ctx, id, now)
			switch {
			case err == nil:
				res.Warnings += w
				res.Overdue += o
			case !apperrConflict(err):
				return res, err
			}
			res.Checked++
		}
	}
}

func apperrConflict(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.ErrConflict
}

// sweepOne handles one appeal in its own transaction. The row is re-read inside it and
// written back only if its next alert time is still the one that brought it here: a
// move, or another process's sweep, that changed it in between wins.
func (s *Service) sweepOne(ctx context.Context, id int64, now time.Time) (warned, overdue int, err error) {
	sys := auth.System()
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		warned, overdue = 0, 0
		ap, err := s.loadForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if ap.NextAlertAt.IsZero() || ap.NextAlertAt.After(now) {
			return nil // someone else got here first
		}
		prev := ap
		for _, r := range clocks(&ap) {
			if r.sla.IsPaused() {
				continue
			}
			l := s.cal.SLALevel(r.sla, now)
			if l != calendar.LevelYellow && l != calendar.LevelRed {
				continue
			}
			res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO appeal_alerts (appeal_id, clock, level, due, at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, id, string(r.clock), string(l), db.Millis(r.sla.Due), db.Millis(now))
			if err != nil {
				return fmt.Errorf("appeal: alert: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // sent before
			}
			action, key := ActSLAWarning, "appeal.notify."+string(r.clock)+"_warning"
			if l == calendar.LevelRed {
				action, key = ActSLAOverdue, "appeal.notify."+string(r.clock)+"_overdue"
				overdue++
			} else {
				warned++
			}
			data := map[string]any{"clock": r.clock, "due": fmtTime(r.sla.Due)}
			if err := s.addEvent(ctx, sys, Event{AppealID: id, At: now, Action: action, From: ap.State, To: ap.State, Data: data}); err != nil {
				return err
			}
			if err := s.notifyAll(ctx, appealEvent{ID: fmt.Sprintf("appeal:%d:%s:%s:%d", id, r.clock, l, db.Millis(r.sla.Due)),
				Key: key, Appeal: ap, Args: map[string]any{"Due": fmtTime(r.sla.Due)},
				To: s.alertRecipients(ctx, ap, r.clock, l)}); err != nil {
				return err
			}
		}
		s.refreshSLA(&ap, now, true)
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeals SET sla_level = $1, sla_clock = $2, sla_due = $3, next_alert_at = $4
			WHERE id = $5 AND next_alert_at = $6`, string(ap.SLALevel), string(ap.SLAClock), db.Millis(ap.SLADue), nullMillis(ap.NextAlertAt),
			id, db.Millis(prev.NextAlertAt))
		if err != nil {
			return fmt.Errorf("appeal: sweep update: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		if err := s.syncPartDue(ctx, id, ap.SLADue); err != nil {
			return err
		}
		if warned+overdue == 0 && prev.SLALevel == ap.SLALevel {
			return nil
		}
		return s.audit.Record(ctx, sys, "appeal.sla", "appeal", idStr(id), audit.Change{
			Before: map[string]any{"level": prev.SLALevel}, After: map[string]any{"level": ap.SLALevel, "warnings": warned, "overdue": overdue}})
	})
	return warned, overdue, err
}

func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.Millis(t)
}

// alertRecipients: a warning goes to whoever must act (the lead department for claim and
// handle, the operators for the callback); overdue also reaches the operators and, for
// the handle clock, the leaders supervising the appeal.
func (s *Service) alertRecipients(ctx context.Context, ap Appeal, c Clock, l Level) []recipient {
	var to []recipient
	switch c {
	case ClockClaim, ClockHandle:
		if ap.LeadOrgID != 0 {
			to = append(to, toDept(ap.LeadOrgID))
		}
		if l == calendar.LevelRed {
			to = append(to, toOperators())
			if c == ClockHandle {
				if ids, err := s.leadersOf(ctx, ap.ID); err == nil {
					for _, id := range ids {
						to = append(to, toUser(id))
					}
				}
			}
		}
	case ClockCallback:
		to = append(to, toOperators())
	}
	return to
}
