package citydata

// industryData lists the GB/T 4754-2017 sections with the share of a
// city's enterprises in each (S and T hold no enterprises).
var industryData = []struct {
	Industry
	weight float64
}{
	{Industry{"A", "农、林、牧、渔业"}, 2},
	{Industry{"B", "采矿业"}, 0.3},
	{Industry{"C", "制造业"}, 22},
	{Industry{"D", "电力、热力、燃气及水生产和供应业"}, 0.8},
	{Industry{"E", "建筑业"}, 8},
	{Industry{"F", "批发和零售业"}, 20},
	{Industry{"G", "交通运输、仓储和邮政业"}, 4},
	{Industry{"H", "住宿和餐饮业"}, 4},
	{Industry{"I", "信息传输、软件和信息技术服务业"}, 10},
	{Industry{"J", "金融业"}, 1},
	{Industry{"K", "房地产业"}, 3},
	{Industry{"L", "租赁和商务服务业"}, 12},
	{Industry{"M", "科学研究和技术服务业"}, 8},
	{Industry{"N", "水利、环境和公共设施管理业"}, 1},
	{Industry{"O", "居民服务、修理和其他服务业"}, 2},
	{Industry{"P", "教育"}, 1},
	{Industry{"Q", "卫生和社会工作"}, 1},
	{Industry{"R", "文化、体育和娱乐业"}, 2},
	{Industry{"S", "公共管理、社会保障和社会组织"}, 0},
	{Industry{"T", "国际组织"}, 0},
}

// chainData lists the city's 22 key industrial chains (产业链).
var chainData = []Chain{
	{"gcjx", "工程机械"},
	{"xc", "新一代自主安全计算系统"},
	{"xcl", "新材料"},
	{"swyy", "生物医药"},
	{"znwl", "智能网联汽车"},
	{"xnyqc", "新能源汽车"},
	{"cncl", "先进储能材料"},
	{"jnhb", "新能源与节能环保"},
	{"sp", "食品"},
	{"wl", "文化旅游"},
	{"dzxx", "电子信息"},
	{"hkht", "航空航天"},
	{"znzb", "智能装备"},
	{"xsqj", "显示功能器件"},
	{"zzcy", "住宅产业化"},
	{"rj", "软件和信息技术服务"},
	{"dsj", "大数据"},
	{"jyjc", "检验检测"},
	{"gljc", "功率芯片"},
	{"bd", "北斗导航"},
	{"3d", "3D打印"},
	{"jqr", "机器人"},
}

// tradeWord is an industry word of a company name (行业表述) with the
// section and, where it has one, the chain it belongs to.
type tradeWord struct {
	word    string
	section string
	chain   string
}

// tradeWords: weights within a section are equal.
var tradeWords = []tradeWord{
	{"农业科技", "A", ""}, {"生态农业", "A", "sp"}, {"茶业", "A", "sp"}, {"种业", "A", ""}, {"农牧", "A", "sp"}, {"林业开发", "A", ""},
	{"矿业", "B", ""}, {"矿产开发", "B", ""},
	{"工程机械", "C", "gcjx"}, {"重工", "C", "gcjx"}, {"机械制造", "C", "znzb"}, {"智能装备", "C", "znzb"}, {"精密机械", "C", "znzb"},
	{"新材料", "C", "xcl"}, {"复合材料", "C", "xcl"}, {"电池材料", "C", "cncl"}, {"储能科技", "C", "cncl"},
	{"生物医药", "C", "swyy"}, {"制药", "C", "swyy"}, {"医疗器械", "C", "swyy"}, {"食品", "C", "sp"}, {"食品科技", "C", "sp"},
	{"汽车零部件", "C", "znwl"}, {"新能源汽车", "C", "xnyqc"}, {"电子科技", "C", "dzxx"}, {"光电科技", "C", "xsqj"},
	{"显示科技", "C", "xsqj"}, {"环保设备", "C", "jnhb"}, {"航空科技", "C", "hkht"}, {"机器人", "C", "jqr"},
	{"增材制造", "C", "3d"}, {"半导体", "C", "gljc"}, {"包装材料", "C", ""}, {"服饰", "C", ""}, {"家具", "C", "zzcy"},
	{"建材", "C", "zzcy"}, {"印务", "C", ""}, {"烟花制造", "C", ""},
	{"新能源", "D", "jnhb"}, {"电力工程", "D", "jnhb"}, {"燃气", "D", ""},
	{"建设工程", "E", ""}, {"建筑工程", "E", ""}, {"路桥工程", "E", ""}, {"装饰工程", "E", ""}, {"住宅工业", "E", "zzcy"}, {"市政工程", "E", ""},
	{"商贸", "F", ""}, {"贸易", "F", ""}, {"电子商务", "F", ""}, {"医药连锁", "F", ""}, {"汽车销售", "F", ""},
	{"建材贸易", "F", ""}, {"食品贸易", "F", "sp"}, {"农产品", "F", "sp"}, {"供应链管理", "F", ""}, {"五金机电", "F", ""},
	{"物流", "G", ""}, {"供应链", "G", ""}, {"运输", "G", ""}, {"冷链物流", "G", "sp"},
	{"餐饮管理", "H", ""}, {"酒店管理", "H", "wl"}, {"餐饮", "H", ""},
	{"信息技术", "I", "rj"}, {"软件", "I", "rj"}, {"网络科技", "I", "rj"}, {"数据科技", "I", "dsj"}, {"信息安全", "I", "xc"},
	{"计算机", "I", "xc"}, {"北斗科技", "I", "bd"}, {"智能科技", "I", "znwl"}, {"云计算", "I", "dsj"}, {"数字科技", "I", "dsj"},
	{"融资担保", "J", ""}, {"金融信息服务", "J", ""},
	{"房地产开发", "K", ""}, {"置业", "K", ""}, {"物业管理", "K", ""},
	{"企业管理咨询", "L", ""}, {"商务服务", "L", ""}, {"人力资源服务", "L", ""}, {"广告", "L", ""}, {"会展服务", "L", "wl"},
	{"文化传播", "L", "wl"}, {"旅游开发", "L", "wl"}, {"知识产权服务", "L", ""}, {"设备租赁", "L", "gcjx"},
	{"检测技术", "M", "jyjc"}, {"检验检测", "M", "jyjc"}, {"工程设计", "M", ""}, {"科技研发", "M", ""}, {"生物技术", "M", "swyy"},
	{"测绘地理信息", "M", "bd"}, {"环境科技", "M", "jnhb"}, {"航天技术", "M", "hkht"},
	{"环境工程", "N", "jnhb"}, {"园林绿化", "N", ""}, {"水务", "N", ""},
	{"家政服务", "O", ""}, {"汽车维修", "O", ""}, {"美容美发", "O", ""},
	{"教育科技", "P", ""}, {"职业培训", "P", ""},
	{"医疗管理", "Q", ""}, {"健康管理", "Q", "swyy"}, {"养老服务", "Q", ""},
	{"文化传媒", "R", "wl"}, {"影视", "R", "wl"}, {"体育发展", "R", ""}, {"演艺", "R", "wl"},
}

// tradeWordsBySection indexes tradeWords by section code.
func tradeWordsBySection() map[string][]tradeWord {
	m := map[string][]tradeWord{}
	for _, w := range tradeWords {
		m[w.section] = append(m[w.section], w)
	}
	return m
}
