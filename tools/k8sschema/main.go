package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// gvk is a group, version and kind as the spec's
// x-kubernetes-group-version-kind lists them.
type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// apiVersion is the manifest spelling: "v1" for the core group, else group/version.
func (g gvk) apiVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

// fileName is kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json.
func (g gvk) fileName() string {
	suffix := "-" + strings.ToLower(strings.Split(g.Group, ".")[0])
	if g.Group == "" {
		suffix = ""
	}
	return strings.ToLower(g.Kind) + suffix + "-" + strings.ToLower(g.Version) + ".json"
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("k8sschema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	swagger := fs.String("swagger", "", "path of k8s.io/kubernetes' api/openapi-spec/swagger.json")
	out := fs.String("out", "", "directory to write the schemas into")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *swagger == "" || *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: k8sschema -swagger swagger.json -out DIR manifest.yaml...")
		return 2
	}
	if err := generate(*swagger, *out, fs.Args(), stderr); err != nil {
		fmt.Fprintf(stderr, "k8sschema: %v\n", err)
		return 1
	}
	return 0
}

func generate(swaggerPath, outDir string, manifests []string, stderr io.Writer) error {
	raw, err := os.ReadFile(swaggerPath)
	if err != nil {
		return fmt.Errorf("reading OpenAPI spec: %w", err)
	}
	var spec struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parsing OpenAPI spec %s: %w", swaggerPath, err)
	}
	if len(spec.Definitions) == 0 {
		return fmt.Errorf("OpenAPI spec %s has no definitions", swaggerPath)
	}
	want, err := manifestKinds(manifests)
	if err != nil {
		return err
	}
	byGVK := map[gvk]string{}
	for name, def := range spec.Definitions {
		for _, g := range definitionGVKs(def) {
			byGVK[g] = name
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("creating schema directory: %w", err)
	}
	c := converter{defs: spec.Definitions}
	for _, g := range want {
		name, ok := byGVK[g]
		if !ok {
			fmt.Fprintf(stderr, "k8sschema: %s %s is not in the Kubernetes spec (a custom resource?): no schema written\n", g.apiVersion(), g.Kind)
			continue
		}
		s, err := c.expand(spec.Definitions[name], map[string]bool{name: true})
		if err != nil {
			return fmt.Errorf("converting %s: %w", name, err)
		}
		props, _ := s["properties"].(map[string]any)
		if props != nil {
			props["apiVersion"] = map[string]any{"type": "string", "enum": []any{g.apiVersion()}}
			props["kind"] = map[string]any{"type": "string", "enum": []any{g.Kind}}
		}
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding schema of %s: %w", name, err)
		}
		p := filepath.Join(outDir, g.fileName())
		if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing schema: %w", err)
		}
		fmt.Fprintf(stderr, "k8sschema: %s %s -> %s\n", g.apiVersion(), g.Kind, p)
	}
	return nil
}

// manifestKinds returns the distinct apiVersion/kind pairs of every YAML
// document in the files, sorted.
func manifestKinds(files []string) ([]gvk, error) {
	seen := map[gvk]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading manifest: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var doc struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", f, i+1, err)
			}
			if doc.Kind == "" || doc.APIVersion == "" {
				continue // an empty document between separators
			}
			group, version, ok := strings.Cut(doc.APIVersion, "/")
			if !ok {
				group, version = "", doc.APIVersion
			}
			seen[gvk{Group: group, Version: version, Kind: doc.Kind}] = true
		}
	}
	out := make([]gvk, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fileName() < out[j].fileName() })
	return out, nil
}

func definitionGVKs(def map[string]any) []gvk {
	list, _ := def["x-kubernetes-group-version-kind"].([]any)
	var out []gvk
	for _, e := range list {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v != "" && k != "" {
			out = append(out, gvk{Group: g, Version: v, Kind: k})
		}
	}
	return out
}

// converter turns OpenAPI v2 definitions into standalone strict JSON schemas.
type converter struct {
	defs map[string]map[string]any
}

const (
	refPrefix    = "#/definitions/"
	quantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity"
)

// expand returns a converted deep copy of s with every $ref inlined. open
// holds the definitions being expanded on the current path, to cut cycles.
func (c converter) expand(s map[string]any, open map[string]bool) (map[string]any, error) {
	if ref, ok := s["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, refPrefix)
		if !found {
			return nil, fmt.Errorf("unsupported $ref %q", ref)
		}
		if name == quantityName {
			return map[string]any{"oneOf": []any{
				map[string]any{"type": "string"}, map[string]any{"type": "number"},
			}}, nil
		}
		def, ok := c.defs[name]
		if !ok {
			return nil, fmt.Errorf("$ref to undefined %q", name)
		}
		if open[name] {
			return map[string]any{}, nil // a cycle: accept anything here
		}
		open[name] = true
		defer delete(open, name)
		return c.expand(def, open)
	}
	if f, _ := s["format"].(string); f == "int-or-string" {
		return map[string]any{"oneOf": []any{
			map[string]any{"type": "string"}, map[string]any{"type": "integer"},
		}}, nil
	}
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		switch k {
		case "properties":
			props, _ := v.(map[string]any)
			np := make(map[string]any, len(props))
			for pk, pv := range props {
				m, ok := pv.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("property %q is not a schema", pk)
				}
				e, err := c.expand(m, open)
				if err != nil {
					return nil, fmt.Errorf("property %q: %w", pk, err)
				}
				np[pk] = e
			}
			out[k] = np
		case "items", "additionalProperties":
			m, ok := v.(map[string]any)
			if !ok {
				out[k] = v // additionalProperties: true/false
				continue
			}
			e, err := c.expand(m, open)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = e
		case "allOf", "anyOf", "oneOf":
			list, _ := v.([]any)
			nl := make([]any, 0, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s[%d] is not a schema", k, i)
				}
				e, err := c.expand(m, open)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", k, i, err)
				}
				nl = append(nl, e)
			}
			out[k] = nl
		default:
			out[k] = v
		}
	}
	if _, hasProps := out["properties"]; hasProps {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	return out, nil
}
