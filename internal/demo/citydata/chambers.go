package citydata

// Chamber types.
const (
	ChamberRegional = "异地商会"
	ChamberIndustry = "行业商会"
	ChamberGroup    = "群体商会"
	ChamberDistrict = "区县（市）总商会"
)

type chamberDef struct {
	key, name, short, typ string
	chain                 string   // industry chambers: chain served
	industries            []string // industry chambers: sections served
	founded               int
	twoMediationOrgs      bool
}

// chamberData lists the city-level chambers; Build adds one 总商会 per
// district after them. Names are generic (商会 + place or trade).
var chamberData = []chamberDef{
	{"chamber.zj", "长沙市浙江商会", "浙江商会", ChamberRegional, "", nil, 2002, true},
	{"chamber.fj", "长沙市福建商会", "福建商会", ChamberRegional, "", nil, 2004, true},
	{"chamber.wz", "长沙市温州商会", "温州商会", ChamberRegional, "", nil, 2003, true},
	{"chamber.jx", "长沙市江西商会", "江西商会", ChamberRegional, "", nil, 2008, true},
	{"chamber.sc", "长沙市四川商会", "四川商会", ChamberRegional, "", nil, 2010, true},
	{"chamber.gd", "长沙市广东商会", "广东商会", ChamberRegional, "", nil, 2006, true},
	{"chamber.gcjx", "长沙市工程机械商会", "工程机械商会", ChamberIndustry, "gcjx", []string{"C", "L"}, 2011, true},
	{"chamber.xcl", "长沙市新材料商会", "新材料商会", ChamberIndustry, "xcl", []string{"C"}, 2016, false},
	{"chamber.dzsw", "长沙市电子商务商会", "电子商务商会", ChamberIndustry, "", []string{"F", "I"}, 2014, false},
	{"chamber.cy", "长沙市餐饮商会", "餐饮商会", ChamberIndustry, "", []string{"H"}, 2007, false},
	{"chamber.fdc", "长沙市房地产商会", "房地产商会", ChamberIndustry, "", []string{"K", "E"}, 2005, true},
	{"chamber.qc", "长沙市汽车商会", "汽车商会", ChamberIndustry, "znwl", []string{"F", "O"}, 2009, false},
	{"chamber.yy", "长沙市医药健康商会", "医药健康商会", ChamberIndustry, "swyy", []string{"Q", "F"}, 2012, false},
	{"chamber.wc", "长沙市文化创意商会", "文化创意商会", ChamberIndustry, "wl", []string{"R", "L"}, 2013, false},
	{"chamber.wlsh", "长沙市物流商会", "物流商会", ChamberIndustry, "", []string{"G"}, 2010, false},
	{"chamber.jj", "长沙市家居建材商会", "家居建材商会", ChamberIndustry, "zzcy", []string{"E", "F"}, 2008, false},
	{"chamber.znzz", "长沙市智能制造商会", "智能制造商会", ChamberIndustry, "znzb", []string{"C"}, 2017, false},
	{"chamber.sp", "长沙市食品商会", "食品商会", ChamberIndustry, "sp", []string{"C", "F"}, 2010, false},
	{"chamber.nqy", "长沙市女企业家商会", "女企业家商会", ChamberGroup, "", nil, 2009, false},
	{"chamber.qnqy", "长沙市青年企业家商会", "青年企业家商会", ChamberGroup, "", nil, 2011, false},
}

// districtChamberKey is the key of a district's 总商会.
func districtChamberKey(code string) string { return "chamber." + code }

// disputeTypes are the kinds of commercial dispute mediators take.
var disputeTypes = []string{"买卖合同纠纷", "借款合同纠纷", "建设工程合同纠纷", "劳动争议", "股权纠纷",
	"知识产权纠纷", "租赁合同纠纷", "物业服务纠纷", "加工承揽合同纠纷", "运输合同纠纷", "合伙协议纠纷", "服务合同纠纷"}
