package appeal_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/i18n"
)

// delegates is a LeaderLinks that also knows liaison officers (LeaderDelegates).
type delegates struct {
	*links
	mu    sync.Mutex
	actor map[[2]int64]bool // (officer, leader)
}

func (d *delegates) ActsFor(_ context.Context, user, leader int64) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.actor[[2]int64{user, leader}], nil
}

// A liaison officer (role leader, acting for a leader) files a visit's problem supervised
// by the leader, and sees what the leader supervises; a user acting for nobody may not
// name another leader, and sees nothing of it.
func TestLiaisonOfficerActsForLeader(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		officer := f.leader2
		dl := &delegates{links: f.links, actor: map[[2]int64]bool{{officer.UserID, f.leader.UserID}: true}}
		f.svc.SetLeaderLinks(dl)
		in := appeal.NewAppeal{Kind: appeal.KindAppeal, Channel: appeal.ChannelLeaderVisit, CategoryID: f.catPower,
			Title: "走访中企业反映用电增容慢", Body: "调研时企业提出增容申请两个月未批复。", EnterpriseOrgID: f.ent2,
			ContactName: "刘总", ContactPhone: "13987654321", SupervisingLeaderID: f.leader.UserID}
		ap, err := f.svc.Create(f.ctx, officer, in)
		if err != nil {
			t.Fatal(err)
		}
		if ap.SupervisionLevel != 1 {
			t.Errorf("supervision level %d, want 1", ap.SupervisionLevel)
		}
		var who []int64
		rows, _ := d.R.Query(`SELECT user_id FROM appeal_leaders WHERE appeal_id = $1`, ap.ID)
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			who = append(who, id)
		}
		rows.Close()
		if !slices.Equal(who, []int64{f.leader.UserID}) {
			t.Errorf("supervised by %v, want the leader %d", who, f.leader.UserID)
		}
		// The leader hears of it (the officer filed it for them).
		if n := count(f.notes(f.leader), "appeal.notify.created"); n != 1 {
			t.Errorf("the leader got %d created notes", n)
		}
		// The officer sees it (it is not of a linked enterprise: through the leader).
		if _, err := f.svc.Get(f.ctx, officer, ap.ID); err != nil {
			t.Errorf("officer: %v", err)
		}
		// Without the delegation: the same filing is refused, and the appeal is out of sight.
		dl.mu.Lock()
		dl.actor = map[[2]int64]bool{}
		dl.mu.Unlock()
		if _, err := f.svc.Create(f.ctx, officer, in); !fieldErr(err, "supervising_leader_id", "appeal.error.leader") {
			t.Errorf("filing for a leader one does not act for: %v", err)
		}
		if _, err := f.svc.Get(f.ctx, officer, ap.ID); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("former officer still sees it: %v", err)
		}
		// A leader filing without naming anyone supervises it themself.
		in.SupervisingLeaderID = 0
		own, err := f.svc.Create(f.ctx, officer, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(f.ctx, officer, own.ID); err != nil {
			t.Errorf("own: %v", err)
		}
	})
}

