package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

// TaskState is where a proactive task stands.
type TaskState string

// Task states.
const (
	TaskOpen       TaskState = "open"       // detected, waiting for an operator
	TaskDispatched TaskState = "dispatched" // an appeal of channel proactive went to a department
	TaskDismissed  TaskState = "dismissed"  // not a common problem, with a note
)

// TaskStates in display order.
var TaskStates = []TaskState{TaskOpen, TaskDispatched, TaskDismissed}

// Task is a common problem (共性问题) raised for proactive handling (未诉先办).
type Task struct {
	ID           int64
	CategoryID   int64
	CategoryName string
	CategoryCode string
	DistrictCode string // the district most of its appeals come from
	Title        string // the first appeal's title
	Enterprises  int    // distinct enterprises
	Appeals      int
	FirstAt      time.Time
	LastAt       time.Time
	State        TaskState
	AppealID     int64 // the appeal created at dispatch
	AppealNumber string
	Note         string
	DetectedAt   time.Time
	UpdatedAt    time.Time
	Version      int64
	Members      []Member // filled by Task, not by Tasks
	Districts    []string // the districts of the members, most frequent first (Task only)
}

// Member is one appeal of a task's cluster.
type Member struct {
	AppealID       int64
	Number         string
	Title          string
	EnterpriseName string
	DistrictCode   string
	State          appeal.State
	CreatedAt      time.Time
	Similarity     int // percent, to the cluster's first appeal
}

// DetectResult says what a detection run did.
type DetectResult struct {
	Scanned  int // appeals of the window not yet in a task
	Created  int // new tasks
	Attached int // appeals added to open tasks
}

// maxDetectScan bounds the appeals one detection reads (the newest of the window).
const maxDetectScan = 50_000

type candidate struct {
	id, cat   int64
	district  string
	title     string
	entKey    string
	createdAt int64
	sig       search.Sig
}

func enterpriseKey(org int64, code, name string) string {
	switch {
	case org != 0:
		return "org:" + strconv.FormatInt(org, 10)
	case code != "":
		return "code:" + code
	}
	return "name:" + strings.TrimSpace(name)
}

