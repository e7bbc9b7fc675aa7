package directory_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
	"yingshang/internal/i18n"
)

// A wrong credit code is refused on its field with a message that names the position
// and what belongs there, in both languages.
func TestCreditCodeMessagesNameThePosition(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code, zh, en string
	}{
		{"91430100MA4L16JQ9B", "第18位校验码错误，应为 D。", "Character 18, the check character, is wrong: it should be D."},
		{"914403001922038226", "第17位组织机构代码校验位错误，应为 1。", "Character 17, the organisation code's check digit, is wrong: it should be 1."},
		{"9144A3001922038216", "第5位“A”不合法，第3–8位（登记管理机关行政区划码）应为数字。", "Character 5 (“A”) is not allowed: characters 3–8 (the division code) are digits."},
		{"9144030019220382A6", "第17位“A”不合法，组织机构代码校验位应为数字或 X。", "Character 17 (“A”) is not allowed: the organisation code's check digit is a digit or X."},
		{"91440300S922038216", "第9位“S”不合法，应为数字或大写字母（不含 I、O、S、V、Z）。", "Character 9 (“S”) is not allowed: use a digit or a capital letter other than I, O, S, V, Z."},
		{"9144030019220382", "统一社会信用代码应为 18 位，当前为 16 位。", "A unified social credit code has 18 characters; this one has 16."},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tt := range tests {
			in := directorytest.Enterprise(1)
			in.CreditCode = tt.code
			_, err := f.svc.CreateEnterprise(ctx, auth.System(), in)
			key, args := fieldErr(t, err, "credit_code")
			if got := cat.T("zh-CN", key, args); got != tt.zh {
				t.Errorf("%s: zh %q, want %q", tt.code, got, tt.zh)
			}
			if got := cat.T("en", key, args); got != tt.en {
				t.Errorf("%s: en %q, want %q", tt.code, got, tt.en)
			}
		}
		if n := f.count("enterprises"); n != 0 {
			t.Errorf("%d enterprises created from bad codes", n)
		}
	})
}

func TestEnterpriseValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*directory.EnterpriseInput)
		field string
		key   string
	}{
		{"name required", func(in *directory.EnterpriseInput) { in.Name = "  " }, "name", "error.required"},
		{"name too long", func(in *directory.EnterpriseInput) { in.Name = strings.Repeat("长", 101) }, "name", "error.too_long"},
		{"code required", func(in *directory.EnterpriseInput) { in.CreditCode = "" }, "credit_code", "error.required"},
		{"industry unknown", func(in *directory.EnterpriseInput) { in.Industry = "Z" }, "industry", "error.choice"},
		{"size required", func(in *directory.EnterpriseInput) { in.Size = "" }, "size", "error.required"},
		{"ownership unknown", func(in *directory.EnterpriseInput) { in.Ownership = "collective" }, "ownership", "error.choice"},
		{"district outside Changsha", func(in *directory.EnterpriseInput) { in.District = "110101" }, "district", "error.choice"},
		{"chain unknown", func(in *directory.EnterpriseInput) { in.Chain = "spaceships" }, "chain", "error.choice"},
		{"capital text", func(in *directory.EnterpriseInput) { in.CapitalText = "五百万" }, "registered_capital", "error.money"},
		{"capital negative", func(in *directory.EnterpriseInput) { in.RegisteredCapital = -1 }, "registered_capital", "error.dir.capital_range"},
		{"employees text", func(in *directory.EnterpriseInput) { in.EmployeesText = "many" }, "employees", "error.number"},
		{"employees negative", func(in *directory.EnterpriseInput) { in.Employees = -3 }, "employees", "error.range"},
		{"founded malformed", func(in *directory.EnterpriseInput) { in.FoundedOn = "2018-13-45" }, "founded_on", "error.date"},
		{"founded in the future", func(in *directory.EnterpriseInput) { in.FoundedOn = "2026-03-03" }, "founded_on", "error.dir.date_future"},
		{"phone", func(in *directory.EnterpriseInput) { in.ContactPhone = "12345" }, "contact_phone", "error.phone_format"},
		{"address too long", func(in *directory.EnterpriseInput) { in.Address = strings.Repeat("路", 201) }, "address", "error.too_long"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, tt := range tests {
			in := directorytest.Enterprise(7)
			tt.edit(&in)
			_, err := f.svc.CreateEnterprise(ctx, auth.System(), in)
			if key, _ := fieldErr(t, err, tt.field); key != tt.key {
				t.Errorf("%s: key %s, want %s", tt.name, key, tt.key)
			}
		}
		// Names and forms people type are read: 大型, 民营, 岳麓区, 工程机械, "1.2亿", "2018/6/1".
		in := directorytest.Enterprise(8)
		in.Size, in.Ownership, in.District, in.Chain, in.Industry = "大型", "国有", "岳麓区", "工程机械", "制造业"
		in.CapitalText, in.FoundedOn, in.EmployeesText = "1.2亿", "2018/6/1", "1,200"
		e, err := f.svc.CreateEnterprise(ctx, auth.System(), in)
		if err != nil {
			t.Fatal(err)
		}
		want := directory.Enterprise{Size: "large", Ownership: "state", District: "430104", Chain: "gcjx", Industry: "C",
			RegisteredCapital: 120_000_000_00, FoundedOn: "2018-06-01", Employees: 1200}
		if e.Size != want.Size || e.Ownership != want.Ownership || e.District != want.District || e.Chain != want.Chain ||
			e.Industry != want.Industry || e.RegisteredCapital != want.RegisteredCapital || e.FoundedOn != want.FoundedOn || e.Employees != want.Employees {
			t.Errorf("stored %+v", e)
		}
		if n := f.auditCount("enterprise.create", strconv.FormatInt(e.ID, 10)); n != 1 {
			t.Errorf("%d create entries in the audit log", n)
		}
		// An enterprise is not created as a bare organisation.
		if _, err := f.svc.CreateOrg(ctx, auth.System(), directory.OrgInput{Kind: auth.OrgEnterprise, Name: "某公司"}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("bare enterprise org: %v", err)
		}
	})
}

