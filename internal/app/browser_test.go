//go:build browser && unix

// The status page test in a real browser: a real gan-train binary trains the
// tiny preset and serves its status page on loopback; Debian's headless
// Chromium loads the page, lets its scripts run for a few virtual seconds,
// and dumps the resulting DOM and two screenshots. Run it with
// scripts/browser-test.sh, or
//
//	go test -tags browser -run Browser -v ./internal/app/
//
// Environment:
//
//	GAN_TRAIN_ARTIFACTS      directory for the screenshots, DOM and training log
//	                         (default: a temporary directory, logged)
//	GAN_TRAIN_REQUIRE_TOOLS  1: a missing chromium fails the test instead of skipping it
//	GAN_TRAIN_CHROMIUM       chromium binary (default: chromium on PATH, then /usr/bin/chromium)
//	GAN_TRAIN_BIN            a gan-train binary to test instead of building one

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// browserSteps is the run's target: far more than the test lasts, so the
// server is still up when the browser loads the page (it shuts down when a
// run finishes). The test stops the run itself.
const browserSteps = 1000000

// Screenshot sizes: the one people look at, and a taller one that shows the
// whole page whatever its layout, for the chart pixel checks.
const (
	shotW, shotH = 1100, 800
	tallH        = 1400
)

func TestBrowserStatusPage(t *testing.T) {
	chromium := browserFindChromium(t)
	art := browserArtifactDir(t)
	bin := browserBinary(t)
	base := browserStartRun(t, bin, art)

	// Before the browser looks: the run has logged at least two steps and has
	// a sample grid, so the page has something to draw.
	grid := browserWaitForData(t, base)

	dom := browserChromium(t, chromium, "--dump-dom", base)
	browserSave(t, art, "status-page.html", dom)

	t.Run("grid image", func(t *testing.T) {
		tag := regexp.MustCompile(`<img\b[^>]*\bid="grid"[^>]*>`).Find(dom)
		if tag == nil {
			t.Fatalf("no <img id=\"grid\"> in the DOM (saved as status-page.html)")
		}
		m := regexp.MustCompile(`\bsrc="([^"]*)"`).FindSubmatch(tag)
		if m == nil {
			t.Fatalf("grid image has no src: %s", tag)
		}
		src := strings.ReplaceAll(string(m[1]), "&amp;", "&")
		b, _ := url.Parse(base)
		u, err := b.Parse(src)
		if err != nil || u.Path != "/samples/latest.png" {
			t.Errorf("grid image src: got %q (path %q), want one under samples/latest.png", src, u.Path)
		}
	})

	t.Run("info table step", func(t *testing.T) {
		m := regexp.MustCompile(`<td>step</td><td>(\d+) / (\d+)</td>`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("info table has no step row \"<td>step</td><td>N / M</td>\" (DOM saved as status-page.html)")
		}
		step, _ := strconv.ParseInt(string(m[1]), 10, 64)
		target, _ := strconv.ParseInt(string(m[2]), 10, 64)
		if step <= 0 {
			t.Errorf("info table step: got %d, want > 0", step)
		}
		if target != browserSteps {
			t.Errorf("info table target steps: got %d, want %d", target, browserSteps)
		}
	})

	t.Run("chart points", func(t *testing.T) {
		for _, id := range []string{"loss", "dout"} {
			tag := regexp.MustCompile(`<canvas\b[^>]*\bid="` + id + `"[^>]*>`).Find(dom)
			if tag == nil {
				t.Errorf("no <canvas id=%q> in the DOM", id)
				continue
			}
			m := regexp.MustCompile(`\bdata-points="(\d+)"`).FindSubmatch(tag)
			if m == nil {
				t.Errorf("canvas %s has no data-points attribute: the page drew nothing (%s)", id, tag)
				continue
			}
			if n, _ := strconv.Atoi(string(m[1])); n <= 0 {
				t.Errorf("canvas %s data-points: got %d, want > 0", id, n)
			}
		}
	})

	shot := browserScreenshot(t, chromium, base, shotW, shotH, art, "status-page.png")
	tall := browserScreenshot(t, chromium, base, shotW, tallH, art, "status-page-tall.png")

	t.Run("grid rendered", func(t *testing.T) {
		// The grid is drawn 1:1 (image-rendering: pixelated at its natural
		// size), so the border gray of the served PNG (its top-left pixel,
		// a colour the page itself never paints) shows up in the screenshot
		// when, and only when, the image rendered.
		border := browserGrayAt(grid, grid.Bounds().Min)
		want := browserCountGray(grid, border, 0) / 4
		for _, s := range []struct {
			name string
			img  image.Image
		}{{"status-page.png", shot}, {"status-page-tall.png", tall}} {
			got := browserCountGray(s.img, border, 1)
			t.Logf("%s: %d pixels of the grid's border gray %d (want >= %d)", s.name, got, border, want)
			if got < want {
				t.Errorf("%s: %d pixels of the grid's border gray %d, want at least %d: the sample grid did not render",
					s.name, got, border, want)
			}
		}
	})

	t.Run("charts rendered", func(t *testing.T) {
		// Series colours of the status page's script; each curve leaves many
		// pixels near its colour (antialiasing blends the rest).
		for _, c := range []struct {
			name    string
			r, g, b int
		}{
			{"D loss", 0xc0, 0x39, 0x2b}, {"G loss", 0x24, 0x71, 0xa3},
			{"D(x)", 0x1e, 0x84, 0x49}, {"D(G(z))", 0xaf, 0x60, 0x1a},
		} {
			got, want := browserCountNear(tall, c.r, c.g, c.b, 24), 40
			t.Logf("status-page-tall.png: %d pixels near the %s colour (want >= %d)", got, c.name, want)
			if got < want {
				t.Errorf("status-page-tall.png: %d pixels near the %s colour #%02x%02x%02x, want at least %d",
					got, c.name, c.r, c.g, c.b, want)
			}
		}
	})
}

