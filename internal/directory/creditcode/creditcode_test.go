package creditcode

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// realCodes are codes of real organisations, published in the sources named,
// that conform to GB 32100 and GB 11714.
var realCodes = []struct{ code, who, source string }{
	{"914403001922038216", "华为技术有限公司", "zh.wikipedia.org, article 華為, infobox 機構代碼"},
	{"91440300708461136T", "深圳市腾讯计算机系统有限公司", "check-china.com example report 8 (business licence)"},
	{"91110000101623741K", "中国全聚德(集团)股份有限公司", "blog.csdn.net/ellasun_web/article/details/130267762"},
	{"911101066976941872", "北京长峰医院", "blog.csdn.net/ellasun_web/article/details/130267762"},
}

// pilotCodes are real codes from early pilot regions that do not satisfy the
// standard's check character (as noted in public validators); Validate is
// strict and rejects them at position 18.
var pilotCodes = []struct{ code, want string }{
	{"91350100M0001TGQXM", "1"}, // 福建恒跃柳工机械销售有限公司
	{"91350211M0000XUF46", "R"}, // 厦门云上晴空航空科技有限公司
	{"91350203M0001FUE2P", "J"}, // 厦门黑脉网络科技有限公司
}

func TestValidateRealCodes(t *testing.T) {
	for _, rc := range realCodes {
		if err := Validate(rc.code); err != nil {
			t.Errorf("%s (%s, %s): %v", rc.code, rc.who, rc.source, err)
		}
	}
}

