package appeal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
)

// Limit is a time limit in working days or working hours (one of the two): Days counts
// whole working days after the day of the start (due at the end of office hours), Hours
// counts office time (see package calendar).
type Limit struct {
	Days  int     `json:"days,omitempty"`
	Hours float64 `json:"hours,omitempty"`
}

// Due is the deadline of the limit for a clock started at start.
func (l Limit) Due(cal *calendar.Calendar, start time.Time) time.Time {
	if l.Hours > 0 {
		return ms(cal.AddWorkingHours(start, time.Duration(l.Hours*float64(time.Hour))))
	}
	return ms(cal.AddWorkingDays(start, l.Days))
}

func (l Limit) String() string {
	if l.Hours > 0 {
		return fmt.Sprintf("%gh", l.Hours)
	}
	return fmt.Sprintf("%dd", l.Days)
}

func (l Limit) validate(v *apperr.Validation, field string) {
	switch {
	case l.Days != 0 && l.Hours != 0:
		v.Add(field, "appeal.error.limit_one_unit")
	case l.Hours != 0:
		if _, err := calendar.WorkingHours(l.Hours); err != nil || l.Hours <= 0 {
			v.Add(field, "error.range", "Min", 0.5, "Max", 2000)
		}
	default:
		if calendar.ValidateWorkingDays(l.Days) != nil || l.Days < 1 {
			v.Add(field, "error.range", "Min", 1, "Max", 365)
		}
	}
}

// LimitSet holds the three limits; a nil limit means "not overridden here".
type LimitSet struct {
	Claim    *Limit `json:"claim,omitempty"`
	Handle   *Limit `json:"handle,omitempty"`
	Callback *Limit `json:"callback,omitempty"`
}

func (ls LimitSet) validate(v *apperr.Validation, prefix string) {
	for _, f := range []struct {
		name string
		l    *Limit
	}{{"claim", ls.Claim}, {"handle", ls.Handle}, {"callback", ls.Callback}} {
		if f.l != nil {
			f.l.validate(v, prefix+f.name)
		}
	}
}

// over returns ls with the limits that o sets replaced.
func (ls LimitSet) over(o LimitSet) LimitSet {
	if o.Claim != nil {
		ls.Claim = o.Claim
	}
	if o.Handle != nil {
		ls.Handle = o.Handle
	}
	if o.Callback != nil {
		ls.Callback = o.Callback
	}
	return ls
}

// District is a county-level division an appeal may be filed in.
type District struct {
	Code string `json:"code"` // GB/T 2260, e.g. 430104
	Name string `json:"name"`
}

// Settings are the loop's configuration, one JSON row in the settings table (key
// SettingsKey), edited by an administrator through UpdateSettings.
//
// The limits of an appeal are resolved in this order, each level replacing the limits it
// sets: Default → Kinds[kind] → the category's limits (its own over its parent's) →
// Urgent (for urgent appeals, the strictest word).
type Settings struct {
	Default   LimitSet          `json:"default"`
	Kinds     map[Kind]LimitSet `json:"kinds,omitempty"`
	Urgent    LimitSet          `json:"urgent"`
	Districts []District        `json:"districts"`
	// MaxExtensionDays caps one extension request.
	MaxExtensionDays int `json:"max_extension_days"`
}

// SettingsKey is the settings row that holds Settings.
const SettingsKey = "appeal.settings"

// DefaultSettings are product.md's defaults: claim within 1 working day (urgent: 2
// working hours), handle within 5 working days (urgent 1, consultation 2), callback
// within 2 working days of the reply; the districts of Changsha.
func DefaultSettings() Settings {
	return Settings{
		Default: LimitSet{Claim: &Limit{Days: 1}, Handle: &Limit{Days: 5}, Callback: &Limit{Days: 2}},
		Kinds:   map[Kind]LimitSet{KindConsultation: {Handle: &Limit{Days: 2}}},
		Urgent:  LimitSet{Claim: &Limit{Hours: 2}, Handle: &Limit{Days: 1}},
		Districts: []District{
			{"430102", "芙蓉区"}, {"430103", "天心区"}, {"430104", "岳麓区"}, {"430105", "开福区"}, {"430111", "雨花区"},
			{"430112", "望城区"}, {"430121", "长沙县"}, {"430181", "浏阳市"}, {"430182", "宁乡市"},
		},
		MaxExtensionDays: 15,
	}
}