// Detect looks for common problems among the appeals filed in the last WindowDays days
// that belong to no task yet (merged, rejected and proactive appeals left out): within
// a category, each appeal joins the first cluster whose first appeal it resembles (text
// similarity ≥ Similarity percent), else starts a cluster. An appeal that resembles the
// first appeal of an open task of its category joins that task instead. A cluster from
// at least MinEnterprises distinct enterprises becomes an open task. Runs as job
// JobDetect every hour; an appeal belongs to one task at most (unique index), so two
// runs at once cannot raise the same problem twice.
func (s *Service) Detect(ctx context.Context) (DetectResult, error) {
	var res DetectResult
	st, err := s.Settings(ctx)
	if err != nil {
		return res, err
	}
	now := s.now()
	since := now.AddDate(0, 0, -st.WindowDays)
	threshold := float64(st.Similarity) / 100
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		rows, err := q.QueryContext(ctx, `SELECT a.id, a.category_id, a.district_code, a.title, a.body, COALESCE(a.enterprise_org_id, 0),
			a.credit_code, a.enterprise_name, a.created_at FROM appeals a
			WHERE a.created_at >= $1 AND a.state NOT IN ('merged', 'rejected') AND a.channel <> $2
			AND NOT EXISTS (SELECT 1 FROM stats_proactive_members m WHERE m.appeal_id = a.id)
			ORDER BY a.created_at DESC, a.id DESC LIMIT $3`, db.Millis(since), string(appeal.ChannelProactive), maxDetectScan)
		if err != nil {
			return fmt.Errorf("stats: detect: %w", err)
		}
		var cands []candidate
		for rows.Next() {
			var c candidate
			var body, code, name string
			var org int64
			if err := rows.Scan(&c.id, &c.cat, &c.district, &c.title, &body, &org, &code, &name, &c.createdAt); err != nil {
				rows.Close()
				return err
			}
			c.entKey = enterpriseKey(org, code, name)
			c.sig = search.Signature(c.title, body)
			cands = append(cands, c)
		}
		if err := db.RowsErr(rows); err != nil {
			return err
		}
		res.Scanned = len(cands)
		slices.SortFunc(cands, func(x, y candidate) int {
			return cmp.Or(cmp.Compare(x.cat, y.cat), cmp.Compare(x.createdAt, y.createdAt), cmp.Compare(x.id, y.id))
		})
		open, err := s.openTaskLeaders(ctx)
		if err != nil {
			return err
		}
		type cluster struct {
			lead    candidate
			members []candidate
			sims    []int
		}
		var clusters []*cluster
		byCat := map[int64][]*cluster{}
		attached := map[int64][]int64{} // task → appeals added
		for _, c := range cands {
			joined := false
			for _, t := range open[c.cat] {
				if sim := search.Similarity(c.sig, t.sig); sim >= threshold {
					if err := s.addMember(ctx, t.id, c, sim); err != nil {
						return err
					}
					attached[t.id] = append(attached[t.id], c.id)
					res.Attached++
					joined = true
					break
				}
			}
			if joined {
				continue
			}
			for _, cl := range byCat[c.cat] {
				if sim := search.Similarity(c.sig, cl.lead.sig); sim >= threshold {
					cl.members = append(cl.members, c)
					cl.sims = append(cl.sims, pct(sim))
					joined = true
					break
				}
			}
			if !joined {
				cl := &cluster{lead: c, members: []candidate{c}, sims: []int{100}}
				byCat[c.cat] = append(byCat[c.cat], cl)
				clusters = append(clusters, cl)
			}
		}
		for id, ids := range attached {
			if err := s.refreshTask(ctx, id); err != nil {
				return err
			}
			if err := s.audit.Record(ctx, auth.System(), "stats.proactive.grow", "proactive_task", strconv.FormatInt(id, 10),
				audit.Change{After: map[string]any{"appeals": ids}}); err != nil {
				return err
			}
		}
		for _, cl := range clusters {
			ents := map[string]bool{}
			for _, m := range cl.members {
				ents[m.entKey] = true
			}
			if len(ents) < st.MinEnterprises {
				continue
			}
			var id int64
			err := q.QueryRowContext(ctx, `INSERT INTO stats_proactive_tasks (category_id, district_code, title, enterprises, appeals,
				first_at, last_at, state, detected_at, updated_at) VALUES ($1, $2, $3, 0, 0, 0, 0, $4, $5, $5) RETURNING id`,
				cl.lead.cat, cl.lead.district, clip(cl.lead.title, 100), string(TaskOpen), db.Millis(now)).Scan(&id)
			if err != nil {
				return fmt.Errorf("stats: new task: %w", err)
			}
			ids := make([]int64, 0, len(cl.members))
			for i, m := range cl.members {
				if _, err := q.ExecContext(ctx, `INSERT INTO stats_proactive_members (task_id, appeal_id, enterprise_key, similarity) VALUES ($1, $2, $3, $4)`,
					id, m.id, m.entKey, cl.sims[i]); err != nil {
					return fmt.Errorf("stats: task member: %w", err)
				}
				ids = append(ids, m.id)
			}
			if err := s.refreshTask(ctx, id); err != nil {
				return err
			}
			if err := s.audit.Record(ctx, auth.System(), "stats.proactive.detect", "proactive_task", strconv.FormatInt(id, 10),
				audit.Change{After: map[string]any{"category_id": cl.lead.cat, "title": cl.lead.title, "enterprises": len(ents), "appeals": ids}}); err != nil {
				return err
			}
			res.Created++
		}
		return nil
	})
	return res, err
}

func pct(f float64) int { return int(f*100 + 0.5) }

type taskLeader struct {
	id  int64
	sig search.Sig
}

// openTaskLeaders are the open tasks by category with the text of their first appeal.
func (s *Service) openTaskLeaders(ctx context.Context) (map[int64][]taskLeader, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.category_id, a.title, a.body FROM stats_proactive_tasks t
		JOIN appeals a ON a.id = (SELECT m.appeal_id FROM stats_proactive_members m JOIN appeals x ON x.id = m.appeal_id
			WHERE m.task_id = t.id ORDER BY x.created_at, x.id LIMIT 1)
		WHERE t.state = $1 ORDER BY t.id`, string(TaskOpen))
	if err != nil {
		return nil, fmt.Errorf("stats: open tasks: %w", err)
	}
	out := map[int64][]taskLeader{}
	for rows.Next() {
		var id, cat int64
		var title, body string
		if err := rows.Scan(&id, &cat, &title, &body); err != nil {
			rows.Close()
			return nil, err
		}
		out[cat] = append(out[cat], taskLeader{id: id, sig: search.Signature(title, body)})
	}
	return out, db.RowsErr(rows)
}

func (s *Service) addMember(ctx context.Context, task int64, c candidate, sim float64) error {
	_, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO stats_proactive_members (task_id, appeal_id, enterprise_key, similarity) VALUES ($1, $2, $3, $4)`,
		task, c.id, c.entKey, pct(sim))
	if err != nil {
		return fmt.Errorf("stats: task member: %w", err)
	}
	return nil
}

