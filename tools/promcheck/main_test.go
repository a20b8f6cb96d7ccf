package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSubstitute(t *testing.T) {
	macros := macroValues(6*time.Second, 5*time.Second, time.Hour)
	vars := map[string]string{"job": "gan-train", "instance": ".+"}
	cases := []struct{ in, want string }{
		{`rate(x{job=~"$job"}[$__rate_interval])`, `rate(x{job=~"gan-train"}[6000ms])`},
		{`increase(x{instance=~"${instance}"}[$__range])`, `increase(x{instance=~".+"}[3600000ms])`},
		{`x{instance=~"${instance:regex}"} offset $__interval`, `x{instance=~".+"} offset 5000ms`},
		{`x{job="[[job]]"} > $__range_s`, `x{job="gan-train"} > 3600`},
	}
	for _, c := range cases {
		got, err := substitute(c.in, macros, vars)
		if err != nil || got != c.want {
			t.Errorf("substitute(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := substitute(`x{pod=~"$pod"}`, macros, vars); err == nil || !strings.Contains(err.Error(), "pod") {
		t.Errorf("unknown variable: error = %v, want one naming pod", err)
	}
}

// TestProjectFiles reads the project's dashboard and rules: every panel
// target becomes a check with its macros and variables substituted.
func TestProjectFiles(t *testing.T) {
	macros := macroValues(6*time.Second, 5*time.Second, time.Hour)
	checks, err := dashboardChecks("../../deploy/grafana/dashboards/gan-train.json", macros, map[string]string{"job": "gan-train", "instance": ".+"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) < 20 {
		t.Errorf("got %d checks from the dashboard, want every panel target (at least 20)", len(checks))
	}
	labelChecks := 0
	for _, c := range checks {
		if strings.Contains(c.query, "$") {
			t.Errorf("%s: unsubstituted variable in %q", c.source, c.query)
		}
		if c.labels != nil {
			labelChecks++
		}
	}
	if labelChecks != 2 {
		t.Errorf("got %d label_values variable checks, want 2 (job, instance)", labelChecks)
	}
	rc, names, err := ruleChecks("../../deploy/prometheus/rules/gan-train.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	// 4 recording rules and 8 alerts (GanTrainDivergenceRollback is the
	// eighth, added with --on-divergence rollback).
	if len(rc) != 4 || len(names) != 12 {
		t.Errorf("got %d recording-rule checks and %d rule names, want 4 and 12", len(rc), len(names))
	}
}

// TestRunAgainstFakeAPI runs the whole command against a stand-in for the
// Prometheus HTTP API: a present series passes, an absent one fails unless
// -allow-empty matches it, and an unhealthy rule fails.
func TestRunAgainstFakeAPI(t *testing.T) {
	dir := t.TempDir()
	dash := `{"panels": [{"title": "P", "targets": [
	  {"refId": "A", "expr": "present{job=~\"$job\"}"},
	  {"refId": "B", "expr": "gan_train_eval_x{job=~\"$job\"}"}]}],
	  "templating": {"list": [{"name": "job", "type": "query", "query": {"query": "label_values(present, job)"}}]}}`
	rules := "groups:\n  - name: g\n    rules:\n      - record: rec:present\n        expr: present\n      - alert: A\n        expr: present > 1\n"
	dashPath, rulesPath := filepath.Join(dir, "d.json"), filepath.Join(dir, "r.yml")
	if err := os.WriteFile(dashPath, []byte(dash), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rulesPath, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	alertHealth := "ok"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var data any
		switch r.URL.Path {
		case "/api/v1/query":
			result := []any{}
			if q := r.URL.Query().Get("query"); strings.HasPrefix(q, "present") || q == "rec:present" {
				result = append(result, map[string]any{"metric": map[string]string{}, "value": []any{1, "1"}})
			}
			data = map[string]any{"resultType": "vector", "result": result}
		case "/api/v1/label/job/values":
			data = []string{"gan-train"}
		case "/api/v1/rules":
			data = map[string]any{"groups": []any{map[string]any{"rules": []any{
				map[string]any{"name": "rec:present", "health": "ok"},
				map[string]any{"name": "A", "health": alertHealth, "lastError": "boom"},
			}}}}
		default:
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
	}))
	defer srv.Close()
	cases := []struct {
		name       string
		allow      string
		health     string
		code       int
		wantClosed string
	}{
		{"eval gauge allowed empty", "gan_train_eval_", "ok", 0, "4 passed, 0 failed, 1 skipped"},
		{"nothing allowed empty", "", "ok", 1, "4 passed, 1 failed, 0 skipped"},
		{"unhealthy alert rule", "gan_train_eval_", "err", 1, "3 passed, 1 failed, 1 skipped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			alertHealth = c.health
			var out, errOut strings.Builder
			code := run(context.Background(), []string{"-prometheus", srv.URL, "-dashboard", dashPath, "-rules", rulesPath,
				"-allow-empty", c.allow, "-timeout", "0s"}, &out, &errOut)
			if code != c.code || !strings.Contains(out.String(), c.wantClosed) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, c.code, c.wantClosed, out.String(), errOut.String())
			}
		})
	}
}
