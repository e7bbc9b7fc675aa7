package appeal

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// renderTable writes the transition table as the package doc shows it: one line per
// move and target, the states it starts from joined.
func renderTable() string {
	type key struct {
		action Action
		to     State
		by     string
		checks string
	}
	var order []key
	from := map[key][]string{}
	for _, e := range Transitions {
		to := e.To
		if to == e.From && (e.Action == ActSupervise || e.Action == ActEscalate || e.Action == ActCoClaim || e.Action == ActCoAnswer) {
			to = sameState
		}
		var by []string
		for _, p := range e.By {
			by = append(by, string(p))
		}
		k := key{e.Action, to, strings.Join(by, ", "), e.Checks}
		if _, ok := from[k]; !ok {
			order = append(order, k)
		}
		from[k] = append(from[k], string(e.From))
	}
	var b strings.Builder
	row := func(f, a, t, by, c string) {
		line := fmt.Sprintf("//\t%-54s %-21s %-20s %-21s %s", f, a, t, by, c)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	row("FROM", "ACTION", "TO", "BY", "CHECKS")
	for _, k := range order {
		f := strings.Join(from[k], ", ")
		if len(from[k]) == len(OpenStates) {
			f = "every open state"
		}
		row(f, string(k.action), string(k.to), k.by, k.checks)
	}
	return b.String()
}

// The table in the package doc is the table in the code.
func TestDocShowsTheTransitionTable(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	want := renderTable()
	if !strings.Contains(string(b), want) {
		t.Errorf("doc.go does not show the transition table; it should contain:\n%s", want)
	}
}