// A second enterprise with a registered code is refused, naming the holder; so is a
// second enterprise with the same name.
func TestDuplicatesNameTheExistingEnterprise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		first := directorytest.Enterprise(1)
		first.Name = "湖南星沙重工有限公司"
		id := f.enterprise(first)
		dup := directorytest.Enterprise(2)
		dup.CreditCode = strings.ToLower(first.CreditCode) // normalised before the check
		_, err := f.svc.CreateEnterprise(ctx, auth.System(), dup)
		key, args := fieldErr(t, err, "credit_code")
		if msg := f.cat.T("zh-CN", key, args); msg != "该信用代码已登记为 湖南星沙重工有限公司。" {
			t.Errorf("message %q", msg)
		}
		sameName := directorytest.Enterprise(3)
		sameName.Name = first.Name
		if key, _ := fieldErr(t, func() error { _, err := f.svc.CreateEnterprise(ctx, auth.System(), sameName); return err }(), "name"); key != "error.enterprise_name_taken" {
			t.Errorf("same name: %s", key)
		}
		// Editing an enterprise keeps its own code and name.
		e, _ := f.svc.GetEnterprise(ctx, auth.System(), id)
		in := directory.InputOf(e)
		in.ContactPhone = "13900001111"
		if _, err := f.svc.UpdateEnterprise(ctx, actor(f.fic, auth.RoleOperator), id, in); err != nil {
			t.Fatalf("update: %v", err)
		}
		other := f.enterprise(directorytest.Enterprise(4))
		o, _ := f.svc.GetEnterprise(ctx, auth.System(), other)
		in = directory.InputOf(o)
		in.CreditCode = first.CreditCode
		_, err = f.svc.UpdateEnterprise(ctx, actor(f.fic, auth.RoleOperator), other, in)
		if key, args := fieldErr(t, err, "credit_code"); key != "error.credit_code_taken" || args["Name"] != first.Name {
			t.Errorf("update to a taken code: %s %v", key, args)
		}
	})
}

