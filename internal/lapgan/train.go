package lapgan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"gan-train/internal/data"
	"gan-train/model"
)

// CheckpointName is the file Train writes in its directory.
const CheckpointName = "lapgan.ckpt"

// checkpointKind marks a LAPGAN checkpoint's metadata, so that Load
// rejects a checkpoint of the standard trainer with a clear message.
const checkpointKind = "lapgan"

// meta is the JSON a LAPGAN checkpoint keeps in its header's Config.
type meta struct {
	Kind     string      `json:"kind"`
	Config   Config      `json:"config"`
	Pyramid  string      `json:"pyramid"`
	Trained  []int       `json:"trained"` // levels whose networks the checkpoint holds, in training order
	Networks []levelSpec `json:"networks"`
}

type levelSpec struct {
	Level         int           `json:"level"`
	Side          int           `json:"side"`
	Generator     model.NetSpec `json:"generator"`
	Discriminator model.NetSpec `json:"discriminator"`
}

// networks lists the networks of every level of cfg, level 0 first.
func networks(cfg *Config) ([]levelSpec, error) {
	var nets []levelSpec
	for l := 0; l < Levels; l++ {
		g, d, err := cfg.Specs(l)
		if err != nil {
			return nil, err
		}
		nets = append(nets, levelSpec{Level: l, Side: Side(l), Generator: g, Discriminator: d})
	}
	return nets, nil
}

// decodeMeta parses the metadata of a checkpoint of format version v,
// refusing unknown fields. Version 1 recorded the networks in the form
// model.Checkpoint.CompleteSpecs describes; they were derived from
// Config then as now, and the caller rebuilds them from it.
func decodeMeta(raw []byte, v uint32) (meta, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if v != 1 {
		var m meta
		err := dec.Decode(&m)
		return m, err
	}
	var old struct {
		meta
		Networks json.RawMessage `json:"networks"`
	}
	err := dec.Decode(&old)
	return old.meta, err
}

const pyramidDesc = "down: 2x2 average pooling; up: bilinear, half-pixel aligned, edge-clamped"

func arrayName(l int, net, what string) string { return fmt.Sprintf("level%d/%s/%s", l, net, what) }

// checkImages verifies that images is a whole number of 28×28 images with
// finite values in [0,1], enough for one batch.
func checkImages(images []float32, batch int) error {
	if len(images) == 0 || len(images)%ImageSize != 0 {
		return fmt.Errorf("images: %d values are not a whole, non-zero number of %d-pixel images", len(images), ImageSize)
	}
	if n := len(images) / ImageSize; n < batch {
		return fmt.Errorf("images: %d images, fewer than one batch of %d", n, batch)
	}
	for i, v := range images {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("images: value %v at image %d pixel %d is outside [0,1]", v, i/ImageSize, i%ImageSize)
		}
	}
	return nil
}

// Option changes how TrainPixels trains.
type Option func(*source)

// Fresh makes TrainPixels start over: a checkpoint already in the run
// directory is neither resumed nor checked, and is replaced (atomically)
// when the first level is written, so a run that fails or is stopped
// before then leaves it as it was.
func Fresh() Option { return func(s *source) { s.fresh = true } }

// Started is called once, when the dataset and the first level's
// networks are on the backend (the command paces the collector then).
func Started(f func()) Option { return func(s *source) { s.started = f } }

// source is a training set as the level trainers put it on a backend.
type source struct {
	n           int    // images
	fingerprint string // what checkpoints store and a resume checks
	// upload allocates the dataset in mem and fills it: float32 images
	// (table nil), or packed bytes with the table GatherBytes reads.
	upload func(mem *model.Arena) (data, table model.Buf, err error)
	// images is what upload returned, once for all levels (a copy per
	// level would cost the device, or the host, the dataset's size
	// again); its Images are nil before the first level trains.
	images  data.OnDevice
	fresh   bool   // see Fresh
	started func() // see Started; nil once called
}

