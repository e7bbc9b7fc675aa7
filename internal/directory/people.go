package directory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/i18n"
)

// Person is someone who holds posts in organisations. The mobile number is personal
// data: masked in lists, shown in full on the person's page to admin and operators, and
// every such read is recorded.
type Person struct {
	ID     int64
	Name   string
	Mobile string
	Gender string
	// MobileMasked says Mobile is masked.
	MobileMasked bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// PersonInput is what creating or editing a person takes.
type PersonInput struct {
	Name    string `json:"name"`
	Mobile  string `json:"mobile,omitempty"`
	Gender  string `json:"gender,omitempty"`
	Version int64  `json:"-"`
}

// Post is a position a person holds (or held, when UntilOn is set) in an organisation.
type Post struct {
	ID         int64
	PersonID   int64
	PersonName string
	// PersonMobile is always masked.
	PersonMobile string
	OrgID        int64
	OrgName      string
	OrgKind      string
	Title        string
	SinceOn      string
	UntilOn      string
}

// Current reports whether the post is still held.
func (p Post) Current() bool { return p.UntilOn == "" }

// PostInput gives a person a post.
type PostInput struct {
	PersonID int64  `json:"person_id"`
	OrgID    int64  `json:"org_id"`
	Title    string `json:"title"`
	SinceOn  string `json:"since_on,omitempty"`
}

const maxTitle = 50

func (s *Service) checkPerson(in *PersonInput, v *apperr.Validation) {
	in.Name, in.Mobile, in.Gender = strings.TrimSpace(in.Name), strings.TrimSpace(in.Mobile), strings.TrimSpace(in.Gender)
	checkText(v, map[string]string{"name": in.Name})
	switch {
	case v.Has("name"):
	case in.Name == "":
		v.Add("name", "error.required")
	case utf8.RuneCountInString(in.Name) > maxPerson:
		v.Add("name", "error.too_long", "Max", maxPerson)
	}
	if in.Mobile != "" && !phoneRE.MatchString(in.Mobile) {
		v.Add("mobile", "error.phone_format")
	}
	if in.Gender != "" && !slices.Contains(Genders, in.Gender) {
		v.Add("gender", "error.choice")
	}
}

// CreatePerson adds a person (directory editors).
func (s *Service) CreatePerson(ctx context.Context, a auth.Actor, in PersonInput) (Person, error) {
	if !CanEditDirectory(a) {
		return Person{}, apperr.Forbidden()
	}
	var v apperr.Validation
	s.checkPerson(&in, &v)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.insertPerson(ctx, a, in)
		return err
	})
	if err != nil {
		return Person{}, err
	}
	return s.personByID(ctx, id)
}

func (s *Service) insertPerson(ctx context.Context, a auth.Actor, in PersonInput) (int64, error) {
	var id int64
	now := db.Millis(s.now())
	if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO people (name, mobile, gender, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, in.Name, in.Mobile, in.Gender, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("directory: insert person: %w", err)
	}
	return id, s.audit.Record(ctx, a, "person.create", "person", strconv.FormatInt(id, 10), audit.Change{After: in})
}