// The scope matrix below the HTTP layer: who sees which enterprise.
func TestEnterpriseScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.enterprise(directorytest.Enterprise(1))
		b := f.enterprise(directorytest.Enterprise(2))
		c := f.enterprise(directorytest.Enterprise(3))
		ch := f.org(auth.OrgChamber, "长沙市浙江商会", 0)
		other := f.org(auth.OrgChamber, "长沙市福建商会", 0)
		f.member(ch, a, directory.PostPresident)
		f.member(other, c, directory.PostMember)
		ended := f.member(ch, b, directory.PostMember)
		if _, err := f.svc.EndMembership(ctx, auth.System(), ended, "2025-12-31", 1); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			who     string
			a       auth.Actor
			visible []int64
		}{
			{"admin", actor(f.fic, auth.RoleAdmin), []int64{a, b, c}},
			{"operator", actor(f.fic, auth.RoleOperator), []int64{a, b, c}},
			{"analyst", actor(f.fic, auth.RoleAnalyst), []int64{a, b, c}},
			{"department", actor(f.gov, auth.RoleDepartment), []int64{a, b, c}},
			{"leader", actor(f.gov, auth.RoleLeader), []int64{a, b, c}},
			{"bank", actor(f.gov, auth.RoleBank), []int64{a, b, c}},
			{"enterprise a", actor(a, auth.RoleEnterprise), []int64{a}},
			{"enterprise b", actor(b, auth.RoleEnterprise), []int64{b}},
			{"chamber (former member b left)", actor(ch, auth.RoleChamber), []int64{a}},
			{"other chamber", actor(other, auth.RoleChamber), []int64{c}},
			{"auditor", actor(f.fic, auth.RoleAuditor), nil},
			{"security", actor(f.fic, auth.RoleSecurity), nil},
			{"mediator", actor(f.gov, auth.RoleMediator), nil},
			{"visitor", auth.Actor{}, nil},
		}
		for _, tt := range tests {
			for _, id := range []int64{a, b, c} {
				_, err := f.svc.GetEnterprise(ctx, tt.a, id)
				if want := slices.Contains(tt.visible, id); want != (err == nil) {
					t.Errorf("%s GetEnterprise(%d): %v, want visible=%v", tt.who, id, err, want)
				} else if !want && !errors.Is(err, apperr.ErrNotFound) {
					t.Errorf("%s GetEnterprise(%d): %v, want not found", tt.who, id, err)
				}
				if _, err := f.svc.GetOrg(ctx, tt.a, id); (err == nil) != slices.Contains(tt.visible, id) {
					t.Errorf("%s GetOrg(%d): %v", tt.who, id, err)
				}
			}
			list, total, err := f.svc.ListEnterprises(ctx, tt.a, directory.EnterpriseFilter{})
			if len(tt.visible) == 0 {
				if err == nil && total != 0 {
					t.Errorf("%s lists %d enterprises", tt.who, total)
				}
				continue
			}
			if err != nil || total != len(tt.visible) || len(list) != len(tt.visible) {
				t.Errorf("%s lists %d (%d): %v, want %d", tt.who, total, len(list), err, len(tt.visible))
			}
			orgs, _, err := f.svc.ListOrgs(ctx, tt.a, directory.OrgFilter{Kind: auth.OrgEnterprise})
			if err != nil || len(orgs) != len(tt.visible) {
				t.Errorf("%s ListOrgs(enterprise): %d %v", tt.who, len(orgs), err)
			}
		}
		// Only editors change an enterprise; its own users change their contact fields.
		e, _ := f.svc.GetEnterprise(ctx, auth.System(), a)
		in := directory.InputOf(e)
		if _, err := f.svc.UpdateEnterprise(ctx, actor(a, auth.RoleEnterprise), a, in); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("enterprise editing its facts: %v", err)
		}
		if _, err := f.svc.UpdateEnterprise(ctx, actor(b, auth.RoleEnterprise), a, in); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("enterprise editing another: %v", err)
		}
		if _, err := f.svc.UpdateContact(ctx, actor(b, auth.RoleEnterprise), a, directory.ContactInput{ContactName: "x", Version: e.Version}); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("enterprise changing another's contact: %v", err)
		}
		if _, err := f.svc.UpdateContact(ctx, actor(ch, auth.RoleChamber), a, directory.ContactInput{ContactName: "x", Version: e.Version}); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("chamber changing a member's contact: %v", err)
		}
		got, err := f.svc.UpdateContact(ctx, actor(a, auth.RoleEnterprise), a, directory.ContactInput{ContactName: "周洁", ContactPhone: "0731-84567890", Version: e.Version})
		if err != nil || got.ContactName != "周洁" || got.Version != e.Version+1 {
			t.Fatalf("own contact: %+v %v", got, err)
		}
		if _, err := f.svc.UpdateContact(ctx, actor(a, auth.RoleEnterprise), a, directory.ContactInput{ContactName: "again", Version: e.Version}); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("stale version: %v", err)
		}
	})
}

