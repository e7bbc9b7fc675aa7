package i18n

import "encoding/json"

// parseFlat reads a catalog file: a JSON object of id → text (or id → {"other": text, …}
// for plural forms).
func parseFlat(buf []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	err := json.Unmarshal(buf, &m)
	return m, err
}
