package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"gan-train/internal/data"
	"gan-train/internal/runlock"
	"gan-train/model"
	"gan-train/train"
)

// A second writer on a run directory exits 1 with a message naming the
// holder's PID, for train and lapgan train alike.
func TestLockedRunDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := runlock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	want := fmt.Sprintf("in use by process %d", os.Getpid())
	for _, args := range [][]string{
		{"train", "--preset", "tiny", "--steps", "2", "--out", dir, "--listen", "", "--device", "cpu"},
		{"lapgan", "train", "--steps", "1", "--out", dir, "--device", "cpu"},
	} {
		code, _, stderr := runMain(t, args...)
		if code != ExitFailure || !strings.Contains(stderr, want) {
			t.Errorf("%s on a locked directory: exit %d, stderr %q; want exit 1 naming the holder (%q)", args[0], code, stderr, want)
		}
	}
}

// Resuming with other data under the same path is refused; the same data
// under another spelling of the path resumes.
func TestResumeChecksDataByContent(t *testing.T) {
	tmp := t.TempDir()
	imgs := filepath.Join(tmp, "d", "x-images-idx3-ubyte")
	if err := os.MkdirAll(filepath.Dir(imgs), 0o755); err != nil {
		t.Fatal(err)
	}
	save := func(v byte) {
		pix := make([]byte, 100*784)
		for i := range pix {
			pix[i] = byte(i) ^ v
		}
		d, err := data.New("x", 100, 28, 28, pix, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Save(imgs, ""); err != nil {
			t.Fatal(err)
		}
	}
	save(0)
	dir := filepath.Join(tmp, "run")
	tr := func(spec string, steps string) (int, string) {
		code, _, stderr := runMain(t, "train", "--preset", "tiny", "--conditional=false", "--steps", steps, "--data", spec, "--out", dir, "--listen", "", "--device", "cpu")
		return code, stderr
	}
	if code, stderr := tr(imgs, "2"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	if code, stderr := tr(filepath.Join(tmp, "d", ".", "..", "d", "x-images-idx3-ubyte"), "4"); code != 0 || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume with the same data under another path: exit %d: %s", code, stderr)
	}
	save(1)
	code, stderr := tr(imgs, "6")
	if code != ExitFailure || !strings.Contains(stderr, "SHA-256") || !strings.Contains(stderr, "--fresh") {
		t.Fatalf("resume with other data under the same path: exit %d: %s; want exit 1 naming the fingerprints", code, stderr)
	}
}

// runMainCtx runs Main with ctx and returns its exit code, stderr and how
// long it took.
func runMainCtx(ctx context.Context, args ...string) (int, string, time.Duration) {
	var o, e bytes.Buffer
	start := time.Now()
	code := Main(ctx, args, Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }})
	return code, e.String(), time.Since(start)
}

