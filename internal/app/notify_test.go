package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/notify"
	"yingshang/internal/notify/notifytest"
)

// addPerson creates a user with an email address and a language.
func addPerson(t *testing.T, e *apptest.Env, name, display, email, lang string, roles ...auth.Role) int64 {
	t.Helper()
	ctx := context.Background()
	org, err := e.App.Directory.OrgByName(ctx, auth.CLI(), "长沙市工商业联合会")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.App.Auth.CreateUser(ctx, auth.CLI(), auth.NewUser{Username: name, DisplayName: display, OrgID: org.ID, Email: email,
		Lang: lang, Password: apptest.AdminPassword, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func emitTo(t *testing.T, e *apptest.Env, key string, users ...int64) {
	t.Helper()
	if err := e.App.Notify.Emit(context.Background(), notify.Event{Type: "appeal.overdue", Key: key, UserIDs: users,
		TitleKey: "notify.test.title", Args: map[string]any{"Name": "诉求 ZQ20260302000001"}, Link: "/appeals/ZQ20260302000001",
		Payload: map[string]any{"number": "ZQ20260302000001"}}); err != nil {
		t.Fatal(err)
	}
}

func TestEmailNotificationsFromSettingsToInbox(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		zhang := addPerson(t, e, "zhang.wei", "张伟", "", "zh-CN", auth.RoleOperator)
		admin := e.Client()
		admin.Login("admin", apptest.AdminPassword)
		mustContain(t, admin.Get("/admin/notify"), "通知设置", "邮件服务器（SMTP）", "未开启")
		port := strconv.Itoa(mb.Port)
		// A refused form keeps what was typed and says what is wrong, next to the field.
		r := admin.PostForm("/admin/notify", url.Values{"smtp_host": {"127.0.0.1"}, "smtp_port": {"abc"}, "smtp_tls": {"none"}, "smtp_from": {"noreply"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad settings: %d", r.Status)
		}
		mustContain(t, r, `value="127.0.0.1"`, `value="noreply"`, "邮箱格式不正确", "应在 1 到 65535 之间")
		r = admin.PostForm("/admin/notify", url.Values{"smtp_host": {"127.0.0.1"}, "smtp_port": {port}, "smtp_tls": {"none"},
			"smtp_from": {"营商通 <noreply@yingshang.example.cn>"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", r.Status, r.Body)
		}
		mustContain(t, admin.Get("/admin/notify"), `value="`+port+`"`, "已开启")

		// The user adds an address on the account page; a bad one comes back with the error.
		u := e.Client()
		u.Login("zhang.wei", apptest.AdminPassword)
		acct := u.Get("/account")
		mustContain(t, acct, "接收邮件通知", `name="email_notify" value="1" checked`)
		r = u.PostForm("/account/notify", url.Values{"email": {"zhang.wei@"}, "email_notify": {"1"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad address: %d", r.Status)
		}
		mustContain(t, r, `value="zhang.wei@"`, "邮箱格式不正确", "我的账户")
		if r = u.PostForm("/account/notify", url.Values{"email": {"zhang.wei@gsl.changsha.gov.cn"}, "email_notify": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save address: %d", r.Status)
		}
		mustContain(t, u.Get("/account"), `value="zhang.wei@gsl.changsha.gov.cn"`)

		emitTo(t, e, "appeal:1:overdue:handle:1772947800", zhang)
		emitTo(t, e, "appeal:1:overdue:handle:1772947800", zhang) // a second sweep
		e.RunJobs()
		e.Clock.Advance(10 * time.Second) // well within the sessions' idle timeout
		e.RunJobs()
		mails := mb.Mails()
		if len(mails) != 1 {
			t.Fatalf("%d messages, want 1", len(mails))
		}
		m := mails[0]
		if m.To[0] != "zhang.wei@gsl.changsha.gov.cn" || m.Subject != "【营商通】诉求 ZQ20260302000001，这是一条测试通知。收到即说明通知设置正常。" ||
			!strings.Contains(m.Body, "查看详情：/appeals/ZQ20260302000001") {
			t.Errorf("message to %v %q:\n%s", m.To, m.Subject, m.Body)
		}
		mustContain(t, u.Get("/notifications"), "诉求 ZQ20260302000001，这是一条测试通知", `href="/appeals/ZQ20260302000001"`)
		mustContain(t, admin.Get("/admin/notify"), "zh***@gsl.changsha.gov.cn", "已送达", "appeal.overdue")
		mustContain(t, admin.Get("/metrics"), `yingshang_notify_sent_total{channel="email"} 1`, `yingshang_notify_sent_total{channel="inapp"} 1`)

		// The administrator's test notification: in-app (the administrator has no address).
		if r := admin.PostForm("/admin/notify/test", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("test notification: %d", r.Status)
		}
		mustContain(t, admin.Get("/admin/notify"), "测试通知已发出")
		e.RunJobs()
		mustContain(t, admin.Get("/notifications"), "系统管理员，这是一条测试通知。")

		// Turned off, the next event stays in-app.
		if r = u.PostForm("/account/notify", url.Values{"email": {"zhang.wei@gsl.changsha.gov.cn"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("turn off: %d", r.Status)
		}
		emitTo(t, e, "appeal:1:overdue:callback:1773034200", zhang)
		e.RunJobs()
		if n := len(mb.Mails()); n != 1 {
			t.Errorf("%d messages after turning email off", n)
		}
	})
}

func TestFailedEmailShowsOnTheAdminPage(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		mb := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		mb.RefuseRecipients(550, "5.1.1 Mailbox does not exist")
		li := addPerson(t, e, "li.na", "李娜", "li.na@gsl.changsha.gov.cn", "zh-CN", auth.RoleAnalyst)
		admin := e.Client()
		admin.Login("admin", apptest.AdminPassword)
		if r := admin.PostForm("/admin/notify", url.Values{"smtp_host": {"127.0.0.1"}, "smtp_port": {strconv.Itoa(mb.Port)}, "smtp_tls": {"none"},
			"smtp_from": {"noreply@yingshang.example.cn"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d", r.Status)
		}
		emitTo(t, e, "appeal:2:overdue", li)
		for i := 0; i < notify.EmailAttempts+2; i++ {
			e.RunJobs()
			e.Clock.Advance(time.Hour)
		}
		admin = e.Client() // hours passed: the first session timed out
		admin.Login("admin", apptest.AdminPassword)
		r := admin.Get("/admin/notify?state=failed")
		mustContain(t, r, "li***@gsl.changsha.gov.cn", "失败", "550", "Mailbox does not exist", ">"+strconv.Itoa(notify.EmailAttempts)+"<")
		if strings.Contains(r.Body, "li.na@gsl.changsha.gov.cn") {
			t.Error("the delivery log shows the full address")
		}
		if r := admin.Get("/admin/notify?state=delivered"); strings.Contains(r.Body, "li***@") {
			t.Error("the state filter does not filter")
		}
		mustContain(t, admin.Get("/metrics"), `yingshang_notify_given_up_total{channel="email"} 1`)
	})
}

var secretRE = regexp.MustCompile(`data-testid="webhook-secret">(whsec_[A-Za-z0-9_-]+)<`)

func TestWebhookSubscriptionsOnThePageAndTheAPI(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		rc := notifytest.StartReceiver(t)
		admin := e.Client()
		admin.Login("admin", apptest.AdminPassword)
		mustContain(t, admin.Get("/admin/webhooks"), "Webhook 推送", "还没有 Webhook 订阅")
		form := url.Values{"url": {rc.URL}, "events": {"appeal.*, mediation.closed"}, "description": {"12345 热线系统"}}
		r := admin.PostForm("/admin/webhooks", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("private receiver: %d", r.Status)
		}
		mustContain(t, r, "不能推送到本机或内网地址", `value="`+rc.URL+`"`, `value="12345 热线系统"`)
		r = admin.PostForm("/admin/webhooks", url.Values{"url": {"https://hooks.example.cn/in"}, "events": {"Appeal!"}, "org": {"没有这个组织"}})
		mustContain(t, r, "事件类型“Appeal!”格式不正确", "所属组织不存在")
		if r := admin.PostForm("/admin/notify", url.Values{"allow_private_webhooks": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("allow private: %d %s", r.Status, r.Body)
		}
		r = admin.PostForm("/admin/webhooks", form)
		m := secretRE.FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil {
			t.Fatalf("create: %d, secret shown: %v", r.Status, m != nil)
		}
		secret := m[1]
		list := admin.Get("/admin/webhooks")
		mustContain(t, list, rc.URL, "appeal.*", "mediation.closed", "启用", "从未")
		if strings.Contains(list.Body, secret) {
			t.Fatal("the list shows the secret again")
		}

		emitTo(t, e, "appeal:1:overdue")
		e.RunJobs()
		reqs := rc.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests, want 1", len(reqs))
		}
		ts := reqs[0].Header.Get(notify.HeaderTimestamp)
		if got := reqs[0].Header.Get(notify.HeaderSignature); got != notify.Sign(secret, ts, reqs[0].Body) {
			t.Errorf("signature %q does not verify with the secret shown once", got)
		}

		// The API: an administrator's token lists, creates (secret once, idempotent) and deletes.
		api := e.APIClient("admin")
		var page struct {
			Items []map[string]any `json:"items"`
		}
		lr := api.Get("/api/v1/webhooks")
		lr.JSON(t, &page)
		if lr.Status != http.StatusOK || len(page.Items) != 1 || page.Items[0]["url"] != rc.URL || page.Items[0]["secret"] != nil {
			t.Fatalf("list: %d %s", lr.Status, lr.Body)
		}
		hookID := int64(page.Items[0]["id"].(float64))
		if last, _ := page.Items[0]["last_delivery"].(map[string]any); last["status_code"] != float64(200) || last["state"] != "delivered" {
			t.Errorf("last delivery %v", page.Items[0]["last_delivery"])
		}
		mustContain(t, admin.Get("/admin/webhooks/"+strconv.FormatInt(hookID, 10)), "已送达", "200", reqs[0].Header.Get(notify.HeaderDelivery))

		in := map[string]any{"url": "https://hooks.example.cn/yingshang", "events": []string{"appeal.overdue"}, "description": "区政务服务中心"}
		cr := api.PostJSON("/api/v1/webhooks", in, "Idempotency-Key", "wh-1")
		var created map[string]any
		cr.JSON(t, &created)
		if cr.Status != http.StatusCreated || !strings.HasPrefix(created["secret"].(string), "whsec_") {
			t.Fatalf("create: %d %s", cr.Status, cr.Body)
		}
		again := api.PostJSON("/api/v1/webhooks", in, "Idempotency-Key", "wh-1")
		var replay map[string]any
		again.JSON(t, &replay)
		if again.Status != http.StatusCreated || replay["id"] != created["id"] {
			t.Errorf("idempotent retry created another subscription: %v vs %v", replay["id"], created["id"])
		}
		bad := api.PostJSON("/api/v1/webhooks", map[string]any{"url": "ftp://hooks.example.cn/in", "events": []string{}})
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `"field":"url"`) || !strings.Contains(bad.Body, `"field":"events"`) {
			t.Errorf("invalid create: %d %s", bad.Status, bad.Body)
		}
		newID := strconv.FormatInt(int64(created["id"].(float64)), 10)
		if r := api.Do("DELETE", "/api/v1/webhooks/"+newID, nil, nil); r.Status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
		for _, p := range []string{"GET", "DELETE"} {
			if r := api.Do(p, "/api/v1/webhooks/"+newID, nil, nil); r.Status != http.StatusNotFound {
				t.Errorf("%s deleted: %d", p, r.Status)
			}
		}
		if r := api.Do("DELETE", "/api/v1/webhooks/abc", nil, nil); r.Status != http.StatusNotFound {
			t.Errorf("malformed id: %d", r.Status)
		}
		reader := e.APIClient("admin", "read")
		if r := reader.PostJSON("/api/v1/webhooks", in); r.Status != http.StatusForbidden {
			t.Errorf("read-only token creates: %d", r.Status)
		}
		if r := reader.Get("/api/v1/webhooks"); r.Status != http.StatusOK {
			t.Errorf("read-only token lists: %d", r.Status)
		}

		// Nobody else manages subscriptions: not by page, not by API.
		addUser(t, e, "analyst.w", auth.RoleAnalyst)
		other := e.Client()
		other.Login("analyst.w", apptest.AdminPassword)
		id := strconv.FormatInt(hookID, 10)
		for _, p := range []string{"/admin/webhooks", "/admin/webhooks/" + id, "/admin/notify"} {
			if r := other.Get(p); r.Status != http.StatusForbidden {
				t.Errorf("analyst GET %s: %d", p, r.Status)
			}
		}
		if r := other.PostForm("/admin/webhooks/"+id+"/delete", nil); r.Status != http.StatusForbidden {
			t.Errorf("analyst deletes: %d", r.Status)
		}
		oapi := e.APIClient("analyst.w")
		if r := oapi.Get("/api/v1/webhooks"); r.Status != http.StatusForbidden {
			t.Errorf("analyst API list: %d", r.Status)
		}
		if r := oapi.Do("DELETE", "/api/v1/webhooks/"+id, nil, nil); r.Status != http.StatusForbidden {
			t.Errorf("analyst API delete: %d", r.Status)
		}

		// Disabled before the queue got to an event, then deleted, on the page.
		emitTo(t, e, "appeal:1:replied")
		if r := admin.PostForm("/admin/webhooks/"+id+"/active", url.Values{"active": {"0"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.Status)
		}
		mustContain(t, admin.Get("/admin/webhooks/"+id), "已停用", "启用</button>")
		e.RunJobs()
		if n := len(rc.Requests()); n != 1 {
			t.Errorf("a disabled subscription received %d requests", n)
		}
		mustContain(t, admin.Get("/admin/webhooks/"+id+"?state=cancelled"), "已取消", "订阅已停用，未发送。")
		if r := admin.PostForm("/admin/webhooks/"+id+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := admin.Get("/admin/webhooks/" + id); r.Status != http.StatusNotFound {
			t.Errorf("deleted page: %d", r.Status)
		}
		var actions []string
		rows, err := e.App.DB.R.Query(`SELECT action FROM audit_log WHERE object_type = 'webhook' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			_ = rows.Scan(&a)
			actions = append(actions, a)
		}
		want := []string{"webhook.create", "webhook.create", "webhook.delete", "webhook.update", "webhook.delete"}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Errorf("audit %v, want %v", actions, want)
		}
	})
}
