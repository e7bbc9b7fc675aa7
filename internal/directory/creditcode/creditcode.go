// Package creditcode validates and generates the 18-character unified
// social credit code (统一社会信用代码) defined by GB 32100-2015.
//
// A code is laid out as
//
//	position 1      registration authority (登记管理部门代码)
//	position 2      organisation category (机构类别代码)
//	positions 3-8   administrative division of the registering authority (GB/T 2260)
//	positions 9-17  the organisation code (组织机构代码, GB 11714): 8 body
//	                characters and their check character at position 17
//	position 18     the GB 32100 check character over positions 1-17
//
// Validate checks both check characters, so that a typo is caught at the
// position that reveals it. Input is normalised first (see Normalize):
// surrounding spaces are dropped and lowercase letters are accepted and
// upper-cased.
//
// Some codes issued in early pilot regions (for example Fujian "M000…"
// codes from 2015) do not satisfy the standard's check characters; Validate
// rejects them like any other non-conforming code.
package creditcode

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Length is the number of characters in a unified social credit code.
const Length = 18

// Alphabet holds the 31 characters a code may contain, in value order:
// 0-9 and A-Z without I, O, S, V and Z.
const Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// Reason keys: catalog keys for the UI's localised messages.
const (
	ReasonLength   = "creditcode.length"
	ReasonChar     = "creditcode.char"
	ReasonOrgCheck = "creditcode.orgcheck"
	ReasonCheck    = "creditcode.check"
)

// ErrInvalid is the sentinel every *Error unwraps to.
var ErrInvalid = errors.New("invalid unified social credit code")

// Error says which position of a code is wrong and why.
type Error struct {
	// Position is 1-based; 0 when the whole code is concerned (wrong length).
	Position int
	// Reason is one of the Reason* catalog keys.
	Reason string
	// Want and Got describe the expectation: for ReasonLength the lengths
	// ("18", "17"), for ReasonChar the allowed class and the character found,
	// for the check reasons the expected and the found character.
	Want, Got string
}

func (e *Error) Error() string {
	switch e.Reason {
	case ReasonLength:
		return fmt.Sprintf("credit code: length is %s, want %s", e.Got, e.Want)
	case ReasonChar:
		return fmt.Sprintf("credit code: illegal character %q at position %d, want %s", e.Got, e.Position, e.Want)
	case ReasonOrgCheck:
		return fmt.Sprintf("credit code: organisation code check digit at position %d is %q, want %q", e.Position, e.Got, e.Want)
	case ReasonCheck:
		return fmt.Sprintf("credit code: check character at position %d is %q, want %q", e.Position, e.Got, e.Want)
	}
	return fmt.Sprintf("credit code: %s at position %d", e.Reason, e.Position)
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *Error) Unwrap() error { return ErrInvalid }

// Character classes, used as Want of a ReasonChar error.
const (
	classCode  = "0-9 or A-Z except I, O, S, V, Z"
	classDigit = "0-9"
	classOrg   = "0-9 or X"
)

// codeValue maps a byte to its GB 32100 value, or -1.
var codeValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		t[Alphabet[i]] = int8(i)
	}
	return t
}()

// weights18 are the GB 32100 weights for positions 1-17 (3^(i) mod 31).
var weights18 = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// weights17 are the GB 11714 weights for the 8 body characters.
var weights17 = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// Normalize trims surrounding white space and upper-cases ASCII letters,
// so "91430100ma4l16jq9b " becomes "91430100MA4L16JQ9B".
// Only ASCII letters change: a look-alike such as the dotless ı stays as it
// is and is reported as an illegal character.
func Normalize(code string) string {
	code = strings.TrimSpace(code)
	for i := 0; i < len(code); i++ {
		if c := code[i]; c >= 'a' && c <= 'z' {
			return strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' {
					return r - 'a' + 'A'
				}
				return r
			}, code)
		}
	}
	return code
}

