package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/fsx"
)

// faultConfig checkpoints, samples and logs often, so that every write
// site is reached within a few steps.
func faultConfig(steps int64) Config {
	c := tinyConfig(steps)
	c.CheckpointEvery, c.SampleEvery, c.LogEvery = 2, 2, 1
	return c
}

// Every write site and read site of a run directory, failed with the
// error a full disk, a read-only file system or a failing disk gives: the
// run ends with an error naming the file and the cause, the checkpoint it
// had stays readable, no temporary file is left, and a rerun without the
// fault resumes and finishes with every step in metrics.jsonl once.
func TestFaultInjection(t *testing.T) {
	imgs := digits(t, 200)
	cases := []struct {
		name  string
		fault fsx.Fault
		want  string // in the error
		setup func(t *testing.T, dir string)
	}{
		{"disk full writing a checkpoint", fsx.Fault{Op: fsx.OpWrite, Path: "latest.ckpt.tmp", Err: syscall.ENOSPC, AfterBytes: 1000}, "latest.ckpt", nil},
		{"disk full syncing a checkpoint", fsx.Fault{Op: fsx.OpSync, Path: "latest.ckpt.tmp", Err: syscall.ENOSPC}, "latest.ckpt", nil},
		{"rename of a checkpoint fails", fsx.Fault{Op: fsx.OpRename, Path: "latest.ckpt", Err: syscall.EIO}, "latest.ckpt", nil},
		{"disk full writing config.yaml", fsx.Fault{Op: fsx.OpWrite, Path: "config.yaml", Err: syscall.ENOSPC}, "config.yaml", nil},
		{"disk full writing a sample grid", fsx.Fault{Op: fsx.OpWrite, Path: "samples", Err: syscall.ENOSPC, AfterBytes: 100}, "samples", nil},
		{"disk full appending to metrics.jsonl", fsx.Fault{Op: fsx.OpWrite, Path: "metrics.jsonl", Err: syscall.ENOSPC, AfterBytes: 150}, "metrics.jsonl", nil},
		{"disk full syncing metrics.jsonl", fsx.Fault{Op: fsx.OpSync, Path: "metrics.jsonl", Err: syscall.ENOSPC}, "metrics.jsonl", nil},
		{"disk full rewriting metrics.jsonl on resume", fsx.Fault{Op: fsx.OpWrite, Path: ".metrics.jsonl.tmp", Err: syscall.ENOSPC}, "metrics.jsonl",
			func(t *testing.T, dir string) { // a line past the checkpoint, as a kill leaves
				f, err := os.OpenFile(RunDir(dir).Metrics(), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(`{"step":5}` + "\n")
				f.Close()
			}},
		{"read-only run directory", fsx.Fault{Op: fsx.OpCreate, Path: ".probe", Err: syscall.EROFS}, "not writable", nil},
		{"read-only file system making directories", fsx.Fault{Op: fsx.OpMkdir, Path: "samples", Err: syscall.EROFS}, "run directory", nil},
		{"I/O error reading the checkpoint", fsx.Fault{Op: fsx.OpRead, Path: "latest.ckpt", Err: syscall.EIO}, "reading checkpoint", nil},
		{"I/O error reading metrics.jsonl", fsx.Fault{Op: fsx.OpRead, Path: "metrics.jsonl", Err: syscall.EIO}, "metrics.jsonl", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Run(context.Background(), cpu.New(cpu.Options{}), faultConfig(4), RunOptions{Dir: dir, Images: imgs}); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				c.setup(t, dir)
			}
			faulty := fsx.NewFaulty(fsx.OS{}, c.fault)
			err := Run(context.Background(), cpu.New(cpu.Options{}), faultConfig(10), RunOptions{Dir: dir, Images: imgs, FS: faulty})
			if faulty.Fired() == 0 {
				t.Fatalf("the fault never fired (run error: %v)", err)
			}
			if !errors.Is(err, c.fault.Err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one wrapping %v and naming %q", err, c.fault.Err, c.want)
			}
			ck, cerr := ReadCheckpoint(RunDir(dir).Checkpoint())
			if cerr != nil || ck.Header.Step < 4 {
				t.Fatalf("after the fault the checkpoint is %v (step %v), want an intact one of step 4 or later", cerr, ck)
			}
			for _, sub := range []string{"", "checkpoints", "samples"} {
				if left, _ := filepath.Glob(filepath.Join(dir, sub, ".*tmp*")); len(left) > 0 {
					t.Errorf("temporary files left behind: %v", left)
				}
			}
			if err := Run(context.Background(), cpu.New(cpu.Options{}), faultConfig(10), RunOptions{Dir: dir, Images: imgs}); err != nil {
				t.Fatalf("rerun without the fault: %v", err)
			}
			log := readLogLenient(t, dir)
			if len(log) != 10 {
				t.Fatalf("metrics.jsonl holds %d steps after the rerun, want 10: %v", len(log), log)
			}
			for i, s := range log {
				if s != int64(i+1) {
					t.Fatalf("metrics.jsonl steps %v, want 1..10 once each", log)
				}
			}
		})
	}
}

// readLogLenient returns the steps of metrics.jsonl's lines.
func readLogLenient(t *testing.T, dir string) []int64 {
	t.Helper()
	var out []int64
	for _, s := range readLog(t, dir) {
		out = append(out, s.Step)
	}
	return out
}
