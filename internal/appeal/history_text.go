package appeal

import "math/rand/v2"

// histTitles are typical titles of each branch of the catalogue, as enterprises word
// them; histText adds a body around one.
var histTitles = map[string][]string{
	"policy":      {"惠企奖补资金迟迟未兑现", "申请专精特新企业认定需要哪些条件", "技改补贴政策申报咨询", "研发费用加计扣除政策如何享受"},
	"approval":    {"施工许可证审批时间过长", "食品经营许可证变更手续咨询", "环评审批材料多次被退回", "消防验收预约排期太久"},
	"finance":     {"小微企业贷款审批难", "申请创业担保贷款遇阻", "银行抽贷导致资金链紧张", "应收账款质押融资咨询"},
	"land":        {"项目用地指标迟迟未落实", "厂房规划许可办理进度慢", "工业用地续期手续咨询", "土地证办理遇历史遗留问题"},
	"utilities":   {"厂区用电增容申请迟迟未批复", "园区频繁停电影响生产", "天然气开户报装费用过高", "5G 基站信号覆盖不足影响办公"},
	"labour":      {"企业招工难，希望组织专场招聘", "高层次人才补贴申报咨询", "社保补缴政策咨询", "技术工人职称评定渠道咨询"},
	"tax":         {"增值税留抵退税到账慢", "出口退税审核时间过长", "小规模纳税人减免政策咨询", "涉企收费项目是否合规"},
	"ip":          {"商标被恶意抢注", "专利侵权维权难", "核心技术人员泄露商业秘密", "知识产权质押融资咨询"},
	"market":      {"同行恶意低价倾销扰乱市场", "企业名称变更登记咨询", "产品质量抽检结果存在异议", "网络平台不正当竞争"},
	"arrears":     {"政府工程项目款项被长期拖欠", "国有企业拖欠货款一年未付", "工程竣工后结算款迟迟不付", "拖欠中小企业账款催收无果"},
	"enforcement": {"一个月内多次重复检查", "行政处罚裁量过重", "执法人员要求停产整改缺乏依据", "跨部门联合检查频次过高"},
	"legal":       {"合同纠纷诉讼周期过长", "胜诉判决执行难", "劳动争议仲裁咨询", "希望获得免费法律体检服务"},
	"other":       {"园区道路破损影响货车通行", "企业周边停车难", "希望增开园区公交线路", "对营商环境的几点建议"},
}

func histText(rng *rand.Rand, top string, kind Kind) (title, body string) {
	titles := histTitles[top]
	if len(titles) == 0 {
		titles = histTitles["other"]
	}
	title = titles[rng.IntN(len(titles))]
	openers := []string{"我公司", "我司", "本企业"}
	middles := []string{
		"多次与相关部门沟通，至今未得到明确答复，",
		"前期已按要求提交全部材料，但进展缓慢，",
		"该问题已持续较长时间，",
		"经了解，同行企业也遇到类似情况，",
	}
	ends := map[Kind][]string{
		KindAppeal:       {"严重影响正常生产经营，恳请协调解决。", "希望尽快推动解决。"},
		KindComplaint:    {"特此投诉，请依法依规处理。", "请有关部门调查处理并给予答复。"},
		KindConsultation: {"请问具体政策规定和办理流程是什么？", "请告知需要准备哪些材料。"},
		KindSuggestion:   {"建议有关部门优化办理流程。", "建议出台针对性支持措施。"},
	}[kind]
	body = openers[rng.IntN(len(openers))] + "反映：" + title + "。" + middles[rng.IntN(len(middles))] + ends[rng.IntN(len(ends))]
	return title, body
}

func histReply(rng *rand.Rand, o Outcome) string {
	replies := map[Outcome][]string{
		OutcomeSolved:            {"经协调，相关问题已解决，企业已确认。", "已督促责任单位办理完毕，相关款项/手续已落实。"},
		OutcomePartly:            {"已协调解决主要问题，剩余事项已明确办理时限。", "部分问题已解决，其余事项正按程序推进。"},
		OutcomeUnsolvedExplained: {"因不符合现行政策规定，暂无法解决，已向企业说明原因及其他途径。", "涉及司法程序，需依法处理，已向企业解释。"},
		OutcomePolicyExplained:   {"已向企业详细解释相关政策规定及办理流程。", "已告知企业政策依据、申报条件和所需材料。"},
	}[o]
	return replies[rng.IntN(len(replies))]
}
