package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"yingshang/internal/auth"
	"yingshang/internal/demo/citydata"
	"yingshang/internal/liaison"
)

// loadLiaison gives the city's 39 leaders their profiles (person and title), a liaison
// officer each (liaison1…liaison39: a user with role leader in the leader's office,
// password citydata.DemoPassword), links them to the
// city's 71 enterprises and 22 chambers from the dates the city names (the officer on
// every link), and records a year of visits without problems — about three in four linked
// organisations visited once to three times, so the desks show the never-visited ones.
// Everything goes through the liaison and directory services, in one transaction.
func loadLiaison(ctx context.Context, s Services, l *Loaded, res *Result) (err error) {
	if s.Liaison == nil {
		return nil
	}
	sys := auth.System()
	city := l.City
	rng := rand.New(rand.NewPCG(city.Seed, 0x6c69616973))
	hash, err := s.Auth.HashPassword(ctx, citydata.DemoPassword)
	if err != nil {
		return err
	}
	today, err := time.Parse("2006-01-02", s.Liaison.Today())
	if err != nil {
		return err
	}
	start := time.Now()
	defer func() {
		if s.Log != nil && err == nil {
			s.Log.Info("demo liaison loaded", "links", res.Links, "visits", res.Visits, "took", time.Since(start).Round(time.Millisecond))
		}
	}()
	return s.DB.WithTx(ctx, func(ctx context.Context) error {
		leaders := map[string]int64{}  // leader key → user id
		officers := map[string]int64{} // leader key → officer user id
		names := map[string]bool{}
		for _, p := range city.People {
			names[p.Name] = true
		}
		for i, ld := range city.Leaders {
			uid := l.Users[fmt.Sprintf("leader%d", i+1)]
			if uid == 0 {
				return fmt.Errorf("demo: leader %s has no user", ld.Key)
			}
			leaders[ld.Key] = uid
			if _, err := s.Liaison.SaveLeader(ctx, sys, liaison.LeaderInput{UserID: uid, PersonID: l.People[ld.Person], Title: ld.Title, SortOrder: i + 1}); err != nil {
				return fmt.Errorf("demo: leader %s: %w", ld.Key, err)
			}
			name := officerName(rng, names)
			office := l.Orgs[ld.Office]
			username := fmt.Sprintf("liaison%d", i+1)
			u, err := s.Auth.CreateUser(ctx, sys, auth.NewUser{Username: username, DisplayName: name, OrgID: office, PasswordHash: hash,
				Roles: []auth.Role{auth.RoleLeader}})
			if err != nil {
				return fmt.Errorf("demo: user %s: %w", username, err)
			}
			officers[ld.Key] = u.ID
			l.Users[username] = u.ID
			res.Users++
		}
		type target struct {
			leader int64
			org    int64
			kind   citydata.OrgKind
		}
		var targets []target
		for _, lk := range city.LeaderLinks {
			org := l.Orgs[lk.Target.Key]
			if org == 0 {
				return fmt.Errorf("demo: link of %s: unknown organisation %s", lk.Leader, lk.Target.Key)
			}
			if _, err := s.Liaison.CreateLink(ctx, sys, liaison.LinkInput{LeaderID: leaders[lk.Leader], OrgID: org,
				OfficerID: officers[lk.Leader], SinceOn: lk.Since.String()}); err != nil {
				return fmt.Errorf("demo: link %s → %s: %w", lk.Leader, lk.Target.Key, err)
			}
			res.Links++
			targets = append(targets, target{leaders[lk.Leader], org, lk.Target.Kind})
		}
		gxj, fic := l.Orgs["gxj"], l.Orgs[citydata.FederationKey]
		for _, tg := range targets {
			if rng.IntN(4) == 0 {
				continue // never visited: the desk shows it first
			}
			kind, dept, summary := liaison.KindVisit, gxj, enterpriseVisits[rng.IntN(len(enterpriseVisits))]
			if tg.kind == citydata.KindChamber {
				kind, dept, summary = liaison.KindResearch, fic, chamberVisits[rng.IntN(len(chamberVisits))]
			}
			for range 1 + rng.IntN(3) {
				on := today.AddDate(0, 0, -1-rng.IntN(360)).Format("2006-01-02")
				in := liaison.VisitInput{LeaderID: tg.leader, Kind: kind, VisitedOn: on, OrgIDs: []int64{tg.org}, Summary: summary}
				if dept != 0 {
					in.DeptIDs = []int64{dept}
				}
				if _, err := s.Liaison.CreateVisit(ctx, sys, in); err != nil {
					return fmt.Errorf("demo: visit: %w", err)
				}
				res.Visits++
			}
		}
		return nil
	})
}

var (
	officerSurnames  = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛")
	officerGiven     = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏宇浩凯俊帆琳晨欣雪婷颖博文斌彬峰建国海波")
	enterpriseVisits = []string{
		"实地察看生产车间和研发中心，听取企业生产经营、技术创新和项目建设情况汇报，了解企业在用地、用工、融资方面的困难。",
		"走访企业新建产线，与企业负责人座谈，询问订单、物流和原材料价格情况，要求相关部门跟踪落实企业反映的问题。",
		"调研企业数字化转型进展，听取企业对惠企政策兑现、审批服务的意见建议，现场协调解决部分事项。",
	}
	chamberVisits = []string{
		"到商会调研，与会长、副会长企业代表座谈，听取会员企业对营商环境的意见建议，介绍近期出台的支持民营经济发展政策。",
		"参加商会会员大会并座谈，了解商会服务会员、调解纠纷和招商引资工作情况，请商会收集会员企业的困难和诉求。",
	}
)

// officerName invents a two- or three-character name not yet used in the city.
func officerName(rng *rand.Rand, used map[string]bool) string {
	for {
		n := string(officerSurnames[rng.IntN(len(officerSurnames))]) + string(officerGiven[rng.IntN(len(officerGiven))])
		if rng.IntN(2) == 0 {
			n += string(officerGiven[rng.IntN(len(officerGiven))])
		}
		if !used[n] {
			used[n] = true
			return n
		}
	}
}
