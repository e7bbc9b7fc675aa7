package app_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
	"yingshang/internal/web"
)

// demoOrg is the organisation (or enterprise) of a demo user.
func demoOrg(t *testing.T, e *apptest.Env, username string) int64 {
	t.Helper()
	for _, u := range e.Demo.City.Users {
		if u.Username == username {
			return e.Demo.Orgs[u.Org.Key]
		}
	}
	t.Fatalf("no demo user %s", username)
	return 0
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func countAudit(t *testing.T, e *apptest.Env, action, objectID string) int {
	t.Helper()
	var n int
	if err := e.App.DB.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, objectID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countRows(t *testing.T, e *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := e.App.DB.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The scope matrix from outside, on the demo city: an enterprise never sees another one
// (404 in the web and in the API), a chamber sees its members only, the analyst sees no
// personal data, the auditor has no directory.
func TestDirectoryScopeFromOutside(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		city := e.Demo.City
		own := demoOrg(t, e, "ent1")
		chamber := demoOrg(t, e, "chamber1")
		var chamberKey string
		for _, u := range city.Users {
			if u.Username == "chamber1" {
				chamberKey = u.Org.Key
			}
		}
		members := map[int64]bool{}
		for _, m := range city.Memberships {
			if m.Chamber == chamberKey {
				members[e.Demo.Orgs[m.Enterprise]] = true
			}
		}
		var member, stranger int64 // a member of chamber1, and an enterprise in no relation to ent1 or chamber1
		for _, en := range city.Enterprises {
			eid := e.Demo.Orgs[en.Key]
			switch {
			case members[eid] && member == 0 && eid != own:
				member = eid
			case !members[eid] && stranger == 0 && eid != own:
				stranger = eid
			}
		}
		strangerE, err := e.App.Directory.GetEnterprise(context.Background(), auth.System(), stranger)
		if err != nil {
			t.Fatal(err)
		}
		fullPhone := strangerE.ContactPhone // masked by GetEnterprise
		if full, _ := e.App.Directory.ReadEnterprise(context.Background(), auth.System(), stranger); full.ContactPhone != "" {
			fullPhone = full.ContactPhone
		}
		type check struct {
			path   string
			status int
		}
		matrix := []struct {
			user   string
			checks []check
		}{
			{"ent1", []check{{"/enterprises/" + id(own), 200}, {"/enterprises/" + id(stranger), 404}, {"/enterprises/" + id(stranger) + "/edit", 404},
				{"/api/v1/enterprises/" + id(stranger), 404}, {"/api/v1/enterprises/" + id(own), 200}, {"/enterprises/mine", 303}, {"/orgs/" + id(stranger), 404}}},
			{"chamber1", []check{{"/enterprises/" + id(member), 200}, {"/enterprises/" + id(stranger), 404}, {"/api/v1/enterprises/" + id(stranger), 404},
				{"/api/v1/enterprises/" + id(member), 200}, {"/chambers/" + id(chamber), 200}, {"/enterprises/" + id(member) + "/edit", 403}}},
			{"analyst1", []check{{"/enterprises/" + id(stranger), 200}, {"/enterprises", 200}, {"/people", 200}, {"/enterprises/new", 403}}},
			{"operator2", []check{{"/enterprises/" + id(stranger), 200}, {"/enterprises/" + id(stranger) + "/edit", 200}, {"/orgs", 200},
				{"/chambers", 200}, {"/people", 200}, {"/enterprises/import", 200}, {"/orgs?kind=mediation", 200}}},
			{"bank1", []check{{"/enterprises/" + id(stranger), 200}, {"/enterprises/new", 403}}},
			{"leader1", []check{{"/enterprises/" + id(stranger), 200}}},
			{"fgw1", []check{{"/enterprises/" + id(stranger), 200}, {"/api/v1/enterprises/" + id(stranger), 200}}},
			{"auditor", []check{{"/enterprises", 403}, {"/enterprises/" + id(stranger), 403}, {"/api/v1/enterprises", 403}, {"/people", 403}}},
			{"mediator1", []check{{"/enterprises/" + id(stranger), 403}, {"/api/v1/enterprises/" + id(stranger), 404}, {"/chambers/" + id(chamber), 200}}},
		}
		for _, m := range matrix {
			c := e.Client()
			c.Login(m.user, apptest.DemoPassword)
			api := e.APIClient(m.user, "read")
			for _, ck := range m.checks {
				cl := c
				if strings.HasPrefix(ck.path, "/api/") {
					cl = api
				}
				if r := cl.Get(ck.path); r.Status != ck.status {
					t.Errorf("%s GET %s: %d, want %d", m.user, ck.path, r.Status, ck.status)
				}
			}
		}
		// Lists hold the scope too: ent1's API list is ent1 alone; chamber1's is its members.
		var page struct {
			Items []struct {
				ID            int64  `json:"id"`
				ContactPhone  string `json:"contact_phone"`
				ContactMasked bool   `json:"contact_masked"`
			} `json:"items"`
		}
		e.APIClient("ent1", "read").Get("/api/v1/enterprises").JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != own {
			t.Errorf("ent1 lists %+v", page.Items)
		}
		e.APIClient("chamber1", "read").Get("/api/v1/enterprises?limit=200").JSON(t, &page)
		current := 0
		for eid := range members {
			if eid > 0 {
				current++
			}
		}
		if len(page.Items) != current {
			t.Errorf("chamber1 lists %d enterprises, has %d members", len(page.Items), current)
		}
		for _, it := range page.Items {
			if !members[it.ID] || !it.ContactMasked {
				t.Errorf("chamber1 lists %d (member %v, masked %v)", it.ID, members[it.ID], it.ContactMasked)
			}
		}
		// The analyst reads the file without the personal data and without a read record;
		// an operator reads it whole, and the read is recorded.
		reads := countAudit(t, e, "enterprise.read", id(stranger))
		an := e.Client()
		an.Login("analyst1", apptest.DemoPassword)
		r := an.Get("/enterprises/" + id(stranger))
		if strings.Contains(r.Body, fullPhone) || !strings.Contains(r.Body, `class="mask"`) {
			t.Errorf("analyst sees the phone")
		}
		if n := countAudit(t, e, "enterprise.read", id(stranger)); n != reads {
			t.Errorf("analyst read recorded: %d → %d", reads, n)
		}
		op := e.Client()
		op.Login("operator2", apptest.DemoPassword)
		if r := op.Get("/enterprises/" + id(stranger)); !strings.Contains(r.Body, fullPhone) {
			t.Errorf("operator does not see the phone %s", fullPhone)
		}
		if n := countAudit(t, e, "enterprise.read", id(stranger)); n != reads+1 {
			t.Errorf("operator read not recorded: %d → %d", reads, n)
		}
		// The enterprise's own user changes its contact, nothing else, and not another's.
		entAPI := e.APIClient("ent1", "write")
		var got struct {
			Version     int64  `json:"version"`
			ContactName string `json:"contact_name"`
		}
		entAPI.Get("/api/v1/enterprises/"+id(own)).JSON(t, &got)
		patch := func(c *apptest.Client, target int64, body string) *apptest.Response {
			return c.Do("PATCH", "/api/v1/enterprises/"+id(target), strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
		}
		if r := patch(entAPI, own, fmt.Sprintf(`{"version":%d,"name":"改名有限公司"}`, got.Version)); r.Status != http.StatusForbidden {
			t.Errorf("enterprise renaming itself: %d", r.Status)
		}
		if r := patch(entAPI, stranger, `{"version":1,"contact_name":"x"}`); r.Status != http.StatusNotFound {
			t.Errorf("enterprise patching another: %d", r.Status)
		}
		if r := patch(entAPI, own, fmt.Sprintf(`{"version":%d,"contact_name":"周洁","contact_phone":"13700001111"}`, got.Version)); r.Status != http.StatusOK {
			t.Errorf("own contact: %d %s", r.Status, r.Body)
		}
		ent := e.Client()
		ent.Login("ent1", apptest.DemoPassword)
		mustContain(t, ent.Get("/enterprises/"+id(own)), "周洁", "13700001111", "修改联系人")
		if r := ent.PostForm("/enterprises/"+id(own), url.Values{"name": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("enterprise posting the full form: %d", r.Status)
		}
	})
}

// The demo city's enterprises are in the directory, and its enterprise users belong to
// their enterprise.
func TestDemoLoadsTheDirectory(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: citydata.MinEnterprises}, func(t *testing.T, e *apptest.Env) {
		city := e.Demo.City
		if n := countRows(t, e, "enterprises"); n != len(city.Enterprises) {
			t.Errorf("%d enterprises, city has %d", n, len(city.Enterprises))
		}
		if n := countRows(t, e, "memberships"); n != len(city.Memberships) {
			t.Errorf("%d memberships, city has %d", n, len(city.Memberships))
		}
		if n := countRows(t, e, "people"); n != len(city.People) {
			t.Errorf("%d people, city has %d", n, len(city.People))
		}
		if n := countRows(t, e, "posts"); n != len(city.Posts) {
			t.Errorf("%d posts, city has %d", n, len(city.Posts))
		}
		for i := 1; i <= 10; i++ {
			name := fmt.Sprintf("ent%d", i)
			u, err := e.App.Auth.UserByUsername(context.Background(), auth.CLI(), name)
			if err != nil {
				t.Fatal(err)
			}
			if u.OrgKind != auth.OrgEnterprise || u.OrgID != demoOrg(t, e, name) {
				t.Errorf("%s belongs to %s %d", name, u.OrgKind, u.OrgID)
			}
		}
		first := city.Enterprises[0]
		got, err := e.App.Directory.GetEnterprise(context.Background(), auth.System(), e.Demo.Orgs[first.Key])
		if err != nil || got.CreditCode != first.CreditCode || got.RegisteredCapital != first.RegisteredCapital || got.FoundedOn != first.Founded.String() {
			t.Errorf("first enterprise: %+v %v", got, err)
		}
	})
}

func TestEnterpriseAPI(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.APIClient("admin")
		in := directorytest.Enterprise(1)
		in.CreditCode = "91430100MA4L16JQ9B"
		r := c.PostJSON("/api/v1/enterprises", in)
		var prob struct {
			Status int `json:"status"`
			Errors []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		r.JSON(t, &prob)
		if r.Status != http.StatusUnprocessableEntity || len(prob.Errors) == 0 || prob.Errors[0].Field != "credit_code" || prob.Errors[0].Message != "第18位校验码错误，应为 D。" {
			t.Fatalf("bad code: %d %s", r.Status, r.Body)
		}
		// Created once for one Idempotency-Key.
		in.CreditCode = "91430100MA4L16JQ9D"
		var created, again struct {
			ID      int64 `json:"id"`
			Version int64 `json:"version"`
		}
		r = c.PostJSON("/api/v1/enterprises", in, "Idempotency-Key", "k-1")
		r.JSON(t, &created)
		r2 := c.PostJSON("/api/v1/enterprises", in, "Idempotency-Key", "k-1")
		r2.JSON(t, &again)
		if r.Status != http.StatusCreated || r2.Status != http.StatusCreated || again.ID != created.ID || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("idempotent create: %d %d %d %d", r.Status, r2.Status, created.ID, again.ID)
		}
		if n := countRows(t, e, "enterprises"); n != 1 {
			t.Errorf("%d enterprises after a retried create", n)
		}
		// The same code again names the holder.
		dup := directorytest.Enterprise(2)
		dup.CreditCode = in.CreditCode
		c.Lang = "en"
		r = c.PostJSON("/api/v1/enterprises", dup)
		r.JSON(t, &prob)
		if r.Status != 422 || prob.Errors[0].Field != "credit_code" || prob.Errors[0].Message != "This credit code is already registered to "+in.Name+"." {
			t.Errorf("duplicate: %d %s", r.Status, r.Body)
		}
		c.Lang = ""
		// PATCH with the version; a stale one is a conflict; none is refused.
		patch := func(body string) *apptest.Response {
			return c.Do("PATCH", "/api/v1/enterprises/"+id(created.ID), strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
		}
		if r := patch(`{"employees": 90}`); r.Status != 422 {
			t.Errorf("patch without version: %d", r.Status)
		}
		r = patch(fmt.Sprintf(`{"version": %d, "employees": 90, "registered_capital": 1234500}`, created.Version))
		var patched struct {
			Version           int64 `json:"version"`
			Employees         int   `json:"employees"`
			RegisteredCapital int64 `json:"registered_capital"`
		}
		r.JSON(t, &patched)
		if r.Status != 200 || patched.Version != created.Version+1 || patched.Employees != 90 || patched.RegisteredCapital != 1234500 {
			t.Errorf("patch: %d %s", r.Status, r.Body)
		}
		if r := patch(fmt.Sprintf(`{"version": %d, "employees": 91}`, created.Version)); r.Status != http.StatusConflict {
			t.Errorf("stale patch: %d", r.Status)
		}
		if r := patch(`{"version": 9, "colour": "red"}`); r.Status != http.StatusBadRequest {
			t.Errorf("unknown field: %d", r.Status)
		}
		// Cursor pages walk a sorted list without gaps or repeats.
		for n := 2; n <= 6; n++ {
			in := directorytest.Enterprise(n)
			in.RegisteredCapital = int64(n%3) * 100_000_00
			if r := c.PostJSON("/api/v1/enterprises", in); r.Status != 201 {
				t.Fatalf("create %d: %s", n, r.Body)
			}
		}
		var seen []int64
		next := ""
		for range 10 {
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			c.Get("/api/v1/enterprises?sort=-capital&limit=2&cursor="+url.QueryEscape(next)).JSON(t, &page)
			for _, it := range page.Items {
				seen = append(seen, it.ID)
			}
			if next = page.NextCursor; next == "" {
				break
			}
		}
		uniq := map[int64]bool{}
		for _, s := range seen {
			uniq[s] = true
		}
		if len(seen) != 6 || len(uniq) != 6 {
			t.Errorf("walked %v", seen)
		}
		if r := c.Get("/api/v1/enterprises?sort=employees"); r.Status != 422 {
			t.Errorf("bad sort: %d", r.Status)
		}
		if r := c.Get("/api/v1/enterprises?cursor=not!base64"); r.Status != 422 {
			t.Errorf("bad cursor: %d", r.Status)
		}
		// People and chamber members through the API.
		r = c.PostJSON("/api/v1/people", directory.PersonInput{Name: "赵敏", Mobile: "13811112222", Gender: "female"}, "Idempotency-Key", "p-1")
		var person struct {
			ID           int64  `json:"id"`
			Mobile       string `json:"mobile"`
			MobileMasked bool   `json:"mobile_masked"`
		}
		r.JSON(t, &person)
		if r.Status != 201 {
			t.Fatalf("person: %s", r.Body)
		}
		c.Get("/api/v1/people/"+id(person.ID)).JSON(t, &person)
		if person.Mobile != "13811112222" || person.MobileMasked {
			t.Errorf("admin reads %+v", person)
		}
		if r := c.Get("/api/v1/people?q=赵"); !strings.Contains(r.Body, "138****2222") {
			t.Errorf("people list: %s", r.Body)
		}
		ch, err := e.App.Directory.CreateOrg(context.Background(), auth.System(), directory.OrgInput{Kind: auth.OrgChamber, Name: "长沙市湖北商会"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Directory.AddMembership(context.Background(), auth.System(), directory.MembershipInput{ChamberID: ch.ID, EnterpriseID: created.ID, Post: "会长", JoinedOn: "2022-05-01"}); err != nil {
			t.Fatal(err)
		}
		if r := c.Get("/api/v1/chambers/" + id(ch.ID) + "/members"); r.Status != 200 || !strings.Contains(r.Body, `"post":"president"`) {
			t.Errorf("members: %d %s", r.Status, r.Body)
		}
		if r := c.Get("/api/v1/chambers/" + id(created.ID) + "/members"); r.Status != 404 {
			t.Errorf("members of an enterprise: %d", r.Status)
		}
	})
}

// Forms take money as people write it and keep what was typed when refused.
func TestEnterpriseFormMoney(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		form := url.Values{"name": {"长沙星城测试科技有限公司"}, "credit_code": {directorytest.Code(5)}, "industry": {"I"}, "size": {"small"},
			"ownership": {"private"}, "district": {"430104"}, "registered_capital": {"五百万"}, "founded_on": {"2019-04-01"}}
		r := c.PostForm("/enterprises", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad capital: %d", r.Status)
		}
		mustContain(t, r, "请输入金额（元），如 1,280.50 或 12.5万。", `value="五百万"`, `value="长沙星城测试科技有限公司"`, `aria-invalid="true"`)
		form.Set("registered_capital", "1,280.5万")
		r = c.PostForm("/enterprises", form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		page := c.Get(r.Header.Get("Location"))
		mustContain(t, page, "1,280.50 万元", "已登记企业 长沙星城测试科技有限公司。", "该企业暂无诉求记录")
		// Editing keeps the money as typed back: 1280.5万 is 12,805,000 元.
		edit := c.Get(r.Header.Get("Location") + "/edit")
		mustContain(t, edit, `value="12805000"`)
		// A second enterprise with the same code names the first.
		form.Set("name", "另一家有限公司")
		r = c.PostForm("/enterprises", form)
		mustContain(t, r, "该信用代码已登记为 长沙星城测试科技有限公司。")
	})
}

func TestEnterpriseExport(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		for n := 1; n <= 12; n++ {
			in := directorytest.Enterprise(n)
			if n%3 == 0 {
				in.Industry = "C"
			}
			if _, err := e.App.Directory.CreateEnterprise(context.Background(), auth.System(), in); err != nil {
				t.Fatal(err)
			}
		}
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		r := c.Get("/enterprises/export.xlsx?industry=I&sort=-name")
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+8 {
			t.Fatalf("%d rows, want a header and 8", len(rows))
		}
		if rows[0][1] != "企业名称" || rows[0][2] != "统一社会信用代码" || rows[0][13] != "联系电话" {
			t.Errorf("header %v", rows[0])
		}
		if rows[1][1] != directorytest.Enterprise(11).Name || rows[1][3] != "I 信息传输、软件和信息技术服务业" || rows[1][13] != "138****5678" || rows[1][8] != "500" {
			t.Errorf("first row %v", rows[1])
		}
		if countAudit(t, e, "enterprise.export", "") != 1 {
			t.Error("export not audited")
		}
	})
}