// UpdatePerson edits a person with optimistic concurrency (directory editors).
func (s *Service) UpdatePerson(ctx context.Context, a auth.Actor, id int64, in PersonInput) (Person, error) {
	if !CanEditDirectory(a) {
		if _, err := s.GetPerson(ctx, a, id); err != nil {
			return Person{}, err
		}
		return Person{}, apperr.Forbidden()
	}
	var v apperr.Validation
	s.checkPerson(&in, &v)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		old, err := s.personByID(ctx, id)
		if err != nil {
			return err
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE people SET name = $1, mobile = $2, gender = $3, updated_at = $4,
			version = version + 1 WHERE id = $5 AND version = $6`, in.Name, in.Mobile, in.Gender, db.Millis(s.now()), id, in.Version)
		if err != nil {
			return fmt.Errorf("directory: update person: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		before := PersonInput{Name: old.Name, Mobile: old.Mobile, Gender: old.Gender}
		return s.audit.Record(ctx, a, "person.update", "person", strconv.FormatInt(id, 10), audit.Change{Before: before, After: in})
	})
	if err != nil {
		return Person{}, err
	}
	return s.personByID(ctx, id)
}

const personColumns = `p.id, p.name, p.mobile, p.gender, p.created_at, p.updated_at, p.version`

func scanPerson(sc interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var c, u int64
	err := sc.Scan(&p.ID, &p.Name, &p.Mobile, &p.Gender, &c, &u, &p.Version)
	p.CreatedAt, p.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	return p, err
}

func (p *Person) mask() {
	if !p.MobileMasked {
		if p.Mobile != "" {
			p.Mobile = i18n.MaskPhone(p.Mobile)
		}
		p.MobileMasked = true
	}
}

func (s *Service) personByID(ctx context.Context, id int64) (Person, error) {
	p, err := scanPerson(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.id = $1`, id))
	if err != nil {
		if db.IsNoRows(err) {
			return Person{}, apperr.NotFound("person")
		}
		return Person{}, fmt.Errorf("directory: person: %w", err)
	}
	return p, nil
}

