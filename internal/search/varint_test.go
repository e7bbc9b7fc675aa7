package search

import (
	"math"
	"testing"
)

// putVarint writes v as SQLite's sqlite3PutVarint does (and FTS5's sqlite3Fts5PutVarint):
// up to 56 bits in big-endian groups of seven with the high bit on all but the last byte,
// larger values in nine bytes whose last carries eight bits.
func putVarint(v uint64) []byte {
	if v > 1<<56-1 {
		b := make([]byte, 9)
		b[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			b[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return b
	}
	var rev []byte
	for {
		rev = append(rev, byte(v&0x7f))
		v >>= 7
		if v == 0 {
			break
		}
	}
	b := make([]byte, len(rev))
	for i, c := range rev {
		b[len(rev)-1-i] = c
		if i > 0 {
			b[len(rev)-1-i] |= 0x80
		}
	}
	return b
}

func TestFTS5Varint(t *testing.T) {
	for _, v := range []uint64{1, 47, 127, 128, 200, 8000, 16383, 16384, 1<<21 + 5, 1<<49 - 3, 1<<56 - 1, 1 << 56, math.MaxUint64} {
		b := putVarint(v)
		if got := fts5Varint(append(b, 0x05)); got != v { // the next column's size follows
			t.Errorf("%d as % x: read %d", v, b, got)
		}
	}
	if got := fts5Varint([]byte{0x30}); got != 48 {
		t.Errorf("0x30 (a row of 48 terms, as FTS5 stored it): %d", got)
	}
	if got := fts5Varint(nil); got != 0 {
		t.Errorf("no size: %d", got)
	}
}