func multipartFile(t *testing.T, name string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return &b, w.FormDataContentType()
}

var uploadRE = regexp.MustCompile(`name="upload" value="(\d+)"`)

func TestImportFromTheWeb(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		existing := directorytest.Enterprise(1)
		if _, err := e.App.Directory.CreateEnterprise(context.Background(), auth.System(), existing); err != nil {
			t.Fatal(err)
		}
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		if r := c.Get("/enterprises/import/template.xlsx"); r.Status != 200 || !strings.HasPrefix(r.Body, "PK") {
			t.Fatalf("template: %d", r.Status)
		}
		bad := directorytest.Row(directorytest.Enterprise(3))
		bad[2] = existing.CreditCode
		data := directorytest.Workbook(directorytest.Headers(), [][]any{
			directorytest.Row(directorytest.Enterprise(2)), bad, directorytest.Row(directorytest.Enterprise(4))})
		body, ct := multipartFile(t, "企业.xlsx", data)
		r := c.Do("POST", "/enterprises/import", body, http.Header{"Content-Type": {ct}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("dirty upload: %d", r.Status)
		}
		mustContain(t, r, "发现 1 处错误，本次未导入任何数据", "该信用代码已登记为 "+existing.Name+"。", `<span class="code">C</span> 统一社会信用代码`, "仅导入无误的行")
		if n := countRows(t, e, "enterprises"); n != 1 {
			t.Fatalf("%d enterprises after a dirty upload", n)
		}
		m := uploadRE.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("no clean-rows button")
		}
		r = c.PostForm("/enterprises/import", url.Values{"upload": {m[1]}, "mode": {"clean"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("clean rows: %d %s", r.Status, r.Body)
		}
		mustContain(t, c.Get("/enterprises/import"), "已导入 2 家企业，跳过有误的 1 行。")
		if n := countRows(t, e, "enterprises"); n != 3 {
			t.Errorf("%d enterprises, want 3", n)
		}
		// The same button twice: the upload is gone, nothing more is imported.
		if r := c.PostForm("/enterprises/import", url.Values{"upload": {m[1]}, "mode": {"clean"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("second click: %d", r.Status)
		}
		// Not a workbook, whatever its name says.
		body, ct = multipartFile(t, "企业.xlsx", []byte("企业名称,统一社会信用代码\n"))
		r = c.Do("POST", "/enterprises/import", body, http.Header{"Content-Type": {ct}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("csv as xlsx: %d", r.Status)
		}
		mustContain(t, r, "该文件不是 Excel 工作簿（.xlsx）")
		// A clean file imports at once.
		body, ct = multipartFile(t, "clean.xlsx", directorytest.Workbook(directorytest.Headers(), [][]any{directorytest.Row(directorytest.Enterprise(9))}))
		if r := c.Do("POST", "/enterprises/import", body, http.Header{"Content-Type": {ct}}); r.Status != http.StatusSeeOther {
			t.Errorf("clean file: %d", r.Status)
		}
		mustContain(t, c.Get("/enterprises/import"), "导入完成：新增 1 家企业。")
		// Analysts do not import.
		addUser(t, e, "analyst.x", auth.RoleAnalyst)
		an := e.Client()
		an.Login("analyst.x", apptest.AdminPassword)
		if r := an.Get("/enterprises/import"); r.Status != http.StatusForbidden {
			t.Errorf("analyst import page: %d", r.Status)
		}
	})
}

// The enterprise page is the file: each mechanism's section plugs in, and until then
// each says plainly that there is nothing yet.
func TestEnterprisePageSections(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		ent, err := e.App.Directory.CreateEnterprise(context.Background(), auth.System(), directorytest.Enterprise(1))
		if err != nil {
			t.Fatal(err)
		}
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		empty := []string{"该企业暂无诉求记录", "该企业暂无联系领导与走访记录", "该企业暂无参加活动记录", "该企业暂无融资需求记录", "该企业暂无调解案件",
			"该企业暂未设立知识产权保护工作站", "该企业暂无参与的协同项目"}
		page := c.Get("/enterprises/" + id(ent.ID))
		mustContain(t, page, empty...)
		mustContain(t, page, "诉求", "联系领导与走访", "活动", "融资", "调解案件", "知识产权工作站", "协同项目")
		if strings.Contains(page.Body, `href="/history/org/`) {
			t.Error("the admin has no history link (history.read is the operators' and the auditor's)")
		}
		addUser(t, e, "operator.x", auth.RoleOperator)
		op := e.Client()
		op.Login("operator.x", apptest.AdminPassword)
		mustContain(t, op.Get("/enterprises/"+id(ent.ID)), `href="/history/org/`+id(ent.ID)+`"`)
		e.App.Web.EnterpriseSections = append(e.App.Web.EnterpriseSections,
			func(r *http.Request, a auth.Actor, eid int64) (web.Section, bool) {
				if eid != ent.ID {
					return web.Section{}, false
				}
				return web.Section{Key: "appeals", Template: "fragments/org_options", Count: 3, MoreHref: "/appeals?enterprise=" + id(eid),
					Data: []directory.Org{{Name: "办理中的诉求 ZQ0001", Kind: auth.OrgGovernment}}}, true
			},
			func(*http.Request, auth.Actor, int64) (web.Section, bool) {
				return web.Section{Key: "financing", Template: "no/such/template"}, true
			})
		page = c.Get("/enterprises/" + id(ent.ID))
		if page.Status != 200 {
			t.Fatalf("page with sections: %d", page.Status)
		}
		mustContain(t, page, `<option value="办理中的诉求 ZQ0001">`, `href="/appeals?enterprise=`+id(ent.ID)+`"`, "该部分暂时无法显示")
		for _, s := range []string{"该企业暂无诉求记录", "该企业暂无融资需求记录"} {
			if strings.Contains(page.Body, s) {
				t.Errorf("filled section still says %q", s)
			}
		}
		mustContain(t, page, empty[1], empty[2], empty[4], empty[5], empty[6])
	})
}

func TestChambersAndPeopleFromTheWeb(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ent, err := e.App.Directory.CreateEnterprise(ctx, auth.System(), directorytest.Enterprise(1))
		if err != nil {
			t.Fatal(err)
		}
		c := e.Client()
		c.Login("admin", apptest.AdminPassword)
		// A chamber and its mediation organisation through the forms.
		r := c.PostForm("/orgs", url.Values{"kind": {"chamber"}, "name": {"长沙市湖北商会"}, "district": {""}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("chamber: %d %s", r.Status, r.Body)
		}
		ch, err := e.App.Directory.OrgByName(ctx, auth.System(), "长沙市湖北商会")
		if err != nil {
			t.Fatal(err)
		}
		if r := c.PostForm("/orgs", url.Values{"kind": {"mediation"}, "name": {"长沙市湖北商会调解中心"}}); r.Status != 422 || !strings.Contains(r.Body, "调解组织须隶属于一个商会") {
			t.Errorf("mediation without chamber: %d", r.Status)
		}
		if r := c.PostForm("/orgs", url.Values{"kind": {"mediation"}, "name": {"长沙市湖北商会调解中心"}, "parent": {"长沙市湖北商会"}}); r.Status != http.StatusSeeOther {
			t.Errorf("mediation: %d %s", r.Status, r.Body)
		}
		// A member by credit code; the chamber page lists it with its post.
		if r := c.PostForm("/chambers/"+id(ch.ID)+"/members", url.Values{"org": {ent.CreditCode}, "post": {"vice_president"}, "joined_on": {"2023-03-01"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add member: %d %s", r.Status, r.Body)
		}
		if r := c.PostForm("/chambers/"+id(ch.ID)+"/members", url.Values{"org": {"没有这家公司"}, "post": {"member"}, "joined_on": {"2023-03-01"}}); r.Status != 422 || !strings.Contains(r.Body, "没有找到该企业") {
			t.Errorf("unknown member: %d", r.Status)
		}
		page := c.Get("/chambers/" + id(ch.ID))
		mustContain(t, page, ent.Name, "副会长", "长沙市湖北商会调解中心", "会员企业 1 家")
		mustContain(t, c.Get("/chambers/"+id(ch.ID)+"?post=member"), "没有符合条件的会员")
		mustContain(t, c.Get("/enterprises/"+id(ent.ID)), "长沙市湖北商会", "副会长")
		ms, _, _ := e.App.Directory.ListMembers(ctx, auth.System(), directory.MemberFilter{ChamberID: ch.ID})
		if r := c.PostForm("/memberships/"+id(ms[0].ID)+"/end", url.Values{"left_on": {"2020-01-01"}, "version": {id(ms[0].Version)}}); r.Status != 422 || !strings.Contains(r.Body, "日期不能早于 2023-03-01") {
			t.Errorf("leaving before joining: %d", r.Status)
		}
		if r := c.PostForm("/memberships/"+id(ms[0].ID)+"/end", url.Values{"left_on": {"2025-12-31"}, "version": {id(ms[0].Version)}}); r.Status != http.StatusSeeOther {
			t.Errorf("end: %d %s", r.Status, r.Body)
		}
		mustContain(t, c.Get("/chambers/"+id(ch.ID)+"?status=former"), ent.Name, "已退会 2025-12-31")
		// A person with posts in two organisations; the full mobile on the page, read recorded.
		r = c.PostForm("/people", url.Values{"name": {"赵敏"}, "mobile": {"13811112222"}, "gender": {"female"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("person: %d %s", r.Status, r.Body)
		}
		loc := r.Header.Get("Location")
		pid := strings.TrimPrefix(loc, "/people/")
		for _, post := range []url.Values{{"org": {ent.Name}, "title": {"董事长"}, "since_on": {"2015-01-01"}}, {"org": {"长沙市湖北商会"}, "title": {"副会长"}}} {
			if r := c.PostForm(loc+"/posts", post); r.Status != http.StatusSeeOther {
				t.Fatalf("post: %d %s", r.Status, r.Body)
			}
		}
		if r := c.PostForm(loc+"/posts", url.Values{"org": {"不存在的单位"}, "title": {"x"}}); r.Status != 422 || !strings.Contains(r.Body, "所属组织不存在") {
			t.Errorf("post in an unknown organisation: %d", r.Status)
		}
		before := countAudit(t, e, "person.read", pid)
		mustContain(t, c.Get(loc), "13811112222", "董事长", "长沙市湖北商会")
		if countAudit(t, e, "person.read", pid) != before+1 {
			t.Error("person read not recorded")
		}
		mustContain(t, c.Get("/people?q=赵"), "138****2222")
		mustContain(t, c.Get("/enterprises/"+id(ent.ID)), "赵敏", "董事长")
		// A bank sees the people of the enterprise directory, their mobiles masked; a
		// mediator has no business with this person.
		addUser(t, e, "bank.x", auth.RoleBank)
		b := e.Client()
		b.Login("bank.x", apptest.AdminPassword)
		if r := b.Get(loc); r.Status != http.StatusOK || strings.Contains(r.Body, "13811112222") || !strings.Contains(r.Body, "138****2222") {
			t.Errorf("bank reads the person: %d", r.Status)
		}
		addUser(t, e, "mediator.x", auth.RoleMediator)
		md := e.Client()
		md.Login("mediator.x", apptest.AdminPassword)
		if r := md.Get(loc); r.Status != http.StatusNotFound {
			t.Errorf("mediator reads the person: %d", r.Status)
		}
		// Sorting headers link both ways and the orgs list filters by kind.
		mustContain(t, c.Get("/people?sort=name"), `class="sort-asc" href="?sort=-name"`)
		mustContain(t, c.Get("/orgs?kind=mediation"), "长沙市湖北商会调解中心")
		if r := c.Get("/orgs?kind=mediation"); strings.Contains(r.Body, `data-href="/orgs/`+id(ch.ID)+`"`) {
			t.Error("kind filter shows the chamber")
		}
	})
}
