package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// check is one query that must return data.
type check struct {
	source string // where it came from, for the report
	query  string // PromQL after substitution
	labels *labelValues
}

// labelValues is a label_values(selector, label) variable query.
type labelValues struct{ selector, label string }

type result struct {
	check
	err     error // nil when it returned data
	empty   bool  // returned no data
	skipped bool  // empty but allowed
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("promcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	prom := fs.String("prometheus", "http://127.0.0.1:9090", "Prometheus base URL")
	var dashboards, rules, vars listFlag
	fs.Var(&dashboards, "dashboard", "Grafana dashboard JSON (repeatable)")
	fs.Var(&rules, "rules", "Prometheus rule file (repeatable)")
	fs.Var(&vars, "var", "dashboard variable `name=value` (repeatable; default job=gan-train, instance=.+)")
	rateInterval := fs.Duration("rate-interval", 6*time.Second, "value of $__rate_interval")
	interval := fs.Duration("interval", 5*time.Second, "value of $__interval")
	rng := fs.Duration("range", time.Hour, "value of $__range")
	allowEmpty := fs.String("allow-empty", `gan_train_eval_`, "regexp of queries that may return no data (empty: none)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to retry until every check passes")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(dashboards) == 0 && len(rules) == 0 {
		fmt.Fprintln(stderr, "promcheck: give at least one -dashboard or -rules file")
		return 2
	}
	values := map[string]string{"job": "gan-train", "instance": ".+"}
	for _, v := range vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			fmt.Fprintf(stderr, "promcheck: -var %q: want name=value\n", v)
			return 2
		}
		values[k] = val
	}
	var allow *regexp.Regexp
	if *allowEmpty != "" {
		var err error
		if allow, err = regexp.Compile(*allowEmpty); err != nil {
			fmt.Fprintf(stderr, "promcheck: -allow-empty: %v\n", err)
			return 2
		}
	}
	macros := macroValues(*rateInterval, *interval, *rng)
	var checks []check
	for _, d := range dashboards {
		cs, err := dashboardChecks(d, macros, values)
		if err != nil {
			fmt.Fprintf(stderr, "promcheck: %v\n", err)
			return 1
		}
		checks = append(checks, cs...)
	}
	var ruleNames []string
	for _, r := range rules {
		cs, names, err := ruleChecks(r)
		if err != nil {
			fmt.Fprintf(stderr, "promcheck: %v\n", err)
			return 1
		}
		checks = append(checks, cs...)
		ruleNames = append(ruleNames, names...)
	}
	c := client{base: strings.TrimRight(*prom, "/"), http: &http.Client{Timeout: 10 * time.Second}}

	deadline := time.Now().Add(*timeout)
	var results []result
	var ruleErr error
	for {
		results = results[:0]
		failed := 0
		for _, ch := range checks {
			r := c.run(ctx, ch)
			if r.empty && allow != nil && allow.MatchString(ch.query) {
				r.skipped, r.err = true, nil
			}
			if r.err != nil {
				failed++
			}
			results = append(results, r)
		}
		ruleErr = c.rulesHealthy(ctx, ruleNames)
		if (failed == 0 && ruleErr == nil) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	passed, failed, skipped := 0, 0, 0
	for _, r := range results {
		switch {
		case r.skipped:
			skipped++
			fmt.Fprintf(stdout, "SKIP  %s: %s (no data; allowed by -allow-empty)\n", r.source, r.query)
		case r.err != nil:
			failed++
			fmt.Fprintf(stdout, "FAIL  %s: %s: %v\n", r.source, r.query, r.err)
		default:
			passed++
			fmt.Fprintf(stdout, "ok    %s: %s\n", r.source, r.query)
		}
	}
	if len(ruleNames) > 0 {
		if ruleErr != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL  rule health: %v\n", ruleErr)
		} else {
			passed++
			fmt.Fprintf(stdout, "ok    rule health: all %d rules loaded and evaluated without error\n", len(ruleNames))
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 {
		return 1
	}
	return 0
}

// macroValues gives Grafana's global time macros their values.
func macroValues(rateInterval, interval, rng time.Duration) map[string]string {
	return map[string]string{
		"__rate_interval": promDuration(rateInterval),
		"__interval":      promDuration(interval),
		"__interval_ms":   strconv.FormatInt(interval.Milliseconds(), 10),
		"__range":         promDuration(rng),
		"__range_s":       strconv.FormatInt(int64(rng.Seconds()), 10),
		"__range_ms":      strconv.FormatInt(rng.Milliseconds(), 10),
	}
}

// promDuration writes d in whole milliseconds, a form PromQL accepts.
func promDuration(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// varRef matches $name, ${name} and ${name:format} and [[name]].
var varRef = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// substitute replaces macros and variables in q; an unknown variable is an error.
func substitute(q string, macros, vars map[string]string) (string, error) {
	var missing []string
	out := varRef.ReplaceAllStringFunc(q, func(m string) string {
		sub := varRef.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := macros[name]; ok {
			return v
		}
		if v, ok := vars[name]; ok {
			return v
		}
		missing = append(missing, name)
		return m
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("query %q uses unknown variables %v (set them with -var)", q, missing)
	}
	return out, nil
}

// dashboard is the part of a Grafana dashboard promcheck reads.
type dashboard struct {
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
		Hide  bool   `json:"hide"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // collapsed rows hold their panels
}

var labelValuesRe = regexp.MustCompile(`^\s*label_values\(\s*(.*?)\s*,\s*(\w+)\s*\)\s*$`)

func dashboardChecks(path string, macros, vars map[string]string) ([]check, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading dashboard: %w", err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("parsing dashboard %s: %w", path, err)
	}
	var out []check
	var walk func(ps []panel) error
	walk = func(ps []panel) error {
		for _, p := range ps {
			for _, t := range p.Targets {
				if t.Expr == "" || t.Hide {
					continue
				}
				q, err := substitute(t.Expr, macros, vars)
				if err != nil {
					return fmt.Errorf("%s: panel %q: %w", path, p.Title, err)
				}
				out = append(out, check{source: fmt.Sprintf("panel %q %s", p.Title, t.RefID), query: q})
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Panels); err != nil {
		return nil, err
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, err := variableQuery(v.Query)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %q: %w", path, v.Name, err)
		}
		q, err = substitute(q, macros, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: variable %q: %w", path, v.Name, err)
		}
		m := labelValuesRe.FindStringSubmatch(q)
		if m == nil {
			out = append(out, check{source: fmt.Sprintf("variable %q", v.Name), query: q})
			continue
		}
		out = append(out, check{source: fmt.Sprintf("variable %q", v.Name), query: q, labels: &labelValues{selector: m[1], label: m[2]}})
	}
	return out, nil
}

// variableQuery reads a variable's query, a string or {"query": "..."}.
func variableQuery(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var o struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", fmt.Errorf("query is neither a string nor an object with a query: %w", err)
	}
	return o.Query, nil
}

// ruleChecks returns a check per recording rule (its output series must
// exist) and the names of all rules, for the health check.
func ruleChecks(path string) ([]check, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading rules: %w", err)
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Record string `yaml:"record"`
				Alert  string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, nil, fmt.Errorf("parsing rules %s: %w", path, err)
	}
	var checks []check
	var names []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				checks = append(checks, check{source: fmt.Sprintf("recording rule (group %s)", g.Name), query: r.Record})
				names = append(names, r.Record)
			} else if r.Alert != "" {
				names = append(names, r.Alert)
			}
		}
	}
	return checks, names, nil
}

type client struct {
	base string
	http *http.Client
}

// apiResponse is the envelope of every Prometheus HTTP API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func (c client) get(ctx context.Context, path string, params url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("querying Prometheus: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading Prometheus answer: %w", err)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("Prometheus answered %s with non-JSON: %.200s", resp.Status, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("Prometheus error %s: %s", r.ErrorType, r.Error)
	}
	return r.Data, nil
}

func (c client) run(ctx context.Context, ch check) result {
	if ch.labels != nil {
		data, err := c.get(ctx, "/api/v1/label/"+url.PathEscape(ch.labels.label)+"/values", url.Values{"match[]": {ch.labels.selector}})
		if err != nil {
			return result{check: ch, err: err}
		}
		var vals []string
		if err := json.Unmarshal(data, &vals); err != nil {
			return result{check: ch, err: fmt.Errorf("decoding label values: %w", err)}
		}
		if len(vals) == 0 {
			return result{check: ch, empty: true, err: errors.New("no label values")}
		}
		return result{check: ch}
	}
	data, err := c.get(ctx, "/api/v1/query", url.Values{"query": {ch.query}})
	if err != nil {
		return result{check: ch, err: err}
	}
	var d struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return result{check: ch, err: fmt.Errorf("decoding query result: %w", err)}
	}
	switch d.ResultType {
	case "scalar", "string":
		return result{check: ch}
	case "vector", "matrix":
		var series []json.RawMessage
		if err := json.Unmarshal(d.Result, &series); err != nil {
			return result{check: ch, err: fmt.Errorf("decoding %s: %w", d.ResultType, err)}
		}
		if len(series) == 0 {
			return result{check: ch, empty: true, err: errors.New("no data")}
		}
		return result{check: ch}
	default:
		return result{check: ch, err: fmt.Errorf("unexpected result type %q", d.ResultType)}
	}
}

// rulesHealthy checks that every named rule is loaded and has evaluated
// without error.
func (c client) rulesHealthy(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	data, err := c.get(ctx, "/api/v1/rules", url.Values{})
	if err != nil {
		return err
	}
	var d struct {
		Groups []struct {
			Rules []struct {
				Name      string `json:"name"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("decoding rules: %w", err)
	}
	seen := map[string]bool{}
	var problems []string
	for _, g := range d.Groups {
		for _, r := range g.Rules {
			seen[r.Name] = true
			if r.Health != "ok" {
				problems = append(problems, fmt.Sprintf("%s: health %q %s", r.Name, r.Health, r.LastError))
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			problems = append(problems, n+": not loaded")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
