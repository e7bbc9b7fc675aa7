package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
)

// Deps are what the statistics need, wired by internal/app.
type Deps struct {
	DB       *db.DB
	Audit    *audit.Log
	Appeal   *appeal.Service
	Calendar *calendar.Calendar
	Clock    calendar.Clock
	Logger   *slog.Logger
}

// Service computes the assessment, the hot spots and the proactive tasks.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	appeal *appeal.Service
	cal    *calendar.Calendar
	clock  calendar.Clock
	log    *slog.Logger

	setMu    sync.Mutex
	settings *Settings
	setAt    time.Time

	sums rollupCache // the ranking's and the hot spots' sums, as of a roll-up version
}

// New builds the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = calendar.RealClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Calendar == nil {
		d.Calendar = calendar.Default()
	}
	return &Service{db: d.DB, audit: d.Audit, appeal: d.Appeal, cal: d.Calendar, clock: d.Clock, log: d.Logger}
}

func (s *Service) now() time.Time { return s.clock.Now() }

// viewerRoles may read the assessment and the hot spots (aggregates).
var viewerRoles = []auth.Role{auth.RoleOperator, auth.RoleAdmin, auth.RoleAnalyst, auth.RoleLeader, auth.RoleDepartment}

// CanView reports whether the actor may read the assessment and the hot spots.
func CanView(a auth.Actor) bool { return a.IsSystem() || a.HasAny(viewerRoles...) }

// CanHandleProactive reports whether the actor works the proactive tasks (operators).
func CanHandleProactive(a auth.Actor) bool { return a.IsSystem() || a.Has(auth.RoleOperator) }

// CanManageSettings reports whether the actor may change the weights and thresholds.
func CanManageSettings(a auth.Actor) bool { return a.IsSystem() || a.Can(auth.PermSettingsManage) }

func (s *Service) checkView(a auth.Actor) error {
	if !CanView(a) || !a.ScopeAllows("stats", false) {
		return apperr.Forbidden()
	}
	return nil
}

// Settings are the assessment's weights and the thresholds of the hot spots and of the
// common-problem detector. They live in the settings row SettingsKey.
type Settings struct {
	// Weights of the composite score, in percent; they sum to 100.
	WeightResponse     int `json:"weight_response"`
	WeightResolution   int `json:"weight_resolution"`
	WeightSatisfaction int `json:"weight_satisfaction"`
	// A common problem: at least MinEnterprises distinct enterprises, same category,
	// similar text, within WindowDays days.
	MinEnterprises int `json:"min_enterprises"`
	WindowDays     int `json:"window_days"`
	// Similarity is the least text similarity (percent) of a cluster's member to its first
	// appeal.
	Similarity int `json:"similarity"`
	// A surge: a category × district whose week has at least SurgeMin appeals and grew by
	// at least SurgePercent over the week before.
	SurgePercent int `json:"surge_percent"`
	SurgeMin     int `json:"surge_min"`
}

// SettingsKey is the settings row that holds Settings.
const SettingsKey = "stats.settings"

// DefaultSettings: weights 30/35/35, 5 enterprises within 14 days at 50% similarity,
// surges of +50% with at least 5 appeals a week.
func DefaultSettings() Settings {
	return Settings{WeightResponse: 30, WeightResolution: 35, WeightSatisfaction: 35,
		MinEnterprises: 5, WindowDays: 14, Similarity: 50, SurgePercent: 50, SurgeMin: 5}
}

const settingsTTL = 10 * time.Second

// Settings returns the settings in force.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	s.setMu.Lock()
	if s.settings != nil && time.Since(s.setAt) < settingsTTL {
		st := *s.settings
		s.setMu.Unlock()
		return st, nil
	}
	s.setMu.Unlock()
	st := DefaultSettings()
	var raw string
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, SettingsKey).Scan(&raw)
	switch {
	case db.IsNoRows(err):
	case err != nil:
		return st, fmt.Errorf("stats: settings: %w", err)
	default:
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return DefaultSettings(), fmt.Errorf("stats: settings: %w", err)
		}
	}
	s.setMu.Lock()
	cp := st
	s.settings, s.setAt = &cp, time.Now()
	s.setMu.Unlock()
	return st, nil
}

// Validate checks the settings; field names are the JSON names.
func (st Settings) Validate() error {
	var v apperr.Validation
	for _, w := range []struct {
		f string
		n int
	}{{"weight_response", st.WeightResponse}, {"weight_resolution", st.WeightResolution}, {"weight_satisfaction", st.WeightSatisfaction}} {
		if w.n < 0 || w.n > 100 {
			v.Add(w.f, "error.range", "Min", 0, "Max", 100)
		}
	}
	if !v.Has("weight_response") && !v.Has("weight_resolution") && !v.Has("weight_satisfaction") &&
		st.WeightResponse+st.WeightResolution+st.WeightSatisfaction != 100 {
		v.Add("weight_satisfaction", "stats.error.weights_sum", "Sum", st.WeightResponse+st.WeightResolution+st.WeightSatisfaction)
	}
	rng := func(f string, n, lo, hi int) {
		if n < lo || n > hi {
			v.Add(f, "error.range", "Min", lo, "Max", hi)
		}
	}
	rng("min_enterprises", st.MinEnterprises, 2, 100)
	rng("window_days", st.WindowDays, 1, 90)
	rng("similarity", st.Similarity, 10, 100)
	rng("surge_percent", st.SurgePercent, 10, 1000)
	rng("surge_min", st.SurgeMin, 1, 10000)
	return v.Err()
}

// UpdateSettings replaces the settings (administrators: PermSettingsManage), audited.
func (s *Service) UpdateSettings(ctx context.Context, a auth.Actor, st Settings) error {
	if !CanManageSettings(a) || !a.ScopeAllows("stats", true) {
		return apperr.Forbidden()
	}
	if err := st.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	old, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			SettingsKey, string(b), db.Millis(s.now()), nullID(a.UserID))
		if err != nil {
			return fmt.Errorf("stats: save settings: %w", err)
		}
		return s.audit.Record(ctx, a, "stats.settings", "settings", SettingsKey, audit.Change{Before: old, After: st})
	})
	if err != nil {
		return err
	}
	s.setMu.Lock()
	s.settings = nil
	s.setMu.Unlock()
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
