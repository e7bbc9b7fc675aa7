package search

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"yingshang/internal/db"
)

func TestTerms(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"用电难", []string{"用电", "电难"}},
		{"融资", []string{"融资"}},
		{"税", []string{"税"}},
		{"A栋3楼停电，ABC公司2024年", []string{"a", "栋", "3", "楼停", "停电", "abc", "公司", "2024", "年"}},
		{"  拖欠账款！！\n\t", []string{"拖欠", "欠账", "账款"}},
		{"Café au lait", []string{"café", "au", "lait"}},
		{"", nil},
		{"，。！", nil},
		{"\xff\xfe融资", []string{"融资"}},
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := make([]rune, 0, 20000)
	for range 20000 {
		long = append(long, '企')
	}
	if n := len(Terms(string(long))); n != maxTerms {
		t.Errorf("a 20,000-character text gives %d terms, want the cap %d", n, maxTerms)
	}
}

func TestParseQuery(t *testing.T) {
	cases := []struct {
		in            string
		fts5, tsquery string
	}{
		{"融资", `"融资"`, `'融资'`},
		{"用电难", `"用电 电难"`, `('用电' <-> '电难')`},
		{"税", `"税"*`, `'税':*`},
		{"融资 拖欠", `"融资" AND "拖欠"`, `'融资' & '拖欠'`},
		{"融资 融资", `"融资"`, `'融资'`},
		{"' OR 1=1 --", `"or" AND "1"`, `'or' & '1'`},
		{`"quoted" \ back`, `"quoted" AND "back"`, `'quoted' & 'back'`},
	}
	for _, c := range cases {
		q := ParseQuery(c.in)
		if got := q.fts5(); got != c.fts5 {
			t.Errorf("ParseQuery(%q).fts5() = %s, want %s", c.in, got, c.fts5)
		}
		if got := q.tsquery(); got != c.tsquery {
			t.Errorf("ParseQuery(%q).tsquery() = %s, want %s", c.in, got, c.tsquery)
		}
	}
	for _, empty := range []string{"", "   ", "！？。", "\x00"} {
		if !ParseQuery(empty).Empty() {
			t.Errorf("ParseQuery(%q) is not empty", empty)
		}
	}
	if n := len(ParseQuery("一 二 三 四 五 六 七 八 九 十").Groups); n != maxGroups {
		t.Errorf("ten words give %d groups, want %d", n, maxGroups)
	}
}

func TestTSVector(t *testing.T) {
	got := tsvector([]string{"用电", "电难", "用电", "it's"})
	want := `'用电':1,3 '电难':2 'it''s':4`
	if got != want {
		t.Errorf("tsvector = %s, want %s", got, want)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"融资", "用电难 拖欠", "' OR 1=1 --", "\"", "\\", "税", "A栋", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if len(q.Groups) != len(q.Prefix) || len(q.Groups) > maxGroups {
			t.Fatalf("groups %d, prefix %d", len(q.Groups), len(q.Prefix))
		}
		for _, g := range q.Groups {
			if len(g) == 0 {
				t.Fatal("empty group")
			}
			for _, term := range g {
				if term == "" {
					t.Fatal("empty term")
				}
			}
		}
		_ = q.fts5()
		_ = q.tsquery()
	})
}

