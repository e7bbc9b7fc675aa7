package search

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Chinese has no spaces between words, so the index does what Lucene's CJK analyzer
// does: text is cut at anything that is not a letter or a digit, a run of Han characters
// becomes its overlapping character bigrams (用电难 → 用电, 电难; a lone character stays a
// unigram), and a run of other letters and digits (Latin words, numbers, codes) becomes
// one lower-cased term. Every two-character word (融资, 用电, 拖欠) is then a term of its
// own, and a longer query is the phrase of its bigrams. Both engines index exactly these
// terms at exactly these positions, so they find the same appeals.

// maxTermRunes bounds a Latin/digit term; longer runs are cut (nobody searches for them).
const maxTermRunes = 32

// maxTerms bounds how many terms of one document are indexed (title and body of an
// appeal are bounded by intake; replies add to that).
const maxTerms = 8000

// Terms are a text's index terms in order (positions are the slice indexes).
func Terms(text string) []string {
	var out []string
	eachRun(text, func(run []rune, han bool) bool {
		out = append(out, runTerms(run, han)...)
		return len(out) < maxTerms
	})
	if len(out) > maxTerms {
		out = out[:maxTerms]
	}
	return out
}

// eachRun calls f for every run of Han characters and every run of other letters and
// digits, lower-cased, until f returns false.
func eachRun(text string, f func(run []rune, han bool) bool) {
	var run []rune
	han := false
	flush := func() bool {
		if len(run) == 0 {
			return true
		}
		ok := f(run, han)
		run = run[:0]
		return ok
	}
	for len(text) > 0 {
		r, size := decodeRune(text)
		text = text[size:]
		if r == utf8.RuneError && size <= 1 {
			if !flush() {
				return
			}
			continue
		}
		isHan, word := classify(r)
		if !word {
			if !flush() {
				return
			}
			continue
		}
		if len(run) > 0 && isHan != han {
			if !flush() {
				return
			}
		}
		han = isHan
		run = append(run, unicode.ToLower(r))
	}
	flush()
}

func runTerms(run []rune, han bool) []string {
	if !han {
		if len(run) > maxTermRunes {
			run = run[:maxTermRunes]
		}
		return []string{string(run)}
	}
	if len(run) == 1 {
		return []string{string(run)}
	}
	out := make([]string, 0, len(run)-1)
	for i := 0; i+1 < len(run); i++ {
		out = append(out, string(run[i:i+2]))
	}
	return out
}

// A Query is what the user typed, as groups that must all match: each group is a
// phrase of consecutive terms; a group of one Han character matches every term that
// starts with it (prefix).
type Query struct {
	Groups [][]string
	Prefix []bool
}

// maxGroups and maxQueryRunes bound a query (a pasted page is not a search).
const (
	maxGroups     = 8
	maxQueryRunes = 100
)

// ParseQuery cuts q the way Terms cuts a document. An empty result means nothing
// searchable was typed.
func ParseQuery(q string) Query {
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = string([]rune(q)[:maxQueryRunes])
	}
	var out Query
	seen := map[string]bool{}
	eachRun(q, func(run []rune, han bool) bool {
		terms := runTerms(run, han)
		key := strings.Join(terms, " ")
		if seen[key] {
			return true
		}
		seen[key] = true
		out.Groups = append(out.Groups, terms)
		out.Prefix = append(out.Prefix, han && len(run) == 1)
		return len(out.Groups) < maxGroups
	})
	return out
}

// matches reports whether terms (a document's, in order) hold every group — each as a run
// of consecutive terms, a prefix group as a term that begins with it — and how often the
// groups occur: the same hits as the engines' indexes give for the same terms.
func (q Query) matches(terms []string) (bool, int) {
	total := 0
	for gi, g := range q.Groups {
		n := 0
		for i := 0; i+len(g) <= len(terms); i++ {
			ok := true
			for j, t := range g {
				if q.Prefix[gi] {
					ok = strings.HasPrefix(terms[i+j], t)
				} else if terms[i+j] != t {
					ok = false
				}
				if !ok {
					break
				}
			}
			if ok {
				n++
			}
		}
		if n == 0 {
			return false, 0
		}
		total += n
	}
	return true, total
}

