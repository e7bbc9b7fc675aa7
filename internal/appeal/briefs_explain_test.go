package appeal

import (
	"testing"
	"time"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// The liaison part's reads of appeals use their indexes: a leader's desk reads the open
// appeals of their enterprises through appeals_enterprise_open (never an enterprise's
// whole history), the suggestion statistics read a period through appeals_kind_created,
// briefs by a JSON list of ids read the appeals by their key.
func TestLiaisonReadsUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, c := range []struct {
			name, q string
			args    []any
		}{
			{"open for enterprises", openForEnterprisesSQL([]int64{3, 4, 5}, 200), nil},
			{"briefs by id (a JSON list)", briefsSQL(d), []any{db.IDsJSON([]int64{3, 4, 5})}},
			{"suggestions of a period", `SELECT a.channel, COUNT(*) FROM appeals a WHERE a.kind = $1 AND a.created_at >= $2 AND a.created_at < $3 GROUP BY a.channel`,
				[]any{string(KindSuggestion), db.Millis(time.Now().AddDate(-1, 0, 0)), db.Millis(time.Now())}},
		} {
			plan := explain(t, d, c.q, c.args)
			if scans(d.Engine, plan, false) {
				t.Errorf("%s scans:\n%s", c.name, plan)
			}
		}
	})
}
