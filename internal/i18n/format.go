package i18n

import (
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database
	"unicode/utf8"
)

// Shanghai is the time zone every instant is shown in.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // tzdata is embedded: this cannot fail
	}
	return l
}

// Date formats a day: 2024年10月25日 / 2024-10-25.
func Date(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Shanghai)
	if lang == "en" {
		return t.Format("2006-01-02")
	}
	return t.Format("2006年1月2日")
}

// DateTime formats an instant to the minute: 2024-10-25 10:38 in both languages (what
// Chinese government systems show in tables).
func DateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format("2006-01-02 15:04")
}

// Number groups thousands: 1,823,900.
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func decimal(v float64, places int) string {
	s := strconv.FormatFloat(v, 'f', places, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(intPart, 10, 64)
	out := Number(n)
	if strings.HasPrefix(intPart, "-") && n == 0 {
		out = "-0"
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// Money formats an amount in fen the way it is said: 1,234.56 元, 128.05 万元, 19.97 亿元;
// in English ¥1,234.56, ¥1.28 million, ¥1.99 billion.
func Money(lang string, fen int64) string {
	yuan := float64(fen) / 100
	abs := math.Abs(yuan)
	if lang == "en" {
		switch {
		case abs >= 1e9:
			return "¥" + decimal(yuan/1e9, 2) + " billion"
		case abs >= 1e6:
			return "¥" + decimal(yuan/1e6, 2) + " million"
		default:
			return "¥" + decimal(yuan, 2)
		}
	}
	switch {
	case abs >= 1e8:
		return decimal(yuan/1e8, 2) + " 亿元"
	case abs >= 1e4:
		return decimal(yuan/1e4, 2) + " 万元"
	default:
		return decimal(yuan, 2) + " 元"
	}
}

// Percent formats a ratio 0..1 as 93.5%.
func Percent(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "—"
	}
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}

// MaskPhone hides the middle of a phone number: 138****5678.
func MaskPhone(p string) string {
	if utf8.RuneCountInString(p) < 7 {
		return strings.Repeat("*", utf8.RuneCountInString(p))
	}
	r := []rune(p)
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskID hides an identity number but its first and last four characters.
func MaskID(s string) string {
	r := []rune(s)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// ParseMoney reads an amount typed by a user in 元 ("1,234.56", "12.5万", "3亿") into fen.
func ParseMoney(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "元"), " ")
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "万"):
		mult, s = 1e4, strings.TrimSuffix(s, "万")
	case strings.HasSuffix(s, "亿"):
		mult, s = 1e8, strings.TrimSuffix(s, "亿")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v*mult > 9e15 {
		return 0, false
	}
	return int64(math.Round(v * mult * 100)), true
}