// settingsTTL bounds how long a process trusts its copy: several processes share the
// database, so another one's change arrives within the TTL.
const settingsTTL = 10 * time.Second

// Settings returns the configuration in force.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	s.setMu.Lock()
	if s.settings != nil && time.Since(s.setAt) < settingsTTL {
		st := s.settings.clone()
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
		return st, fmt.Errorf("appeal: settings: %w", err)
	default:
		var stored Settings
		if err := json.Unmarshal([]byte(raw), &stored); err != nil {
			return st, fmt.Errorf("appeal: settings: %w", err)
		}
		st = stored.withDefaults()
	}
	cached := st.clone()
	s.setMu.Lock()
	s.settings, s.setAt = &cached, time.Now()
	s.setMu.Unlock()
	return st, nil
}

// clone copies st deeply enough that a caller may change it.
func (st Settings) clone() Settings {
	st.Kinds = maps.Clone(st.Kinds)
	st.Districts = slices.Clone(st.Districts)
	return st
}

// withDefaults fills what a stored row leaves out.
func (st Settings) withDefaults() Settings {
	d := DefaultSettings()
	st.Default = d.Default.over(st.Default)
	if st.Districts == nil {
		st.Districts = d.Districts
	}
	if st.MaxExtensionDays == 0 {
		st.MaxExtensionDays = d.MaxExtensionDays
	}
	return st
}

// UpdateSettings replaces the configuration (administrators: PermSettingsManage).
// Deadlines already set stay as they are; new clocks use the new limits.
func (s *Service) UpdateSettings(ctx context.Context, a auth.Actor, st Settings) error {
	if !a.IsSystem() && !a.Can(auth.PermSettingsManage) {
		return apperr.Forbidden()
	}
	var v apperr.Validation
	if st.Default.Claim == nil || st.Default.Handle == nil || st.Default.Callback == nil {
		v.Add("default", "appeal.error.limits_required")
	}
	st.Default.validate(&v, "default.")
	st.Urgent.validate(&v, "urgent.")
	for _, k := range slices.Sorted(maps.Keys(st.Kinds)) {
		if !slices.Contains(Kinds, k) {
			v.Add("kinds."+string(k), "error.choice")
			continue
		}
		st.Kinds[k].validate(&v, "kinds."+string(k)+".")
	}
	if len(st.Districts) == 0 {
		v.Add("districts", "error.required")
	}
	seen := map[string]bool{}
	for i, d := range st.Districts {
		f := fmt.Sprintf("districts.%d", i)
		switch {
		case !isDistrictCode(d.Code):
			v.Add(f+".code", "appeal.error.district_code")
		case seen[d.Code]:
			v.Add(f+".code", "appeal.error.district_duplicate")
		}
		seen[d.Code] = true
		if strings.TrimSpace(d.Name) == "" || utf8.RuneCountInString(d.Name) > 30 {
			v.Add(f+".name", "error.required")
		}
	}
	if st.MaxExtensionDays < 1 || st.MaxExtensionDays > 60 {
		v.Add("max_extension_days", "error.range", "Min", 1, "Max", 60)
	}
	if err := v.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	old, _ := s.Settings(ctx)
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			SettingsKey, string(b), db.Millis(s.now()), nullID(a.UserID))
		if err != nil {
			return fmt.Errorf("appeal: save settings: %w", err)
		}
		return s.audit.Record(ctx, a, "appeal.settings", "settings", SettingsKey, audit.Change{Before: old, After: st})
	})
	if err != nil {
		return err
	}
	s.setMu.Lock()
	s.settings = nil
	s.setMu.Unlock()
	return nil
}