// Train trains the LAPGAN of cfg on images (n, ImageSize) with values in
// [0,1], one level after the other, coarsest first; each level's GAN
// trains on the Laplacian pyramid of the real images alone (Denton et al.
// 2015), never on another level's output. After each level, dir/lapgan.ckpt
// is rewritten atomically with every level trained so far. If dir already
// holds a checkpoint of the same configuration and data, the levels it
// holds are kept and not trained again; a checkpoint of another
// configuration or other data (data.FloatsFingerprint) is an error. A
// cancelled ctx stops training between iterations (the levels already
// written stay valid). log may be nil.
func Train(ctx context.Context, be model.Backend, cfg Config, images []float32, dir string, log *slog.Logger) error {
	if err := checkImages(images, cfg.Batch); err != nil {
		return fmt.Errorf("lapgan: %w", err)
	}
	return trainSource(ctx, be, cfg, &source{
		n: len(images) / ImageSize, fingerprint: data.FloatsFingerprint(images, nil),
		upload: func(mem *model.Arena) (model.Buf, model.Buf, error) {
			d, err := mem.AllocUpload(images)
			return d, nil, err
		},
	}, dir, log)
}

// TrainPixels is Train on 8-bit images (n, ImageSize), byte v standing for
// v/255 as data.Scale01 maps it, the same values bit for bit. The backend
// holds the bytes (model.Arena.AllocBytes; the cpu backend keeps pixels
// itself, which must not change until TrainPixels returns) and each batch
// becomes float32 as it is gathered, so no float32 copy of the dataset
// exists. fingerprint identifies the data in the checkpoint (normally
// data.Dataset.Fingerprint); when empty, data.PixelsFingerprint.
func TrainPixels(ctx context.Context, be model.Backend, cfg Config, pixels []uint8, fingerprint, dir string, log *slog.Logger, opts ...Option) error {
	if len(pixels) == 0 || len(pixels)%ImageSize != 0 {
		return fmt.Errorf("lapgan: images: %d pixels are not a whole, non-zero number of %d-pixel images", len(pixels), ImageSize)
	}
	if n := len(pixels) / ImageSize; n < cfg.Batch {
		return fmt.Errorf("lapgan: images: %d images, fewer than one batch of %d", n, cfg.Batch)
	}
	if fingerprint == "" {
		fingerprint = data.PixelsFingerprint(pixels, nil)
	}
	src := &source{
		n: len(pixels) / ImageSize, fingerprint: fingerprint,
		upload: func(mem *model.Arena) (model.Buf, model.Buf, error) {
			table, err := data.Scale01.Table()
			if err != nil {
				return nil, nil, err
			}
			d, err := mem.AllocBytes(pixels)
			if err != nil {
				return nil, nil, err
			}
			t, err := mem.AllocUpload(table[:])
			return d, t, err
		},
	}
	for _, o := range opts {
		o(src)
	}
	return trainSource(ctx, be, cfg, src, dir, log)
}

// trainSource is Train on the checked training set src.
func trainSource(ctx context.Context, be model.Backend, cfg Config, src *source, dir string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("lapgan config: %w", err)
	}
	if be == nil {
		return errNoBackend
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lapgan: creating run directory: %w", err)
	}
	path := filepath.Join(dir, CheckpointName)
	ck, m, err := resume(path, &cfg, src.fingerprint, src.fresh)
	if err != nil {
		return err
	}
	done := map[int]bool{}
	for _, l := range m.Trained {
		done[l] = true
	}
	mem := model.NewArena(be)
	defer mem.Free()
	for l := Levels - 1; l >= 0; l-- {
		if done[l] {
			log.Info("lapgan level already trained", "level", l, "side", Side(l), "checkpoint", path)
			continue
		}
		if src.images.Images == nil {
			src.images.Cols = ImageSize
			if src.images.Images, src.images.Table, err = src.upload(mem); err != nil {
				return fmt.Errorf("lapgan: uploading the dataset: %w", err)
			}
		}
		if err := trainLevel(ctx, be, &cfg, l, src, ck, log); err != nil {
			return err
		}
		m.Trained = append(m.Trained, l)
		ck.Header.Step += int64(cfg.Levels[l].Steps)
		if err := writeCheckpoint(path, ck, m); err != nil {
			return err
		}
		log.Info("lapgan checkpoint written", "level", l, "path", path)
	}
	return nil
}

