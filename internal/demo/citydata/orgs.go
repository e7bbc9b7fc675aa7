package citydata

// orgDef describes a fixed organisation; Build adds its credit code,
// address and phone.
type orgDef struct {
	key, name, short, typ string
	kind                  OrgKind
	agency                Agency
	district              string
	parent                string
	handles               []string
	uscc                  string // registration authority and category (positions 1-2)
	founded               int    // year
}

// Appeal category codes (top level).
const (
	CatPolicy      = "policy"
	CatApproval    = "approval"
	CatFinance     = "finance"
	CatLand        = "land"
	CatUtilities   = "utilities"
	CatLabour      = "labour"
	CatTax         = "tax"
	CatIP          = "ip"
	CatMarket      = "market"
	CatArrears     = "arrears"
	CatEnforcement = "enforcement"
	CatLegal       = "legal"
	CatOther       = "other"
)

// FederationKey is the key of 长沙市工商联, the organisation that runs the
// platform; admin, security, audit, operator and analyst users belong to it.
const FederationKey = "fic"

// categoryData is the appeal category tree, parents first.
var categoryData = []Category{
	{CatPolicy, "政策咨询", "Policy enquiries", "", "fgw"},
	{"policy.subsidy", "惠企奖补兑现", "Subsidy payments", CatPolicy, "gxj"},
	{"policy.tech", "科技创新政策", "Innovation policy", CatPolicy, "kjj"},
	{"policy.trade", "商贸外资政策", "Trade and foreign investment policy", CatPolicy, "swj"},
	{CatApproval, "行政审批", "Administrative approval", "", "xzsp"},
	{"approval.license", "证照办理", "Licences and permits", CatApproval, "xzsp"},
	{"approval.construction", "工程建设审批", "Construction permits", CatApproval, "zjj"},
	{"approval.environment", "环评审批", "Environmental assessment", CatApproval, "sthj"},
	{CatFinance, "融资信贷", "Financing and credit", "", "jrj"},
	{"finance.loan", "贷款融资", "Loans", CatFinance, "jrj"},
	{"finance.credit", "征信服务", "Credit reporting", CatFinance, "rmyh"},
	{CatLand, "用地规划", "Land and planning", "", "zrzy"},
	{"land.supply", "用地供应", "Land supply", CatLand, "zrzy"},
	{"land.planning", "规划许可", "Planning permission", CatLand, "zrzy"},
	{CatUtilities, "水电气网", "Utilities", "", "gxj"},
	{"utilities.power", "用电", "Electricity", CatUtilities, "gdgs"},
	{"utilities.water", "用水", "Water", CatUtilities, "sy"},
	{"utilities.gas", "用气", "Gas", CatUtilities, "rq"},
	{"utilities.network", "网络通信", "Telecoms", CatUtilities, "gxj"},
	{CatLabour, "人才用工", "Talent and employment", "", "rsj"},
	{"labour.recruit", "招聘用工", "Recruitment", CatLabour, "rsj"},
	{"labour.talent", "人才政策", "Talent policy", CatLabour, "rsj"},
	{"labour.insurance", "社保医保", "Social and medical insurance", CatLabour, "ybj"},
	{CatTax, "税费", "Taxes and fees", "", "tax"},
	{"tax.refund", "退税减免", "Tax refunds and relief", CatTax, "tax"},
	{"tax.fee", "涉企收费", "Charges on enterprises", CatTax, "fgw"},
	{CatIP, "知识产权", "Intellectual property", "", "zscqj"},
	{"ip.patent", "专利商标", "Patents and trademarks", CatIP, "zscqj"},
	{"ip.secret", "商业秘密保护", "Trade secrets", CatIP, "sgaj"},
	{CatMarket, "市场监管", "Market regulation", "", "scjg"},
	{"market.registration", "登记注册", "Business registration", CatMarket, "scjg"},
	{"market.quality", "质量标准", "Quality and standards", CatMarket, "scjg"},
	{"market.competition", "不正当竞争", "Unfair competition", CatMarket, "scjg"},
	{CatArrears, "拖欠账款", "Overdue payments", "", "gxj"},
	{"arrears.government", "政府部门拖欠", "Owed by government bodies", CatArrears, "czj"},
	{"arrears.soe", "国有企业拖欠", "Owed by state-owned enterprises", CatArrears, "gzw"},
	{"arrears.project", "工程款拖欠", "Unpaid construction work", CatArrears, "zjj"},
	{CatEnforcement, "涉企执法", "Enforcement affecting enterprises", "", "sfj"},
	{"enforcement.inspection", "涉企检查", "Inspections", CatEnforcement, "sfj"},
	{"enforcement.penalty", "行政处罚", "Administrative penalties", CatEnforcement, "sfj"},
	{CatLegal, "法律纠纷", "Legal disputes", "", "sfj"},
	{"legal.contract", "合同纠纷", "Contract disputes", CatLegal, "zyfy"},
	{"legal.labour", "劳动争议", "Labour disputes", CatLegal, "rsj"},
	{"legal.execution", "执行难", "Enforcement of judgments", CatLegal, "zyfy"},
	{CatOther, "其他", "Other", "", "fgw"},
}

