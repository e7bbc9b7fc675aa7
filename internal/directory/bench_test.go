package directory_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/creditcode"
)

// BenchmarkListEnterprises measures the enterprise list's queries at 100,000 enterprises
// (YINGSHANG_BENCH_ENTERPRISES overrides), on SQLite and on PostgreSQL when configured:
//
//	go test ./internal/directory -run '^$' -bench ListEnterprises -benchtime 200x
//
// Each case is one page of 50 as the web list asks for it (with the total count) or as the
// API and exports walk it (keyset, no count). Results are in docs/benchmarks.md.
func BenchmarkListEnterprises(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("YINGSHANG_BENCH_ENTERPRISES")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.New(b, engine)
			f := newFixture(b, d)
			ch, sample := seedEnterprises(b, f, n)
			op := actor(f.fic, auth.RoleOperator)
			mid := directory.Cursor{Key: "2012-06-15", ID: int64(n / 2)}
			cases := []struct {
				name string
				a    auth.Actor
				f    directory.EnterpriseFilter
			}{
				{"all/name/count", op, directory.EnterpriseFilter{}},
				{"all/name/page100", op, directory.EnterpriseFilter{Offset: 99 * 50}},
				{"district+industry/capital-desc/count", op, directory.EnterpriseFilter{District: "430104", Industry: "C", Sort: "-capital"}},
				{"industry+size/founded/count", op, directory.EnterpriseFilter{Industry: "I", Size: "small", Sort: "founded"}},
				{"ownership-foreign/name/count", op, directory.EnterpriseFilter{Ownership: "foreign"}},
				{"chain/name/count", op, directory.EnterpriseFilter{Chain: "gcjx"}},
				{"chamber/name/count", op, directory.EnterpriseFilter{ChamberID: ch}},
				{"q-name/name/count", op, directory.EnterpriseFilter{Q: "星城"}},
				{"q-code/name/count", op, directory.EnterpriseFilter{Q: sample}},
				{"keyset/founded/deep", op, directory.EnterpriseFilter{Sort: "founded", After: &mid, NoCount: true}},
				{"chamber-user/scope/count", actor(ch, auth.RoleChamber), directory.EnterpriseFilter{}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					flt := c.f
					flt.Limit = 50
					for b.Loop() {
						if _, _, err := f.svc.ListEnterprises(ctx, c.a, flt); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

var benchIndustries = []string{"A", "C", "C", "C", "C", "E", "F", "F", "F", "F", "G", "H", "I", "I", "K", "L", "L", "M", "M", "O"}

// seedEnterprises writes n enterprises straight into the tables in batches (the service's
// checks and audit are not what this benchmark measures) and one chamber with a tenth of
// them as members; it returns the chamber and one credit code.
func seedEnterprises(b *testing.B, f *fixture, n int) (int64, string) {
	b.Helper()
	ch := f.org(auth.OrgChamber, "长沙市基准商会", 0)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"星城", "湘江", "麓谷", "岳麓", "芙蓉", "天心", "雨花", "开福", "望城", "星沙", "浏阳", "宁乡"}
	trades := []string{"科技", "智能装备", "新材料", "生物医药", "商贸", "物流", "建设工程", "信息技术", "食品", "文化传媒"}
	const batch = 500
	var sample string
	tx, err := f.d.W.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += batch {
		var orgs, ents, mems []string
		var oa, ea, ma []any
		ph := func(args *[]any, vals ...any) string {
			ps := make([]string, len(vals))
			for i, v := range vals {
				*args = append(*args, v)
				ps[i] = "$" + strconv.Itoa(len(*args))
			}
			return "(" + strings.Join(ps, ", ") + ")"
		}
		for i := start; i < min(start+batch, n); i++ {
			id := int64(100_000 + i)
			name := fmt.Sprintf("湖南%s%s%06d有限公司", words[rng.IntN(len(words))], trades[rng.IntN(len(trades))], i)
			district := directory.Districts[rng.IntN(len(directory.Districts))]
			code, _ := creditcode.Complete(fmt.Sprintf("91%s%08d", district, i))
			if i == n/3 {
				sample = code
			}
			chain := ""
			if rng.IntN(10) == 0 {
				chain = directory.Chains[rng.IntN(len(directory.Chains))]
			}
			ownership := directory.OwnershipPrivate
			switch x := rng.IntN(100); {
			case x < 4:
				ownership = directory.OwnershipState
			case x < 7:
				ownership = directory.OwnershipForeign
			}
			orgs = append(orgs, ph(&oa, id, auth.OrgEnterprise, name, district, 1, 1))
			ents = append(ents, ph(&ea, id, code, benchIndustries[rng.IntN(len(benchIndustries))], directory.Sizes[rng.IntN(4)], ownership, district,
				chain, int64(rng.IntN(100_000))*1_000_000, fmt.Sprintf("%d-%02d-%02d", 1995+rng.IntN(30), 1+rng.IntN(12), 1+rng.IntN(28)),
				rng.IntN(2000), "法人", "联系人", "13800000000"))
			if i%10 == 0 {
				mems = append(mems, ph(&ma, ch, id, directory.PostMember, "2020-01-01", 1, 1))
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, kind, name, district_code, created_at, updated_at) VALUES `+strings.Join(orgs, ", "), oa...); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enterprises (org_id, credit_code, industry, size, ownership, district_code, chain,
			registered_capital, founded_on, employees, legal_rep, contact_name, contact_phone) VALUES `+strings.Join(ents, ", "), ea...); err != nil {
			b.Fatal(err)
		}
		if len(mems) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (chamber_id, enterprise_id, post, joined_on, created_at, updated_at) VALUES `+strings.Join(mems, ", "), ma...); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := f.d.W.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return ch, sample
}
