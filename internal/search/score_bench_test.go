package search

import "testing"

// BenchmarkScore scores one appeal's texts for a query, as a search does for each of up
// to a thousand candidates: two two-character words, and a three-character word (a
// phrase of two bigrams).
func BenchmarkScore(b *testing.B) {
	title, body := "施工许可证审批时间过长", "我公司反映：施工许可证审批时间过长。多次与相关部门沟通，至今未得到明确答复，希望尽快推动解决。"
	reply := "经协调，相关问题已解决，企业已确认。"
	for _, q := range []string{"审批 时间", "许可证"} {
		b.Run(q, func(b *testing.B) {
			sc := newScorer(ParseQuery(q))
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := sc.score(title, body, reply); !ok {
					b.Fatal("no match")
				}
			}
		})
	}
}