// Validate reports whether code (after Normalize) is a well-formed unified
// social credit code. The error is an *Error naming the first position
// found wrong: length, then characters left to right, then the organisation
// code's check digit (position 17), then the check character (position 18).
func Validate(code string) error {
	code = Normalize(code)
	if len(code) != Length || !isASCII(code) {
		// Count characters, not bytes: "9143010０…" with a full-width digit
		// is an illegal character at its position, not a length problem.
		r := []rune(code)
		if len(r) != Length {
			return &Error{Reason: ReasonLength, Want: fmt.Sprint(Length), Got: fmt.Sprint(len(r))}
		}
		for i, c := range r {
			if err := checkChar(i+1, c); err != nil {
				return err
			}
		}
	}
	for i := 0; i < Length; i++ {
		if err := checkChar(i+1, rune(code[i])); err != nil {
			return err
		}
	}
	if want := orgCheck(code[8:16]); code[16] != want {
		return &Error{Position: 17, Reason: ReasonOrgCheck, Want: string(want), Got: string(code[16])}
	}
	if want := check(code[:17]); code[17] != want {
		return &Error{Position: 18, Reason: ReasonCheck, Want: string(want), Got: string(code[17])}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkChar validates character c at 1-based position pos.
func checkChar(pos int, c rune) error {
	ok := false
	switch {
	case pos >= 3 && pos <= 8:
		ok = c >= '0' && c <= '9'
	case pos == 17:
		// The organisation code's check digit is 0-9 or X only.
		ok = c >= '0' && c <= '9' || c == 'X'
	default:
		ok = c < 0x80 && codeValue[c] >= 0
	}
	if ok {
		return nil
	}
	return &Error{Position: pos, Reason: ReasonChar, Want: classOf(pos), Got: string(c)}
}

func classOf(pos int) string {
	switch {
	case pos >= 3 && pos <= 8:
		return classDigit
	case pos == 17:
		return classOrg
	}
	return classCode
}

// orgValue is the GB 11714 value of a body character: 0-9, then A-Z = 10-35.
func orgValue(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return int(c-'A') + 10
}

// orgCheck computes the GB 11714 check character over 8 body characters.
func orgCheck(body string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		sum += orgValue(body[i]) * weights17[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// check computes the GB 32100 check character over 17 characters.
func check(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(codeValue[first17[i]]) * weights18[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return Alphabet[c]
}

// Complete returns the full code for its first 16 characters, computing the
// organisation check digit (position 17) and the check character
// (position 18). A 17- or 18-character input has its check characters
// recomputed. The prefix is normalised; an illegal character is reported as
// an *Error.
func Complete(prefix string) (string, error) {
	r := []rune(Normalize(prefix))
	if len(r) < 16 || len(r) > Length {
		return "", &Error{Reason: ReasonLength, Want: "16", Got: fmt.Sprint(len(r))}
	}
	r = r[:16]
	for i, c := range r {
		if err := checkChar(i+1, c); err != nil {
			return "", err
		}
	}
	p := string(r) // all ASCII now
	p17 := p + string(orgCheck(p[8:16]))
	return p17 + string(check(p17)), nil
}

// Generate returns a valid code with the given authority (position 1),
// category (position 2) and 6-digit division, and a random organisation
// code body. Roughly half the bodies take the "MA" form the market
// regulator has issued since 2015 (e.g. MA4L16JQ), the rest the older
// all-digit form. It panics if the arguments cannot form a valid code:
// it is meant for demo data, tests and benchmarks with constant arguments.
func Generate(rng *rand.Rand, authority, category byte, division string) string {
	var b [16]byte
	b[0], b[1] = authority, category
	copy(b[2:8], division)
	if len(division) != 6 {
		panic(fmt.Sprintf("creditcode.Generate: division %q is not 6 digits", division))
	}
	if rng.IntN(2) == 0 {
		b[8], b[9] = 'M', 'A'
		for i := 10; i < 16; i++ {
			b[i] = Alphabet[rng.IntN(len(Alphabet))]
		}
	} else {
		for i := 8; i < 16; i++ {
			b[i] = byte('0' + rng.IntN(10))
		}
	}
	code, err := Complete(string(b[:]))
	if err != nil {
		panic("creditcode.Generate: " + err.Error())
	}
	return code
}