// Every command stops within a second of SIGINT/SIGTERM (a cancelled
// context; cmd/gan-train maps both signals onto it) and leaves no partial
// output: train writes a checkpoint and exits 0, sample and eval write
// nothing and exit 1.
func TestCommandsStopWithinASecond(t *testing.T) {
	run := tinyRun(t)
	tmp := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		code   int
		absent string // a file that must not exist afterwards
		check  func(t *testing.T)
	}{
		{"train", []string{"train", "--preset", "tiny", "--steps", "100000", "--out", filepath.Join(tmp, "run"), "--listen", "", "--device", "cpu"}, ExitOK, "",
			func(t *testing.T) {
				ck, err := train.ReadCheckpoint(train.RunDir(filepath.Join(tmp, "run")).Checkpoint())
				if err != nil || ck.Header.Step == 0 {
					t.Errorf("after the interrupt: checkpoint %v, want one past step 0", err)
				}
			}},
		{"lapgan train", []string{"lapgan", "train", "--out", filepath.Join(tmp, "lap"), "--device", "cpu"}, ExitOK, "", nil},
		{"sample png", []string{"sample", "--run", run, "--n", fmt.Sprint(1 << 18), "--out", filepath.Join(tmp, "s.png")}, ExitFailure, filepath.Join(tmp, "s.png"), nil},
		{"sample idx", []string{"sample", "--run", run, "--n", fmt.Sprint(1 << 18), "--out", filepath.Join(tmp, "s.idx")}, ExitFailure, filepath.Join(tmp, "s.idx"), nil},
		// eval's default 10,000 samples: its reference (a classifier
		// trained into the fresh cache) outlasts the interrupt, and a
		// larger --n would only time the clearing of its sample buffer.
		{"eval", []string{"eval", "--run", run, "--cache-dir", filepath.Join(tmp, "cache")}, ExitFailure, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each command runs in a process of its own, whose large
			// allocations get fresh zeroed pages; give the heap back so
			// that this one's do too, instead of clearing reused memory.
			debug.FreeOSMemory()
			ctx, cancel := context.WithCancel(context.Background())
			var stopped time.Time
			time.AfterFunc(300*time.Millisecond, func() { stopped = time.Now(); cancel() })
			code, stderr, _ := runMainCtx(ctx, tc.args...)
			if stopped.IsZero() {
				t.Fatalf("finished before the interrupt (exit %d); the test needs a longer command", code)
			}
			if d := time.Since(stopped); d > time.Second {
				t.Errorf("took %v after the interrupt, want under a second", d)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			if tc.absent != "" {
				if _, err := os.Stat(tc.absent); err == nil {
					t.Errorf("%s exists after the interrupt", tc.absent)
				}
				if left, _ := filepath.Glob(filepath.Join(filepath.Dir(tc.absent), ".*tmp*")); len(left) > 0 {
					t.Errorf("temporary files left: %v", left)
				}
			}
			if tc.code != ExitOK && !strings.Contains(stderr, "interrupted") {
				t.Errorf("stderr %q does not say it was interrupted", stderr)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// sample and eval refuse a checkpoint whose checksum is right but whose
// contents are not, and write nothing.
func TestSampleEvalValidateContents(t *testing.T) {
	run := tinyRun(t)
	ck, err := model.ReadCheckpointFile(train.RunDir(run).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	nan := filepath.Join(tmp, "nan.ckpt")
	ck.Header.Arrays = nil
	ck.Arrays["g.params"][0] = float32(math.NaN())
	if err := ck.WriteFile(nan); err != nil {
		t.Fatal(err)
	}
	ck.Arrays["g.params"][0] = 0
	ck.Header.Step = -5
	neg := filepath.Join(tmp, "neg.ckpt")
	if err := ck.WriteFile(neg); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out.png")
	for _, c := range []struct{ path, want string }{{nan, "holds NaN"}, {neg, "step -5"}} {
		for _, args := range [][]string{
			{"sample", "--checkpoint", c.path, "--n", "4", "--out", out},
			{"eval", "--checkpoint", c.path, "--n", "10", "--cache-dir", filepath.Join(tmp, "cache")},
		} {
			code, _, stderr := runMain(t, args...)
			if code != ExitFailure || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, c.path) {
				t.Errorf("%s on %s: exit %d, %q; want exit 1 naming the file and %q", args[0], filepath.Base(c.path), code, stderr, c.want)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("sample wrote output from an invalid checkpoint")
	}
}

// A number out of a flag's range is called that, not "not a number".
func TestOutOfRangeNumbers(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--d-lr", "1e39", `"1e39" is out of range for a 32-bit float`},
		{"--steps", "99999999999999999999", "out of range"},
		{"--g-lr", "fast", `not a number: "fast"`},
	} {
		code, _, stderr := runMain(t, "train", "--preset", "tiny", c.flag, c.value, "--out", t.TempDir(), "--listen", "")
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s %s: exit %d, %q; want exit 2 with %q", c.flag, c.value, code, stderr, c.want)
		}
	}
}

// A run at far too high learning rates rolls back and finishes by default,
// counting the rollbacks; --on-divergence stop ends it with exit 1.
func TestOnDivergenceFlag(t *testing.T) {
	base := []string{"train", "--preset", "tiny", "--steps", "30", "--listen", "", "--device", "cpu", "--d-lr", "4e9", "--g-lr", "4e9"}
	code, _, stderr := runMain(t, append(base, "--out", filepath.Join(t.TempDir(), "run"))...)
	if code != ExitOK || strings.Count(stderr, "rolled back") < 1 {
		t.Errorf("default (rollback): exit %d, %d rollbacks logged; want exit 0 after at least one\n%s", code, strings.Count(stderr, "rolled back"), stderr)
	}
	code, _, stderr = runMain(t, append(base, "--out", filepath.Join(t.TempDir(), "run"), "--on-divergence", "stop")...)
	if code != ExitFailure || !strings.Contains(stderr, "non-finite") || strings.Contains(stderr, "rolled back") {
		t.Errorf("--on-divergence stop: exit %d, %q; want exit 1 with the non-finite error and no rollback", code, stderr)
	}
	code, _, stderr = runMain(t, append(base, "--out", filepath.Join(t.TempDir(), "run"), "--on-divergence", "retry")...)
	if code != ExitUsage || !strings.Contains(stderr, `on-divergence "retry"`) {
		t.Errorf("--on-divergence retry: exit %d, %q; want a usage error naming the value", code, stderr)
	}
}