// matchesText is matches over a text without cutting it into terms, for a query of Han
// words of two characters or more. A two-character word (the usual search: 融资, 用电) is
// one bigram term, found wherever the two characters stand together in the text (a Han
// run is never split inside), counted overlapping as the bigrams are (matchWordsIn). A
// longer word (许可证) is a phrase of bigrams, whose positions also chain across
// punctuation, so it is matched against the text's terms as they are cut, without making
// them (matchPhrasesIn). n is the number of terms Terms would give; -1 says the text needs
// Terms: another kind of query (a lone character, Latin letters or digits), or a text at
// the maxTerms bound.
func (q Query) matchesText(text string) (ok bool, occ, n int) {
	phrases := q.directPhrases()
	if words := wordsOf(phrases); words != nil {
		return matchWordsIn(words, text)
	}
	if phrases != nil {
		return matchPhrasesIn(phrases, text)
	}
	return false, 0, -1
}

// directWords are the query's words when matchesText can count them in a text (every
// group a two-character Han word: a phrase of one bigram), else nil.
func (q Query) directWords() []string {
	return wordsOf(q.directPhrases())
}

// wordsOf gives phrases of one bigram each as their words, else nil.
func wordsOf(phrases [][]bigram) []string {
	if phrases == nil {
		return nil
	}
	words := make([]string, len(phrases))
	for i, p := range phrases {
		if len(p) != 1 {
			return nil
		}
		words[i] = string(p[0][:])
	}
	return words
}

// matchWordsIn is matchesText with the words worked out (directWords), over the texts
// joined by line breaks, without joining them.
// n is -1 when the texts hold maxTerms terms or more.
func matchWordsIn(words []string, texts ...string) (ok bool, occ, n int) {
	for _, t := range texts {
		n += countTerms(t)
	}
	if n >= maxTerms {
		return false, 0, -1
	}
	for _, w := range words {
		c := 0
		for _, t := range texts {
			for rest := t; ; {
				i := strings.Index(rest, w)
				if i < 0 {
					break
				}
				c++
				_, size := utf8.DecodeRuneInString(rest[i:])
				rest = rest[i+size:]
			}
		}
		if c == 0 {
			return false, 0, n
		}
		occ += c
	}
	return true, occ, n
}

// A bigram is a Han bigram term as its two characters.
type bigram [2]rune

// maxPhrase bounds the bigrams of a phrase matchPhrasesIn follows (one bit each).
const maxPhrase = 63

// directPhrases are the query's groups as bigrams when matchesText can match them in a
// text (every group a Han word of two characters or more), else nil.
func (q Query) directPhrases() [][]bigram {
	out := make([][]bigram, len(q.Groups))
	for gi, g := range q.Groups {
		if q.Prefix[gi] || len(g) > maxPhrase {
			return nil
		}
		for _, t := range g {
			rs := []rune(t)
			if len(rs) != 2 {
				return nil
			}
			if h, _ := classify(rs[0]); !h {
				return nil
			}
			if h, _ := classify(rs[1]); !h {
				return nil
			}
			out[gi] = append(out[gi], bigram{rs[0], rs[1]})
		}
	}
	return out
}

