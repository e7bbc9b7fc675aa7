package search_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

// On SQLite a match's candidates take their scores from the index (the query's
// occurrences, db.FTS5Instances, over the square root of FTS5's row size); they must be
// exactly the scores the scorer gives from the appeals' texts — the score of the pending
// appeals and of an enterprise's own rows — for words, phrases, a lone character, Latin
// letters and digits, replies included.
func TestIndexScoresAreTheTextScores(t *testing.T) {
	e := apptest.New(t, db.SQLite, apptest.Options{Demo: 40})
	ctx := context.Background()
	op := e.Actor("operator1")
	cat, err := e.App.Appeal.CategoryByCode(ctx, op, "finance")
	if err != nil {
		t.Fatal(err)
	}
	var filed []appeal.Appeal
	for _, text := range [][2]string{
		{"ERP系统V2.0升级", "ERP 系统升级到 v2.0 后，2024年的发票无法导出；ERP厂商称需付费。"},
		{"融资难：贷款利率高", "融资、融资，还是融资！银行贷款利率 4.35%，担保费率 2%（一年）。"},
		{"税", "税务局；税收优惠。税"},
		{"用电", strings.Repeat("园区用电负荷不足，夏季频繁停电。", 40) + "——《紧急》"},
	} {
		ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: text[0],
			Body: text[1], EnterpriseName: "星沙测试企业有限公司", DistrictCode: "430104", ContactName: "陈总", ContactPhone: "13700003333"})
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, ap)
	}
	// Two of them answered: the reply is indexed with the texts.
	dept := e.Actor("gxj1")
	for i, reply := range []string{"已协调合作银行，融资贴息；ERP 费用由园区补贴 50%。", "供电公司已增容，用电恢复正常，不再停电。"} {
		ap := filed[i*3]
		ap, err := e.App.Appeal.Accept(ctx, op, ap.ID, ap.Version, "")
		if err == nil {
			ap, err = e.App.Appeal.Dispatch(ctx, op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: e.Demo.Orgs["gxj"]})
		}
		if err == nil {
			ap, err = e.App.Appeal.Claim(ctx, dept, ap.ID, ap.Version, "")
		}
		if err == nil {
			_, err = e.App.Appeal.Reply(ctx, dept, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: reply})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	fold(t, e)
	texts := map[int64][3]string{}
	rows, err := e.App.DB.R.QueryContext(ctx, `SELECT id, title, body, reply_text FROM appeals`)
	if err != nil {
		t.Fatal(err)
	}
	replied := 0
	for rows.Next() {
		var id int64
		var tx [3]string
		if err := rows.Scan(&id, &tx[0], &tx[1], &tx[2]); err != nil {
			t.Fatal(err)
		}
		if tx[2] != "" {
			replied++
		}
		texts[id] = tx
	}
	rows.Close()
	queries := append(frequentWords(allAppeals(t, e), 12), "erp", "v2", "2024", "税", "融资 贷款", "担保费率", "停电 用电", "紧急")
	compared, withReply := 0, 0
	for _, q := range queries {
		hits, err := e.App.Search.Match(ctx, search.ParseQuery(q), search.MaxCandidates)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("%q: no hits", q)
		}
		for _, h := range hits {
			tx := texts[h.ID]
			ok, want := search.TextScore(q, tx[0], tx[1], tx[2])
			if !ok || math.Abs(h.Score-want) > 1e-12 {
				t.Errorf("%q, appeal %d: the index scores %v, the texts %v (match %v)", q, h.ID, h.Score, want, ok)
			}
			compared++
			if tx[2] != "" {
				withReply++
			}
		}
	}
	if replied == 0 || withReply == 0 {
		t.Fatalf("%d appeals answered, %d answered hits: the replies' part of the score is not compared", replied, withReply)
	}
	t.Logf("%d hits of %d queries compared (%d with a reply)", compared, len(queries), withReply)
}
