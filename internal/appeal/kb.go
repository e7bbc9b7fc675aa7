package appeal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Article is an entry of the operators' knowledge base: a standard answer that an
// operator can give at once (直接答复) instead of dispatching.
type Article struct {
	ID         int64
	CategoryID int64
	Title      string
	Answer     string
	Active     bool
	UseCount   int64
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// ArticleInput creates or edits an article.
type ArticleInput struct {
	CategoryID int64
	Title      string
	Answer     string
	Active     bool
	Version    int64 // for UpdateArticle
}

// ArticleFilter selects articles.
type ArticleFilter struct {
	CategoryID int64
	Q          string // in the title or the answer
	// ActiveOnly hides retired articles.
	ActiveOnly bool
	// BeforeID is the cursor: articles with a smaller id (the list is newest first).
	BeforeID int64
	Limit    int
}

func canReadKB(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(auth.RoleOperator, auth.RoleAdmin, auth.RoleDepartment)
}

func canEditKB(a auth.Actor) bool {
	return a.IsSystem() || a.HasAny(auth.RoleOperator, auth.RoleAdmin)
}

const articleCols = `id, COALESCE(category_id, 0), title, answer, active, use_count, COALESCE(created_by, 0), created_at, updated_at, version`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var ar Article
	var c, u int64
	err := sc.Scan(&ar.ID, &ar.CategoryID, &ar.Title, &ar.Answer, &ar.Active, &ar.UseCount, &ar.CreatedBy, &c, &u, &ar.Version)
	ar.CreatedAt, ar.UpdatedAt = db.FromMillis(c), db.FromMillis(u)
	return ar, err
}

// Articles lists the knowledge base, newest first (operators, administrators and
// departments read it).
func (s *Service) Articles(ctx context.Context, a auth.Actor, f ArticleFilter) ([]Article, error) {
	if !canReadKB(a) || !a.ScopeAllows("appeals", false) {
		return nil, apperr.Forbidden()
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.CategoryID != 0 {
		add("category_id = ?", f.CategoryID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		add(`(title LIKE ? ESCAPE '\' OR answer LIKE ? ESCAPE '\')`, "%"+escapeLike(q)+"%")
	}
	if f.ActiveOnly {
		where = append(where, "active = TRUE")
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT ` + articleCols + ` FROM kb_articles`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("appeal: articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		ar, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ar)
	}
	return out, rows.Err()
}

// Article returns one article.
func (s *Service) Article(ctx context.Context, a auth.Actor, id int64) (Article, error) {
	if !canReadKB(a) || !a.ScopeAllows("appeals", false) {
		return Article{}, apperr.NotFound("kb_article")
	}
	return s.article(ctx, id)
}

func (s *Service) article(ctx context.Context, id int64) (Article, error) {
	ar, err := scanArticle(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+articleCols+` FROM kb_articles WHERE id = $1`, id))
	if db.IsNoRows(err) {
		return Article{}, apperr.NotFound("kb_article")
	}
	if err != nil {
		return Article{}, fmt.Errorf("appeal: article: %w", err)
	}
	return ar, nil
}

func (s *Service) validateArticle(ctx context.Context, in *ArticleInput) error {
	var v apperr.Validation
	in.Title = strings.TrimSpace(in.Title)
	in.Answer = strings.TrimSpace(in.Answer)
	if in.Title == "" {
		v.Add("title", "error.required")
	} else if utf8.RuneCountInString(in.Title) > MaxTitle {
		v.Add("title", "error.too_long", "Max", MaxTitle)
	}
	if in.Answer == "" {
		v.Add("answer", "error.required")
	} else if utf8.RuneCountInString(in.Answer) > MaxBody {
		v.Add("answer", "error.too_long", "Max", MaxBody)
	}
	if in.CategoryID != 0 {
		var one int
		if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT 1 FROM appeal_categories WHERE id = $1`, in.CategoryID).Scan(&one); err != nil {
			v.Add("category_id", "appeal.error.category_unknown")
		}
	}
	return v.Err()
}

// CreateArticle adds an article (operators and administrators).
func (s *Service) CreateArticle(ctx context.Context, a auth.Actor, in ArticleInput) (Article, error) {
	if !canEditKB(a) || !a.ScopeAllows("appeals", true) {
		return Article{}, apperr.Forbidden()
	}
	if err := s.validateArticle(ctx, &in); err != nil {
		return Article{}, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO kb_articles (category_id, title, answer, active, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, nullID(in.CategoryID), in.Title, in.Answer, in.Active, nullID(a.UserID), now).Scan(&id); err != nil {
			return fmt.Errorf("appeal: insert article: %w", err)
		}
		return s.audit.Record(ctx, a, "kb.create", "kb_article", idStr(id), audit.Change{After: in})
	})
	if err != nil {
		return Article{}, err
	}
	return s.article(ctx, id)
}

// UpdateArticle edits an article with optimistic concurrency (operators and administrators).
func (s *Service) UpdateArticle(ctx context.Context, a auth.Actor, id int64, in ArticleInput) (Article, error) {
	if !canEditKB(a) || !a.ScopeAllows("appeals", true) {
		return Article{}, apperr.Forbidden()
	}
	old, err := s.article(ctx, id)
	if err != nil {
		return Article{}, err
	}
	if err := s.validateArticle(ctx, &in); err != nil {
		return Article{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE kb_articles SET category_id = $1, title = $2, answer = $3, active = $4,
			updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`,
			nullID(in.CategoryID), in.Title, in.Answer, in.Active, db.Millis(s.now()), id, in.Version)
		if err != nil {
			return fmt.Errorf("appeal: update article: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "kb.update", "kb_article", idStr(id), audit.Change{Before: old, After: in})
	})
	if err != nil {
		return Article{}, err
	}
	return s.article(ctx, id)
}

// DeleteArticle removes an article (operators and administrators). Appeals answered
// from it keep their answer text; their link to the article is cleared.
func (s *Service) DeleteArticle(ctx context.Context, a auth.Actor, id, version int64) error {
	if !canEditKB(a) || !a.ScopeAllows("appeals", true) {
		return apperr.Forbidden()
	}
	old, err := s.article(ctx, id)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		// SQLite enforces ON DELETE SET NULL only with foreign keys on (they are);
		// clear explicitly so both engines behave the same without relying on it.
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeals SET kb_article_id = NULL WHERE kb_article_id = $1`, id); err != nil {
			return fmt.Errorf("appeal: unlink article: %w", err)
		}
		res, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM kb_articles WHERE id = $1 AND version = $2`, id, version)
		if err != nil {
			return fmt.Errorf("appeal: delete article: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		return s.audit.Record(ctx, a, "kb.delete", "kb_article", idStr(id), audit.Change{Before: old})
	})
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