// matchPhrasesIn is matchesText for phrases of bigrams (directPhrases) over the texts
// joined by line breaks: one pass that cuts the terms as Terms does — a Han run's bigrams
// as its characters come, a lone Han character or a Latin/digit run as one term no
// phrase holds — and follows, for every phrase, which of its prefixes the last terms
// complete. n is -1 when the texts hold maxTerms terms or more.
func matchPhrasesIn(phrases [][]bigram, texts ...string) (ok bool, occ, n int) {
	var counts [maxGroups]int
	var states [maxGroups]uint64 // bit s set: the last s terms are the phrase's first s
	run, han, prev := 0, false, rune(0)
	endRun := func() {
		if run > 0 && (!han || run == 1) {
			n++ // a term no phrase holds
			clear(states[:])
		}
		run = 0
	}
	for _, text := range texts {
		for len(text) > 0 {
			r, size := decodeRune(text)
			text = text[size:]
			isHan, word := false, false
			if r != utf8.RuneError || size > 1 {
				isHan, word = classify(r)
			}
			if !word || (run > 0 && isHan != han) {
				endRun()
				if !word {
					continue
				}
			}
			han = isHan
			if han {
				if run > 0 {
					stepPhrases(phrases, &states, &counts, bigram{prev, r})
					n++
				}
				prev = r
			}
			run++
		}
		endRun() // the texts are joined by line breaks
	}
	if n >= maxTerms {
		return false, 0, -1
	}
	for gi := range phrases {
		if counts[gi] == 0 {
			return false, 0, n
		}
		occ += counts[gi]
	}
	return true, occ, n
}

// stepPhrases moves every phrase's state over the next term b.
func stepPhrases(phrases [][]bigram, states *[maxGroups]uint64, counts *[maxGroups]int, b bigram) {
	for gi, p := range phrases {
		st, next := states[gi]|1, uint64(0) // bit 0: a match may begin at b
		for st != 0 {
			s := bits.TrailingZeros64(st)
			st &= st - 1
			if p[s] != b {
				continue
			}
			if s+1 == len(p) {
				counts[gi]++
			} else {
				next |= 1 << (s + 1)
			}
		}
		states[gi] = next
	}
}

