// Command k8sschema turns the Kubernetes OpenAPI v2 document (swagger.json,
// shipped in the k8s.io/kubernetes Go module under api/openapi-spec) into
// the JSON schemas kubeconform reads, one file per kind and version, so
// that manifests are validated with no network (scripts/validate-deploy.sh).
//
//	go run ./scripts/k8sschema -in .../api/openapi-spec/swagger.json -out DIR
//
// Files are named as kubeconform's schema-location template
// {{.ResourceKind}}{{.KindSuffix}}.json expects (deployment-apps-v1.json,
// service-v1.json, ingress-networking-v1.json). Each is standalone (it
// carries every definition it refers to under "definitions") and strict:
// an object with declared properties allows no others, so a misspelt field
// is an error, as with kubeconform -strict on its default schemas. Two
// Kubernetes string formats accept numbers as the API server does:
// int-or-string (ports, maxUnavailable) and quantities (cpu: 1).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	in := flag.String("in", "", "the Kubernetes swagger.json")
	out := flag.String("out", "", "directory to write the schemas to")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: k8sschema -in swagger.json -out DIR")
		os.Exit(2)
	}
	n, err := run(*in, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8sschema:", err)
		os.Exit(1)
	}
	fmt.Printf("k8sschema: %d schemas in %s\n", n, *out)
}

type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

func run(in, out string) (int, error) {
	raw, err := os.ReadFile(in)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w", in, err)
	}
	if len(doc.Definitions) == 0 {
		return 0, errors.New("no definitions: not a Kubernetes swagger.json")
	}
	defs := map[string]any{}
	for name, d := range doc.Definitions {
		defs[name] = fix(name, d)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	names := make([]string, 0, len(doc.Definitions))
	for name := range doc.Definitions {
		names = append(names, name)
	}
	sort.Strings(names)
	n := 0
	for _, name := range names {
		var kinds []gvk
		if x, ok := doc.Definitions[name]["x-kubernetes-group-version-kind"]; ok {
			b, _ := json.Marshal(x)
			if err := json.Unmarshal(b, &kinds); err != nil {
				return n, fmt.Errorf("%s: x-kubernetes-group-version-kind: %w", name, err)
			}
		}
		for _, k := range kinds {
			schema := standalone(name, defs)
			apiVersion := k.Version
			if k.Group != "" {
				apiVersion = k.Group + "/" + k.Version
			}
			// Like the API server: the kind and apiVersion of the file.
			props := schema["properties"].(map[string]any)
			props["apiVersion"] = map[string]any{"type": "string", "enum": []string{apiVersion}}
			props["kind"] = map[string]any{"type": "string", "enum": []string{k.Kind}}
			b, err := json.MarshalIndent(schema, "", " ")
			if err != nil {
				return n, err
			}
			if err := os.WriteFile(filepath.Join(out, fileName(k)), b, 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// fileName is kubeconform's {{.ResourceKind}}{{.KindSuffix}}.json: the kind
// in lower case, the first label of the group, the version.
func fileName(k gvk) string {
	suffix := "-" + strings.ToLower(k.Version)
	if k.Group != "" {
		suffix = "-" + strings.ToLower(strings.Split(k.Group, ".")[0]) + suffix
	}
	return strings.ToLower(k.Kind) + suffix + ".json"
}

// fix returns a copy of schema with the strict and Kubernetes-specific
// adjustments, recursively.
func fix(name string, schema map[string]any) map[string]any {
	switch name {
	case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	case "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	}
	return fixValue(schema).(map[string]any)
}

func fixValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if strings.HasPrefix(k, "x-kubernetes-") {
				continue
			}
			out[k] = fixValue(x)
		}
		if out["format"] == "int-or-string" {
			delete(out, "type")
			delete(out, "format")
			out["oneOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = fixValue(x)
		}
		return out
	}
	return v
}

// standalone returns the definition name with every definition it refers
// to, directly or not, under "definitions" ($refs keep their
// #/definitions/… form, which now resolves inside the file).
func standalone(name string, defs map[string]any) map[string]any {
	need := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if ref, ok := t["$ref"].(string); ok {
				if d, ok := strings.CutPrefix(ref, "#/definitions/"); ok && !need[d] {
					need[d] = true
					walk(defs[d])
				}
			}
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(defs[name])
	root := map[string]any{}
	for k, v := range defs[name].(map[string]any) {
		root[k] = v
	}
	if _, ok := root["properties"]; !ok {
		root["properties"] = map[string]any{}
	}
	props := map[string]any{}
	for k, v := range root["properties"].(map[string]any) {
		props[k] = v
	}
	root["properties"] = props
	if len(need) > 0 {
		sub := map[string]any{}
		for d := range need {
			sub[d] = defs[d]
		}
		root["definitions"] = sub
	}
	root["$schema"] = "http://json-schema.org/schema#"
	return root
}