// resume returns the checkpoint to extend: the one at path if it exists
// (it must hold the same configuration, and have been trained on data of
// fingerprint fp if it records one), else an empty one.
func resume(path string, cfg *Config, fp string, fresh bool) (*model.Checkpoint, *meta, error) {
	nets, err := networks(cfg)
	if err != nil {
		return nil, nil, err
	}
	m := &meta{Kind: checkpointKind, Config: *cfg, Pyramid: pyramidDesc, Networks: nets}
	empty := &model.Checkpoint{Arrays: map[string][]float32{}, Header: model.CheckpointHeader{Counters: map[string]uint32{}, DataSHA256: fp}}
	if _, err := os.Stat(path); fresh || errors.Is(err, fs.ErrNotExist) {
		return empty, m, nil
	}
	ck, old, err := readCheckpoint(path)
	if err != nil {
		return nil, nil, fmt.Errorf("lapgan: resuming: %w", err)
	}
	a, _ := json.Marshal(old.Config)
	b, _ := json.Marshal(cfg)
	if !bytes.Equal(a, b) {
		return nil, nil, fmt.Errorf("lapgan: %s holds a LAPGAN of another configuration (%s); train into a new directory, or start over with --fresh", path, a)
	}
	if h := ck.Header.DataSHA256; h != "" && h != fp {
		return nil, nil, fmt.Errorf("lapgan: %s was trained on data with SHA-256 %s, this run's data has SHA-256 %s; resume with the same data or start over with --fresh",
			path, h, fp)
	}
	ck.Header.DataSHA256 = fp // a checkpoint from before fingerprints adopts this data's
	m.Trained = old.Trained
	if ck.Header.Counters == nil {
		ck.Header.Counters = map[string]uint32{}
	}
	return ck, m, nil
}

// trainLevel trains level l and stores its networks and Adam state in ck.
func trainLevel(ctx context.Context, be model.Backend, cfg *Config, l int, src *source, ck *model.Checkpoint, log *slog.Logger) error {
	t, err := newLevelTrainer(be, cfg, l, src)
	if err != nil {
		return err
	}
	if src.started != nil {
		src.started()
		src.started = nil
	}
	defer t.close()
	steps := cfg.Levels[l].Steps
	log.Info("lapgan level training", "level", l, "side", Side(l), "steps", steps,
		"generator_params", t.G.Spec.NumParams(), "discriminator_params", t.D.Spec.NumParams())
	start := time.Now()
	report := func() error {
		s, err := t.Stats()
		if err != nil {
			return err
		}
		if s.nonFinite {
			return fmt.Errorf("lapgan level %d step %d: the losses are not finite (d_loss %v, g_loss %v)", l, s.Step, s.DLoss, s.GLoss)
		}
		el := time.Since(start).Seconds()
		log.Info("lapgan step", "level", l, "step", s.Step, "epoch", s.Epoch, "d_loss", s.DLoss, "g_loss", s.GLoss,
			"d_real", s.DReal, "d_fake", s.DFake, "steps_per_sec", float64(s.Step)/max(el, 1e-9))
		return nil
	}
	for i := 0; i < steps; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("lapgan level %d stopped after %d of %d steps: %w", l, i, steps, err)
		}
		if err := t.Iterate(); err != nil {
			return err
		}
		if cfg.LogEvery > 0 && (i+1)%cfg.LogEvery == 0 && i+1 < steps {
			if err := report(); err != nil {
				return err
			}
		}
	}
	if err := be.Sync(); err != nil {
		return fmt.Errorf("lapgan level %d: %w", l, err)
	}
	if steps > 0 {
		if err := report(); err != nil {
			return err
		}
	}
	for _, n := range []struct {
		name string
		net  *model.Net
	}{{"g", t.G}, {"d", t.D}} {
		p, m1, m2, err := n.net.State()
		if err != nil {
			return fmt.Errorf("lapgan level %d: %w", l, err)
		}
		ck.Arrays[arrayName(l, n.name, "params")] = p
		ck.Arrays[arrayName(l, n.name, "adam_m")] = m1
		ck.Arrays[arrayName(l, n.name, "adam_v")] = m2
	}
	if t.avg != nil {
		a := make([]float32, t.avg.Len())
		if err := be.Download(a, t.avg); err != nil {
			return fmt.Errorf("lapgan level %d: reading the averaged generator: %w", l, err)
		}
		ck.Arrays[arrayName(l, "g", "avg_params")] = a
	}
	step := uint32(t.loop.Step())
	ck.Header.Counters[fmt.Sprintf("level%d/adam_d", l)] = step
	ck.Header.Counters[fmt.Sprintf("level%d/adam_g", l)] = step
	ck.Header.Counters[fmt.Sprintf("level%d/noise", l)] = step
	return nil
}

