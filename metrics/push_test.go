package metrics

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireTool finds a program on PATH. Without it the test is skipped,
// unless GAN_TRAIN_REQUIRE_TOOLS=1 (as in CI), where it fails.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found (%v); install it with scripts/install-deploy-tools.sh", name, err)
	if os.Getenv("GAN_TRAIN_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPushgateway runs Debian's prometheus-pushgateway on a loopback port
// with its persistence file in a temporary directory, waits until it is
// ready, and stops it (by its process) when the test ends.
func startPushgateway(t *testing.T) string {
	t.Helper()
	bin := requireTool(t, "prometheus-pushgateway")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	dir := t.TempDir()
	cmd := exec.Command(bin,
		"--web.listen-address="+addr,
		"--persistence.file="+filepath.Join(dir, "pushgateway.db"),
	)
	logf, err := os.Create(filepath.Join(dir, "pushgateway.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		logf.Close()
	})
	base := "http://" + addr
	// Ready within 10 s or fail; 50 polls of 200 ms, not a timing assertion.
	for i := 0; i < 50; i++ {
		select {
		case err := <-done:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("pushgateway exited early: %v\n%s", err, b)
		default:
		}
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("pushgateway at %s not ready after 10 s; log:\n%s", base, b)
	return ""
}

func gatewayMetrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("reading gateway metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading gateway metrics: %v", err)
	}
	return string(b)
}

func TestPushToRealPushgateway(t *testing.T) {
	base := startPushgateway(t)
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
	got := gatewayMetrics(t, base)
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
	got = gatewayMetrics(t, base)
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
	closed := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
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