// Lists mask contact phones for everyone; the full record is read by those allowed, and
// each such read is in the audit log. The analyst never sees personal data.
func TestContactMaskingAndReadAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		id := f.enterprise(directorytest.Enterprise(1))
		sid := strconv.FormatInt(id, 10)
		list, _, err := f.svc.ListEnterprises(ctx, actor(f.fic, auth.RoleOperator), directory.EnterpriseFilter{})
		if err != nil || len(list) != 1 || list[0].ContactPhone != "138****5678" || !list[0].ContactMasked {
			t.Fatalf("list: %+v %v", list, err)
		}
		e, err := f.svc.ReadEnterprise(ctx, actor(f.fic, auth.RoleAnalyst), id)
		if err != nil || e.ContactPhone != "138****5678" || f.auditCount("enterprise.read", sid) != 0 {
			t.Errorf("analyst read: %q, %d reads logged, %v", e.ContactPhone, f.auditCount("enterprise.read", sid), err)
		}
		for i, who := range []auth.Actor{actor(f.fic, auth.RoleOperator), actor(id, auth.RoleEnterprise), actor(f.gov, auth.RoleDepartment)} {
			e, err := f.svc.ReadEnterprise(ctx, who, id)
			if err != nil || e.ContactPhone != "13812345678" || e.ContactMasked {
				t.Errorf("%v read: %q %v", who.Roles, e.ContactPhone, err)
			}
			if n := f.auditCount("enterprise.read", sid); n != i+1 {
				t.Errorf("after %d full reads, %d logged", i+1, n)
			}
		}
	})
}