// browserFindChromium returns the chromium binary, or skips (fails with
// GAN_TRAIN_REQUIRE_TOOLS=1) when there is none.
func browserFindChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GAN_TRAIN_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	msg := "chromium not found (install Debian's: apt-get install -y chromium; or set GAN_TRAIN_CHROMIUM)"
	if os.Getenv("GAN_TRAIN_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg + "; GAN_TRAIN_REQUIRE_TOOLS=1 requires it")
	}
	t.Skip(msg)
	return ""
}

func browserArtifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GAN_TRAIN_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("artifact directory %q: %v", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	t.Logf("artifacts in %s", abs)
	return abs
}

func browserSave(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Errorf("saving artifact: %v", err)
	}
}

// browserBinary builds cmd/gan-train into a temporary directory, or returns
// GAN_TRAIN_BIN.
func browserBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GAN_TRAIN_BIN"); p != "" {
		return p
	}
	// go test puts its own GOROOT/bin first on PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build gan-train with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "gan-train")
	cmd := exec.Command(gobin, "build", "-o", bin, "gan-train/cmd/gan-train")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build gan-train/cmd/gan-train: %v\n%s", err, out)
	}
	return bin
}

// browserFreePort returns a loopback port that was free a moment ago.
func browserFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// browserStartRun starts a tiny CPU training run serving on a free loopback
// port, retrying on another port when the chosen one was taken in between,
// waits until /healthz answers for it, and registers its stop. It returns
// the page's base URL.
func browserStartRun(t *testing.T, bin, art string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	logPath := filepath.Join(art, "status-page-train.log")
	for attempt := 1; attempt <= 5; attempt++ {
		addr := fmt.Sprintf("127.0.0.1:%d", browserFreePort(t))
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatalf("training log: %v", err)
		}
		cmd := exec.Command(bin, "train", "--preset", "tiny", "--steps", strconv.Itoa(browserSteps),
			"--out", out, "--listen", addr, "--device", "cpu", "--log-format", "text")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			t.Fatalf("starting %s: %v", bin, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait(); logf.Close() }()
		base := "http://" + addr + "/"
		err = browserWaitHealthy(base, exited, 90*time.Second)
		if err == nil {
			t.Logf("training run pid %d serving %s (log %s)", cmd.Process.Pid, base, logPath)
			t.Cleanup(func() { browserStop(t, cmd, exited) })
			return base
		}
		log, _ := os.ReadFile(logPath)
		if errors.Is(err, errExited) && bytes.Contains(log, []byte("address already in use")) {
			t.Logf("port of %s was taken before the run bound it; trying another", addr)
			continue
		}
		if !errors.Is(err, errExited) {
			browserStop(t, cmd, exited)
		}
		t.Fatalf("training run on %s: %v\nlog:\n%s", addr, err, browserTail(log, 3000))
	}
	t.Fatalf("no free loopback port after 5 attempts")
	return ""
}