// refreshTask recounts a task's enterprises, appeals, time span and main district from
// its members.
func (s *Service) refreshTask(ctx context.Context, id int64) error {
	q := s.db.Q(ctx)
	var ents, n int
	var first, last int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT m.enterprise_key), COUNT(*), MIN(a.created_at), MAX(a.created_at)
		FROM stats_proactive_members m JOIN appeals a ON a.id = m.appeal_id WHERE m.task_id = $1`, id).Scan(&ents, &n, &first, &last)
	if err != nil {
		return fmt.Errorf("stats: task counts: %w", err)
	}
	var district string
	err = q.QueryRowContext(ctx, `SELECT a.district_code FROM stats_proactive_members m JOIN appeals a ON a.id = m.appeal_id
		WHERE m.task_id = $1 GROUP BY a.district_code ORDER BY COUNT(*) DESC, a.district_code LIMIT 1`, id).Scan(&district)
	if err != nil {
		return fmt.Errorf("stats: task district: %w", err)
	}
	_, err = q.ExecContext(ctx, `UPDATE stats_proactive_tasks SET enterprises = $1, appeals = $2, first_at = $3, last_at = $4,
		district_code = $5, updated_at = $6 WHERE id = $7`, ents, n, first, last, district, db.Millis(s.now()), id)
	return err
}

func (s *Service) checkProactive(a auth.Actor, write bool) error {
	if !CanHandleProactive(a) || !a.ScopeAllows("stats", write) {
		return apperr.Forbidden()
	}
	return nil
}

const taskCols = `t.id, t.category_id, COALESCE(c.name, ''), COALESCE(c.code, ''), t.district_code, t.title, t.enterprises, t.appeals,
	t.first_at, t.last_at, t.state, COALESCE(t.appeal_id, 0), COALESCE(ap.number, ''), t.note, t.detected_at, t.updated_at, t.version`

const taskFrom = ` FROM stats_proactive_tasks t LEFT JOIN appeal_categories c ON c.id = t.category_id LEFT JOIN appeals ap ON ap.id = t.appeal_id`

func scanTask(sc interface{ Scan(...any) error }) (Task, error) {
	var t Task
	var first, last, det, upd int64
	err := sc.Scan(&t.ID, &t.CategoryID, &t.CategoryName, &t.CategoryCode, &t.DistrictCode, &t.Title, &t.Enterprises, &t.Appeals,
		&first, &last, &t.State, &t.AppealID, &t.AppealNumber, &t.Note, &det, &upd, &t.Version)
	t.FirstAt, t.LastAt, t.DetectedAt, t.UpdatedAt = db.FromMillis(first), db.FromMillis(last), db.FromMillis(det), db.FromMillis(upd)
	return t, err
}

// TaskFilter selects tasks; pages go by id, newest first.
type TaskFilter struct {
	State   TaskState // empty: every state
	AfterID int64     // the last id of the previous page
	Limit   int       // default 50, at most 200
}

// TaskPage is one page of tasks.
type TaskPage struct {
	Items   []Task
	NextID  int64 // 0 when this is the last page
	Counts  map[TaskState]int
	Unknown bool
}

// Tasks lists the proactive tasks (operators).
func (s *Service) Tasks(ctx context.Context, a auth.Actor, f TaskFilter) (TaskPage, error) {
	if err := s.checkProactive(a, false); err != nil {
		return TaskPage{}, err
	}
	if f.State != "" && !slices.Contains(TaskStates, f.State) {
		return TaskPage{}, apperr.Invalid("state", "error.choice")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	q := `SELECT ` + taskCols + taskFrom + ` WHERE 1 = 1`
	var args []any
	if f.State != "" {
		args = append(args, string(f.State))
		q += fmt.Sprintf(` AND t.state = $%d`, len(args))
	}
	if f.AfterID > 0 {
		args = append(args, f.AfterID)
		q += fmt.Sprintf(` AND t.id < $%d`, len(args))
	}
	args = append(args, f.Limit+1)
	q += fmt.Sprintf(` ORDER BY t.id DESC LIMIT $%d`, len(args))
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return TaskPage{}, fmt.Errorf("stats: tasks: %w", err)
	}
	var p TaskPage
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return TaskPage{}, err
		}
		p.Items = append(p.Items, t)
	}
	if err := db.RowsErr(rows); err != nil {
		return TaskPage{}, err
	}
	if len(p.Items) > f.Limit {
		p.Items = p.Items[:f.Limit]
		p.NextID = p.Items[f.Limit-1].ID
	}
	p.Counts = map[TaskState]int{}
	rows, err = s.db.RQ(ctx).QueryContext(ctx, `SELECT state, COUNT(*) FROM stats_proactive_tasks GROUP BY state`)
	if err != nil {
		return TaskPage{}, fmt.Errorf("stats: task counts: %w", err)
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return TaskPage{}, err
		}
		p.Counts[TaskState(st)] = n
	}
	return p, db.RowsErr(rows)
}

// maxMembers bounds the members a task shows.
const maxMembers = 500

// Task returns one task with its members (operators).
func (s *Service) Task(ctx context.Context, a auth.Actor, id int64) (Task, error) {
	if err := s.checkProactive(a, false); err != nil {
		return Task{}, err
	}
	t, err := scanTask(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+taskCols+taskFrom+` WHERE t.id = $1`, id))
	if db.IsNoRows(err) {
		return Task{}, apperr.NotFound("proactive_task")
	}
	if err != nil {
		return Task{}, fmt.Errorf("stats: task: %w", err)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT a.id, a.number, a.title, a.enterprise_name, a.district_code, a.state, a.created_at, m.similarity
		FROM stats_proactive_members m JOIN appeals a ON a.id = m.appeal_id WHERE m.task_id = $1 ORDER BY a.created_at, a.id LIMIT $2`, id, maxMembers)
	if err != nil {
		return Task{}, fmt.Errorf("stats: task members: %w", err)
	}
	count := map[string]int{}
	for rows.Next() {
		var m Member
		var at int64
		if err := rows.Scan(&m.AppealID, &m.Number, &m.Title, &m.EnterpriseName, &m.DistrictCode, &m.State, &at, &m.Similarity); err != nil {
			rows.Close()
			return Task{}, err
		}
		m.CreatedAt = db.FromMillis(at)
		t.Members = append(t.Members, m)
		if count[m.DistrictCode] == 0 {
			t.Districts = append(t.Districts, m.DistrictCode)
		}
		count[m.DistrictCode]++
	}
	if err := db.RowsErr(rows); err != nil {
		return Task{}, err
	}
	slices.SortStableFunc(t.Districts, func(x, y string) int { return cmp.Compare(count[y], count[x]) })
	return t, nil
}

