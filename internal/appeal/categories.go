package appeal

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// Category is a node of the dispatch catalogue (派单目录).
type Category struct {
	ID            int64
	Code          string // "utilities", "utilities.power"
	Name          string
	NameEN        string
	ParentID      int64
	DefaultDeptID int64 // the department an operator is offered first at dispatch
	Limits        LimitSet
	Active        bool
	SortOrder     int
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// CategoryInput creates or edits a category.
type CategoryInput struct {
	Code          string
	Name          string
	NameEN        string
	ParentID      int64
	DefaultDeptID int64
	Limits        LimitSet
	Active        bool
	SortOrder     int
	Version       int64 // for UpdateCategory
}

// maxCategoryDepth bounds the tree (and the walks up it).
const maxCategoryDepth = 4

var categoryCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

const categoryCols = `id, code, name, name_en, COALESCE(parent_id, 0), COALESCE(default_dept_id, 0), limits, active, sort_order, created_at, updated_at, version`

func scanCategory(sc interface{ Scan(...any) error }) (Category, error) {
	var c Category
	var raw string
	var created, updated, sort int64
	if err := sc.Scan(&c.ID, &c.Code, &c.Name, &c.NameEN, &c.ParentID, &c.DefaultDeptID, &raw, &c.Active, &sort, &created, &updated, &c.Version); err != nil {
		return c, err
	}
	c.SortOrder = int(sort)
	c.CreatedAt, c.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	if raw != "" && raw != "{}" {
		if err := json.Unmarshal([]byte(raw), &c.Limits); err != nil {
			return c, fmt.Errorf("appeal: category %d limits: %w", c.ID, err)
		}
	}
	return c, nil
}

// Categories returns the whole tree, parents before children, siblings by sort order.
// Every signed-in user may read it (intake forms need it); inactive ones only when asked.
func (s *Service) Categories(ctx context.Context, a auth.Actor, includeInactive bool) ([]Category, error) {
	q := `SELECT ` + categoryCols + ` FROM appeal_categories`
	if !includeInactive {
		q += ` WHERE active = TRUE`
	}
	q += ` ORDER BY sort_order, id`
	rows, err := s.db.RQ(ctx).QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("appeal: categories: %w", err)
	}
	defer rows.Close()
	var all []Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return treeOrder(all), nil
}

// treeOrder puts parents first, each followed by its children (depth first).
func treeOrder(all []Category) []Category {
	children := map[int64][]Category{}
	ids := map[int64]bool{}
	for _, c := range all {
		ids[c.ID] = true
	}
	for _, c := range all {
		p := c.ParentID
		if !ids[p] {
			p = 0 // an inactive parent was filtered out: show the child at the top
		}
		children[p] = append(children[p], c)
	}
	out := make([]Category, 0, len(all))
	var walk func(p int64, depth int)
	walk = func(p int64, depth int) {
		if depth > maxCategoryDepth {
			return
		}
		for _, c := range children[p] {
			out = append(out, c)
			walk(c.ID, depth+1)
		}
	}
	walk(0, 0)
	return out
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, a auth.Actor, id int64) (Category, error) {
	c, err := scanCategory(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+categoryCols+` FROM appeal_categories WHERE id = $1`, id))
	if db.IsNoRows(err) {
		return Category{}, apperr.NotFound("appeal_category")
	}
	return c, err
}

// CategoryByCode returns one category by its code (Open311's service_code), from the
// catalogue this process keeps (CatalogueTTL).
func (s *Service) CategoryByCode(ctx context.Context, a auth.Actor, code string) (Category, error) {
	return s.categoryFor(ctx, 0, code)
}

func canManageCatalogue(a auth.Actor) bool { return a.IsSystem() || a.Can(auth.PermSettingsManage) }

