package search

import "testing"

// BenchmarkScore scores one appeal's texts for a two-word query, as a search does for
// each of up to a thousand candidates.
func BenchmarkScore(b *testing.B) {
	sc := newScorer(ParseQuery("审批 时间"))
	title, body := "施工许可证审批时间过长", "我公司反映：施工许可证审批时间过长。多次与相关部门沟通，至今未得到明确答复，希望尽快推动解决。"
	reply := "经协调，相关问题已解决，企业已确认。"
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := sc.score(title, body, reply); !ok {
			b.Fatal("no match")
		}
	}
}
