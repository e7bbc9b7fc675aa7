package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"yingshang/internal/appeal"
)

// stdEncode is what writeJSON writes for v.
func stdEncode(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pieces of the random strings: every kind of byte the escaping treats apart.
var jsonPieces = []string{"a", "Z", " ", "0", "\"", "\\", "/", "<", ">", "&", "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"受理", "派单", "（压测）", "\u2028", "\u2029", "\u2027", "\u202a", "😀", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "é", "\ufffd"}

func randString(r *rand.Rand) string {
	var sb strings.Builder
	for range r.IntN(12) {
		sb.WriteString(jsonPieces[r.IntN(len(jsonPieces))])
	}
	return sb.String()
}

func randStamp(r *rand.Rand) stamp {
	if r.IntN(4) == 0 {
		return stamp{}
	}
	return stamp(time.UnixMilli(r.Int64N(4_000_000_000_000)).In(time.FixedZone("", r.IntN(24*3600)-12*3600)))
}

func randPage(r *rand.Rand) AppealPage {
	var p AppealPage
	if r.IntN(8) > 0 {
		p.Items = make([]AppealListItem, r.IntN(6))
	}
	for i := range p.Items {
		it := AppealListItem{Number: randString(r), Kind: appeal.Kind(randString(r)), Channel: appeal.Channel(randString(r)),
			Category:     CategoryRef{ID: r.Int64() - r.Int64(), Code: randString(r), Name: randString(r)},
			DistrictCode: randString(r), Priority: appeal.Priority(randString(r)), Confidential: r.IntN(2) == 0, Title: randString(r),
			EnterpriseName: randString(r), ContactPhoneMasked: randString(r), State: appeal.State(randString(r)),
			LeadDepartmentName: randString(r), SLA: SLAJSON{Level: appeal.Level(randString(r)), Clock: appeal.Clock(randString(r)), Due: randStamp(r)},
			SupervisionLevel: r.IntN(5) - 1, Escalated: r.IntN(2) == 0, RedoCount: r.IntN(4), CreatedAt: randStamp(r), UpdatedAt: randStamp(r),
			Version: r.Int64()}
		if r.IntN(2) == 0 {
			it.Part = &PartRef{Role: appeal.AssignmentRole(randString(r)), State: appeal.AssignmentState(randString(r))}
		}
		p.Items[i] = it
	}
	if r.IntN(2) == 0 {
		p.NextCursor = randString(r)
	}
	if r.IntN(2) == 0 {
		n := r.IntN(20000) - 1
		p.Total = &n
	}
	p.TotalCapped = r.IntN(2) == 0
	return p
}

func TestAppealPageJSONEqualsEncoder(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	for i := range 20000 {
		p := randPage(r)
		want, got := stdEncode(t, p), appendAppealPage(nil, p)
		if !bytes.Equal(got, want) {
			t.Fatalf("page %d:\nencoding/json %s\nappendAppealPage %s", i, want, got)
		}
	}
	// Every string of up to three pieces, alone.
	for _, a := range jsonPieces {
		for _, b := range jsonPieces {
			for _, c := range jsonPieces {
				s := a + b + c
				want, _ := json.Marshal(s)
				want = bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">")), []byte(`\u0026`), []byte("&"))
				if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
					t.Fatalf("%q: encoding/json %s, appendJSONString %s", s, want, got)
				}
			}
		}
	}
}

// BenchmarkAppealPageJSON writes a page of 50 typical items both ways:
//
//	go test ./internal/api -run XXX -bench BenchmarkAppealPageJSON -benchmem -count 5
func BenchmarkAppealPageJSON(b *testing.B) {
	now := stamp(time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC))
	total := 10000
	p := AppealPage{NextCursor: "eyJpIjoxMjM0NTZ9", Total: &total, Items: []AppealListItem{}}
	for i := range 50 {
		p.Items = append(p.Items, AppealListItem{Number: "ZQ2026030100" + string(rune('0'+i%10)) + "123", Kind: appeal.KindAppeal,
			Channel: appeal.ChannelHotline, Category: CategoryRef{ID: 9, Code: "finance", Name: "融资类"}, DistrictCode: "430104",
			Priority: appeal.PriorityNormal, Title: "小微企业贷款审批难，恳请协调解决", EnterpriseName: "长沙某某科技有限公司",
			ContactPhoneMasked: "138****8000", State: appeal.StateClosed, LeadDepartmentName: "市地方金融监督管理局",
			SLA: SLAJSON{Level: "green", Clock: "handle", Due: now}, CreatedAt: now, UpdatedAt: now, Version: 7})
	}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			stdEncode(b, p)
		}
	})
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 64<<10)
		for b.Loop() {
			buf = appendAppealPage(buf[:0], p)
		}
	})
}
