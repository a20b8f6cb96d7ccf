package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
)

// Push replaces the metrics of the group (job, grouping) on the Pushgateway
// at gatewayURL with the gan_train_* families gathered from g, the way a
// batch job reports its final state before it exits.
//
// Only gan_train_* families are sent: the Go runtime and process metrics of
// a process that is about to end say little, and the gateway refuses a push
// whose families clash with its own (same name, other help text).
// grouping adds labels to the group key; it may be nil. A grouping label
// must not be one the metrics carry already (run_id, device, preset,
// version, network, phase): group by instance=<run id> instead, which
// also tells one run's final metrics from another's.
func Push(ctx context.Context, gatewayURL, job string, g prometheus.Gatherer, grouping map[string]string) error {
	if job == "" {
		return errors.New("metrics: push: empty job name")
	}
	if g == nil {
		return errors.New("metrics: push: nil Gatherer")
	}
	u, err := url.Parse(gatewayURL)
	if err != nil {
		return fmt.Errorf("metrics: push gateway URL %q: %w", gatewayURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("metrics: push gateway URL %q: want http:// or https:// with a host", gatewayURL)
	}
	for k := range grouping {
		if isMetricLabel(k) {
			return fmt.Errorf("metrics: push grouping label %q is already a label of the gan-train metrics; group by instance=<run id> instead", k)
		}
	}
	p := push.New(gatewayURL, job).Gatherer(ganTrainOnly{g})
	for k, v := range grouping {
		p = p.Grouping(k, v)
	}
	// A gateway that is restarting or overloaded gets two more tries;
	// one that refuses the push (4xx) or a cancelled ctx ends it.
	for attempt, wait := 1, 500*time.Millisecond; ; attempt, wait = attempt+1, 2*wait {
		if err = p.PushContext(ctx); err == nil {
			return nil
		}
		if attempt == pushAttempts || ctx.Err() != nil || strings.Contains(err.Error(), "unexpected status code 4") {
			return fmt.Errorf("metrics: pushing job %q to %s (attempt %d of %d): %w", job, gatewayURL, attempt, pushAttempts, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("metrics: pushing job %q to %s (attempt %d of %d): %w", job, gatewayURL, attempt, pushAttempts, err)
		case <-time.After(wait):
		}
	}
}

// pushAttempts is how often Push tries a gateway that fails.
const pushAttempts = 3

// isMetricLabel reports whether name is a label the gan-train metrics
// carry; a grouping label may not repeat one.
func isMetricLabel(name string) bool {
	switch name {
	case "device", "preset", "run_id", "version", "network", "phase", "le":
		return true
	}
	return false
}

// ganTrainOnly gathers only the families whose names start with gan_train_.
type ganTrainOnly struct{ g prometheus.Gatherer }

func (f ganTrainOnly) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := f.g.Gather()
	out := mfs[:0]
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), namespace+"_") {
			out = append(out, mf)
		}
	}
	return out, err
}