func (s *Service) validateCategory(ctx context.Context, in *CategoryInput, selfID int64) error {
	var v apperr.Validation
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	if !categoryCodeRE.MatchString(in.Code) || len(in.Code) > 60 {
		v.Add("code", "appeal.error.category_code")
	}
	if in.Name == "" {
		v.Add("name", "error.required")
	} else if utf8.RuneCountInString(in.Name) > 30 {
		v.Add("name", "error.too_long", "Max", 30)
	}
	if utf8.RuneCountInString(in.NameEN) > 60 {
		v.Add("name_en", "error.too_long", "Max", 60)
	}
	if in.ParentID != 0 {
		depth := 1
		for id := in.ParentID; id != 0; depth++ {
			if id == selfID && selfID != 0 {
				v.Add("parent_id", "appeal.error.category_cycle")
				break
			}
			if depth >= maxCategoryDepth {
				v.Add("parent_id", "appeal.error.category_depth", "Max", maxCategoryDepth)
				break
			}
			var parent any
			if err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT parent_id FROM appeal_categories WHERE id = $1`, id).Scan(&parent); err != nil {
				v.Add("parent_id", "appeal.error.category_unknown")
				break
			}
			id = anyInt(parent)
		}
	}
	if in.DefaultDeptID != 0 {
		if kind, _, _, err := s.orgInfo(ctx, in.DefaultDeptID); err != nil || !slices.Contains(handlerKinds, kind) {
			v.Add("default_dept_id", "appeal.error.department")
		}
	}
	in.Limits.validate(&v, "limits.")
	if in.SortOrder < 0 || in.SortOrder > 1_000_000 {
		v.Add("sort_order", "error.range", "Min", 0, "Max", 1_000_000)
	}
	return v.Err()
}

func limitsJSON(ls LimitSet) string {
	b, _ := json.Marshal(ls)
	return string(b)
}

// CreateCategory adds a category (administrators).
func (s *Service) CreateCategory(ctx context.Context, a auth.Actor, in CategoryInput) (Category, error) {
	if !canManageCatalogue(a) {
		return Category{}, apperr.Forbidden()
	}
	if err := s.validateCategory(ctx, &in, 0); err != nil {
		return Category{}, err
	}
	var id int64
	now := db.Millis(s.now())
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO appeal_categories (code, name, name_en, parent_id, default_dept_id, limits, active, sort_order, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			in.Code, in.Name, in.NameEN, nullID(in.ParentID), nullID(in.DefaultDeptID), limitsJSON(in.Limits), in.Active, in.SortOrder, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", "appeal.error.category_code_taken")
		}
		if err != nil {
			return fmt.Errorf("appeal: insert category: %w", err)
		}
		s.forgetCatalogue(ctx)
		return s.audit.Record(ctx, a, "appeal.category_create", "appeal_category", idStr(id), audit.Change{After: in})
	})
	if err != nil {
		return Category{}, err
	}
	return s.Category(ctx, a, id)
}

// UpdateCategory edits a category with optimistic concurrency (administrators). A
// category is never deleted (appeals refer to it); set Active false to retire it.
func (s *Service) UpdateCategory(ctx context.Context, a auth.Actor, id int64, in CategoryInput) (Category, error) {
	if !canManageCatalogue(a) {
		return Category{}, apperr.Forbidden()
	}
	old, err := s.Category(ctx, a, id)
	if err != nil {
		return Category{}, err
	}
	if err := s.validateCategory(ctx, &in, id); err != nil {
		return Category{}, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeal_categories SET code = $1, name = $2, name_en = $3, parent_id = $4,
			default_dept_id = $5, limits = $6, active = $7, sort_order = $8, updated_at = $9, version = version + 1
			WHERE id = $10 AND version = $11`,
			in.Code, in.Name, in.NameEN, nullID(in.ParentID), nullID(in.DefaultDeptID), limitsJSON(in.Limits), in.Active, in.SortOrder,
			db.Millis(s.now()), id, in.Version)
		if db.IsUniqueViolation(err) {
			return apperr.Invalid("code", "appeal.error.category_code_taken")
		}
		if err != nil {
			return fmt.Errorf("appeal: update category: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict()
		}
		s.forgetCatalogue(ctx)
		return s.audit.Record(ctx, a, "appeal.category_update", "appeal_category", idStr(id), audit.Change{Before: old, After: in})
	})
	if err != nil {
		return Category{}, err
	}
	return s.Category(ctx, a, id)
}

// DefaultCategory is one node of the catalogue that EnsureDefaults seeds.
type DefaultCategory struct {
	Code, Name, NameEN, Parent string
}

