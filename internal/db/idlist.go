package db

import "strconv"

// InIDs is a subquery of the ids listed by the JSON array bound as parameter p ("$1",
// …), for `col IN (` + d.Engine.InIDs("$1") + `)` with the argument IDsJSON(ids). Every
// list then makes the same statement text, prepared once and kept; an id list written
// into the text was parsed at every call (RQOnce) — a page of 20 briefs 703 → 465 µs, a
// search's 500 candidates' texts 2.09 → 1.74 ms on SQLite at a million appeals.
func (e Engine) InIDs(p string) string {
	if e == Postgres {
		return `SELECT CAST(v AS BIGINT) FROM json_array_elements_text(CAST(` + p + ` AS json)) x(v)`
	}
	return `SELECT value FROM json_each(` + p + `)`
}

// IDsJSON writes ids as a JSON array for InIDs ("[]" for none).
func IDsJSON(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