// A suggestion is answered with the suggestion outcomes (采纳/部分采纳/解释说明) — the
// general ones still pass and read as their equivalents; an appeal refuses them.
func TestSuggestionOutcomes(t *testing.T) {
	if got := appeal.OutcomesFor(appeal.KindSuggestion); !slices.Equal(got, appeal.SuggestionOutcomes) {
		t.Errorf("suggestion outcomes %v", got)
	}
	if got := appeal.OutcomesFor(appeal.KindAppeal); !slices.Equal(got, appeal.Outcomes) {
		t.Errorf("appeal outcomes %v", got)
	}
	for in, want := range map[appeal.Outcome]appeal.Outcome{
		appeal.OutcomeAdopted: appeal.OutcomeAdopted, appeal.OutcomeSolved: appeal.OutcomeAdopted,
		appeal.OutcomePartlyAdopted: appeal.OutcomePartlyAdopted, appeal.OutcomePartly: appeal.OutcomePartlyAdopted,
		appeal.OutcomeExplained: appeal.OutcomeExplained, appeal.OutcomePolicyExplained: appeal.OutcomeExplained,
		appeal.OutcomeUnsolvedExplained: appeal.OutcomeExplained, "": "",
	} {
		if got := appeal.SuggestionOutcome(in); got != want {
			t.Errorf("SuggestionOutcome(%q) = %q, want %q", in, got, want)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		for _, c := range []struct {
			kind    appeal.Kind
			outcome appeal.Outcome
			ok      bool
		}{
			{appeal.KindSuggestion, appeal.OutcomeAdopted, true},
			{appeal.KindSuggestion, appeal.OutcomePartlyAdopted, true},
			{appeal.KindSuggestion, appeal.OutcomeSolved, true},
			{appeal.KindAppeal, appeal.OutcomeAdopted, false},
			{appeal.KindAppeal, appeal.OutcomeExplained, false},
			{appeal.KindSuggestion, "rejected", false},
		} {
			ap := f.hotline(func(n *appeal.NewAppeal) { n.Kind = c.kind })
			ap = f.must(f.svc.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
			ap = f.must(f.svc.Dispatch(f.ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: f.deptA}))
			ap = f.must(f.svc.Claim(f.ctx, f.a1, ap.ID, ap.Version, ""))
			got, err := f.svc.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: c.outcome, Text: "已研究。"})
			if c.ok && (err != nil || got.Outcome != c.outcome) {
				t.Errorf("%s with %s: %v %q", c.kind, c.outcome, err, got.Outcome)
			}
			if !c.ok && !fieldErr(err, "outcome", "error.choice") {
				t.Errorf("%s with %s: %v, want error.choice", c.kind, c.outcome, err)
			}
		}
		// A direct answer of a suggestion takes them too.
		ap := f.hotline(func(n *appeal.NewAppeal) { n.Kind = appeal.KindSuggestion })
		if got, err := f.svc.DirectReply(f.ctx, f.op, ap.ID, ap.Version, appeal.DirectReplyInput{Text: "感谢建议，已说明。", Outcome: appeal.OutcomeExplained}); err != nil || got.Outcome != appeal.OutcomeExplained {
			t.Errorf("direct reply: %v", err)
		}
	})
}

// The suggestion statistics count kind 建议 by source, lead department and outcome;
// handled means answered; other kinds and other periods stay out.
func TestSuggestionStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		sug := func(n *appeal.NewAppeal) { n.Kind = appeal.KindSuggestion }
		answer := func(ap appeal.Appeal, dept int64, who auth.Actor, o appeal.Outcome) {
			ap = f.must(f.svc.Accept(f.ctx, f.op, ap.ID, ap.Version, ""))
			ap = f.must(f.svc.Dispatch(f.ctx, f.op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: dept}))
			ap = f.must(f.svc.Claim(f.ctx, who, ap.ID, ap.Version, ""))
			f.must(f.svc.Reply(f.ctx, who, ap.ID, ap.Version, appeal.ReplyInput{Outcome: o, Text: "答复。"}))
		}
		from := f.clock.Now()
		// Hotline (enterprise source): adopted by A, explained (policy) by B, one waiting.
		answer(f.hotline(sug), f.deptA, f.a1, appeal.OutcomeAdopted)
		answer(f.hotline(sug), f.deptB, f.b1, appeal.OutcomePolicyExplained)
		f.hotline(sug)
		// A leader's visit: partly adopted by A.
		in := appeal.NewAppeal{Kind: appeal.KindSuggestion, Channel: appeal.ChannelLeaderVisit, CategoryID: f.catTax,
			Title: "建议优化纳税服务", Body: "建议增设企业专窗。", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13812345678"}
		v, err := f.svc.Create(f.ctx, f.leader, in)
		if err != nil {
			t.Fatal(err)
		}
		answer(v, f.deptA, f.a1, appeal.OutcomePartlyAdopted)
		// The chamber files one; a roundtable one; an appeal of another kind stays out.
		in.Channel, in.EnterpriseOrgID = appeal.ChannelChamber, f.ent2
		if _, err := f.svc.Create(f.ctx, f.ch, in); err != nil {
			t.Fatal(err)
		}
		in.Channel = appeal.ChannelRoundtable
		if _, err := f.svc.Create(f.ctx, f.op, in); err != nil {
			t.Fatal(err)
		}
		answer(f.hotline(), f.deptA, f.a1, appeal.OutcomeSolved)
		to := f.clock.Advance(time.Minute)

		st, err := f.svc.SuggestionStats(f.ctx, f.analyst, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Filed != 6 || st.Total.Handled != 3 {
			t.Errorf("total %+v, want 6 filed, 3 handled", st.Total)
		}
		if o := st.Total.ByOutcome; o[appeal.OutcomeAdopted] != 1 || o[appeal.OutcomePartlyAdopted] != 1 || o[appeal.OutcomeExplained] != 1 {
			t.Errorf("by outcome %v", o)
		}
		want := map[appeal.SuggestionSource][2]int{appeal.SourceEnterprise: {3, 2}, appeal.SourceVisit: {1, 1},
			appeal.SourceChamber: {1, 0}, appeal.SourceRoundtable: {1, 0}}
		for src, w := range want {
			if c := st.BySource[src]; c.Filed != w[0] || c.Handled != w[1] {
				t.Errorf("%s: %+v, want filed %d handled %d", src, c, w[0], w[1])
			}
		}
		if len(st.ByDept) != 2 || st.ByDept[0].OrgID != f.deptA || st.ByDept[0].Filed != 2 || st.ByDept[1].OrgID != f.deptB {
			t.Errorf("by department %+v", st.ByDept)
		}
		// A period before everything is empty; who may read it.
		if st, _ := f.svc.SuggestionStats(f.ctx, f.op, from.AddDate(0, -1, 0), from); st.Total.Filed != 0 {
			t.Errorf("earlier period: %+v", st.Total)
		}
		for _, a := range []auth.Actor{f.e1, f.a1, f.ch, f.admin} {
			if _, err := f.svc.SuggestionStats(f.ctx, a, from, to); !isErr(err, apperr.ErrForbidden, "") {
				t.Errorf("%s reads the statistics: %v", a.Username, err)
			}
		}
		if _, err := f.svc.SuggestionStats(f.ctx, f.op, to, from); !fieldErr(err, "to", "appeal.error.period") {
			t.Errorf("reversed period: %v", err)
		}
	})
}