// Filters, sorts and both kinds of paging agree with a plain computation over the data.
func TestListFiltersSortsAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ch := f.org(auth.OrgChamber, "长沙市工程机械商会", 0)
		industries := []string{"C", "F", "I"}
		sizes := directory.Sizes
		districts := []string{"430104", "430111", "430121"}
		var all []directory.EnterpriseInput
		ids := map[string]int64{}
		for n := 1; n <= 37; n++ {
			in := directorytest.Enterprise(n)
			in.Name = fmt.Sprintf("湖南%s%02d有限公司", []string{"星城", "湘江", "麓谷", "岳麓"}[n%4], (n*7)%37)
			in.Industry, in.Size, in.District = industries[n%3], sizes[n%4], districts[n%3]
			in.RegisteredCapital = int64((n*13)%17) * 1_000_000 // some equal capitals: ties break by id
			in.FoundedOn = fmt.Sprintf("20%02d-0%d-1%d", 10+n%7, 1+n%9, n%10)
			if n%5 == 0 {
				in.Chain = "gcjx"
			}
			ids[in.Name] = f.enterprise(in)
			if n%4 == 0 {
				f.member(ch, ids[in.Name], directory.PostMember)
			}
			all = append(all, in)
		}
		op := actor(f.fic, auth.RoleOperator)
		expect := func(keep func(directory.EnterpriseInput) bool) int {
			n := 0
			for _, in := range all {
				if keep(in) {
					n++
				}
			}
			return n
		}
		filters := []struct {
			name string
			f    directory.EnterpriseFilter
			keep func(directory.EnterpriseInput) bool
		}{
			{"industry", directory.EnterpriseFilter{Industry: "C"}, func(in directory.EnterpriseInput) bool { return in.Industry == "C" }},
			{"district+industry", directory.EnterpriseFilter{District: "430111", Industry: "F"}, func(in directory.EnterpriseInput) bool { return in.District == "430111" && in.Industry == "F" }},
			{"size", directory.EnterpriseFilter{Size: "micro"}, func(in directory.EnterpriseInput) bool { return in.Size == "micro" }},
			{"chain", directory.EnterpriseFilter{Chain: "gcjx"}, func(in directory.EnterpriseInput) bool { return in.Chain == "gcjx" }},
			{"chamber", directory.EnterpriseFilter{ChamberID: ch}, func(in directory.EnterpriseInput) bool { return memberNo(in)%4 == 0 }},
			{"q name", directory.EnterpriseFilter{Q: "麓谷"}, func(in directory.EnterpriseInput) bool { return strings.Contains(in.Name, "麓谷") }},
			{"q full code", directory.EnterpriseFilter{Q: strings.ToLower(all[4].CreditCode)}, func(in directory.EnterpriseInput) bool { return in.CreditCode == all[4].CreditCode }},
			{"q code prefix", directory.EnterpriseFilter{Q: all[4].CreditCode[:16]}, func(in directory.EnterpriseInput) bool {
				return strings.HasPrefix(in.CreditCode, all[4].CreditCode[:16])
			}},
			{"q with LIKE wildcards", directory.EnterpriseFilter{Q: "%_"}, func(directory.EnterpriseInput) bool { return false }},
		}
		for _, tt := range filters {
			_, total, err := f.svc.ListEnterprises(ctx, op, tt.f)
			if want := expect(tt.keep); err != nil || total != want {
				t.Errorf("%s: %d, want %d (%v)", tt.name, total, want, err)
			}
		}
		// Each order: the numbered pages and the keyset walk give the same sequence, sorted.
		for _, sortKey := range directory.EnterpriseSorts {
			var byPages, byCursor []directory.Enterprise
			for page := 0; ; page++ {
				items, total, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Sort: sortKey, Offset: page * 10, Limit: 10})
				if err != nil || total != 37 {
					t.Fatalf("%s page %d: %d %v", sortKey, page, total, err)
				}
				byPages = append(byPages, items...)
				if len(items) < 10 {
					break
				}
			}
			flt := directory.EnterpriseFilter{Sort: sortKey, Limit: 8, NoCount: true}
			for {
				items, _, err := f.svc.ListEnterprises(ctx, op, flt)
				if err != nil {
					t.Fatal(err)
				}
				byCursor = append(byCursor, items...)
				if len(items) < flt.Limit {
					break
				}
				c := directory.CursorAfter(sortKey, items[len(items)-1])
				flt.After = &c
			}
			if len(byPages) != 37 || len(byCursor) != 37 {
				t.Fatalf("%s: %d by pages, %d by cursor", sortKey, len(byPages), len(byCursor))
			}
			for i := range byPages {
				if byPages[i].ID != byCursor[i].ID {
					t.Fatalf("%s: row %d differs: %s vs %s", sortKey, i, byPages[i].Name, byCursor[i].Name)
				}
			}
			less := func(x, y directory.Enterprise) bool {
				switch strings.TrimPrefix(sortKey, "-") {
				case "founded":
					return x.FoundedOn < y.FoundedOn || x.FoundedOn == y.FoundedOn && x.ID < y.ID
				case "capital":
					return x.RegisteredCapital < y.RegisteredCapital || x.RegisteredCapital == y.RegisteredCapital && x.ID < y.ID
				}
				return x.Name < y.Name
			}
			ok := sort.SliceIsSorted(byPages, func(i, j int) bool {
				if strings.HasPrefix(sortKey, "-") {
					return less(byPages[j], byPages[i])
				}
				return less(byPages[i], byPages[j])
			})
			if !ok {
				t.Errorf("%s: not sorted", sortKey)
			}
		}
		if _, _, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Sort: "employees"}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("unknown sort: %v", err)
		}
		bad := directory.Cursor{Key: "not a number", ID: 1}
		if _, _, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Sort: "capital", After: &bad}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("bad capital cursor: %v", err)
		}
	})
}

// memberNo recovers the test number of an enterprise from its credit code.
func memberNo(in directory.EnterpriseInput) int {
	n, _ := strconv.Atoi(in.CreditCode[8:16])
	return n
}

// A search term of nothing but invalid UTF-8 or control characters finds nothing; it
// does not lift the filter and list everything (the bad-input gate, docs/quality.md).
func TestSearchOfInvalidTextFindsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.enterprise(directorytest.Enterprise(1))
		op := actor(f.fic, auth.RoleOperator)
		for _, q := range []string{"\xff\xfe\xfd", "\x00", " \x01\x7f "} {
			es, _, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Q: q})
			if err != nil || len(es) != 0 {
				t.Errorf("enterprises %q: %d %v", q, len(es), err)
			}
			os, _, err := f.svc.ListOrgs(ctx, op, directory.OrgFilter{Q: q})
			if err != nil || len(os) != 0 {
				t.Errorf("orgs %q: %d %v", q, len(os), err)
			}
		}
		if es, _, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Q: "  "}); err != nil || len(es) != 1 {
			t.Errorf("blank term: %d %v", len(es), err)
		}
	})
}
