package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// spec is a tiny OpenAPI v2 document with the shapes the converter must
// handle: a $ref chain, IntOrString, Quantity, a map, and a cycle.
const spec = `{"definitions": {
  "io.k8s.api.demo.v1.Widget": {
    "x-kubernetes-group-version-kind": [{"group": "demo.example.io", "version": "v1", "kind": "Widget"}],
    "type": "object",
    "properties": {
      "apiVersion": {"type": "string"},
      "kind": {"type": "string"},
      "spec": {"$ref": "#/definitions/io.k8s.api.demo.v1.WidgetSpec"}
    }
  },
  "io.k8s.api.demo.v1.WidgetSpec": {
    "type": "object",
    "properties": {
      "port": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
      "limits": {"type": "object", "additionalProperties": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"}},
      "child": {"$ref": "#/definitions/io.k8s.api.demo.v1.WidgetSpec"}
    }
  },
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
  "io.k8s.api.core.v1.Thing": {
    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Thing"}],
    "type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}
  }
}}`

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	swagger := filepath.Join(dir, "swagger.json")
	manifest := filepath.Join(dir, "m.yaml")
	out := filepath.Join(dir, "schemas")
	if err := os.WriteFile(swagger, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	m := "apiVersion: demo.example.io/v1\nkind: Widget\n---\n---\napiVersion: v1\nkind: Thing\n---\napiVersion: other.io/v1\nkind: Custom\n"
	if err := os.WriteFile(manifest, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if code := run([]string{"-swagger", swagger, "-out", out, manifest}, &log); code != 0 {
		t.Fatalf("run exit code %d, log:\n%s", code, log.String())
	}
	if !strings.Contains(log.String(), "other.io/v1 Custom is not in the Kubernetes spec") {
		t.Errorf("log does not name the missing custom kind:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(out, "thing-v1.json")); err != nil {
		t.Errorf("core-group schema not written under kubeconform's name: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(out, "widget-demo-v1.json"))
	if err != nil {
		t.Fatalf("group schema not written under kubeconform's name: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	stringOr := func(other string) map[string]any {
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": other}}}
	}
	props := got["properties"].(map[string]any)
	specProps := props["spec"].(map[string]any)["properties"].(map[string]any)
	checks := []struct {
		what      string
		got, want any
	}{
		{"top-level additionalProperties", got["additionalProperties"], false},
		{"kind enum", props["kind"], map[string]any{"type": "string", "enum": []any{"Widget"}}},
		{"apiVersion enum", props["apiVersion"], map[string]any{"type": "string", "enum": []any{"demo.example.io/v1"}}},
		{"spec additionalProperties", props["spec"].(map[string]any)["additionalProperties"], false},
		{"IntOrString", specProps["port"], stringOr("integer")},
		{"Quantity map values", specProps["limits"].(map[string]any)["additionalProperties"], stringOr("number")},
		{"cycle", specProps["child"], map[string]any{}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if strings.Contains(string(b), "$ref") {
		t.Errorf("schema still has a $ref:\n%s", b)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"definitions": `), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "usage"},
		{[]string{"-swagger", filepath.Join(dir, "none.json"), "-out", dir, "m.yaml"}, 1, "none.json"},
		{[]string{"-swagger", bad, "-out", dir, "m.yaml"}, 1, "bad.json"},
	}
	for _, c := range cases {
		log.Reset()
		if code := run(c.args, &log); code != c.code || !strings.Contains(log.String(), c.want) {
			t.Errorf("run(%q) = %d with log %q, want %d and a log naming %q", c.args, code, log.String(), c.code, c.want)
		}
	}
}
