package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"gan-train/internal/fsx"
	"gan-train/model"
)

// ErrBadCheckpoint marks a checkpoint whose checksum is right but whose
// contents cannot be a training state: a negative step, a missing or
// misshapen array, a value that is not a finite number.
var ErrBadCheckpoint = errors.New("invalid checkpoint contents")

// maxWidth bounds a layer's width in a checkpoint's network specs, far
// above any network gan-train builds, so that the size arithmetic below
// cannot overflow (see plausible).
const maxWidth = 1 << 24

// ValidateCheckpoint checks what a checksum cannot: that ck's position is
// in range, that its configuration decodes and agrees with its generator,
// that every array a training state holds is there with the right length,
// and that every stored value is a finite number. Train, sample and eval
// all call it before using a checkpoint; errors wrap ErrBadCheckpoint. A
// checkpoint of format version 1 first gets its networks' full specs from
// its configuration (completeSpecs), so that afterwards its header is
// what the current version records.
func ValidateCheckpoint(ck *model.Checkpoint) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadCheckpoint, fmt.Sprintf(format, a...))
	}
	h := &ck.Header
	if h.Step < 0 || h.Step > math.MaxUint32/4 || h.Epoch < 0 || h.BatchInEpoch < 0 {
		return bad("position (step %d, epoch %d, batch %d) is out of range", h.Step, h.Epoch, h.BatchInEpoch)
	}
	cfg, err := ConfigOf(ck)
	if err != nil {
		return bad("%v", err)
	}
	if err := completeSpecs(ck, &cfg); err != nil {
		return bad("%v", err)
	}
	for _, n := range []struct {
		what string
		spec model.NetSpec
	}{{"generator", h.Generator}, {"discriminator", h.Discrim}} {
		if err := plausible(n.spec); err != nil {
			return bad("%s %v", n.what, err)
		}
		if err := n.spec.Validate(); err != nil {
			return bad("%s: %v", n.what, err)
		}
	}
	if cfg.Latent <= 0 || cfg.Latent > maxWidth {
		return bad("latent size %d is out of range", cfg.Latent)
	}
	if want := cfg.Latent + cfg.labelWidth(); h.Generator.In != want {
		return bad("the configuration has latent %d (conditional %v, clusters %d), so the generator should take %d inputs, but it takes %d",
			cfg.Latent, cfg.Conditional, cfg.Clusters, want, h.Generator.In)
	}
	if err := checkClusterSizes(&cfg); err != nil {
		return bad("%v", err)
	}
	if out := h.Generator.Out(); out != ImageSize {
		return bad("the generator makes %d values per image, want %d", out, ImageSize)
	}
	if err := builtBy(h, &cfg); err != nil {
		return bad("%v", err)
	}
	gp, dp := h.Generator.NumParams(), h.Discrim.NumParams()
	// in a fixed order, so that the same file always gets the same error
	type sized struct {
		name string
		n    int
	}
	want := []sized{
		{"g.params", gp}, {"g.adam_m", gp}, {"g.adam_v", gp},
		{"d.params", dp}, {"d.adam_m", dp}, {"d.adam_v", dp},
		{"sample_noise", SampleRows * cfg.Latent},
	}
	if _, ok := ck.Arrays[avgParams]; ok {
		want = append(want, sized{avgParams, gp})
	}
	for _, w := range want {
		a, ok := ck.Arrays[w.name]
		switch {
		case !ok:
			return bad("array %s is missing", w.name)
		case len(a) != w.n:
			return bad("array %s has %d values, want %d", w.name, len(a), w.n)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ck.Arrays)) {
		a := ck.Arrays[name]
		for i, v := range a {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return bad("array %s holds %v at index %d", name, v, i)
			}
		}
	}
	return nil
}

// completeSpecs gives a checkpoint of format version 1, which did not
// record the discriminator's maxout pieces, dropout or minibatch group,
// its networks' full specs, built from the configuration it stores
// (model.Checkpoint.CompleteSpecs).
func completeSpecs(ck *model.Checkpoint, cfg *Config) error {
	if ck.FormatVersion != 1 {
		return nil
	}
	g, d, err := cfg.Specs()
	if err != nil {
		return fmt.Errorf("the configuration of a version 1 checkpoint: %w", err)
	}
	return ck.CompleteSpecs(g, d)
}

// builtBy checks that the networks h records are those cfg builds: a
// header that says otherwise (a dropout layer in the generator, say) would
// build a network the rest of the checkpoint was not made for.
func builtBy(h *model.CheckpointHeader, cfg *Config) error {
	g, d, err := cfg.Specs()
	if err != nil {
		return fmt.Errorf("its configuration: %w", err)
	}
	for _, n := range []struct {
		what      string
		got, want model.NetSpec
	}{{"generator", h.Generator, g}, {"discriminator", h.Discrim, d}} {
		if err := model.SameArchitecture(n.what, n.got, n.want); err != nil {
			return fmt.Errorf("its networks are not those its configuration builds: %w", err)
		}
	}
	return nil
}

// plausible refuses widths far beyond any network gan-train builds, so
// that s's size arithmetic cannot overflow.
func plausible(s model.NetSpec) error {
	if s.In > maxWidth {
		return fmt.Errorf("input width %d is implausible", s.In)
	}
	for i, l := range s.Layers {
		if l.Units > maxWidth || l.Pieces > maxWidth || l.Units*l.Pieces > maxWidth {
			return fmt.Errorf("layer %d width %d (%d pieces) is implausible", i, l.Units, l.Pieces)
		}
	}
	if mb := s.Minibatch; mb.Kernels > maxWidth || mb.Dims > maxWidth || mb.Kernels*mb.Dims > maxWidth {
		return fmt.Errorf("minibatch discrimination of %d kernels of %d dims is implausible", mb.Kernels, mb.Dims)
	}
	return nil
}

// ReadCheckpoint reads, verifies and validates the checkpoint at path (see
// model.ReadCheckpointFile and ValidateCheckpoint).
func ReadCheckpoint(path string) (*model.Checkpoint, error) {
	return readCheckpointFS(fsx.OS{}, path)
}

// readCheckpointFS is ReadCheckpoint through fsys.
func readCheckpointFS(fsys fsx.FS, path string) (*model.Checkpoint, error) {
	st, err := fsys.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	if st.Size() > model.MaxCheckpointBytes {
		return nil, fmt.Errorf("checkpoint %s: %d bytes, more than the %d a checkpoint may hold", path, st.Size(), int64(model.MaxCheckpointBytes))
	}
	b, err := fsys.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	ck, err := model.DecodeCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := ValidateCheckpoint(ck); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return ck, nil
}