// matchesText (the direct count) agrees with matches over Terms on random texts and
// queries of one or two Han words of two to four characters (a longer word is a phrase
// of bigrams), with repeats, overlaps ("哈哈" in "哈哈哈"), Latin words, digits,
// punctuation and invalid bytes between them — and phrases whose bigrams chain across
// punctuation (用电，电难 holds 用电难); other queries fall back to Terms.
func TestMatchesTextEqualsTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	all := []rune("融资用电拖欠贷款哈审批")
	han := all
	pieces := []string{"，", " ", "ABC", "x1", "2026", "。\n", "\xff", "é"}
	text := func() string {
		var b strings.Builder
		for range rng.IntN(60) {
			if rng.IntN(4) == 0 {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				b.WriteRune(han[rng.IntN(len(han))])
			}
		}
		return b.String()
	}
	checked, phrases, chained, filtered := 0, 0, 0, 0
	for range 40000 {
		han = all
		if rng.IntN(2) == 0 {
			han = all[:3] // few characters: phrases match, and chain across punctuation
		}
		var words []string
		long := false
		for range 1 + rng.IntN(2) {
			w := make([]rune, 2+rng.IntN(3)) // 2–4 characters: a word or a phrase of bigrams
			long = long || len(w) > 2
			for i := range w {
				w[i] = han[rng.IntN(len(han))]
			}
			words = append(words, string(w))
		}
		q := ParseQuery(strings.Join(words, " "))
		doc := text()
		ok, occ, n := q.matchesText(doc)
		if n < 0 {
			t.Fatalf("query %q fell back", words)
		}
		terms := Terms(doc)
		wok, wocc := q.matches(terms)
		if ok != wok || n != len(terms) || (ok && occ != wocc) {
			t.Fatalf("query %q in %q: direct (%v, %d, %d terms), Terms (%v, %d, %d terms)", words, doc, ok, occ, n, wok, wocc, len(terms))
		}
		// The scorer counts title, body and reply apart: the same as over the joined text.
		title, body, reply := text(), text(), text()
		joined := title + "\n" + body
		if reply != "" {
			joined += "\n\n" + reply
		}
		jterms := Terms(joined)
		jok, jocc := q.matches(jterms)
		sc := newScorer(q)
		sok, score := sc.score(title, body, reply)
		// The database's prefilter lets every text the scorer matches through.
		if _, subs := sc.prefilter(db.SQLite, nil); sok {
			for _, sub := range subs {
				if s := sub.(string); !strings.Contains(title, s) && !strings.Contains(body, s) && !strings.Contains(reply, s) {
					t.Fatalf("query %q matches %q | %q | %q, but the prefilter wants %q in one of them", words, title, body, reply, s)
				}
			}
			filtered++
		}
		want := 0.0
		if jok && len(jterms) > 0 {
			want = float64(jocc) / math.Sqrt(float64(len(jterms)))
		}
		if sok != jok || score != want {
			t.Fatalf("query %q in %q | %q | %q: scorer (%v, %v), Terms (%v, %v)", words, title, body, reply, sok, score, jok, want)
		}
		if ok {
			checked++
			if long {
				phrases++
				// A phrase found by its terms but not as the characters in a row: its
				// bigrams chain across punctuation.
				for _, w := range words {
					if len([]rune(w)) > 2 && !strings.Contains(doc, w) {
						chained++
						break
					}
				}
			}
		}
	}
	if checked < 100 || phrases < 100 || chained < 10 || filtered < 100 {
		t.Fatalf("only %d matching cases, %d with phrases, %d chained across punctuation, %d through the prefilter", checked, phrases, chained, filtered)
	}
	// Other queries fall back to Terms.
	for _, s := range []string{"电", "ABC", "融资 x1", "2026", "欠贷哈款 电"} {
		if _, _, n := ParseQuery(s).matchesText("融资ABC"); n != -1 {
			t.Errorf("%q was counted directly", s)
		}
	}
}

// TestClassifyAgreesWithUnicode checks classify's fast paths against the Unicode tables
// for every rune.
func TestClassifyAgreesWithUnicode(t *testing.T) {
	bad := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		han, word := classify(r)
		wantHan := unicode.Is(unicode.Han, r)
		wantWord := wantHan || unicode.IsLetter(r) || unicode.IsNumber(r)
		if han != wantHan || word != wantWord {
			if bad++; bad <= 10 {
				t.Errorf("%U: han %v word %v, want %v %v", r, han, word, wantHan, wantWord)
			}
		}
	}
}

// TestDecodeRuneAgreesWithUTF8 checks decodeRune's inline path against the standard
// decoder for every three bytes led by E0–EF (valid, overlong, surrogates, broken) and
// for shorter and longer inputs around it.
func TestDecodeRuneAgreesWithUTF8(t *testing.T) {
	bad := 0
	check := func(s string) {
		r, n := decodeRune(s)
		wr, wn := utf8.DecodeRuneInString(s)
		if r != wr || n != wn {
			if bad++; bad <= 10 {
				t.Errorf("% x: %U/%d, want %U/%d", s, r, n, wr, wn)
			}
		}
	}
	buf := make([]byte, 4)
	for b0 := 0xE0; b0 <= 0xEF; b0++ {
		for b1 := 0; b1 < 256; b1++ {
			for b2 := 0; b2 < 256; b2++ {
				buf[0], buf[1], buf[2], buf[3] = byte(b0), byte(b1), byte(b2), 'x'
				check(string(buf[:3]))
				check(string(buf))
			}
			check(string(buf[:2]))
		}
	}
	for _, s := range []string{"", "a", "\xff", "é", "𠀀", "\xf0\x9f\x98", "融资", "，"} {
		check(s)
	}
}

// TestBucketedQueries: a query whose terms must occur together is one tsquery per bucket,
// newest first (GIN steps through the rarest term of each); one where any term will do is
// a single OR of the buckets.
func TestBucketedQueries(t *testing.T) {
	for _, c := range []struct {
		q    string
		any  bool
		want []string
	}{
		{"融资", false, []string{"('9/融资') | ('8/融资')"}},
		{"融资 拖欠", false, []string{"('9/融资') & ('9/拖欠')", "('8/融资') & ('8/拖欠')"}},
		{"许可证", false, []string{"('9/许可' & '9/可证')", "('8/许可' & '8/可证')"}},
		{"融资 拖欠", true, []string{"('9/融资') | ('9/拖欠') | ('8/融资') | ('8/拖欠')"}},
	} {
		if got := ParseQuery(c.q).bucketed(c.any, 8, 9); !slices.Equal(got, c.want) {
			t.Errorf("%q (any %v): %q, want %q", c.q, c.any, got, c.want)
		}
	}
}
