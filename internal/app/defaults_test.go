package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gan-train/internal/eval"
	"gan-train/internal/metrics"
)

// busyPort holds a loopback port open for the test and returns its address.
func busyPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestListenMovesOnOnlyWhenAllowed(t *testing.T) {
	busy := busyPort(t)
	if ln, err := listen(busy, false); err == nil {
		ln.Close()
		t.Fatalf("listen(%s, nextFree=false) succeeded on a port in use", busy)
	} else if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("listen(%s, false): %v, want EADDRINUSE", busy, err)
	}
	ln, err := listen(busy, true)
	if err != nil {
		t.Fatalf("listen(%s, nextFree=true): %v", busy, err)
	}
	defer ln.Close()
	if got, want := portOf(t, ln.Addr().String()), portOf(t, busy); got <= want || got >= want+portTries {
		t.Errorf("moved from port %d to %d, want one of the next %d", want, got, portTries-1)
	}
	// Errors other than a port in use are not retried.
	if ln, err := listen("256.0.0.1:2112", true); err == nil {
		ln.Close()
		t.Error("listen on an invalid host succeeded")
	}
}

func TestDefaultListenFallsBackAndLogsTheURL(t *testing.T) {
	busy := busyPort(t)
	reg, err := metrics.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st := &status{started: time.Now(), target: 10}
	srv, err := newServer(busy, true, reg, st, newLogger(&logs, "text"))
	if err != nil {
		t.Fatalf("default address on a busy port: %v", err)
	}
	defer srv.Shutdown()
	url := "http://" + srv.Addr() + "/"
	if !strings.Contains(logs.String(), "url="+url) {
		t.Errorf("log does not name the URL %s:\n%s", url, logs.String())
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %shealthz: %s", url, resp.Status)
	}
	// The address the user chose stays an error when busy.
	if _, err := newServer(busy, false, reg, st, newLogger(io.Discard, "text")); err == nil {
		t.Errorf("--listen %s on a busy port succeeded", busy)
	}
}

func TestListenChosenOnlyByFlagOrFile(t *testing.T) {
	env := Env{Stderr: io.Discard, Stdout: io.Discard}
	dir := t.TempDir()
	withListen := writeFile(t, filepath.Join(dir, "listen.yaml"), []byte("listen: 127.0.0.1:2112\n"))
	withoutListen := writeFile(t, filepath.Join(dir, "steps.yaml"), []byte("steps: 7\n"))
	cases := []struct {
		args   []string
		chosen bool
	}{
		{nil, false},
		{[]string{"--config", withoutListen}, false},
		{[]string{"--listen", "127.0.0.1:2112"}, true},
		{[]string{"--listen", ""}, true},
		{[]string{"--config", withListen}, true},
	}
	for _, c := range cases {
		cfg, err := parseTrainArgs(append([]string{"--preset", "tiny"}, c.args...), env)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if cfg.listenChosen != c.chosen {
			t.Errorf("%v: listenChosen %v, want %v", c.args, cfg.listenChosen, c.chosen)
		}
		if !c.chosen && cfg.Listen != DefaultListen {
			t.Errorf("%v: listen %q, want the default %q", c.args, cfg.Listen, DefaultListen)
		}
	}
}

func TestLogsRoundNumbers(t *testing.T) {
	loss := float32(0.6931471824645996)
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		newLogger(&b, format).Info("step", "step", int64(7654321), "d_loss", loss, "rate", 48.123456789, "big", 123456.789)
		out := b.String()
		for _, want := range []string{"0.6931", "48.12", "123500", "7654321"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %s:\n%s", format, want, out)
			}
		}
		for _, bad := range []string{"0.69314", "48.123", "123456"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s log shows more than 4 significant digits (%s):\n%s", format, bad, out)
			}
		}
		if format == "json" {
			var m map[string]any
			if err := json.Unmarshal(b.Bytes(), &m); err != nil {
				t.Errorf("json log line does not decode: %v\n%s", err, out)
			} else if m["d_loss"] != 0.6931 {
				t.Errorf("json d_loss %v, want the number 0.6931", m["d_loss"])
			}
		}
	}
	if a := roundFloat(nil, slog.String("s", "0.123456")); a.Value.String() != "0.123456" {
		t.Errorf("a string attribute changed: %v", a.Value)
	}
	if a := roundFloat(nil, slog.Float64("x", math.Inf(1))); !math.IsInf(a.Value.Float64(), 1) {
		t.Errorf("+Inf became %v", a.Value)
	}
}

func TestNoArgumentsPrintsTheFirstCommands(t *testing.T) {
	code, stdout, stderr := runMain(t)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d (a usage error)", code, ExitUsage)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing (usage goes to stderr)", stdout)
	}
	for _, want := range []string{"gan-train train --preset quick", "gan-train sample --run runs/quick", "gan-train eval --run runs/quick", "gan-train help"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("usage lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "\n"); n > 10 {
		t.Errorf("usage is %d lines, want a short one:\n%s", n, stderr)
	}
	if code, stdout, _ := runMain(t, "help"); code != ExitOK || !strings.Contains(stdout, "gan-train lapgan") {
		t.Errorf("gan-train help: exit %d, stdout:\n%s\nwant 0 and every command", code, stdout)
	}
}

func TestSummary(t *testing.T) {
	rep := &eval.Report{NSamples: 10000, ClassifierScore: 8.765, FrechetDistance: 12.345, FrechetDistanceInf: 11.5, ModesCovered: 10,
		Floor: &eval.Floor{NSamples: 1000, ClassifierScore: 9.254, FrechetDistance: 10.821, FrechetDistanceInf: 6.139}}
	var b bytes.Buffer
	runSummary{dir: "runs/my run", preset: "quick", steps: 4500, elapsed: 95400 * time.Millisecond, conditional: true, eval: rep}.write(&b)
	out := b.String()
	for _, want := range []string{
		"Trained to step 4,500 (quick preset) in 1m35s",
		"runs/my run/samples/final.png", "runs/my run/progress.gif", "runs/my run/losses.png", "column c holds digit c",
		"classifier score   8.77", "9.25", "Frechet distance   12.35", "11.50", "6.14", "10 of 10 classes",
		"gan-train sample --run 'runs/my run' --label 3", "gan-train eval --run 'runs/my run'", "gan-train train --preset quality",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Without an evaluation or a report, no scores and no missing pictures.
	b.Reset()
	runSummary{dir: "r", preset: DefaultPreset, steps: 27000, reportErr: errors.New("no metrics")}.write(&b)
	out = b.String()
	for _, bad := range []string{"classifier score", "progress.gif", "--label", "--preset " + DefaultPreset} {
		if strings.Contains(out, bad) {
			t.Errorf("summary shows %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"step 27,000", "r/samples/final.png", "gan-train sample --run r --n 64"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 27000: "27,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
