// Package report draws the pictures a finished training run leaves in its
// run directory for people to look at:
//
//   - losses.png: two stacked panels over training steps. The top panel holds
//     the discriminator and generator losses; the bottom panel holds the mean
//     discriminator outputs on real data, D(x), and on generated data,
//     D(G(z)), on a fixed [0,1] axis with a dashed line at 0.5, the value both
//     reach at the equilibrium of Goodfellow et al. (2014), Proposition 1
//     (D*(x) = 1/2 when the generator matches the data distribution).
//   - progress.gif: the sample grids written during training
//     (samples/step-NNNNNN.png in step order, then samples/final.png), one
//     frame each, in 256 grays, each frame labelled with its step.
//
// LossesPNG and ProgressGIF work on readers, writers and file lists so that
// they can be used (and tested) apart from a run directory; WriteRunReport
// ties them to the run directory layout and writes both files atomically
// through internal/atomicfile, so a reader never sees a half-written picture.
//
// The metrics log is the trainer's metrics.jsonl: one JSON object per logged
// step with at least "step", "d_loss", "g_loss", "d_real" and "d_fake"; other
// fields are ignored. A line that does not parse is an error naming its line
// number; non-finite values are left out of the curves rather than failing
// the plot.
package report
