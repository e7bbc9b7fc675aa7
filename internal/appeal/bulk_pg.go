package appeal

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"yingshang/internal/db"
)

// arrayRows is how many rows one PostgreSQL bulk statement carries.
const arrayRows = 10_000

// insertArrays writes rows on PostgreSQL as one array per column:
// INSERT … SELECT * FROM unnest($1::int8[], $2::text[], …). Multi-row VALUES made the
// server parse and bind 30,000 parameters per statement (5,600 appeals/s at ten million);
// an array is one parameter, sent in binary.
func insertArrays(ctx context.Context, q db.Querier, table string, cols []string, vals []any) error {
	types, err := columnTypes(ctx, q, table)
	if err != nil {
		return err
	}
	per := len(cols)
	total := len(vals) / per
	casts := make([]string, per)
	for j, c := range cols {
		t, ok := types[c]
		if !ok {
			return fmt.Errorf("appeal: bulk insert into %s: no column %s", table, c)
		}
		switch arrayKind(t) {
		case "int", "bool", "float":
			casts[j] = "CAST($" + strconv.Itoa(j+1) + " AS " + t + "[])"
		default:
			casts[j] = "CAST(CAST($" + strconv.Itoa(j+1) + " AS text[]) AS " + t + "[])"
		}
	}
	text := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT * FROM unnest(" + strings.Join(casts, ", ") + ")"
	for start := 0; start < total; start += arrayRows {
		n := min(arrayRows, total-start)
		args := make([]any, per)
		for j := range cols {
			col, err := column(vals, per, j, start, n, arrayKind(types[cols[j]]))
			if err != nil {
				return fmt.Errorf("appeal: bulk insert into %s.%s: %w", table, cols[j], err)
			}
			args[j] = col
		}
		if _, err := q.ExecContext(ctx, text, args...); err != nil {
			return fmt.Errorf("appeal: bulk insert into %s: %w", table, err)
		}
	}
	return nil
}

// columnTypes reads a table's column types (udt names: int8, text, bool, …), once per
// statement batch: a schema of its own per test database rules out a process-wide cache.
func columnTypes(ctx context.Context, q db.Querier, table string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, udt_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, fmt.Errorf("appeal: columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return nil, err
		}
		out[c] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func arrayKind(udt string) string {
	switch udt {
	case "int2", "int4", "int8":
		return "int"
	case "bool":
		return "bool"
	case "float4", "float8", "numeric":
		return "float"
	}
	return "text"
}

// column gathers column j of rows [start, start+n) as a typed slice (nil for NULL).
func column(vals []any, per, j, start, n int, kind string) (any, error) {
	at := func(i int) any { return vals[(start+i)*per+j] }
	switch kind {
	case "int":
		out := make([]*int64, n)
		for i := range n {
			switch v := at(i).(type) {
			case nil:
			case int64:
				out[i] = &v
			case int:
				x := int64(v)
				out[i] = &x
			case int32:
				x := int64(v)
				out[i] = &x
			case bool:
				var x int64
				if v {
					x = 1
				}
				out[i] = &x
			default:
				return nil, fmt.Errorf("%T is not an integer", v)
			}
		}
		return out, nil
	case "bool":
		out := make([]*bool, n)
		for i := range n {
			switch v := at(i).(type) {
			case nil:
			case bool:
				out[i] = &v
			default:
				return nil, fmt.Errorf("%T is not a boolean", v)
			}
		}
		return out, nil
	case "float":
		out := make([]*float64, n)
		for i := range n {
			switch v := at(i).(type) {
			case nil:
			case float64:
				out[i] = &v
			case int64:
				x := float64(v)
				out[i] = &x
			case int:
				x := float64(v)
				out[i] = &x
			default:
				return nil, fmt.Errorf("%T is not a number", v)
			}
		}
		return out, nil
	}
	out := make([]*string, n)
	for i := range n {
		switch v := at(i).(type) {
		case nil:
		case string:
			out[i] = &v
		case []byte:
			x := string(v)
			out[i] = &x
		default:
			return nil, fmt.Errorf("%T is not text", v)
		}
	}
	return out, nil
}