// Briefs keep the actor's scope; OpenForEnterprises lists open appeals worst first and
// refuses an enterprise outside the actor's scope.
func TestBriefsAndOpenForEnterprises(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		closed := f.inState(appeal.StateClosed)
		waiting := f.hotline()
		late := f.dispatched()
		soon := f.dispatched()
		_ = soon
		other := f.hotline(func(n *appeal.NewAppeal) { n.EnterpriseOrgID = f.ent2 })
		// Two working days later the first dispatched appeals' claim deadline has passed.
		f.clock.Advance(48 * time.Hour)
		late = f.must(f.svc.Claim(f.ctx, f.a1, late.ID, late.Version, ""))
		if _, err := f.svc.Sweep(f.ctx); err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Briefs(f.ctx, f.e1, []int64{closed.ID, waiting.ID, other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 2 || b[other.ID].ID != 0 || b[closed.ID].State != appeal.StateClosed || b[closed.ID].Solved == nil || !*b[closed.ID].Solved {
			t.Errorf("ent1's briefs %+v", b)
		}
		f.links.link(f.ent1, f.leader.UserID)
		open, err := f.svc.OpenForEnterprises(f.ctx, f.leader, []int64{f.ent1}, 50)
		if err != nil {
			t.Fatal(err)
		}
		var states []appeal.State
		for _, o := range open {
			states = append(states, o.State)
			if o.ID == closed.ID || o.ID == other.ID {
				t.Errorf("listed %s (%s)", o.Number, o.State)
			}
		}
		if len(open) != 3 || open[0].SLALevel != "red" || open[len(open)-1].ID != waiting.ID {
			t.Errorf("order %v (levels %s…), want red first and the unclocked last", states, open[0].SLALevel)
		}
		if _, err := f.svc.OpenForEnterprises(f.ctx, f.leader, []int64{f.ent1, f.ent2}, 50); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("leader asks for an unlinked enterprise: %v", err)
		}
		if _, err := f.svc.OpenForEnterprises(f.ctx, f.a1, []int64{f.ent1}, 50); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("department asks for an enterprise: %v", err)
		}
		if got, err := f.svc.OpenForEnterprises(f.ctx, f.op, []int64{f.ent1, f.ent2}, 50); err != nil || len(got) != 4 {
			t.Errorf("operator: %d %v", len(got), err)
		}
	})
}

// Every suggestion outcome and source has its words in both languages (the catalog keys
// the liaison pages build from them).
func TestSuggestionCatalogKeys(t *testing.T) {
	keys, err := i18n.Keys()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, o := range appeal.SuggestionOutcomes {
		want = append(want, "appeal.outcome."+string(o))
	}
	for _, s := range appeal.SuggestionSources {
		want = append(want, "appeal.source."+string(s))
	}
	for _, c := range appeal.Channels {
		if !slices.Contains(appeal.SuggestionSources, appeal.SourceOf(c)) {
			t.Errorf("channel %s has no source", c)
		}
	}
	for _, k := range want {
		for _, l := range i18n.Langs {
			if _, ok := keys[l][k]; !ok {
				t.Errorf("%s missing in %s", k, l)
			}
		}
	}
}