// DispatchTaskInput is what an operator sends a common problem out with.
type DispatchTaskInput struct {
	Version         int64
	LeadOrgID       int64 // default: the category's default department
	Kind            appeal.Kind
	Title           string
	Body            string
	ContactName     string
	ContactPhone    string
	EnterpriseLabel string // the enterprise snapshot of the new appeal (e.g. 共性问题：6家企业)
}

// DefaultDispatch is the form an operator starts from: the category's department, a
// title and a body that list the cluster's appeals.
func (s *Service) DefaultDispatch(ctx context.Context, a auth.Actor, t Task) DispatchTaskInput {
	in := DispatchTaskInput{Version: t.Version, Kind: appeal.KindAppeal, Title: clip("【未诉先办】"+t.Title, appeal.MaxTitle)}
	if c, err := s.appeal.Category(ctx, a, t.CategoryID); err == nil {
		in.LeadOrgID = c.DefaultDeptID
	}
	var b strings.Builder
	fmt.Fprintf(&b, "共性问题：%d 家企业在 %s 至 %s 期间反映同类问题（%s）。", t.Enterprises,
		DayOf(t.FirstAt).String(), DayOf(t.LastAt).String(), t.CategoryName)
	b.WriteString("请主动对接相关企业，未诉先办。相关诉求：")
	for i, m := range t.Members {
		if i == 30 {
			fmt.Fprintf(&b, "等 %d 件", len(t.Members))
			break
		}
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(m.Number)
	}
	b.WriteString("。")
	in.Body = b.String()
	if name := strings.TrimSpace(a.Name); name != "" {
		in.ContactName = name
	}
	var phone string
	if a.UserID != 0 {
		_ = s.db.RQ(ctx).QueryRowContext(ctx, `SELECT phone FROM users WHERE id = $1`, a.UserID).Scan(&phone)
	}
	in.ContactPhone = phone
	return in
}

