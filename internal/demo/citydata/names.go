package citydata

import (
	"math/rand/v2"
	"strings"
)

// surnames, roughly by frequency in Hunan (刘, 李, 王, 陈 … and 欧阳).
var surnames = []string{"刘", "李", "王", "陈", "张", "周", "彭", "谭", "曾", "杨", "黄", "罗", "唐", "邓", "肖",
	"胡", "吴", "龙", "贺", "赵", "文", "蒋", "何", "易", "朱", "廖", "袁", "欧阳", "孙", "马", "向", "钟", "郭",
	"高", "夏", "田", "许", "徐", "宋", "姚", "汤", "雷", "伍", "熊", "颜", "石", "谢", "戴", "邹", "毛", "喻",
	"段", "卢", "傅", "丁", "舒", "严", "付", "符", "杜", "万", "左", "童", "范", "林", "方", "秦", "覃", "晏"}

var surnameWeights = func() []float64 {
	w := make([]float64, len(surnames))
	for i := range w {
		w[i] = 1 / (1 + float64(i)*0.15)
	}
	return w
}()

var givenMale = []string{"伟", "军", "勇", "强", "斌", "杰", "涛", "明", "俊", "峰", "波", "辉", "刚", "健", "亮",
	"志", "国", "建", "文", "华", "鹏", "飞", "超", "磊", "宇", "浩", "凯", "博", "帆", "翔", "晖", "铭", "锋",
	"湘", "岳", "麓", "衡", "湛", "卓", "昊", "晟", "毅", "诚", "林", "松", "柏", "新", "平", "安", "永", "立"}

var givenFemale = []string{"丽", "娟", "芳", "敏", "静", "燕", "艳", "玲", "婷", "雪", "慧", "琳", "洁", "颖",
	"倩", "霞", "红", "萍", "莉", "佳", "蓉", "湘", "悦", "瑶", "欣", "蕾", "薇", "菲", "莹", "岚", "晴", "璐",
	"思", "雅", "梦", "嘉", "婉", "清", "彤", "宁", "露", "芬", "兰", "梅", "月", "云", "君", "妍", "琪", "珊"}

// personName draws a fictional name: a surname and one or two given
// characters.
func personName(rng *rand.Rand, female bool) string {
	given := givenMale
	if female {
		given = givenFemale
	}
	var b strings.Builder
	b.WriteString(surnames[pickWeighted(rng, surnameWeights)])
	b.WriteString(pick(rng, given))
	if rng.IntN(100) < 72 {
		g := pick(rng, given)
		b.WriteString(g)
	}
	return b.String()
}

// realNames are the names of real people in the source report; no
// generated person may carry one.
var realNames = map[string]bool{"吴桂英": true, "何惠风": true, "康镇麟": true, "谢雨玳": true, "张马良": true, "熊佳斌": true}

// brandFirst and brandSecond make two-character trade names (字号).
var brandFirst = []string{"星", "湘", "麓", "岳", "华", "中", "新", "宏", "鑫", "博", "德", "盛", "恒", "嘉", "金",
	"瑞", "远", "达", "泰", "创", "联", "智", "天", "汇", "诚", "景", "卓", "云", "科", "安", "蓝", "明", "辰",
	"睿", "和", "信", "正", "丰", "永", "隆", "鼎", "宇", "航", "润", "兴", "腾", "弘", "凯", "源", "晟", "楚",
	"沩", "浏", "潇", "芙", "橘", "洞", "韶", "衡", "沅", "澧", "资", "郴", "银", "东", "南", "西", "北", "万"}

var brandSecond = []string{"沙", "湘", "谷", "成", "源", "泰", "通", "信", "科", "威", "诚", "宇", "康", "海",
	"宸", "越", "锦", "晨", "峰", "瑞", "华", "盛", "邦", "凯", "博", "辉", "航", "尚", "优", "美", "阳", "光",
	"达", "川", "禾", "林", "业", "昌", "茂", "隆", "利", "鸿", "发", "迪", "力", "维", "领", "拓", "智", "创"}

// brand draws a trade name: usually two invented characters, sometimes a
// local place word of the enterprise's district.
func brand(rng *rand.Rand, places []string) string {
	if rng.IntN(100) < 12 {
		return pick(rng, places)
	}
	return pick(rng, brandFirst) + pick(rng, brandSecond)
}

// three-character fallbacks when two-character names run out.
func brand3(rng *rand.Rand) string {
	return pick(rng, brandFirst) + pick(rng, brandFirst) + pick(rng, brandSecond)
}

// mobilePrefixes are real Chinese mobile number segments; the numbers
// themselves are random.
var mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183", "185",
	"186", "187", "188", "189", "191", "198", "199"}