func isDistrictCode(c string) bool {
	if len(c) != 6 {
		return false
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ResolvedLimits are the three limits that apply to one appeal.
type ResolvedLimits struct {
	Claim, Handle, Callback Limit
}

// Limits resolves the limits of an appeal of kind in category with priority (see
// Settings for the order).
func (s *Service) Limits(ctx context.Context, kind Kind, categoryID int64, priority Priority) (ResolvedLimits, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return ResolvedLimits{}, err
	}
	ls := st.Default.over(st.Kinds[kind])
	// The category's chain, root first, so a child's limits win over its parent's.
	var chain []LimitSet
	id := categoryID
	for depth := 0; id != 0 && depth < maxCategoryDepth; depth++ {
		var parent any
		var raw string
		err := s.row(ctx, categoryLimitsSQL, id).Scan(&parent, &raw)
		if err != nil {
			return ResolvedLimits{}, fmt.Errorf("appeal: category limits: %w", db.NoRows(err, "category"))
		}
		var cl LimitSet
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &cl); err != nil {
				return ResolvedLimits{}, fmt.Errorf("appeal: category %d limits: %w", id, err)
			}
		}
		chain = append([]LimitSet{cl}, chain...)
		id = anyInt(parent)
	}
	for _, cl := range chain {
		ls = ls.over(cl)
	}
	if priority == PriorityUrgent {
		ls = ls.over(st.Urgent)
	}
	return ResolvedLimits{Claim: *ls.Claim, Handle: *ls.Handle, Callback: *ls.Callback}, nil
}

const categoryLimitsSQL = `SELECT parent_id, limits FROM appeal_categories WHERE id = $1`

func anyInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// clockRun is one running (or paused) clock of an appeal.
type clockRun struct {
	clock Clock
	sla   calendar.SLA
}

// clocks returns the clocks that run in the appeal's state: claim and handle from the
// dispatch until the lead signs for it, then handle until the reply (both paused while a
// return waits for the operator), then callback until the first callback after the reply.
func clocks(ap *Appeal) []clockRun {
	switch ap.State {
	case StateDispatched:
		return []clockRun{{ClockClaim, ap.Claim}, {ClockHandle, ap.Handle}}
	case StateReturned:
		if ap.ReturnFrom == StateDispatched {
			return []clockRun{{ClockClaim, ap.Claim}, {ClockHandle, ap.Handle}}
		}
		return []clockRun{{ClockHandle, ap.Handle}}
	case StateInProgress, StateExtensionRequested:
		return []clockRun{{ClockHandle, ap.Handle}}
	case StateReplied:
		if ap.CallbackAt.Before(ap.RepliedAt) {
			return []clockRun{{ClockCallback, ap.Callback}}
		}
	}
	return nil
}

var levelRank = map[Level]int{"": 0, calendar.LevelGreen: 1, calendar.LevelYellow: 2, calendar.LevelRed: 3}

// yellowAt is the instant at which the working time used reaches calendar.WarnAt of the
// limit's budget (completed pauses taken out), rounded up to the stored millisecond.
func (s *Service) yellowAt(sla calendar.SLA) time.Time {
	total := s.cal.WorkingDuration(sla.Start, sla.Due) - sla.Paused
	if total <= 0 {
		return sla.Due
	}
	target := sla.Paused + (total*4+4)/5 // ≥ 80%, never below by rounding
	t := s.cal.AddWorkingHours(sla.Start, target)
	if r := t.Truncate(time.Millisecond); !r.Equal(t) {
		t = r.Add(time.Millisecond)
	}
	return t.UTC()
}

// refreshSLA sets the appeal's colour, governing clock and next alert time at now.
//
// After a move (swept false) a clock already yellow or red asks for a sweep at once
// (next alert = now): the move does not know whether that alert went out, and the
// sweep's unique alert keys make sure it goes out exactly once. After a sweep (swept
// true) the next alert is the next threshold still ahead: the 80% point, then the due
// time (red from the first millisecond after it), then none.
func (s *Service) refreshSLA(ap *Appeal, now time.Time, swept bool) {
	ap.SLALevel, ap.SLAClock, ap.SLADue, ap.NextAlertAt = "", "", time.Time{}, time.Time{}
	for _, r := range clocks(ap) {
		l := s.cal.SLALevel(r.sla, now)
		if levelRank[l] > levelRank[ap.SLALevel] {
			ap.SLALevel = l
		}
		if ap.SLADue.IsZero() || r.sla.Due.Before(ap.SLADue) {
			ap.SLADue, ap.SLAClock = r.sla.Due, r.clock
		}
		if r.sla.IsPaused() {
			continue
		}
		var next time.Time
		switch {
		case l == calendar.LevelGreen:
			next = s.yellowAt(r.sla)
		case !swept:
			next = now
		case l == calendar.LevelYellow:
			next = r.sla.Due.Add(time.Millisecond)
		}
		if !next.IsZero() && (ap.NextAlertAt.IsZero() || next.Before(ap.NextAlertAt)) {
			ap.NextAlertAt = next
		}
	}
}