var errExited = errors.New("training process exited")

// browserWaitHealthy polls base/healthz until it answers 200 for this run
// (its target step count), the process exits, or the limit passes.
func browserWaitHealthy(base string, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("%w before serving: %v", errExited, err)
		default:
		}
		if resp, err := c.Get(base + "healthz"); err == nil {
			var h struct {
				Target int64 `json:"target_steps"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && derr == nil && h.Target == browserSteps {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%shealthz not healthy after %v", base, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browserStop interrupts the run (it checkpoints and exits), killing it by
// PID if it does not exit in time.
func browserStop(t *testing.T, cmd *exec.Cmd, exited <-chan error) {
	t.Helper()
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Logf("interrupting training pid %d: %v", pid, err)
	}
	select {
	case <-exited:
		return
	case <-time.After(20 * time.Second):
	}
	t.Logf("training pid %d did not stop on interrupt; killing it", pid)
	if err := cmd.Process.Kill(); err != nil {
		t.Errorf("killing training pid %d: %v", pid, err)
	}
	<-exited
}

// browserWaitForData waits until the run has logged two steps and serves a
// sample grid, and returns that grid.
func browserWaitForData(t *testing.T, base string) image.Image {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var st struct {
			History []json.RawMessage `json:"history"`
		}
		if resp, err := c.Get(base + "status.json"); err == nil {
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if len(st.History) >= 2 {
			if resp, err := c.Get(base + "samples/latest.png"); err == nil {
				img, derr := png.Decode(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && derr == nil {
					return img
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no two logged steps and sample grid after 90s (history has %d points)", base, len(st.History))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// browserChromium runs headless chromium with a fresh profile and the extra
// flags, whose last is the URL to load, and returns its stdout.
func browserChromium(t *testing.T, chromium string, extra ...string) []byte {
	t.Helper()
	target := extra[len(extra)-1]
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=8000"}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	// Chromium forks helpers; its own process group lets a timeout end them all.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium on %s: %v\nstderr:\n%s", target, err, browserTail(stderr.Bytes(), 3000))
	}
	return stdout.Bytes()
}

// browserScreenshot takes a w x h screenshot of target into dir/name and
// returns it decoded.
func browserScreenshot(t *testing.T, chromium, target string, w, h int, dir, name string) image.Image {
	t.Helper()
	path := filepath.Join(dir, name)
	os.Remove(path)
	browserChromium(t, chromium, "--screenshot="+path, fmt.Sprintf("--window-size=%d,%d", w, h), target)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	if got, want := img.Bounds().Size(), image.Pt(w, h); got != want {
		t.Errorf("screenshot %s size: got %v, want %v", name, got, want)
	}
	t.Logf("screenshot %s", path)
	return img
}

func browserGrayAt(img image.Image, p image.Point) int {
	r, _, _, _ := img.At(p.X, p.Y).RGBA()
	return int(r >> 8)
}

// browserCountGray counts pixels whose three channels are all within tol of v.
func browserCountGray(img image.Image, v, tol int) int {
	return browserCountNear(img, v, v, v, tol)
}

// browserCountNear counts pixels with every channel within tol of (r, g, b).
func browserCountNear(img image.Image, r, g, b, tol int) int {
	n := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if browserAbs(int(pr>>8)-r) <= tol && browserAbs(int(pg>>8)-g) <= tol && browserAbs(int(pb>>8)-b) <= tol {
				n++
			}
		}
	}
	return n
}

func browserAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func browserTail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
