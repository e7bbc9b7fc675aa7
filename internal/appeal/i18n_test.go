package appeal_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/i18n"
)

// Every catalog key the package uses, literally or by building it from an enumeration,
// exists in every language.
func TestCatalogKeys(t *testing.T) {
	keys, err := i18n.Keys()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	lit := regexp.MustCompile(`"((?:appeal|error|object)\.[a-z0-9_.]*[a-z0-9_])"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "Record(") || strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue // audit actions, not catalog keys
			}
			for _, m := range lit.FindAllStringSubmatch(line, -1) {
				if k := m[1]; !strings.HasSuffix(k, "_") && k != "appeal.settings" && k != "appeal.sweep" {
					want[k] = true
				}
			}
		}
	}
	add := func(prefix string, vals ...string) {
		for _, v := range vals {
			want[prefix+v] = true
		}
	}
	for _, s := range appeal.States {
		add("appeal.state.", string(s))
	}
	for _, k := range appeal.Kinds {
		add("appeal.kind.", string(k))
	}
	for _, c := range appeal.Channels {
		add("appeal.channel.", string(c))
	}
	for _, a := range append(appeal.Moves, appeal.ActCreate, appeal.ActMergedIn, appeal.ActOriginalUpdate, appeal.ActSLAWarning, appeal.ActSLAOverdue, appeal.ActAttach) {
		add("appeal.action.", string(a))
	}
	for _, o := range appeal.Outcomes {
		add("appeal.outcome.", string(o))
	}
	for _, s := range appeal.Satisfactions {
		add("appeal.satisfaction.", string(s))
		add("appeal.notify.callback_", string(s))
	}
	for _, c := range []appeal.Clock{appeal.ClockClaim, appeal.ClockHandle, appeal.ClockCallback} {
		add("appeal.clock.", string(c))
		add("appeal.notify."+string(c)+"_", "warning", "overdue")
	}
	add("appeal.level.", "green", "yellow", "red")
	add("appeal.supervision.", "0", "1", "2", "3")
	add("appeal.priority.", string(appeal.PriorityNormal), string(appeal.PriorityUrgent))
	add("appeal.notify.original_", "replied", "closed", "rejected")
	add("appeal.sort.", string(appeal.SortCreated), string(appeal.SortDue), string(appeal.SortUpdated))
	add("appeal.part_role.", "lead", "co")
	add("appeal.part_state.", "dispatched", "claimed", "returned", "answered", "closed")
	add("appeal.via.", "phone", "self")
	for _, q := range []appeal.Queue{appeal.QueueSubmitted, appeal.QueueAccepted, appeal.QueueReturned, appeal.QueueExtension, appeal.QueueReplied,
		appeal.QueueYellow, appeal.QueueRed, appeal.QueueSupervised, appeal.QueueAll, appeal.QueueDeptToClaim, appeal.QueueDeptHandling,
		appeal.QueueDeptYellow, appeal.QueueDeptRed, appeal.QueueDeptAnswered, appeal.QueueMine, appeal.QueueLeader} {
		add("appeal.queue.", string(q))
	}
	for k := range want {
		for _, lang := range i18n.Langs {
			if _, ok := keys[lang][k]; !ok {
				t.Errorf("%s: missing in %s", k, lang)
			}
		}
	}
	if len(want) < 150 {
		t.Errorf("only %d keys found: is the scan broken?", len(want))
	}
}
