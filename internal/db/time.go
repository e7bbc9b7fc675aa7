package db

import "time"

// Instants are stored as BIGINT milliseconds since the Unix epoch (UTC) on both engines:
// the same SQL compares, sorts and buckets them (a Shanghai day is (ms + 8h) / 86 400 000),
// indexes stay small at ten million rows, and no driver's time parsing is involved.
// Civil dates (a founding date, a holiday) are TEXT 'YYYY-MM-DD'.

// Millis converts t to stored milliseconds; the zero time is 0.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// NullMillis converts t to a nullable column value: the zero time is NULL.
func NullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// FromMillis converts stored milliseconds back; 0 is the zero time.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// NullTime scans a nullable millisecond column.
type NullTime struct{ Time time.Time }

// Scan implements sql.Scanner.
func (n *NullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.Time = time.Time{}
	case int64:
		n.Time = FromMillis(x)
	case int32:
		n.Time = FromMillis(int64(x))
	default:
		var ni int64
		switch y := x.(type) {
		case float64:
			ni = int64(y)
		case []byte:
			t, err := time.Parse(time.RFC3339Nano, string(y))
			if err != nil {
				return err
			}
			n.Time = t
			return nil
		}
		n.Time = FromMillis(ni)
	}
	return nil
}
