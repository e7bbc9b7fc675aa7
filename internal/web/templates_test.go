package web

import (
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"text/template/parse"

	"yingshang/internal/i18n"
)

func loadTemplates(tb testing.TB) *Templates {
	tb.Helper()
	cat, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	assets, err := LoadAssets()
	if err != nil {
		tb.Fatal(err)
	}
	t, err := LoadTemplates(cat, assets)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// calls lists the templates a tree calls.
func calls(n parse.Node, out map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				calls(c, out)
			}
		}
	case *parse.TemplateNode:
		out[n.Name] = true
	case *parse.IfNode:
		calls(n.List, out)
		calls(n.ElseList, out)
	case *parse.RangeNode:
		calls(n.List, out)
		calls(n.ElseList, out)
	case *parse.WithNode:
		calls(n.List, out)
		calls(n.ElseList, out)
	}
}

// Every page's set holds every template its page, the layout and their partials call,
// and no partial that nothing in it calls (each set is parsed with only those: baseFor).
func TestEveryPageHoldsWhatItCalls(t *testing.T) {
	tm := loadTemplates(t)
	sets := 0
	for _, lang := range i18n.Langs {
		for name, set := range tm.pages[lang] {
			sets++
			called := map[string]bool{}
			for _, x := range set.Templates() {
				if x.Tree != nil {
					calls(x.Tree.Root, called)
				}
			}
			for c := range called {
				if set.Lookup(c) == nil {
					t.Errorf("%s/%s calls %q, which its set lacks", lang, name, c)
				}
			}
			held, used := map[string]bool{}, map[string]bool{}
			for _, x := range set.Templates() {
				if f := partialOf(x.Name()); f != "" {
					held[f] = true
					if called[x.Name()] {
						used[f] = true
					}
				}
			}
			for f := range held {
				if !used[f] {
					t.Errorf("%s/%s holds %s, which nothing in it calls", lang, name, f)
				}
			}
		}
	}
	if sets < 2*50 {
		t.Fatalf("only %d page sets", sets)
	}
}

// partialOf is the partial file that defines name, or "".
func partialOf(name string) string {
	files, _ := fs.Glob(templatesFS, "templates/partials/*.html")
	for _, f := range files {
		b, err := templatesFS.ReadFile(f)
		if err != nil {
			continue
		}
		if strings.Contains(string(b), `{{define "`+name+`"}}`) {
			return f
		}
	}
	return ""
}

// BenchmarkLoadTemplates parses every page of every language; live-MB is the heap the
// parsed sets hold (what every collection of serve marks).
func BenchmarkLoadTemplates(b *testing.B) {
	var keep *Templates
	var before, after runtime.MemStats
	for b.Loop() {
		keep = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		keep = loadTemplates(b)
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "live-MB")
	runtime.KeepAlive(keep)
}
