package i18n

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// Every key must exist in every language: a screen half in English is a bug.
func TestCatalogsComplete(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs {
		if len(keys[l]) == 0 {
			t.Fatalf("no catalog for %s", l)
		}
	}
	for _, a := range Langs {
		for _, b := range Langs {
			var missing []string
			for k, file := range keys[a] {
				if _, ok := keys[b][k]; !ok {
					missing = append(missing, k+" ("+file+")")
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%d keys of %s are missing in %s:\n  %s", len(missing), a, b, strings.Join(missing, "\n  "))
			}
		}
	}
	if _, err := Load(); err != nil {
		t.Fatalf("catalogs do not load: %v", err)
	}
}

// Chinese text must be simplified: a few traditional characters that slip in from sources.
func TestChineseIsSimplified(t *testing.T) {
	keys, _ := Keys()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys["zh-CN"] {
		s := c.T("zh-CN", k)
		for _, r := range "與個們來會時這為說對國開關訊處辦號證營業務條單據現聯繫" {
			if strings.ContainsRune(s, r) {
				t.Errorf("%s: traditional character %q in %q", k, r, s)
			}
		}
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		lang string
		fen  int64
		want string
	}{
		{"zh-CN", 123456, "1,234.56 元"},
		{"zh-CN", 1280500000, "1,280.50 万元"},
		{"zh-CN", 19969400000000, "1,996.94 亿元"},
		{"zh-CN", 0, "0.00 元"},
		{"en", 123456, "¥1,234.56"},
		{"en", 128050000000, "¥1.28 billion"},
	}
	for _, c := range cases {
		if got := Money(c.lang, c.fen); got != c.want {
			t.Errorf("Money(%s, %d) = %q, want %q", c.lang, c.fen, got, c.want)
		}
	}
	for in, want := range map[string]int64{"1,234.56": 123456, "12.5万": 12500000, "3亿元": 30000000000, "800": 80000} {
		if got, ok := ParseMoney(in); !ok || got != want {
			t.Errorf("ParseMoney(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "-5", "1e30", "NaN"} {
		if _, ok := ParseMoney(bad); ok {
			t.Errorf("ParseMoney(%q) accepted", bad)
		}
	}
}

func TestFormats(t *testing.T) {
	at := time.Date(2024, 10, 25, 2, 38, 7, 0, time.UTC)
	if got := DateTime("zh-CN", at); got != "2024-10-25 10:38" {
		t.Errorf("DateTime = %q", got)
	}
	if got := Date("zh-CN", at); got != "2024年10月25日" {
		t.Errorf("Date = %q", got)
	}
	if got := MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := Number(1823900); got != "1,823,900" {
		t.Errorf("Number = %q", got)
	}
	if got := Percent(0.935); got != "93.5%" {
		t.Errorf("Percent = %q", got)
	}
	if Match("en-US,en;q=0.9") != "en" || Match("zh-TW") != "zh-CN" || Match("fr") != "zh-CN" || Match("") != "zh-CN" {
		t.Error("Match picks the wrong language")
	}
}
