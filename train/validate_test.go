package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// Checkpoints with a right checksum but impossible contents are refused,
// each with a message naming what is wrong.
func TestValidateCheckpointRefusesBadContents(t *testing.T) {
	dir := t.TempDir()
	c := tinyConfig(2)
	c.GEMA = 0.9
	if err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: digits(t, 200)}); err != nil {
		t.Fatal(err)
	}
	path := RunDir(dir).Checkpoint()
	if _, err := ReadCheckpoint(path); err != nil {
		t.Fatalf("a checkpoint train wrote does not validate: %v", err)
	}
	cases := []struct {
		name string
		mut  func(ck *model.Checkpoint)
		want string
	}{
		{"nan weight", func(ck *model.Checkpoint) { ck.Arrays["g.params"][3] = float32(math.NaN()) }, "g.params holds NaN"},
		{"inf average", func(ck *model.Checkpoint) { ck.Arrays[avgParams][0] = float32(math.Inf(1)) }, "+Inf"},
		{"inf adam", func(ck *model.Checkpoint) { ck.Arrays["d.adam_v"][0] = float32(math.Inf(-1)) }, "d.adam_v"},
		{"negative step", func(ck *model.Checkpoint) { ck.Header.Step = -1 }, "step -1"},
		{"negative epoch", func(ck *model.Checkpoint) { ck.Header.Epoch = -3 }, "epoch -3"},
		{"missing array", func(ck *model.Checkpoint) { delete(ck.Arrays, "g.adam_m") }, "g.adam_m is missing"},
		{"short array", func(ck *model.Checkpoint) { ck.Arrays["g.params"] = ck.Arrays["g.params"][:10] }, "g.params has 10 values"},
		{"short noise", func(ck *model.Checkpoint) { ck.Arrays["sample_noise"] = ck.Arrays["sample_noise"][:1] }, "sample_noise"},
		{"d moments", func(ck *model.Checkpoint) { ck.Arrays["d.adam_m"] = ck.Arrays["d.adam_m"][:1] }, "d.adam_m"},
		{"d params", func(ck *model.Checkpoint) {
			for _, a := range []string{"d.params", "d.adam_m", "d.adam_v"} {
				ck.Arrays[a] = ck.Arrays[a][1:]
			}
		}, "d.params has"},
		{"huge pieces", func(ck *model.Checkpoint) { ck.Header.Discrim.Layers[0].Pieces = 1 << 30 }, "implausible"},
		{"no pieces", func(ck *model.Checkpoint) { ck.Header.Discrim.Layers[0].Pieces = 0 }, "maxout pieces"},
		{"latent mismatch", func(ck *model.Checkpoint) { ck.Header.Generator.In++ }, "inputs"},
		{"huge layer", func(ck *model.Checkpoint) { ck.Header.Generator.Layers[0].Units = 1 << 40 }, "implausible"},
		{"bad config", func(ck *model.Checkpoint) { ck.Header.Config = []byte(`{"latent": "x"}`) }, "config"},
		{"dropout in g", func(ck *model.Checkpoint) { ck.Header.Generator.Layers[0].Dropout = 0.5 }, "configuration builds"},
		{"other d", func(ck *model.Checkpoint) { ck.Header.Discrim.Layers[0].Act = model.Tanh }, "discriminator"},
	}
	for _, tc := range cases {
		ck, _ := model.ReadCheckpointFile(path)
		ck.Header.Arrays = nil // Encode lists the arrays again
		tc.mut(ck)
		p := filepath.Join(t.TempDir(), "x.ckpt")
		if err := ck.WriteFile(p); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := model.ReadCheckpointFile(p); err != nil {
			t.Fatalf("%s: the checksum layer refused it already (%v); the test needs a well-formed file", tc.name, err)
		}
		_, err := ReadCheckpoint(p)
		if !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrBadCheckpoint mentioning %q", tc.name, err, tc.want)
		}
	}
}

// A run that diverges before its first checkpoint does not claim that a
// good checkpoint is kept.
func TestNonFiniteWithoutCheckpointSaysSo(t *testing.T) {
	dir := t.TempDir()
	c := tinyConfig(200)
	c.DAdam.LR, c.GAdam.LR = 1e38, 1e38
	c.OnDivergence = OnDivergenceStop
	err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: dir, Images: digits(t, 200)})
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("error %v, want ErrNonFinite", err)
	}
	if strings.Contains(err.Error(), "is kept") || !strings.Contains(err.Error(), "no checkpoint was written") {
		t.Errorf("message %q: want it to say that no checkpoint exists", err)
	}
}
