package search

import (
	"slices"
	"unicode"
)

// Text similarity: for the similar-appeal hints and the common-problem detector
// (internal/stats). Text is cut at anything that is not a letter or a digit, each piece
// becomes its overlapping character bigrams (a one-character piece stays a unigram),
// letters are lower-cased, and two texts are compared by the Jaccard index of their
// bigram sets.

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

// Sig is what is compared of an appeal: its title's and its body's bigrams.
type Sig struct {
	title, body bigramSet
}

// Signature is the Sig of an appeal's title and body (its first 300 characters).
func Signature(title, body string) Sig {
	return Sig{title: bigrams(title, 0), body: bigrams(body, maxBodyRunes)}
}

// Similarity weighs the titles 0.7 and the bodies 0.3: enterprises name the problem in
// the title, while bodies share boilerplate (我公司反映…恳请协调解决) that would make
// unrelated appeals look alike. The result is 0..1.
func Similarity(a, b Sig) float64 {
	return 0.7*jaccard(a.title, b.title) + 0.3*jaccard(a.body, b.body)
}

// stopBigrams are the bigrams nearly every appeal holds; a similar-appeal query leaves
// them out so that its candidates share the words that name the problem.
var stopBigrams = map[string]bool{
	"企业": true, "公司": true, "问题": true, "反映": true, "希望": true, "我们": true, "要求": true, "相关": true,
	"部门": true, "协调": true, "解决": true, "请求": true, "恳请": true, "情况": true, "目前": true, "进行": true,
	"我司": true, "本公": true, "司在": true, "予以": true, "一直": true, "没有": true, "存在": true, "影响": true,
}

// maxSimilarTerms bounds the words a similar-appeal query looks for.
const maxSimilarTerms = 16

// similarQuery is the OR of the distinct, non-stop terms of the title (and, when the
// title has few, of the body's beginning).
func similarQuery(title, body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range []string{title, clipRunes(body, 120)} {
		for _, t := range Terms(text) {
			if len(out) >= maxSimilarTerms {
				return out
			}
			if seen[t] || stopBigrams[t] || len([]rune(t)) < 2 {
				continue
			}
			seen[t] = true
			out = append(out, t)
		}
		if len(out) >= 6 {
			break
		}
	}
	return out
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
