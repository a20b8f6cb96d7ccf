// Package testtools starts the real external programs that gan-train's
// tests talk to (Debian's prometheus-pushgateway), shared by the tests of
// several packages.
package testtools

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RequireTool returns the path of a command-line tool, skipping the test
// when it is missing, or failing it when GAN_TRAIN_REQUIRE_TOOLS=1 (as CI sets).
func RequireTool(t *testing.T, name string) string {
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

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartPushgateway runs Debian's prometheus-pushgateway on a loopback port
// with its persistence file in a temporary directory, waits until it is
// ready, and stops it (by its process) when the test ends.
func StartPushgateway(t *testing.T) string {
	t.Helper()
	bin := RequireTool(t, "prometheus-pushgateway")
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
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

// GatewayMetrics returns the exposition text a Pushgateway serves.
func GatewayMetrics(t *testing.T, base string) string {
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

// Correlation is Pearson's correlation coefficient of two equally long
// series (NaN when either is constant); tests use it to compare mean images.
func Correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i] / float64(len(a))
		mb += b[i] / float64(len(b))
	}
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
