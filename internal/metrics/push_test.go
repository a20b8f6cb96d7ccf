package metrics

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gan-train/internal/testtools"
)

func TestPushToRealPushgateway(t *testing.T) {
	base := testtools.StartPushgateway(t)
	// The full registry, runtime collectors included: Push must leave
	// those out, or the gateway would refuse families that clash with its
	// own go_* metrics.
	reg, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(reg, testInfo)
	if err != nil {
		t.Fatal(err)
	}
	m.SetTargetSteps(200)
	m.Report(Snapshot{Step: 150, Samples: 9600, DiscriminatorLoss: 0.5, GeneratorLoss: 1.25})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	grouping := map[string]string{"instance": "run-1"}
	if err := Push(ctx, base, "gan-train", reg, grouping); err != nil {
		t.Fatalf("first Push: %v", err)
	}
	got := testtools.GatewayMetrics(t, base)
	for _, want := range []string{
		`gan_train_steps_total{instance="run-1",job="gan-train"} 150`,
		`gan_train_generator_loss{instance="run-1",job="gan-train"} 1.25`,
		`gan_train_target_steps{instance="run-1",job="gan-train"} 200`,
		`gan_train_info{device="cpu",instance="run-1",job="gan-train",preset="tiny",run_id="run-1",version="v0.1.0"} 1`,
		`push_time_seconds{instance="run-1",job="gan-train"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("gateway /metrics lacks %q after the first push; got:\n%s", want, grep(got, "gan_train_"))
		}
	}
	if strings.Contains(got, `go_goroutines{instance="run-1",job="gan-train"`) {
		t.Errorf("gateway shows pushed go_goroutines; Push should send only gan_train_* families")
	}

	// A second push replaces the group: the final state of the run wins.
	m.Report(Snapshot{Step: 200, Samples: 12800, DiscriminatorLoss: 0.4, GeneratorLoss: 2})
	if err := Push(ctx, base, "gan-train", reg, grouping); err != nil {
		t.Fatalf("second Push: %v", err)
	}
	got = testtools.GatewayMetrics(t, base)
	for _, want := range []string{
		`gan_train_steps_total{instance="run-1",job="gan-train"} 200`,
		`gan_train_generator_loss{instance="run-1",job="gan-train"} 2`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("gateway /metrics lacks %q after the second push; got:\n%s", want, grep(got, "gan_train_"))
		}
	}
}

func TestPushErrors(t *testing.T) {
	reg, _ := newTest(t)
	ctx := context.Background()
	// A port that was just free: nothing listens there.
	closed := fmt.Sprintf("http://127.0.0.1:%d", testtools.FreePort(t))
	cases := []struct {
		name, url, job string
		want           string
	}{
		{"empty job", "http://127.0.0.1:9091", "", "empty job"},
		{"no scheme", "127.0.0.1:9091", "gan-train", "127.0.0.1:9091"},
		{"ftp scheme", "ftp://127.0.0.1:9091", "gan-train", "want http"},
		{"nothing listening", closed, "gan-train", closed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Push(ctx, c.url, c.job, reg, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Push(%q, %q) error = %v, want one containing %q", c.url, c.job, err, c.want)
			}
		})
	}
	err := Push(ctx, "http://127.0.0.1:9091", "gan-train", reg, map[string]string{"run_id": "x"})
	if err == nil || !strings.Contains(err.Error(), `"run_id"`) || !strings.Contains(err.Error(), "instance=") {
		t.Errorf("Push grouping by run_id (a label of gan_train_info) error = %v, want one naming run_id", err)
	}
	if err := Push(ctx, "http://127.0.0.1:9091", "gan-train", nil, nil); err == nil {
		t.Error("Push with a nil Gatherer returned no error")
	}
}

// grep returns the lines of s that contain sub, for short failure output.
func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