// DefaultCategories is the catalogue of product.md with a few children per branch. The
// codes match the demo city's (internal/demo/citydata), which also names each one's
// usual department.
var DefaultCategories = []DefaultCategory{
	{"policy", "政策咨询", "Policy enquiries", ""},
	{"policy.subsidy", "惠企奖补兑现", "Subsidy payments", "policy"},
	{"policy.tech", "科技创新政策", "Innovation policy", "policy"},
	{"policy.trade", "商贸外资政策", "Trade and foreign investment policy", "policy"},
	{"approval", "行政审批", "Administrative approval", ""},
	{"approval.license", "证照办理", "Licences and permits", "approval"},
	{"approval.construction", "工程建设审批", "Construction permits", "approval"},
	{"approval.environment", "环评审批", "Environmental assessment", "approval"},
	{"finance", "融资信贷", "Financing and credit", ""},
	{"finance.loan", "贷款融资", "Loans", "finance"},
	{"finance.credit", "征信服务", "Credit reporting", "finance"},
	{"land", "用地规划", "Land and planning", ""},
	{"land.supply", "用地供应", "Land supply", "land"},
	{"land.planning", "规划许可", "Planning permission", "land"},
	{"utilities", "水电气网", "Utilities", ""},
	{"utilities.power", "用电", "Electricity", "utilities"},
	{"utilities.water", "用水", "Water", "utilities"},
	{"utilities.gas", "用气", "Gas", "utilities"},
	{"utilities.network", "网络通信", "Telecoms", "utilities"},
	{"labour", "人才用工", "Talent and employment", ""},
	{"labour.recruit", "招聘用工", "Recruitment", "labour"},
	{"labour.talent", "人才政策", "Talent policy", "labour"},
	{"labour.insurance", "社保医保", "Social and medical insurance", "labour"},
	{"tax", "税费", "Taxes and fees", ""},
	{"tax.refund", "退税减免", "Tax refunds and relief", "tax"},
	{"tax.fee", "涉企收费", "Charges on enterprises", "tax"},
	{"ip", "知识产权", "Intellectual property", ""},
	{"ip.patent", "专利商标", "Patents and trademarks", "ip"},
	{"ip.secret", "商业秘密保护", "Trade secrets", "ip"},
	{"market", "市场监管", "Market regulation", ""},
	{"market.registration", "登记注册", "Business registration", "market"},
	{"market.quality", "质量标准", "Quality and standards", "market"},
	{"market.competition", "不正当竞争", "Unfair competition", "market"},
	{"arrears", "拖欠账款", "Overdue payments", ""},
	{"arrears.government", "政府部门拖欠", "Owed by government bodies", "arrears"},
	{"arrears.soe", "国有企业拖欠", "Owed by state-owned enterprises", "arrears"},
	{"arrears.project", "工程款拖欠", "Unpaid construction work", "arrears"},
	{"enforcement", "涉企执法", "Enforcement affecting enterprises", ""},
	{"enforcement.inspection", "涉企检查", "Inspections", "enforcement"},
	{"enforcement.penalty", "行政处罚", "Administrative penalties", "enforcement"},
	{"legal", "法律纠纷", "Legal disputes", ""},
	{"legal.contract", "合同纠纷", "Contract disputes", "legal"},
	{"legal.labour", "劳动争议", "Labour disputes", "legal"},
	{"legal.execution", "执行难", "Enforcement of judgments", "legal"},
	{"other", "其他", "Other", ""},
}

// EnsureDefaults seeds the default catalogue: every category of DefaultCategories whose
// code is missing is added (existing ones, possibly edited by an administrator, are left
// alone). Safe to run at every start and from several processes at once. It reports how
// many categories it added.
func (s *Service) EnsureDefaults(ctx context.Context) (int, error) {
	added := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := db.Millis(s.now())
		ids := map[string]int64{}
		for i, dc := range DefaultCategories {
			var parent any
			if dc.Parent != "" {
				parent = ids[dc.Parent]
			}
			res, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO appeal_categories (code, name, name_en, parent_id, sort_order, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (code) DO NOTHING`, dc.Code, dc.Name, dc.NameEN, parent, (i+1)*10, now)
			if err != nil {
				return fmt.Errorf("appeal: seed category %s: %w", dc.Code, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
			var id int64
			if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id FROM appeal_categories WHERE code = $1`, dc.Code).Scan(&id); err != nil {
				return fmt.Errorf("appeal: seed category %s: %w", dc.Code, err)
			}
			ids[dc.Code] = id
		}
		if added == 0 {
			return nil
		}
		s.forgetCatalogue(ctx)
		return s.audit.Record(ctx, auth.System(), "appeal.category_seed", "appeal_category", "", audit.Change{Note: fmt.Sprintf("%d default categories added", added)})
	})
	return added, err
}

// SetDefaultDepartments sets the default department of categories by code (the demo
// loader maps the city's org keys to ids and calls this). Unknown codes are an error.
func (s *Service) SetDefaultDepartments(ctx context.Context, a auth.Actor, deptByCode map[string]int64) error {
	if !canManageCatalogue(a) {
		return apperr.Forbidden()
	}
	codes := make([]string, 0, len(deptByCode))
	for c := range deptByCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		for _, code := range codes {
			dept := deptByCode[code]
			if kind, _, _, err := s.orgInfo(ctx, dept); err != nil || !slices.Contains(handlerKinds, kind) {
				return apperr.Invalid("default_dept_id", "appeal.error.department")
			}
			res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE appeal_categories SET default_dept_id = $1, updated_at = $2, version = version + 1 WHERE code = $3`,
				dept, db.Millis(s.now()), code)
			if err != nil {
				return fmt.Errorf("appeal: set default department: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.Invalid("code", "appeal.error.category_unknown")
			}
		}
		s.forgetCatalogue(ctx)
		return s.audit.Record(ctx, a, "appeal.category_departments", "appeal_category", "", audit.Change{After: deptByCode})
	})
}

// handlerKinds are the organisation kinds that may handle (承办) appeals.
var handlerKinds = []string{auth.OrgGovernment, auth.OrgCourt, auth.OrgProcuratorate, auth.OrgPolice, auth.OrgFederation, auth.OrgLegal}
