package appeal_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory/directorytest"
)

// Create answers with the appeal it built in memory, not read back: every field must be
// what a later read of the stored appeal gives, for every kind of filer and every
// optional field, inside an outer transaction too.
func TestCreateAnswersWhatIsStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		base := func() appeal.NewAppeal {
			return appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catPower, Title: "厂区用电增容申请迟迟未批复",
				Body: "申请用电增容已两个月，供电公司一直未答复。", ContactName: "王经理", ContactPhone: "13812345678"}
		}
		cases := []struct {
			name string
			a    auth.Actor
			in   func(*appeal.NewAppeal)
		}{
			{"operator, an enterprise of the directory", f.op, func(in *appeal.NewAppeal) { in.EnterpriseOrgID = f.ent1 }},
			{"operator, a named enterprise, every optional field", f.op, func(in *appeal.NewAppeal) {
				in.CategoryID, in.CategoryCode = 0, "tax"
				in.Kind, in.Priority, in.Confidential = appeal.KindComplaint, appeal.PriorityUrgent, true
				in.EnterpriseName, in.CreditCode, in.DistrictCode = "长沙某新材料有限公司", directorytest.Enterprise(90).CreditCode, "430104"
				in.Location, in.ContactPhone = "岳麓区麓谷大道 627 号", " 0731－8888 6666 "
			}},
			{"operator with a supervising leader", f.op, func(in *appeal.NewAppeal) {
				in.EnterpriseOrgID, in.SupervisingLeaderID = f.ent2, f.leader.UserID
			}},
			{"the enterprise itself, contact from its user", f.e1, func(in *appeal.NewAppeal) { in.ContactName, in.ContactPhone = "", "" }},
			{"a chamber for its member", f.ch, func(in *appeal.NewAppeal) { in.EnterpriseOrgID = f.ent2 }},
			{"a leader on a visit", f.leader, func(in *appeal.NewAppeal) { in.EnterpriseOrgID = f.ent1 }},
		}
		for _, c := range cases {
			for _, outer := range []bool{false, true} {
				in := base()
				c.in(&in)
				f.clock.Advance(1500 * time.Microsecond) // a time between two milliseconds

				var got appeal.Appeal
				create := func(ctx context.Context) (err error) {
					got, err = f.svc.Create(ctx, c.a, in)
					return err
				}
				var err error
				if outer {
					err = d.WithTx(f.ctx, create)
				} else {
					err = create(f.ctx)
				}
				if err != nil {
					t.Fatalf("%s (outer transaction %v): %v", c.name, outer, err)
				}
				want, err := f.svc.Get(f.ctx, f.sys, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID == 0 || !reflect.DeepEqual(got, want) {
					gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
					for i := range gv.NumField() {
						if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
							t.Errorf("%s (outer transaction %v): %s answered %#v, stored %#v", c.name, outer,
								gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
						}
					}
				}
			}
		}
	})
}
