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

// Scan implements sql.Scanner, converting as database/sql does for an *int64.
func (p *Int64) Scan(src any) error {
	v, err := scanNumber(src, "int64", func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
	*p = Int64(v)
	return err
}

// Float64 is Int64 for a float column (a search's rank on PostgreSQL): as
// (*db.Float64)(&x).
type Float64 float64

// Scan implements sql.Scanner, converting as database/sql does for a *float64.
func (p *Float64) Scan(src any) error {
	if f, ok := src.(float64); ok {
		*p = Float64(f)
		return nil
	}
	v, err := scanNumber(src, "float64", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	*p = Float64(v)
	return err
}

// scanNumber converts a driver's value as database/sql does: an integer as it is, a float
// or text through its decimal form (so 2.0 is an integer, 1.5 is not), NULL refused.
func scanNumber[T int64 | float64](src any, name string, parse func(string) (T, error)) (T, error) {
	var s string
	switch v := src.(type) {
	case int64:
		return T(v), nil
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	case []byte:
		s = string(v)
	case string:
		s = v
	case nil:
		return 0, fmt.Errorf("db: converting NULL to %s is unsupported", name)
	default:
		return 0, fmt.Errorf("db: converting %T to %s is unsupported", src, name)
	}
	n, err := parse(s)
	if err != nil {
		return 0, fmt.Errorf("db: converting %q to %s: %w", s, name, err)
	}
	return n, nil
}
