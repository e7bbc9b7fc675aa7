package api

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"
)

// The OpenAPI document is kept in YAML fragments, one per part of the domain
// (openapi/<part>.yaml, each with its own paths and components), merged at start-up,
// validated, and served as JSON. base.yaml holds info, security and shared schemas.
//
//go:embed openapi/*.yaml
var openapiFS embed.FS

// LoadDocument merges and validates the fragments and returns the JSON document.
func LoadDocument() ([]byte, error) {
	files, err := fs.Glob(openapiFS, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i] == "openapi/base.yaml" {
			return true
		}
		if files[j] == "openapi/base.yaml" {
			return false
		}
		return files[i] < files[j]
	})
	merged := map[string]any{}
	for _, f := range files {
		b, err := openapiFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := yaml.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("api: %s: %w", f, err)
		}
		if err := mergeInto(merged, part, f); err != nil {
			return nil, err
		}
	}
	out, err := json.Marshal(merged)
	if err != nil {
		return nil, fmt.Errorf("api: encode openapi: %w", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(out)
	if err != nil {
		return nil, fmt.Errorf("api: load openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: openapi document is invalid: %w", err)
	}
	return out, nil
}

// Document returns the parsed document (tests validate responses against it).
func Document() (*openapi3.T, error) {
	b, err := LoadDocument()
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(b)
}

// mergeInto adds src's maps to dst; the same leaf defined twice is an error, so two parts
// cannot silently overwrite each other's paths or schemas.
func mergeInto(dst, src map[string]any, file string) error {
	for k, v := range src {
		cur, exists := dst[k]
		if !exists {
			dst[k] = v
			continue
		}
		if k == "openapi" || k == "info" {
			continue // base.yaml's come first and win
		}
		cm, ok1 := cur.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			if err := mergeInto(cm, vm, file); err != nil {
				return err
			}
			continue
		}
		return fmt.Errorf("api: %s redefines %q", file, k)
	}
	return nil
}
