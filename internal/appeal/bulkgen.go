package appeal

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// GenOptions configure a BulkGenerator.
type GenOptions struct {
	N        int
	From, To time.Time
	Seed     uint64
}

// BulkGenerator produces realistic historic appeals as bulk rows, in filing order, for
// the benchmark and for tests: the city's directory and catalogue, kinds 诉求 60% / 投诉 15%
// / 咨询 20% / 建议 5%, categories weighted as GenerateHistory weighs them, the category's
// usual department as lead in four cases of five, outcomes 62/18/8/12, callbacks 70% 满意 /
// 20% 基本满意 / 10% 不满意, 2% rejected; the appeals of the last three weeks are still
// open in proportion to their age, and a few older ones are overdue. The text comes
// from the same vocabulary as GenerateHistory's (so 融资, 用电, 拖欠 … occur).
type BulkGenerator struct {
	o         GenOptions
	rng       *rand.Rand
	i         int
	ents      []bulkEnt
	cats      []histCategory
	weights   []float64
	handlers  []string
	deptNames map[int64]string
}

// NewBulkGenerator reads the directory and catalogue the rows will name.
func (s *Service) NewBulkGenerator(ctx context.Context, o GenOptions) (*BulkGenerator, error) {
	if !o.From.Before(o.To) {
		return nil, fmt.Errorf("appeal: generator: From %v is not before To %v", o.From, o.To)
	}
	g := &BulkGenerator{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x5851f42d4c957f2d)), deptNames: map[int64]string{}}
	h := &history{s: s, o: HistoryOptions{N: o.N, From: o.From, To: o.To}, res: &HistoryResult{}}
	if err := h.load(ctx); err != nil {
		return nil, err
	}
	g.cats, g.weights = h.categories, h.catWeights
	for _, d := range h.handlers {
		g.handlers = append(g.handlers, d.name)
		g.deptNames[d.id] = d.name
	}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT o.id, o.name, o.district_code, COALESCE(e.credit_code, '') FROM orgs o
		LEFT JOIN enterprises e ON e.org_id = o.id WHERE o.kind = $1 ORDER BY o.id`, auth.OrgEnterprise)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e bulkEnt
		if err := rows.Scan(&e.id, &e.name, &e.district, &e.code); err != nil {
			rows.Close()
			return nil, err
		}
		g.ents = append(g.ents, e)
	}
	if err := db.RowsErr(rows); err != nil {
		return nil, err
	}
	if len(g.ents) == 0 {
		return nil, fmt.Errorf("appeal: generator needs enterprises in the directory")
	}
	return g, nil
}

func (g *BulkGenerator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *BulkGenerator) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Float64()*float64(hi-lo))
}

// Next returns the next row; false after N rows.
func (g *BulkGenerator) Next() (BulkRow, bool) {
	if g.i >= g.o.N {
		return BulkRow{}, false
	}
	span := g.o.To.Sub(g.o.From)
	created := g.o.From.Add(time.Duration((float64(g.i) + g.rng.Float64()) / float64(g.o.N) * float64(span))).Truncate(time.Second)
	g.i++
	kind := Kinds[pickW(g.rng, []float64{60, 15, 20, 5})]
	cat := g.cats[pickW(g.rng, g.weights)]
	ent := g.ents[g.rng.IntN(len(g.ents))]
	title, body := histText(g.rng, cat.top, kind)
	r := BulkRow{Kind: kind, CategoryCode: cat.code, Title: title, Body: body, CreatedAt: created,
		ContactName:  string(histSurnames[g.rng.IntN(len(histSurnames))]) + []string{"经理", "总", "主任", "会计", "女士", "先生"}[g.rng.IntN(6)],
		ContactPhone: fmt.Sprintf("1%d%09d", 3+g.rng.IntN(7), g.rng.IntN(1_000_000_000))}
	if ent.code != "" && !g.chance(0.05) {
		r.CreditCode = ent.code
	} else {
		r.EnterpriseName = ent.name
	}
	switch x := g.rng.Float64(); {
	case x < 0.30:
		r.Channel = ChannelPortal
	case x < 0.37:
		r.Channel = ChannelChamber
	case x < 0.40:
		r.Channel = ChannelLeaderVisit
	case x < 0.45:
		r.Channel = ChannelAPI
	default:
		r.Channel = ChannelHotline
	}
	if g.chance(0.05) {
		r.Priority = PriorityUrgent
	}
	if name := g.deptNames[cat.dept]; name != "" && !g.chance(0.2) {
		r.LeadDept = name
	} else {
		r.LeadDept = g.handlers[g.rng.IntN(len(g.handlers))]
	}
	// Where it stands today: by its age.
	age := g.o.To.Sub(created)
	day := 24 * time.Hour
	var st State
	switch x := g.rng.Float64(); {
	case age < day:
		st = []State{StateSubmitted, StateAccepted, StateDispatched, StateInProgress}[pickW(g.rng, []float64{30, 20, 30, 20})]
	case age < 7*day:
		st = []State{StateDispatched, StateInProgress, StateReplied, StateClosed}[pickW(g.rng, []float64{10, 50, 15, 25})]
	case age < 21*day:
		st = []State{StateInProgress, StateReplied, StateClosed}[pickW(g.rng, []float64{10, 10, 80})]
	case x < 0.003:
		st = StateInProgress // long overdue
	case x < 0.023:
		st = StateRejected
	default:
		st = StateClosed
	}
	r.State = st
	switch st {
	case StateRejected:
		r.ClosedAt = created.Add(g.between(time.Hour, 2*day)).Truncate(time.Second)
		r.ReplyText = "所反映事项不属于涉企诉求受理范围，已告知企业通过相应渠道反映。"
	case StateReplied, StateClosed:
		r.Outcome = Outcomes[pickW(g.rng, []float64{62, 18, 8, 12})]
		r.ReplyText = histReply(g.rng, r.Outcome)
		replied := created.Add(g.between(4*time.Hour, 9*day))
		if st == StateClosed {
			closed := replied.Add(g.between(2*time.Hour, 2*day))
			if closed.After(g.o.To) {
				closed = created.Add(age * 9 / 10)
				replied = created.Add(age * 7 / 10)
			}
			r.ClosedAt = closed.Truncate(time.Second)
			r.Satisfaction = Satisfactions[pickW(g.rng, []float64{70, 20, 10})]
			if r.Outcome == OutcomeUnsolvedExplained && g.chance(0.3) {
				r.Satisfaction = Unsatisfied
			}
		} else if replied.After(g.o.To) {
			replied = created.Add(age * 7 / 10)
		}
		r.RepliedAt = replied.Truncate(time.Second)
	}
	return r, true
}