// classify says whether r is a Han character and whether it belongs to a term at all (a
// letter or a number). ASCII and the CJK Unified Ideographs block, nearly all of an
// appeal's text, are answered without the Unicode tables (a search scores a thousand
// texts: the table look-ups were half of countTerms).
func classify(r rune) (han, word bool) {
	switch {
	case r < utf8.RuneSelf:
		return false, 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case 0x4E00 <= r && r <= 0x9FFF:
		return true, true
	case 0x3000 <= r && r <= 0x3004, 0x3008 <= r && r <= 0x3020, 0xFF01 <= r && r <= 0xFF0F, 0xFF1A <= r && r <= 0xFF20:
		// CJK and full-width punctuation (、。「」：，！？…), neither letters nor digits.
		return false, false
	}
	han = unicode.Is(unicode.Han, r)
	return han, han || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// decodeRune is utf8.DecodeRuneInString with valid three-byte sequences (U+0800–U+FFFF
// but the surrogates) decoded inline: the standard decoder answers only ASCII without its
// slow path, and an appeal's text is mostly Han characters and full-width punctuation — a
// search decodes a thousand candidates' texts.
func decodeRune(s string) (rune, int) {
	if len(s) >= 3 && s[0]&0xF0 == 0xE0 && s[1]&0xC0 == 0x80 && s[2]&0xC0 == 0x80 {
		r := rune(s[0]&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F)
		if r >= 0x800 && (r < 0xD800 || r > 0xDFFF) {
			return r, 3
		}
	}
	return utf8.DecodeRuneInString(s)
}

// countTerms is len(Terms(text)) without building the terms.
func countTerms(text string) int {
	n, run, han := 0, 0, false
	flush := func() {
		switch {
		case run == 0:
		case han && run > 1:
			n += run - 1
		default:
			n++
		}
		run = 0
	}
	for len(text) > 0 {
		r, size := decodeRune(text)
		text = text[size:]
		if r == utf8.RuneError && size <= 1 {
			flush()
			continue
		}
		isHan, word := classify(r)
		if !word {
			flush()
			continue
		}
		if run > 0 && isHan != han {
			flush()
		}
		han = isHan
		run++
	}
	flush()
	return n
}

// Empty reports whether the query has nothing to search for.
func (q Query) Empty() bool { return len(q.Groups) == 0 }

// fts5 renders the query in SQLite FTS5's syntax: phrases of quoted terms joined by AND.
func (q Query) fts5() string {
	var b strings.Builder
	for i, g := range q.Groups {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteByte('"')
		for j, t := range g {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.ReplaceAll(t, `"`, `""`))
		}
		b.WriteByte('"')
		if q.Prefix[i] {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// tsquery renders the query as PostgreSQL tsquery input: quoted lexemes, <-> between
// the terms of a phrase, & between groups, :* for a prefix.
func (q Query) tsquery() string {
	var b strings.Builder
	for i, g := range q.Groups {
		if i > 0 {
			b.WriteString(" & ")
		}
		if len(g) > 1 {
			b.WriteByte('(')
		}
		for j, t := range g {
			if j > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString(quoteLexeme(t))
			if q.Prefix[i] {
				b.WriteString(":*")
			}
		}
		if len(g) > 1 {
			b.WriteByte(')')
		}
	}
	return b.String()
}

// bucketed renders the query for PostgreSQL's bucketed index (pgNewest) over the buckets
// hi down to lo, one tsquery per bucket: in it every term of every group (any group's when
// anyGroup), prefixed with the bucket. The index holds no positions, so a phrase is only
// its terms here; the caller tests the rows against the query itself. One query per bucket
// (matched with = ANY) and not one query OR-ing the buckets: GIN answers a query of terms
// that must all occur by stepping through the rarest term's entries, but an OR of such
// queries has no term that must occur, so it read every entry of every term in every
// bucket — two frequent words found together nowhere (融资 拖欠), 64 buckets at a million
// appeals: 40.8 ms as one OR, 5.1 ms as 64 queries. A query where no two terms must occur
// together (one term, or groups of one term any of which will do) stays one OR of the
// buckets, a single element: it reads the same entries either way, in one scan.
func (q Query) bucketed(anyGroup bool, lo, hi int64) []string {
	join := " & "
	if anyGroup {
		join = " | "
	}
	together := !anyGroup && len(q.Groups) > 1
	for _, g := range q.Groups {
		together = together || len(g) > 1
	}
	var out []string
	for k := hi; k >= lo; k-- {
		var b strings.Builder
		for i, g := range q.Groups {
			if i > 0 {
				b.WriteString(join)
			}
			b.WriteByte('(')
			for j, t := range g {
				if j > 0 {
					b.WriteString(" & ")
				}
				b.WriteString(quoteLexeme(strconv.FormatInt(k, 10) + "/" + t))
				if q.Prefix[i] {
					b.WriteString(":*")
				}
			}
			b.WriteByte(')')
		}
		out = append(out, b.String())
	}
	if !together {
		return []string{strings.Join(out, " | ")}
	}
	return out
}

// tsvector renders terms as PostgreSQL tsvector input with their positions (1-based, as
// FTS5 counts them from 0: the same adjacency), at most 256 positions per lexeme and
// positions up to 16383 as PostgreSQL allows.
func tsvector(terms []string) string {
	pos := map[string][]int{}
	var order []string
	for i, t := range terms {
		p := i + 1
		if p > 16383 {
			break
		}
		if _, ok := pos[t]; !ok {
			order = append(order, t)
		}
		if len(pos[t]) < 256 {
			pos[t] = append(pos[t], p)
		}
	}
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(t))
		b.WriteByte(':')
		for j, p := range pos[t] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// quoteLexeme quotes a term for tsvector/tsquery input (terms hold letters and digits
// only, but quotes and backslashes are escaped all the same).
func quoteLexeme(t string) string {
	t = strings.ReplaceAll(t, `\`, `\\`)
	t = strings.ReplaceAll(t, `'`, `''`)
	return "'" + t + "'"
}