// DispatchTask turns an open task into an appeal (operators): in one transaction it files
// an appeal of channel proactive (the enterprise a snapshot naming the common problem,
// the contact the operator's), accepts it, dispatches it to LeadOrgID (the category's
// default department unless chosen) and marks the task dispatched with a link to it.
// Field errors name the form's fields (title, body, contact_name, contact_phone,
// lead_org_id, kind).
func (s *Service) DispatchTask(ctx context.Context, a auth.Actor, id int64, in DispatchTaskInput) (Task, error) {
	if err := s.checkProactive(a, true); err != nil {
		return Task{}, err
	}
	t, err := s.Task(ctx, a, id)
	if err != nil {
		return Task{}, err
	}
	if t.Version != in.Version {
		return Task{}, apperr.Conflict()
	}
	if t.State != TaskOpen {
		return Task{}, apperr.New(apperr.ErrIllegalMove, "stats.error.task_not_open")
	}
	if in.Kind == "" {
		in.Kind = appeal.KindAppeal
	}
	if in.LeadOrgID == 0 {
		var v apperr.Validation
		v.Add("lead_org_id", "error.required")
		return Task{}, v.Err()
	}
	label := strings.TrimSpace(in.EnterpriseLabel)
	if label == "" {
		label = fmt.Sprintf("共性问题：%d家企业", t.Enterprises)
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE stats_proactive_tasks SET state = $1, updated_at = $2, decided_by = $3, version = version + 1
			WHERE id = $4 AND version = $5 AND state = $6`, string(TaskDispatched), db.Millis(s.now()), nullID(a.UserID), id, in.Version, string(TaskOpen))
		if err != nil {
			return fmt.Errorf("stats: dispatch task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		ap, err := s.appeal.Create(ctx, a, appeal.NewAppeal{Kind: in.Kind, Channel: appeal.ChannelProactive, CategoryID: t.CategoryID,
			Title: in.Title, Body: in.Body, DistrictCode: t.DistrictCode, EnterpriseName: label,
			ContactName: in.ContactName, ContactPhone: in.ContactPhone})
		if err != nil {
			return err
		}
		ap, err = s.appeal.Accept(ctx, a, ap.ID, ap.Version, "未诉先办")
		if err != nil {
			return err
		}
		ap, err = s.appeal.Dispatch(ctx, a, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: in.LeadOrgID})
		if err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE stats_proactive_tasks SET appeal_id = $1 WHERE id = $2`, ap.ID, id); err != nil {
			return fmt.Errorf("stats: link task: %w", err)
		}
		return s.audit.Record(ctx, a, "stats.proactive.dispatch", "proactive_task", strconv.FormatInt(id, 10), audit.Change{
			Before: map[string]any{"state": t.State}, After: map[string]any{"state": TaskDispatched, "appeal": ap.Number, "lead_org_id": in.LeadOrgID}})
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, a, id)
}

// MaxNote bounds a dismissal note.
const MaxNote = 500

// DismissTask closes an open task that is not a common problem (operators), with a note.
func (s *Service) DismissTask(ctx context.Context, a auth.Actor, id, version int64, note string) (Task, error) {
	if err := s.checkProactive(a, true); err != nil {
		return Task{}, err
	}
	t, err := s.Task(ctx, a, id)
	if err != nil {
		return Task{}, err
	}
	if t.Version != version {
		return Task{}, apperr.Conflict()
	}
	if t.State != TaskOpen {
		return Task{}, apperr.New(apperr.ErrIllegalMove, "stats.error.task_not_open")
	}
	note = strings.TrimSpace(note)
	switch n := utf8.RuneCountInString(note); {
	case n == 0:
		return Task{}, apperr.Invalid("note", "error.required")
	case n > MaxNote:
		return Task{}, apperr.Invalid("note", "error.too_long", "Max", MaxNote)
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE stats_proactive_tasks SET state = $1, note = $2, updated_at = $3, decided_by = $4, version = version + 1
			WHERE id = $5 AND version = $6 AND state = $7`, string(TaskDismissed), note, db.Millis(s.now()), nullID(a.UserID), id, version, string(TaskOpen))
		if err != nil {
			return fmt.Errorf("stats: dismiss task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "stats.proactive.dismiss", "proactive_task", strconv.FormatInt(id, 10), audit.Change{
			Before: map[string]any{"state": t.State}, After: map[string]any{"state": TaskDismissed}, Note: note})
	})
	if err != nil {
		return Task{}, err
	}
	return s.Task(ctx, a, id)
}
