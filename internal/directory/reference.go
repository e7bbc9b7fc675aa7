package directory

import (
	"slices"
	"strings"
)

// The classifications an enterprise carries. Codes are stored; the catalog names them in
// each language (industry.C, size.small, ownership.private, district.430104, chain.gcjx,
// memberpost.president).

// Industries are the 20 sections (门类) of GB/T 4754-2017, A–T.
var Industries = []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T"}

// industryNamesZH are the sections' official Chinese names (what import files carry).
var industryNamesZH = map[string]string{
	"A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
	"F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
	"J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业", "N": "水利、环境和公共设施管理业",
	"O": "居民服务、修理和其他服务业", "P": "教育", "Q": "卫生和社会工作", "R": "文化、体育和娱乐业",
	"S": "公共管理、社会保障和社会组织", "T": "国际组织",
}

// Enterprise sizes (大/中/小/微, by the NBS classification).
const (
	SizeLarge  = "large"
	SizeMedium = "medium"
	SizeSmall  = "small"
	SizeMicro  = "micro"
)

// Sizes in display order.
var Sizes = []string{SizeLarge, SizeMedium, SizeSmall, SizeMicro}

var sizeNamesZH = map[string][]string{SizeLarge: {"大型", "大"}, SizeMedium: {"中型", "中"}, SizeSmall: {"小型", "小"}, SizeMicro: {"微型", "微"}}

// Ownerships (经济类型).
const (
	OwnershipPrivate = "private"
	OwnershipState   = "state"
	OwnershipForeign = "foreign"
)

// Ownerships in display order.
var Ownerships = []string{OwnershipPrivate, OwnershipState, OwnershipForeign}

var ownershipNamesZH = map[string][]string{OwnershipPrivate: {"民营", "民营企业", "私营"}, OwnershipState: {"国有", "国有企业", "国企"},
	OwnershipForeign: {"外资", "外资企业", "外商投资"}}

// CityDivision is Changsha's own division code, the district of city-level bodies.
const CityDivision = "430100"

// Districts are Changsha's nine county-level divisions (GB/T 2260), as in the demo city.
var Districts = []string{"430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"}

var districtNamesZH = map[string]string{"430102": "芙蓉区", "430103": "天心区", "430104": "岳麓区", "430105": "开福区",
	"430111": "雨花区", "430112": "望城区", "430121": "长沙县", "430181": "浏阳市", "430182": "宁乡市"}

// Chains are the city's 22 key industrial chains (产业链).
var Chains = []string{"gcjx", "xc", "xcl", "swyy", "znwl", "xnyqc", "cncl", "jnhb", "sp", "wl", "dzxx", "hkht", "znzb",
	"xsqj", "zzcy", "rj", "dsj", "jyjc", "gljc", "bd", "3d", "jqr"}

var chainNamesZH = map[string]string{"gcjx": "工程机械", "xc": "新一代自主安全计算系统", "xcl": "新材料", "swyy": "生物医药",
	"znwl": "智能网联汽车", "xnyqc": "新能源汽车", "cncl": "先进储能材料", "jnhb": "新能源与节能环保", "sp": "食品", "wl": "文化旅游",
	"dzxx": "电子信息", "hkht": "航空航天", "znzb": "智能装备", "xsqj": "显示功能器件", "zzcy": "住宅产业化", "rj": "软件和信息技术服务",
	"dsj": "大数据", "jyjc": "检验检测", "gljc": "功率芯片", "bd": "北斗导航", "3d": "3D打印", "jqr": "机器人"}

// Chamber posts of a member enterprise (商会职务), from the top.
const (
	PostPresident         = "president"           // 会长
	PostExecVicePresident = "exec_vice_president" // 常务副会长
	PostVicePresident     = "vice_president"      // 副会长
	PostSecretaryGeneral  = "secretary_general"   // 秘书长
	PostDirector          = "director"            // 理事
	PostMember            = "member"              // 会员
)

// MemberPosts in rank order.
var MemberPosts = []string{PostPresident, PostExecVicePresident, PostVicePresident, PostSecretaryGeneral, PostDirector, PostMember}

var memberPostNamesZH = map[string]string{PostPresident: "会长", PostExecVicePresident: "常务副会长", PostVicePresident: "副会长",
	PostSecretaryGeneral: "秘书长", PostDirector: "理事", PostMember: "会员"}

// Genders of a person ("" when not given).
var Genders = []string{"female", "male"}

// MemberPostCode maps a Chinese post name (会长) or a code to the code.
func MemberPostCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if slices.Contains(MemberPosts, s) {
		return s, true
	}
	for code, zh := range memberPostNamesZH {
		if zh == s {
			return code, true
		}
	}
	return "", false
}

// IndustryCode reads a section as typed in a workbook: "C", "制造业" or "C 制造业".
func IndustryCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	up := strings.ToUpper(s)
	if slices.Contains(Industries, up) {
		return up, true
	}
	for code, zh := range industryNamesZH {
		if s == zh {
			return code, true
		}
	}
	if len(s) > 1 && slices.Contains(Industries, up[:1]) {
		rest := strings.TrimLeft(s[1:], " 　-—:：")
		if rest == industryNamesZH[up[:1]] {
			return up[:1], true
		}
	}
	return "", false
}

// SizeCode reads a size: 大型/大/large.
func SizeCode(s string) (string, bool) { return lookupCode(s, Sizes, sizeNamesZH) }

// OwnershipCode reads an ownership: 民营/国有/外资 or the code.
func OwnershipCode(s string) (string, bool) { return lookupCode(s, Ownerships, ownershipNamesZH) }

func lookupCode(s string, codes []string, names map[string][]string) (string, bool) {
	s = strings.TrimSpace(s)
	if slices.Contains(codes, strings.ToLower(s)) {
		return strings.ToLower(s), true
	}
	for code, zh := range names {
		if slices.Contains(zh, s) {
			return code, true
		}
	}
	return "", false
}

// DistrictCode reads a district: 岳麓区 or 430104.
func DistrictCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if slices.Contains(Districts, s) {
		return s, true
	}
	for code, zh := range districtNamesZH {
		if zh == s || strings.TrimSuffix(zh, "区") == s && strings.HasSuffix(zh, "区") {
			return code, true
		}
	}
	return "", false
}

// ChainCode reads an industrial chain: its name (工程机械) or key; "" is no chain.
func ChainCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if slices.Contains(Chains, s) {
		return s, true
	}
	for code, zh := range chainNamesZH {
		if zh == s {
			return code, true
		}
	}
	return "", false
}

// IndustryNameZH, DistrictNameZH, ChainNameZH, SizeNameZH and OwnershipNameZH give the
// Chinese names that import templates and exports carry, whatever the user's language.
func IndustryNameZH(code string) string { return industryNamesZH[code] }

// DistrictNameZH names a district code.
func DistrictNameZH(code string) string { return districtNamesZH[code] }

// ChainNameZH names a chain key.
func ChainNameZH(code string) string { return chainNamesZH[code] }

// SizeNameZH names a size code (大型 …).
func SizeNameZH(code string) string {
	if n := sizeNamesZH[code]; len(n) > 0 {
		return n[0]
	}
	return ""
}

// OwnershipNameZH names an ownership code (民营 …).
func OwnershipNameZH(code string) string {
	if n := ownershipNamesZH[code]; len(n) > 0 {
		return n[0]
	}
	return ""
}

// MemberPostNameZH names a chamber post code (会长 …).
func MemberPostNameZH(code string) string { return memberPostNamesZH[code] }
