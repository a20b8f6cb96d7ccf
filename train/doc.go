// Package train is the GAN training loop of gan-train.
//
// A Trainer holds a whole training state on a model.Backend: the generator
// and discriminator with their Adam moments, the dataset and the epoch
// permutation, and the counters behind every random draw (noise, data
// binarization, dropout masks are all Philox draws keyed by seed, stream and
// step; see package rng). One Iterate call performs the alternating
// procedure of the source documents: k discriminator steps, each on a real
// batch and a generated batch stacked into one (2·batch)-row pass with the
// stable logit binary cross-entropy (real label 1-alpha with one-sided label
// smoothing), then one generator step through the fixed discriminator with
// the non-saturating -log D(G(z)) loss or the original log(1-D(G(z))).
// Variants: f-GAN objectives (Nowozin et al. 2016), conditional GANs
// (Mirza and Osindero 2014), Goodfellow et al. 2014's maxout and dropout
// discriminator and minibatch discrimination (Salimans et al. 2016; real and
// fake rows each compared within their own batch), each through the
// groups of the backend contract that compute it (model/fgan.go,
// model/layout.go, model/regularize.go, model/minibatch.go).
//
// An iteration uses only backend operations and reads everything that
// changes between steps from backend memory, so a backend that can capture
// (CUDA graphs, model.Capturer) records it once and replays it. The epoch
// order, the counters, the statistics buffer and that recording belong to
// the step engine the Trainer runs on (internal/loop), which LAPGAN's
// levels and eval's digit classifier share.
//
// Run wraps a Trainer in a run directory: config.yaml, metrics.jsonl (one
// JSON object per logged step, plus evaluation records), sample grids from a
// fixed noise batch, and atomic, checksummed checkpoints (model.Checkpoint)
// holding every piece of state, so that a run stopped at step s and resumed
// reproduces the uninterrupted run bit for bit on the CPU. A run stops with
// ErrNonFinite, naming the step, when a loss or gradient stops being finite,
// and never checkpoints non-finite parameters. RunDir is the layout of a run
// directory: where Run writes each file and where the commands and the run
// report (internal/report) read them.
//
// Presets reproduce the two seed configurations (edward: seed 000;
// tf-tutorial: seed 004) and add quick and tiny ones.
package train
