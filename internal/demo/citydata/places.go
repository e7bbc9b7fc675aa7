package citydata

// CityDivision is Changsha's own GB/T 2260 code, used for city-level bodies.
const CityDivision = "430100"

// districtData holds the nine county-level divisions with the weight of
// enterprises registered there, the roads used for addresses and local
// words used as trade names (字号).
var districtData = []struct {
	District
	weight float64
	roads  []string
	places []string
}{
	{District{"430102", "芙蓉区", "芙蓉"}, 10, []string{"五一大道", "芙蓉中路", "解放西路", "八一路", "人民东路", "远大一路", "车站北路", "晚报大道"}, []string{"芙蓉", "五一", "定王", "马王", "东屯", "火星"}},
	{District{"430103", "天心区", "天心"}, 10, []string{"芙蓉南路", "书院路", "劳动西路", "新韶东路", "湘府西路", "友谊路", "黄兴南路", "暮云大道"}, []string{"天心", "南湖", "坡子", "暮云", "湘府", "金盆"}},
	{District{"430104", "岳麓区", "岳麓"}, 18, []string{"麓谷大道", "岳麓大道", "桐梓坡路", "麓松路", "枫林三路", "望岳路", "梅溪湖路", "潇湘中路", "尖山路"}, []string{"麓谷", "岳麓", "麓山", "梅溪", "洋湖", "桃花", "观沙"}},
	{District{"430105", "开福区", "开福"}, 11, []string{"湘江中路", "芙蓉北路", "三一大道", "中青路", "金霞路", "福城路", "月湖路"}, []string{"开福", "月湖", "金霞", "捞刀", "伍家", "湘雅"}},
	{District{"430111", "雨花区", "雨花"}, 16, []string{"韶山中路", "万家丽中路", "劳动东路", "曲塘路", "环保中路", "香樟东路", "圭白路", "木莲东路"}, []string{"雨花", "圭塘", "洞井", "东塘", "红星", "黎托"}},
	{District{"430112", "望城区", "望城"}, 7, []string{"郭亮中路", "雷锋大道", "旺旺西路", "金星北路", "普瑞大道", "铜官大道"}, []string{"望城", "铜官", "丁字", "乔口", "白箬", "金山"}},
	{District{"430121", "长沙县", "长沙县"}, 14, []string{"星沙大道", "漓湘东路", "开元东路", "盼盼路", "东六线", "松雅湖路", "黄兴大道"}, []string{"星沙", "榔梨", "黄花", "泉塘", "松雅", "安沙"}},
	{District{"430181", "浏阳市", "浏阳"}, 8, []string{"金阳大道", "康宁路", "浏阳河大道", "健康大道", "永安大道", "花炮大道"}, []string{"浏阳", "大围", "永安", "集里", "淮川", "官渡"}},
	{District{"430182", "宁乡市", "宁乡"}, 6, []string{"玉潭路", "金洲大道", "花明南路", "新康路", "团结路", "历经铺大道"}, []string{"宁乡", "沩山", "金洲", "玉潭", "花明", "灰汤"}},
}

// zoneData lists development zones; enterprises in manufacturing and
// technology are often registered inside one.
var zoneData = []Zone{
	{"zone.jk", "长沙经济技术开发区", "长沙经开区", "430121"},
	{"zone.gx", "长沙高新技术产业开发区", "长沙高新区", "430104"},
	{"zone.xjxq", "湖南湘江新区", "湘江新区", "430104"},
	{"zone.wc", "望城经济技术开发区", "望城经开区", "430112"},
	{"zone.ly", "浏阳经济技术开发区", "浏阳经开区", "430181"},
	{"zone.nx", "宁乡经济技术开发区", "宁乡经开区", "430182"},
}

// districtIndex maps a district code to its index in districtData.
func districtIndex(code string) int {
	for i, d := range districtData {
		if d.Code == code {
			return i
		}
	}
	return -1
}