func TestValidatePilotCodesRejected(t *testing.T) {
	for _, pc := range pilotCodes {
		var e *Error
		if err := Validate(pc.code); !errors.As(err, &e) || e.Position != 18 || e.Reason != ReasonCheck || e.Want != pc.want {
			t.Errorf("Validate(%s) = %v, want check error at 18 wanting %q", pc.code, err, pc.want)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name, code string
		want       Error // zero Reason means valid
	}{
		{"valid", "914403001922038216", Error{}},
		{"lowercase accepted", "91440300708461136t", Error{}},
		{"spaces trimmed", "  914403001922038216\t", Error{}},
		{"X check digit", "9144030071526726XG", Error{}},
		{"published Fujian example", "91350100M000100Y43", Error{}}, // blog.csdn.net/hookee/article/details/50610168
		{"empty", "", Error{Reason: ReasonLength, Want: "18", Got: "0"}},
		{"short", "91440300192203821", Error{Reason: ReasonLength, Want: "18", Got: "17"}},
		{"long", "9144030019220382160", Error{Reason: ReasonLength, Want: "18", Got: "19"}},
		// An inner space is an illegal character, not a length problem.
		{"inner space", "9144030019 2038216", Error{Position: 11, Reason: ReasonChar, Want: classCode, Got: " "}},
		{"letter I at 1", "I14403001922038216", Error{Position: 1, Reason: ReasonChar, Want: classCode, Got: "I"}},
		{"letter O at 2", "9O4403001922038216", Error{Position: 2, Reason: ReasonChar, Want: classCode, Got: "O"}},
		{"letter in division", "9144A3001922038216", Error{Position: 5, Reason: ReasonChar, Want: classDigit, Got: "A"}},
		{"letter S in body", "91440300S922038216", Error{Position: 9, Reason: ReasonChar, Want: classCode, Got: "S"}},
		{"letter V in body", "914403001922V38216", Error{Position: 13, Reason: ReasonChar, Want: classCode, Got: "V"}},
		{"letter at 17", "9144030019220382A6", Error{Position: 17, Reason: ReasonChar, Want: classOrg, Got: "A"}},
		{"letter Z at 18", "91440300192203821Z", Error{Position: 18, Reason: ReasonChar, Want: classCode, Got: "Z"}},
		{"punctuation", "91440300-922038216", Error{Position: 9, Reason: ReasonChar, Want: classCode, Got: "-"}},
		{"full-width digit", "91440300１922038216", Error{Position: 9, Reason: ReasonChar, Want: classCode, Got: "１"}},
		{"dotless i stays", "ı14403001922038216", Error{Position: 1, Reason: ReasonChar, Want: classCode, Got: "ı"}},
		{"chinese", "9144030019220382文6", Error{Position: 17, Reason: ReasonChar, Want: classOrg, Got: "文"}},
		{"org check", "914403001922038226", Error{Position: 17, Reason: ReasonOrgCheck, Want: "1", Got: "2"}},
		{"check char", "914403001922038217", Error{Position: 18, Reason: ReasonCheck, Want: "6", Got: "7"}},
		{"brief example", "91430100MA4L16JQ9B", Error{Position: 18, Reason: ReasonCheck, Want: "D", Got: "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.code)
			if tt.want.Reason == "" {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate(%q) = %v, want *Error", tt.code, err)
			}
			if *e != tt.want {
				t.Errorf("Validate(%q) = %+v, want %+v", tt.code, *e, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			if !strings.HasPrefix(err.Error(), "credit code: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	if got := Normalize(" 91430100ma4l16jq9d\n"); got != "91430100MA4L16JQ9D" {
		t.Errorf("Normalize = %q", got)
	}
}

func TestComplete(t *testing.T) {
	for _, rc := range realCodes {
		for _, n := range []int{16, 17, 18} {
			got, err := Complete(strings.ToLower(rc.code[:n]))
			if err != nil || got != rc.code {
				t.Errorf("Complete(%q) = %q, %v; want %q", rc.code[:n], got, err, rc.code)
			}
		}
	}
	if got, err := Complete("91430100MA4L16JQ"); err != nil || got != "91430100MA4L16JQ9D" {
		t.Errorf("Complete(91430100MA4L16JQ) = %q, %v", got, err)
	}
	var e *Error
	if _, err := Complete("9143010"); !errors.As(err, &e) || e.Reason != ReasonLength {
		t.Errorf("Complete(short) = %v, want length error", err)
	}
	if _, err := Complete("9143O100MA4L16JQ"); !errors.As(err, &e) || e.Position != 5 || e.Reason != ReasonChar {
		t.Errorf("Complete(bad char) = %v, want char error at 5", err)
	}
}

func TestGenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	forms := map[bool]int{}
	for range 10000 {
		c := Generate(rng, '9', '1', "430104")
		if err := Validate(c); err != nil {
			t.Fatalf("Generate produced %s: %v", c, err)
		}
		if !strings.HasPrefix(c, "91430104") {
			t.Fatalf("Generate produced %s, want prefix 91430104", c)
		}
		forms[c[8:10] == "MA"]++
		seen[c] = true
	}
	if forms[true] == 0 || forms[false] == 0 {
		t.Errorf("Generate forms = %v, want both MA and numeric bodies", forms)
	}
	if len(seen) < 9990 {
		t.Errorf("only %d distinct codes in 10000", len(seen))
	}
	// Same seed, same codes.
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for range 100 {
		if x, y := Generate(a, '9', '1', "430100"), Generate(b, '9', '1', "430100"); x != y {
			t.Fatalf("Generate not deterministic: %s != %s", x, y)
		}
	}
}

func TestGeneratePanicsOnBadDivision(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Generate with a 5-digit division did not panic")
		}
	}()
	Generate(rand.New(rand.NewPCG(1, 1)), '9', '1', "43010")
}

// TestSingleSubstitutionDetected changes every position of many valid codes
// to every other character of its class and expects Validate to fail.
// GB 32100's mod-31 check over a 31-character alphabet with weights that are
// all non-zero mod 31 (a prime) catches every single substitution, so the
// property holds for all 18 positions even without the GB 11714 digit.
func TestSingleSubstitutionDetected(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	codes := make([]string, 0, 2000)
	for _, rc := range realCodes {
		codes = append(codes, rc.code)
	}
	for len(codes) < cap(codes) {
		codes = append(codes, Generate(rng, Alphabet[1+rng.IntN(30)], Alphabet[rng.IntN(31)], "4301"+string(rune('0'+rng.IntN(10)))+string(rune('0'+rng.IntN(10)))))
	}
	for _, code := range codes {
		for i := 0; i < Length; i++ {
			for j := 0; j < len(Alphabet); j++ {
				c := Alphabet[j]
				if c == code[i] {
					continue
				}
				mutated := code[:i] + string(c) + code[i+1:]
				if Validate(mutated) == nil {
					t.Fatalf("%s → %s (position %d) not detected", code, mutated, i+1)
				}
			}
		}
	}
}

// FuzzValidate checks that Validate never panics, that every error names a
// position consistent with its reason, and that any single-character change
// of a generated valid code is detected.
func FuzzValidate(f *testing.F) {
	for _, rc := range realCodes {
		f.Add(rc.code, uint64(0), uint8(0), uint8(0))
	}
	f.Add("91430100MA4L16JQ9B", uint64(1), uint8(17), uint8('C'))
	f.Add("", uint64(2), uint8(3), uint8('x'))
	f.Add("文文文文文文", uint64(3), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, s string, seed uint64, pos, repl uint8) {
		err := Validate(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate(%q) error %T is not *Error", s, err)
			}
			if e.Reason == ReasonLength && e.Position != 0 || e.Reason != ReasonLength && (e.Position < 1 || e.Position > Length) {
				t.Fatalf("Validate(%q) = %+v: bad position", s, *e)
			}
			_ = e.Error()
		}

		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		code := Generate(rng, '9', '1', "430102")
		if err := Validate(code); err != nil {
			t.Fatalf("Validate(Generate) = %v for %s", err, code)
		}
		i := int(pos) % Length
		if repl == code[i] {
			return
		}
		mutated := code[:i] + string(rune(repl)) + code[i+1:]
		if Normalize(mutated) == code {
			return // a lowercase letter of the same character: same code
		}
		if Validate(mutated) == nil {
			t.Fatalf("%s → %q (position %d) not detected", code, mutated, i+1)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	for b.Loop() {
		_ = Validate("91440300708461136T")
	}
}

func BenchmarkGenerate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		_ = Generate(rng, '9', '1', "430104")
	}
}
