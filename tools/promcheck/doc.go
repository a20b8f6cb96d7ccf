// Command promcheck asserts that a running Prometheus returns data for every
// query of the project's Grafana dashboards and for every recording rule,
// and that every rule evaluates without error. scripts/prom-integration.sh
// runs it against a Prometheus that scrapes a live gan-train run.
//
// Usage:
//
//	promcheck -prometheus http://127.0.0.1:9090 -dashboard D.json... -rules R.yml... [flags]
//
// Dashboard queries are taken from every panel target (rows included) and
// every query variable. Grafana's macros are substituted as Grafana would
// for a dashboard viewed over -range with -interval per point:
// $__rate_interval, $__interval, $__interval_ms, $__range, $__range_s and
// $__range_ms; dashboard variables take the values given with -var
// name=value (the default sets job=gan-train and instance=.+, the
// dashboard's "All"). A variable query label_values(selector, label) is
// checked through the label values API.
//
// The checks are retried until all pass or -timeout runs out, since rate()
// needs two scrapes and a recording rule one evaluation after those. Queries
// matching -allow-empty (by default the evaluation gauges, absent until an
// evaluation runs) may return nothing; they are reported as skipped when
// empty. The closing line is "N passed, N failed, N skipped"; the exit code
// is 1 when any check failed.
package main
