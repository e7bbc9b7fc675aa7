package stats

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Text similarity for the common-problem detector. internal/search has not landed, so
// this is a small local version of the same idea (Lucene's CJK analyzer): text is cut at
// anything that is not a letter or a digit, each piece becomes its overlapping character
// bigrams (a one-character piece stays a unigram), Latin letters are lower-cased, and two
// texts are compared by the Jaccard index of their bigram sets.

// bigramSet is a sorted, de-duplicated set of bigrams, each two runes packed in a uint64.
type bigramSet []uint64

// maxBodyRunes is how much of a body the detector reads.
const maxBodyRunes = 300

func bigrams(s string, limit int) bigramSet {
	var out []uint64
	var prev rune
	have := false
	single := false // the current piece is one rune so far
	n := 0
	flush := func() {
		if have && single {
			out = append(out, uint64(prev))
		}
		have, single = false, false
	}
	for _, r := range s {
		if limit > 0 && n >= limit {
			break
		}
		n++
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			flush()
			continue
		}
		r = unicode.ToLower(r)
		if have {
			out = append(out, uint64(prev)<<32|uint64(r))
			single = false
		} else {
			have, single = true, true
		}
		prev = r
	}
	flush()
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard is |a ∩ b| / |a ∪ b| (0 for two empty sets).
func jaccard(a, b bigramSet) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// textSig is what the detector compares of an appeal.
type textSig struct {
	title, body bigramSet
}

func signature(title, body string) textSig {
	return textSig{title: bigrams(title, 0), body: bigrams(body, maxBodyRunes)}
}

// similarity weighs the titles 0.7 and the bodies 0.3: enterprises name the problem in
// the title, while bodies share boilerplate (我公司反映…恳请协调解决) that would make
// unrelated appeals look alike. The result is 0..1.
func similarity(a, b textSig) float64 {
	return 0.7*jaccard(a.title, b.title) + 0.3*jaccard(a.body, b.body)
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
