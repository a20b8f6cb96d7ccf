package lapgan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/golden"
	"gan-train/model"
)

// A LAPGAN checkpoint of format version 1, whose header and metadata
// list the networks in the old form, loads with the same networks and
// weights, and a run into its directory keeps the levels it holds, trains
// the others and writes the current version.
func TestLoadVersion1Checkpoint(t *testing.T) {
	images := trainImages(t, 128)
	dir := t.TempDir()
	cfg := smallConfig([Levels]int{2, 2, 2})
	if err := Train(context.Background(), cpu.New(cpu.Options{}), cfg, images, dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointName)
	ck, m, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	type levelV1 struct {
		Level         int          `json:"level"`
		Side          int          `json:"side"`
		Generator     golden.NetV1 `json:"generator"`
		Discriminator golden.NetV1 `json:"discriminator"`
	}
	old := struct {
		Kind     string    `json:"kind"`
		Config   Config    `json:"config"`
		Pyramid  string    `json:"pyramid"`
		Trained  []int     `json:"trained"`
		Networks []levelV1 `json:"networks"`
	}{m.Kind, m.Config, m.Pyramid, m.Trained, nil}
	for _, n := range m.Networks {
		old.Networks = append(old.Networks, levelV1{n.Level, n.Side, golden.AsV1(n.Generator), golden.AsV1(n.Discriminator)})
	}
	meta1, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	b, err := golden.EncodeV1(ck, meta1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ck1, m1, err := readCheckpoint(path)
	if err != nil {
		t.Fatalf("reading the version 1 checkpoint: %v", err)
	}
	if ck1.FormatVersion != 1 || !reflect.DeepEqual(m1.Networks, m.Networks) || !reflect.DeepEqual(ck1.Header.Generator, ck.Header.Generator) ||
		!reflect.DeepEqual(ck1.Header.Discrim, ck.Header.Discrim) || golden.Checkpoint(ck1) != golden.Checkpoint(ck) {
		t.Errorf("version %d checkpoint read with networks %+v, want version 1 with %+v and the same state", ck1.FormatVersion, m1.Networks, m.Networks)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.params[0], ck.Arrays[arrayName(0, "g", "avg_params")]) {
		t.Error("level 0's generator loads other weights from the version 1 checkpoint")
	}

	// Levels 2 and 1 only (as a run stopped during level 0 leaves it).
	old.Trained = []int{2, 1}
	if meta1, err = json.Marshal(old); err != nil {
		t.Fatal(err)
	}
	partial := &model.Checkpoint{Header: ck.Header, Arrays: map[string][]float32{}}
	for name, a := range ck.Arrays {
		if !strings.HasPrefix(name, "level0/") {
			partial.Arrays[name] = a
		}
	}
	if b, err = golden.EncodeV1(partial, meta1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Train(context.Background(), cpu.New(cpu.Options{}), cfg, images, dir, nil); err != nil {
		t.Fatalf("training into the run of the version 1 checkpoint: %v", err)
	}
	ck2, m2, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck2.FormatVersion != model.CheckpointVersion || !slices.Equal(m2.Trained, m.Trained) || !reflect.DeepEqual(m2.Networks, m.Networks) {
		t.Errorf("after a run into it: version %d, trained levels %v; want version %d and levels %v", ck2.FormatVersion, m2.Trained, model.CheckpointVersion, m.Trained)
	}
	// Training is deterministic: level 0 comes out as it did the first time.
	for name, a := range ck.Arrays {
		if !slices.Equal(ck2.Arrays[name], a) {
			t.Errorf("array %s differs from the first run's", name)
		}
	}
}