func writeCheckpoint(path string, ck *model.Checkpoint, m *meta) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("lapgan: encoding checkpoint metadata: %w", err)
	}
	ck.Header.Config = raw
	ck.Header.Generator = m.Networks[0].Generator
	ck.Header.Discrim = m.Networks[0].Discriminator
	ck.Header.Arrays = nil // Encode lists them, sorted by name
	ck.Header.Created = time.Now().UTC().Format(time.RFC3339)
	if err := ck.WriteFile(path); err != nil {
		return fmt.Errorf("lapgan: writing checkpoint %s: %w", path, err)
	}
	return nil
}

// readCheckpoint reads a LAPGAN checkpoint and checks its metadata and
// the lengths of the arrays of its trained levels.
func readCheckpoint(path string) (*model.Checkpoint, *meta, error) {
	ck, err := model.ReadCheckpointFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, err := decodeMeta(ck.Header.Config, ck.FormatVersion)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: not a LAPGAN checkpoint (metadata: %v)", path, err)
	}
	if m.Kind != checkpointKind {
		return nil, nil, fmt.Errorf("checkpoint %s: kind %q, not a LAPGAN checkpoint", path, m.Kind)
	}
	if err := m.Config.Validate(); err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: config: %w", path, err)
	}
	if ck.FormatVersion == 1 {
		if m.Networks, err = networks(&m.Config); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
		// the header holds level 0's networks
		if err := ck.CompleteSpecs(m.Networks[0].Generator, m.Networks[0].Discriminator); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	seen := map[int]bool{}
	for _, l := range m.Trained {
		if l < 0 || l >= Levels || seen[l] {
			return nil, nil, fmt.Errorf("checkpoint %s: trained levels %v: want distinct levels in [0, %d)", path, m.Trained, Levels)
		}
		seen[l] = true
		g, d, err := m.Config.Specs(l)
		if err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
		for _, n := range []struct {
			name string
			np   int
		}{{"g", g.NumParams()}, {"d", d.NumParams()}} {
			for _, what := range []string{"params", "adam_m", "adam_v"} {
				a := arrayName(l, n.name, what)
				if got := len(ck.Arrays[a]); got != n.np {
					return nil, nil, fmt.Errorf("checkpoint %s: array %s has %d values, the configuration needs %d", path, a, got, n.np)
				}
			}
		}
		if a, ok := ck.Arrays[arrayName(l, "g", "avg_params")]; ok && len(a) != g.NumParams() {
			return nil, nil, fmt.Errorf("checkpoint %s: array %s has %d values, the configuration needs %d", path, arrayName(l, "g", "avg_params"), len(a), g.NumParams())
		}
		for _, what := range []string{"params", "avg_params"} {
			for _, v := range ck.Arrays[arrayName(l, "g", what)] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, nil, fmt.Errorf("checkpoint %s: level %d generator holds a non-finite value in %s", path, l, arrayName(l, "g", what))
				}
			}
		}
	}
	return ck, &m, nil
}
