package train

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/golden"
	"gan-train/model"
)

// A run stopped at a checkpoint of format version 1 resumes as it would
// from the current version: the discriminator version 1 could not record
// whole (maxout pieces, dropout, the minibatch group) is rebuilt from the
// checkpoint's configuration, and the run continues bit for bit.
func TestResumeVersion1Checkpoint(t *testing.T) {
	imgs := digits(t, 700)
	cfg := tinyConfig(16)
	cfg.DMaxoutPieces, cfg.DDropout, cfg.DMinibatchKernels, cfg.DMinibatchDims = 3, 0.5, 4, 2
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 7 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	path := RunDir(split).Checkpoint()
	ck, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := golden.EncodeV1(ck, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	v1, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatalf("reading the version 1 checkpoint: %v", err)
	}
	if v1.FormatVersion != 1 || !reflect.DeepEqual(v1.Header.Discrim, ck.Header.Discrim) || !reflect.DeepEqual(v1.Header.Generator, ck.Header.Generator) {
		t.Errorf("version %d checkpoint read with D %+v, want version 1 with D %+v", v1.FormatVersion, v1.Header.Discrim, ck.Header.Discrim)
	}
	if golden.Checkpoint(v1) != golden.Checkpoint(ck) {
		t.Error("the version 1 checkpoint holds another training state")
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatalf("resuming from the version 1 checkpoint: %v", err)
	}
	sameTrajectory(t, readLog(t, split), readLog(t, full))
	again, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.FormatVersion != model.CheckpointVersion {
		t.Errorf("the resumed run wrote format version %d, want %d", again.FormatVersion, model.CheckpointVersion)
	}

	// A version 1 checkpoint whose configuration does not build the
	// networks it lists is refused, naming the difference: 2 pieces of
	// the configured units are not the dense width it lists.
	other := cfg
	other.DMaxoutPieces = 2
	if ck.Header.Config, err = json.Marshal(other); err != nil {
		t.Fatal(err)
	}
	if old, err = golden.EncodeV1(ck, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(path); !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), "discriminator layer 0") {
		t.Errorf("version 1 checkpoint of other maxout pieces: %v, want ErrBadCheckpoint naming discriminator layer 0", err)
	}
}
