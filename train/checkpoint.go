package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gan-train/internal/data"
	"gan-train/model"
)

// avgParams names the averaged generator's weights in a checkpoint.
const avgParams = "g.avg_params"

// Checkpoint captures the whole training state: both networks with their
// Adam moments, the step, the data position, the counters behind every
// random draw, the fixed sample noise and the configuration.
func (t *Trainer) Checkpoint() (*model.Checkpoint, error) {
	cfg, err := json.Marshal(t.Cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	step := t.loop.Step()
	ck := &model.Checkpoint{
		Header: model.CheckpointHeader{
			Step: step, Epoch: t.loop.Epoch(), BatchInEpoch: t.loop.InEpoch(),
			Counters: map[string]uint32{
				"noise":  uint32(step),
				"batch":  uint32(t.loop.InEpoch()),
				"adam_d": uint32(step * int64(t.Cfg.K)),
				"adam_g": uint32(step),
			},
			Generator: t.G.Spec, Discrim: t.D.Spec,
			Config:     cfg,
			DataSHA256: t.dataSHA256,
			Created:    time.Now().UTC().Format(time.RFC3339),
		},
		Arrays: map[string][]float32{},
	}
	for _, n := range []struct {
		prefix string
		net    *model.Net
	}{{"g", t.G}, {"d", t.D}} {
		p, m, v, err := n.net.State()
		if err != nil {
			return nil, err
		}
		ck.Arrays[n.prefix+".params"], ck.Arrays[n.prefix+".adam_m"], ck.Arrays[n.prefix+".adam_v"] = p, m, v
	}
	if t.gAvg != nil {
		a := make([]float32, t.gAvg.Params.Len())
		if err := t.be.Download(a, t.gAvg.Params); err != nil {
			return nil, fmt.Errorf("reading the averaged generator: %w", err)
		}
		ck.Arrays[avgParams] = a
	}
	z := make([]float32, t.zFixed.Len())
	if err := t.be.Download(z, t.zFixed); err != nil {
		return nil, fmt.Errorf("reading the fixed sample noise: %w", err)
	}
	ck.Arrays["sample_noise"] = z
	return ck, nil
}

// ScaleLearningRates multiplies both networks' learning rates by f from
// the next step on (a diverging run's rollback halves them).
func (t *Trainer) ScaleLearningRates(f float32) {
	t.Cfg.DAdam.LR *= f
	t.Cfg.GAdam.LR *= f
	t.loop.Forget() // the recording holds the old rates
}

// ErrOtherData marks a resume refused because the data differ from the
// data the checkpoint was trained on.
var ErrOtherData = errors.New("different training data")

// SetDataFingerprint records the training data's fingerprint (normally
// data.Dataset.Fingerprint) for the checkpoints t writes and the
// checkpoints it restores.
func (t *Trainer) SetDataFingerprint(fp string) { t.dataSHA256 = fp }

// FloatDataFingerprint fingerprints training data given as float32 images
// and optional labels, for callers that have no data.Dataset
// (data.FloatsFingerprint).
func FloatDataFingerprint(images []float32, labels []uint8) string {
	return data.FloatsFingerprint(images, labels)
}

// PixelDataFingerprint fingerprints 8-bit training images and optional
// labels, for callers that have no data.Dataset (data.PixelsFingerprint).
func PixelDataFingerprint(pixels []uint8, labels []uint8) string {
	return data.PixelsFingerprint(pixels, labels)
}

// ConfigOf decodes the configuration stored in a checkpoint.
func ConfigOf(ck *model.Checkpoint) (Config, error) {
	var c Config
	if err := json.Unmarshal(ck.Header.Config, &c); err != nil {
		return c, fmt.Errorf("checkpoint config: %w", err)
	}
	return c, nil
}

// Restore loads a checkpoint into t, which must have been built with the
// same architecture. Afterwards t continues exactly where the checkpointed
// run was.
func (t *Trainer) Restore(ck *model.Checkpoint) error {
	h := &ck.Header
	old, err := ConfigOf(ck)
	if err != nil {
		return err
	}
	byContent := false
	switch {
	case h.DataSHA256 != "" && t.dataSHA256 != "" && h.DataSHA256 != t.dataSHA256:
		return fmt.Errorf("%w: the checkpoint was trained on data with SHA-256 %s (--data %s), this run's data (--data %s) has SHA-256 %s; resume with the same data or start over with --fresh",
			ErrOtherData, h.DataSHA256, old.Data, t.Cfg.Data, t.dataSHA256)
	case h.DataSHA256 != "" && t.dataSHA256 != "":
		byContent = true // the same bytes, however the path is spelled
	}
	// The settings come before the architecture: a changed label width
	// (conditional, clusters) is named as such, not as an input width.
	if diff := resumeConflicts(old, t.Cfg, byContent); diff != "" {
		return fmt.Errorf("the checkpoint was trained with other settings (%s); resume with the same ones or start over with --fresh", diff)
	}
	if err := model.SameArchitecture("generator", h.Generator, t.G.Spec); err != nil {
		return fmt.Errorf("checkpoint of another architecture: %w", err)
	}
	if err := model.SameArchitecture("discriminator", h.Discrim, t.D.Spec); err != nil {
		return fmt.Errorf("checkpoint of another architecture: %w", err)
	}
	if _, ok := ck.Arrays[avgParams]; ok && t.gAvg == nil {
		// resuming without it would drop the average from the next checkpoint
		return fmt.Errorf("the checkpoint keeps a moving average of the generator's weights (g-ema %v) that this run would drop; resume with --g-ema or start over with --fresh", old.GEMA)
	}
	if h.Step < 0 || h.Step > math.MaxUint32/4 || h.Epoch < 0 || h.BatchInEpoch < 0 || h.BatchInEpoch > t.StepsPerEpoch() {
		return fmt.Errorf("checkpoint position (step %d, epoch %d, batch %d) is out of range", h.Step, h.Epoch, h.BatchInEpoch)
	}
	for _, n := range []struct {
		prefix string
		net    *model.Net
	}{{"g", t.G}, {"d", t.D}} {
		if err := n.net.SetState(ck.Arrays[n.prefix+".params"], ck.Arrays[n.prefix+".adam_m"], ck.Arrays[n.prefix+".adam_v"]); err != nil {
			return fmt.Errorf("checkpoint %s network: %w", n.prefix, err)
		}
	}
	if t.gAvg != nil {
		// A run that starts averaging on resume starts from the weights.
		a, ok := ck.Arrays[avgParams]
		if !ok {
			a = ck.Arrays["g.params"]
		}
		if len(a) != t.gAvg.Params.Len() {
			return fmt.Errorf("checkpoint averaged generator has %d values, want %d", len(a), t.gAvg.Params.Len())
		}
		if err := t.be.Upload(t.gAvg.Params, a); err != nil {
			return fmt.Errorf("uploading the averaged generator: %w", err)
		}
	}
	z := ck.Arrays["sample_noise"]
	if len(z) != t.zFixed.Len() {
		return fmt.Errorf("checkpoint sample noise has %d values, want %d", len(z), t.zFixed.Len())
	}
	if err := t.be.Upload(t.zFixed, z); err != nil {
		return fmt.Errorf("uploading sample noise: %w", err)
	}
	if err := t.loop.SetPosition(h.Step, h.Epoch, h.BatchInEpoch); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return t.be.Sync()
}

// SampleCheckpoint draws n samples (n, ImageSize) in [0,1] from the
// generator stored in ck, on be, with noise seed (0: the run's seed); a
// conditional generator's samples cycle through the classes.
func SampleCheckpoint(be model.Backend, ck *model.Checkpoint, n int, seed uint64) ([]float32, error) {
	return SampleCheckpointLabel(be, ck, n, seed, -1)
}

// resumeConflicts names the settings of a resumed run that differ from the
// checkpoint's and would change what the run computes. The step count,
// the logging, sampling and checkpoint intervals and the Adam settings may
// change on resume (a longer run, a lower learning rate for the end of one),
// and so may lr-decay-from and g-ema, which change neither the state nor
// the random draws (the decay follows the new step count; an average
// turned on at resume starts from the weights, and Restore refuses to
// drop one); the architecture is checked separately, against the stored
// specs.
func resumeConflicts(old, cur Config, dataByContent bool) string {
	var diffs []string
	add := func(name string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			diffs = append(diffs, fmt.Sprintf("%s %v, now %v", name, a, b))
		}
	}
	add("seed", old.Seed, cur.Seed)
	add("batch", old.Batch, cur.Batch)
	add("k", old.K, cur.K)
	if !dataByContent {
		add("data", old.Data, cur.Data)
	}
	add("prior", old.Prior, cur.Prior)
	add("binarize", old.Binarize, cur.Binarize)
	add("g-loss", old.GLoss, cur.GLoss)
	add("divergence", old.Divergence, cur.Divergence)
	add("label-smoothing", old.LabelSmoothing, cur.LabelSmoothing)
	add("d-dropout", old.DDropout, cur.DDropout)
	add("d-minibatch-kernels", old.DMinibatchKernels, cur.DMinibatchKernels)
	add("d-minibatch-dims", old.DMinibatchDims, cur.DMinibatchDims)
	add("conditional", old.Conditional, cur.Conditional)
	add("clusters", old.Clusters, cur.Clusters)
	add("cluster sizes", old.ClusterSizes, cur.ClusterSizes)
	return strings.Join(diffs, "; ")
}