// GetPerson returns a person within the actor's scope, mobile masked.
func (s *Service) GetPerson(ctx context.Context, a auth.Actor, id int64) (Person, error) {
	if !a.Authenticated() {
		return Person{}, apperr.NotFound("person")
	}
	q := &sqlArgs{}
	where := "p.id = " + q.add(id)
	if sc := peopleScope(a, "p.id", q); sc != "" {
		where += " AND " + sc
	}
	p, err := scanPerson(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE `+where, q.args...))
	if err != nil {
		if db.IsNoRows(err) {
			return Person{}, apperr.NotFound("person")
		}
		return Person{}, fmt.Errorf("directory: person: %w", err)
	}
	p.mask()
	return p, nil
}

// ReadPerson returns the person's full record to admin and operators and records the
// read ("person.read"); others in scope get the masked record.
func (s *Service) ReadPerson(ctx context.Context, a auth.Actor, id int64) (Person, error) {
	masked, err := s.GetPerson(ctx, a, id)
	if err != nil || !seesAllPeople(a) {
		return masked, err
	}
	p, err := s.personByID(ctx, id)
	if err != nil {
		return Person{}, err
	}
	if err := s.audit.Record(ctx, a, "person.read", "person", strconv.FormatInt(id, 10), nil); err != nil {
		return Person{}, err
	}
	return p, nil
}

// PersonFilter selects people.
type PersonFilter struct {
	// Q matches part of the name, or the whole mobile number.
	Q string
	// OrgID keeps people with a current post in that organisation.
	OrgID int64
	// Sort is "name" (default) or "-name".
	Sort    string
	After   *Cursor
	Offset  int
	Limit   int
	NoCount bool
}

// ListPeople lists people in the actor's scope by name, mobiles masked.
func (s *Service) ListPeople(ctx context.Context, a auth.Actor, f PersonFilter) ([]Person, int, error) {
	if !a.Authenticated() {
		return nil, 0, apperr.Forbidden()
	}
	q := &sqlArgs{}
	var where []string
	if sc := peopleScope(a, "p.id", q); sc != "" {
		where = append(where, sc)
	}
	if t := cleanQuery(f.Q); t != "" {
		if phoneRE.MatchString(t) {
			where = append(where, "p.mobile = "+q.add(t))
		} else {
			where = append(where, `p.name LIKE `+q.add("%"+escapeLike(t)+"%")+` ESCAPE '\'`)
		}
	}
	if f.OrgID > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM posts po WHERE po.person_id = p.id AND po.org_id = "+q.add(f.OrgID)+" AND po.until_on = '')")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	total := 0
	if !f.NoCount {
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM people p`+cond, q.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("directory: count people: %w", err)
		}
	}
	dir, cmp := "", ">"
	switch f.Sort {
	case "", "name":
	case "-name":
		dir, cmp = " DESC", "<"
	default:
		return nil, 0, apperr.Invalid("sort", "error.choice")
	}
	if f.After != nil {
		c := "(p.name, p.id) " + cmp + " (" + q.add(f.After.Key) + ", " + q.add(f.After.ID) + ")"
		if cond == "" {
			cond = " WHERE " + c
		} else {
			cond += " AND " + c
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	sql := `SELECT ` + personColumns + ` FROM people p` + cond + ` ORDER BY p.name` + dir + `, p.id` + dir + ` LIMIT ` + strconv.Itoa(limit)
	if f.Offset > 0 && f.After == nil {
		sql += ` OFFSET ` + strconv.Itoa(f.Offset)
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, sql, q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("directory: list people: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, err
		}
		p.mask()
		out = append(out, p)
	}
	return out, total, rows.Err()
}

const postColumns = `ps.id, ps.person_id, p.name, p.mobile, ps.org_id, o.name, o.kind, ps.title, ps.since_on, ps.until_on`

func scanPost(sc interface{ Scan(...any) error }) (Post, error) {
	var p Post
	err := sc.Scan(&p.ID, &p.PersonID, &p.PersonName, &p.PersonMobile, &p.OrgID, &p.OrgName, &p.OrgKind, &p.Title, &p.SinceOn, &p.UntilOn)
	if p.PersonMobile != "" {
		p.PersonMobile = i18n.MaskPhone(p.PersonMobile)
	}
	return p, err
}

func (s *Service) queryPosts(ctx context.Context, where string, args ...any) ([]Post, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT `+postColumns+` FROM posts ps JOIN people p ON p.id = ps.person_id
		JOIN orgs o ON o.id = ps.org_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("directory: posts: %w", err)
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PostsOf lists a person's posts, current first. The organisations shown are limited to
// what the actor may see (another enterprise's post is left out).
func (s *Service) PostsOf(ctx context.Context, a auth.Actor, personID int64) ([]Post, error) {
	if _, err := s.GetPerson(ctx, a, personID); err != nil {
		return nil, err
	}
	q := &sqlArgs{}
	where := "ps.person_id = " + q.add(personID)
	if sc := enterpriseScope(a, "o.id", q); sc != "" {
		where += " AND (o.kind <> '" + auth.OrgEnterprise + "' OR " + sc + ")"
	}
	return s.queryPosts(ctx, where+` ORDER BY CASE WHEN ps.until_on = '' THEN 0 ELSE 1 END, ps.since_on DESC, ps.id LIMIT 200`, q.args...)
}

// OrgPosts lists the posts held in an organisation (current first), mobiles masked: of
// those who see the organisation, each sees the people their scope lets them see (an
// analyst none, a mediator those of its own organisation).
func (s *Service) OrgPosts(ctx context.Context, a auth.Actor, orgID int64, limit int) ([]Post, error) {
	if _, err := s.GetOrg(ctx, a, orgID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := &sqlArgs{}
	where := "ps.org_id = " + q.add(orgID)
	if sc := peopleScope(a, "p.id", q); sc != "" {
		where += " AND " + sc
	}
	return s.queryPosts(ctx, where+` ORDER BY CASE WHEN ps.until_on = '' THEN 0 ELSE 1 END, ps.since_on, ps.id LIMIT `+strconv.Itoa(limit), q.args...)
}

func (s *Service) checkPost(ctx context.Context, in *PostInput, v *apperr.Validation) error {
	in.Title = strings.TrimSpace(in.Title)
	checkText(v, map[string]string{"title": in.Title})
	switch {
	case v.Has("title"):
	case in.Title == "":
		v.Add("title", "error.required")
	case utf8.RuneCountInString(in.Title) > maxTitle:
		v.Add("title", "error.too_long", "Max", maxTitle)
	}
	if in.SinceOn = strings.TrimSpace(in.SinceOn); in.SinceOn != "" {
		if d, ok := ParseDate(in.SinceOn); !ok {
			v.Add("since_on", "error.date")
		} else if d > s.today() {
			v.Add("since_on", "error.dir.date_future")
		} else {
			in.SinceOn = d
		}
	}
	var one int
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM people WHERE id = $1`, in.PersonID).Scan(&one); db.IsNoRows(err) {
		v.Add("person_id", "error.person_unknown")
	} else if err != nil {
		return fmt.Errorf("directory: person: %w", err)
	}
	if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM orgs WHERE id = $1`, in.OrgID).Scan(&one); db.IsNoRows(err) {
		v.Add("org_id", "error.org_unknown")
	} else if err != nil {
		return fmt.Errorf("directory: org: %w", err)
	}
	return nil
}

// AddPost gives a person a post in an organisation (directory editors). A person may
// hold posts in several organisations.
func (s *Service) AddPost(ctx context.Context, a auth.Actor, in PostInput) (Post, error) {
	if !CanEditDirectory(a) {
		return Post{}, apperr.Forbidden()
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.addPost(ctx, a, in)
		return err
	})
	if err != nil {
		return Post{}, err
	}
	return s.postByID(ctx, id)
}

func (s *Service) addPost(ctx context.Context, a auth.Actor, in PostInput) (int64, error) {
	var v apperr.Validation
	if err := s.checkPost(ctx, &in, &v); err != nil {
		return 0, err
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	now := db.Millis(s.now())
	var id int64
	if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO posts (person_id, org_id, title, since_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, in.PersonID, in.OrgID, in.Title, in.SinceOn, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("directory: add post: %w", err)
	}
	return id, s.audit.Record(ctx, a, "post.create", "person", strconv.FormatInt(in.PersonID, 10), audit.Change{After: in})
}

func (s *Service) postByID(ctx context.Context, id int64) (Post, error) {
	ps, err := s.queryPosts(ctx, `ps.id = $1`, id)
	if err != nil {
		return Post{}, err
	}
	if len(ps) == 0 {
		return Post{}, apperr.NotFound("post")
	}
	return ps[0], nil
}

// EndPost records that a person left a post on untilOn (directory editors).
func (s *Service) EndPost(ctx context.Context, a auth.Actor, id int64, untilOn string) (Post, error) {
	if !CanEditDirectory(a) {
		return Post{}, apperr.Forbidden()
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.postByID(ctx, id)
		if err != nil {
			return err
		}
		if !p.Current() {
			return apperr.New(apperr.ErrConflict, "error.post_ended")
		}
		d, ok := ParseDate(untilOn)
		switch {
		case strings.TrimSpace(untilOn) == "":
			return apperr.Invalid("until_on", "error.required")
		case !ok:
			return apperr.Invalid("until_on", "error.date")
		case p.SinceOn != "" && d < p.SinceOn:
			return apperr.Invalid("until_on", "error.dir.date_before", "Date", p.SinceOn)
		case d > s.today():
			return apperr.Invalid("until_on", "error.dir.date_future")
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE posts SET until_on = $1, updated_at = $2 WHERE id = $3 AND until_on = ''`,
			d, db.Millis(s.now()), id)
		if err != nil {
			return fmt.Errorf("directory: end post: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "post.end", "person", strconv.FormatInt(p.PersonID, 10),
			audit.Change{After: map[string]any{"post_id": id, "org_id": p.OrgID, "title": p.Title, "until_on": d}})
	})
	if err != nil {
		return Post{}, err
	}
	return s.postByID(ctx, id)
}

// GetPost returns one post of a person the actor may see.
func (s *Service) GetPost(ctx context.Context, a auth.Actor, id int64) (Post, error) {
	p, err := s.postByID(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if _, err := s.GetPerson(ctx, a, p.PersonID); err != nil {
		return Post{}, apperr.NotFound("post")
	}
	return p, nil
}