// deptData lists the platform's organisation, the leaders' offices and the
// departments that handle appeals. Keys of handlers are short pinyin
// abbreviations; the demo user of a handler is its key followed by "1".
var deptData = []orgDef{
	{FederationKey, "长沙市工商业联合会", "市工商联", "人民团体", KindDepartment, AgencyFederation, "", "", nil, "13", 1952},
	{"cwbgt", "中共长沙市委办公厅", "市委办公厅", "党委机关", KindDepartment, AgencyOffice, "", "", nil, "11", 1949},
	{"szfbgt", "长沙市人民政府办公厅", "市政府办公厅", "政府机关", KindDepartment, AgencyOffice, "", "", nil, "11", 1949},
	{"srdbgt", "长沙市人大常委会办公厅", "市人大常委会办公厅", "人大机关", KindDepartment, AgencyOffice, "", "", nil, "11", 1980},
	{"szxbgt", "政协长沙市委员会办公厅", "市政协办公厅", "政协机关", KindDepartment, AgencyOffice, "", "", nil, "11", 1955},

	{"fgw", "长沙市发展和改革委员会", "市发改委", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatApproval, CatTax, CatOther}, "11", 1950},
	{"gxj", "长沙市工业和信息化局", "市工信局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatUtilities, CatArrears, CatFinance}, "11", 2010},
	{"scjg", "长沙市市场监督管理局", "市市场监管局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatMarket, CatIP, CatApproval}, "11", 2019},
	{"zscqj", "长沙市知识产权局", "市知识产权局", "政府部门（市市场监管局加挂）", KindDepartment, AgencyGovernment, "", "scjg", []string{CatIP}, "11", 2019},
	{"zrzy", "长沙市自然资源和规划局", "市自然资源和规划局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatLand, CatApproval}, "11", 2019},
	{"rsj", "长沙市人力资源和社会保障局", "市人社局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatLabour, CatLegal, CatPolicy}, "11", 2010},
	{"tax", "国家税务总局长沙市税务局", "市税务局", "垂直管理部门", KindDepartment, AgencyGovernment, "", "", []string{CatTax, CatPolicy}, "11", 2018},
	{"zjj", "长沙市住房和城乡建设局", "市住建局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatLand, CatArrears}, "11", 2019},
	{"swj", "长沙市商务局", "市商务局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatOther}, "11", 2010},
	{"kjj", "长沙市科学技术局", "市科技局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatIP}, "11", 1978},
	{"sthj", "长沙市生态环境局", "市生态环境局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatEnforcement}, "11", 2019},
	{"sgaj", "长沙市公安局", "市公安局", "公安机关", KindPolice, AgencyPolice, "", "", []string{CatEnforcement, CatIP, CatLegal}, "11", 1949},
	{"zyfy", "长沙市中级人民法院", "市中院", "审判机关", KindCourt, AgencyCourt, "", "", []string{CatLegal, CatArrears}, "11", 1950},
	{"sjcy", "长沙市人民检察院", "市检察院", "检察机关", KindProcuratorate, AgencyProcuratorate, "", "", []string{CatLegal, CatEnforcement}, "11", 1950},
	{"gdgs", "国网湖南省电力有限公司长沙供电分公司", "国网长沙供电公司", "公用事业", KindDepartment, AgencyUtility, "", "", []string{CatUtilities}, "91", 1958},
	{"sy", "长沙水业集团有限公司", "长沙水业", "公用事业", KindDepartment, AgencyUtility, "", "", []string{CatUtilities}, "91", 2003},
	{"rq", "长沙新奥燃气有限公司", "新奥燃气", "公用事业", KindDepartment, AgencyUtility, "", "", []string{CatUtilities}, "91", 2001},
	{"czj", "长沙市财政局", "市财政局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatArrears, CatFinance}, "11", 1949},
	{"jtj", "长沙市交通运输局", "市交通运输局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatOther}, "11", 2010},
	{"cgj", "长沙市城市管理和综合执法局", "市城管执法局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatEnforcement, CatApproval}, "11", 2019},
	{"sjzy", "长沙市数据资源管理局", "市数据资源局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatOther}, "11", 2019},
	{"xzsp", "长沙市行政审批服务局", "市行政审批服务局（市政务服务中心）", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatPolicy}, "11", 2019},
	{"jrj", "长沙市地方金融管理局", "市地方金融管理局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatFinance}, "11", 2019},
	{"sfj", "长沙市司法局", "市司法局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatLegal, CatEnforcement}, "11", 1980},
	{"wjw", "长沙市卫生健康委员会", "市卫健委", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatLabour}, "11", 2019},
	{"jyj", "长沙市教育局", "市教育局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatLabour, CatOther}, "11", 1949},
	{"wlj", "长沙市文化旅游广电局", "市文旅广电局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatPolicy}, "11", 2019},
	{"yjj", "长沙市应急管理局", "市应急管理局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatEnforcement, CatApproval}, "11", 2019},
	{"tjj", "长沙市统计局", "市统计局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatOther}, "11", 1952},
	{"ybj", "长沙市医疗保障局", "市医保局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatLabour}, "11", 2019},
	{"gzw", "长沙市人民政府国有资产监督管理委员会", "市国资委", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatArrears, CatOther}, "11", 2005},
	{"nyj", "长沙市农业农村局", "市农业农村局", "政府部门", KindDepartment, AgencyGovernment, "", "", []string{CatPolicy, CatLand}, "11", 2019},
	{"hg", "长沙海关", "长沙海关", "垂直管理部门", KindDepartment, AgencyGovernment, "", "", []string{CatApproval, CatTax}, "11", 1980},
	{"rmyh", "中国人民银行湖南省分行", "人民银行湖南省分行", "垂直管理部门", KindDepartment, AgencyGovernment, "", "", []string{CatFinance}, "11", 2023},
}

// districtGovHandles are the categories a district government handles.
var districtGovHandles = []string{CatPolicy, CatApproval, CatLand, CatArrears, CatEnforcement, CatOther}

// districtKeys gives each district's pinyin abbreviation for keys and
// usernames, in districtData order.
var districtKeys = []string{"frq", "txq", "ylq", "kfq", "yhq", "wcq", "csx", "lys", "nxs"}

// districtGovName is the name of a district's people's government.
func districtGovName(d District) string {
	switch d.Name[len(d.Name)-3:] {
	case "区":
		return "长沙市" + d.Name + "人民政府"
	}
	return d.Name + "人民政府" // 长沙县, 浏阳市, 宁乡市
}

// localName prefixes a district-level body: 长沙市芙蓉区…, 长沙县…, 浏阳市….
func localName(d District, body string) string {
	if d.Name[len(d.Name)-3:] == "区" {
		return "长沙市" + d.Name + body
	}
	return d.Name + body
}

// policeBranchName names a district's public security bureau.
func policeBranchName(d District) string {
	if d.Name[len(d.Name)-3:] == "区" {
		return "长沙市公安局" + d.ShortName + "分局"
	}
	return d.Name + "公安局"
}

func policeBranchShort(d District) string {
	if d.Name[len(d.Name)-3:] == "区" {
		return d.Name + "公安分局"
	}
	return d.Name + "公安局"
}

var policeUnitData = []orgDef{
	{"police.jz", "长沙市公安局经济犯罪侦查支队", "市公安局经侦支队", "公安机关", KindPolice, AgencyPolice, "", "sgaj", nil, "11", 1998},
	{"police.wa", "长沙市公安局网络安全保卫支队", "市公安局网安支队", "公安机关", KindPolice, AgencyPolice, "", "sgaj", nil, "11", 2000},
}

var bankData = []orgDef{
	{"bank.csb", "长沙银行股份有限公司", "长沙银行", "城市商业银行", KindBank, "", "", "", nil, "91", 1997},
	{"bank.hnb", "湖南银行股份有限公司", "湖南银行", "城市商业银行（原华融湘江银行）", KindBank, "", "", "", nil, "91", 2010},
	{"bank.icbc", "中国工商银行股份有限公司长沙分行", "工商银行长沙分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 1985},
	{"bank.ccb", "中国建设银行股份有限公司湖南省分行", "建设银行湖南省分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 1954},
	{"bank.abc", "中国农业银行股份有限公司长沙分行", "农业银行长沙分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 1979},
	{"bank.boc", "中国银行股份有限公司长沙市分行", "中国银行长沙市分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 1985},
	{"bank.bocom", "交通银行股份有限公司湖南省分行", "交通银行湖南省分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 1993},
	{"bank.psbc", "中国邮政储蓄银行股份有限公司湖南省分行", "邮储银行湖南省分行", "国有大型商业银行", KindBank, "", "", "", nil, "91", 2008},
	{"bank.cmb", "招商银行股份有限公司长沙分行", "招商银行长沙分行", "股份制商业银行", KindBank, "", "", "", nil, "91", 1996},
	{"bank.cib", "兴业银行股份有限公司长沙分行", "兴业银行长沙分行", "股份制商业银行", KindBank, "", "", "", nil, "91", 2003},
	{"bank.spdb", "上海浦东发展银行股份有限公司长沙分行", "浦发银行长沙分行", "股份制商业银行", KindBank, "", "", "", nil, "91", 2002},
	{"bank.citic", "中信银行股份有限公司长沙分行", "中信银行长沙分行", "股份制商业银行", KindBank, "", "", "", nil, "91", 1996},
	{"bank.csrcb", "长沙农村商业银行股份有限公司", "长沙农商银行", "农村商业银行", KindBank, "", "", "", nil, "91", 2017},
	{"bank.hngd", "湖南省融资担保集团有限公司", "省融资担保集团", "融资担保机构", KindBank, "", "", "", nil, "91", 2019},
}

var universityData = []orgDef{
	{"univ.csu", "中南大学", "中南大学", "高等院校", KindUniversity, "", "430104", "", nil, "12", 2000},
	{"univ.hnu", "湖南大学", "湖南大学", "高等院校", KindUniversity, "", "430104", "", nil, "12", 1926},
	{"univ.hunnu", "湖南师范大学", "湖南师大", "高等院校", KindUniversity, "", "430104", "", nil, "12", 1938},
	{"univ.csust", "长沙理工大学", "长沙理工大学", "高等院校", KindUniversity, "", "430103", "", nil, "12", 2003},
	{"univ.hunau", "湖南农业大学", "湖南农大", "高等院校", KindUniversity, "", "430102", "", nil, "12", 1951},
	{"univ.csuft", "中南林业科技大学", "中南林科大", "高等院校", KindUniversity, "", "430103", "", nil, "12", 1958},
	{"univ.hnucm", "湖南中医药大学", "湖南中医药大学", "高等院校", KindUniversity, "", "430104", "", nil, "12", 1960},
	{"univ.ccsu", "长沙学院", "长沙学院", "高等院校", KindUniversity, "", "430105", "", nil, "12", 2002},
	{"univ.isa", "中国科学院亚热带农业生态研究所", "中科院亚热带农业生态所", "科研院所", KindUniversity, "", "430102", "", nil, "12", 1978},
	{"univ.hnaas", "湖南省农业科学院", "湖南省农科院", "科研院所", KindUniversity, "", "430102", "", nil, "12", 1964},
}

// legalData: the public legal service centre and invented law firms.
var legalData = []orgDef{
	{"legal.center", "长沙市公共法律服务中心", "市公共法律服务中心", "公共法律服务机构", KindLegal, "", "", "sfj", nil, "12", 2018},
	{"legal.01", "湖南湘楚明德律师事务所", "湘楚明德律所", "律师事务所", KindLegal, "", "430102", "", nil, "31", 2004},
	{"legal.02", "湖南麓峰律师事务所", "麓峰律所", "律师事务所", KindLegal, "", "430104", "", nil, "31", 2009},
	{"legal.03", "湖南沅澧律师事务所", "沅澧律所", "律师事务所", KindLegal, "", "430103", "", nil, "31", 2001},
	{"legal.04", "湖南橘洲律师事务所", "橘洲律所", "律师事务所", KindLegal, "", "430104", "", nil, "31", 2012},
	{"legal.05", "湖南星诚律师事务所", "星诚律所", "律师事务所", KindLegal, "", "430121", "", nil, "31", 2015},
	{"legal.06", "湖南衡岳律师事务所", "衡岳律所", "律师事务所", KindLegal, "", "430111", "", nil, "31", 1998},
	{"legal.07", "湖南楚天正道律师事务所", "楚天正道律所", "律师事务所", KindLegal, "", "430105", "", nil, "31", 2006},
	{"legal.08", "湖南潇湘明理律师事务所", "潇湘明理律所", "律师事务所", KindLegal, "", "430111", "", nil, "31", 2011},
	{"legal.09", "湖南岳屏律师事务所", "岳屏律所", "律师事务所", KindLegal, "", "430181", "", nil, "31", 2016},
	{"legal.10", "湖南梅溪律师事务所", "梅溪律所", "律师事务所", KindLegal, "", "430104", "", nil, "31", 2019},
}
