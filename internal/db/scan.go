package db

import (
	"fmt"
	"strconv"
)

// Int64 is an integer scan destination that database/sql fills without reflection: it
// converts a value into a plain *int64 through reflect (convertAssignRows's fallback:
// the destination's kind, assignability, Set), into a Scanner with one call. A search
// scans a thousand candidates' ids and counts, a queue page ten integers of each of 50
// rows; database/sql's conversions were 7–8 % of serve's CPU in either. Use it as
// (*db.Int64)(&x) — a pointer, so passing it allocates nothing.
type Int64 int64

// Scan implements sql.Scanner. NULL is refused, as database/sql refuses it for *int64.
func (p *Int64) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*p = Int64(v)
	case []byte:
		return p.parse(string(v))
	case string:
		return p.parse(v)
	case nil:
		return fmt.Errorf("db: converting NULL to int64 is unsupported")
	default:
		return fmt.Errorf("db: converting %T to int64 is unsupported", src)
	}
	return nil
}

func (p *Int64) parse(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("db: converting %q to int64: %w", s, err)
	}
	*p = Int64(n)
	return nil
}
