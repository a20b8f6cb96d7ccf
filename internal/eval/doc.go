// Package eval judges generated digits the way the GAN literature does, so
// that users of gan-train get numbers they can compare with published ones
// and with real data.
//
// # Metrics
//
// Four metrics, all computed in float64:
//
//   - The classifier score exp(E_x KL(p(y|x) || p(y))) (Salimans et al.
//     2016; TF-GAN's mnist_score), from the class probabilities of a digit
//     classifier: high when each sample is confidently one digit and the
//     digits are varied; between 1 and 10. See ClassifierScore.
//   - The Frechet distance between Gaussians fitted to classifier features
//     of the samples and of the training digits (Heusel et al. 2017's FID,
//     with our digit classifier in place of Inception). The features are the
//     activations of the classifier's last hidden layer (by default its only
//     one: 256 leaky-ReLU units, after the activation). See FitGaussian and
//     FrechetDistance.
//   - Mode coverage: the histogram of predicted classes, how many classes
//     hold at least 2% of the samples (ModeThreshold), and
//     KL(sample class distribution || training label distribution), with
//     both distributions smoothed by KLSmoothing. See ModeCoverage.
//   - The Parzen-window log-likelihood of the held-out test digits under a
//     Gaussian kernel density centred on the samples (Goodfellow et al.
//     2014's protocol after Breuleux et al. 2011): sigma chosen from
//     logspace(-1, 0, 10) by the mean log-likelihood of validation digits
//     taken from the training split, reported as mean ± std/sqrt(N) over the
//     test digits. See Parzen. Pixels are in [0, 1], as in the paper, so the
//     figures are comparable with its 225 ± 2 nats for MNIST (it scored
//     10,000 test digits; the embedded digits hold 1,000, so our standard
//     error is about three times larger).
//
// The pure functions take row-major float64 slices with their shape.
//
// # The digit classifier
//
// Classifier is an MLP of dense layers (a model.NetSpec built with
// model.NewNet) trained by gan-train itself (TrainClassifier) on the
// training split with the backend's
// SoftmaxXent and Adam ops, random shifts of up to 2 pixels and a cosine learning-rate
// decay, so it runs on any model.Backend. LoadOrTrainClassifier caches it
// per dataset under a directory, keyed by the SHA-256 of the format
// version, the configuration and the data; a missing, damaged or stale file
// is retrained and replaced atomically.
//
// # Evaluating
//
// A Reference holds what samples are compared with (the training features'
// Gaussian, the training class distribution, the Parzen validation and test
// digits); build it once with Prepare or NewReference and call its Evaluate
// for each set of samples (Options.Samples of them, 10,000 by default; fewer
// is an error, so that figures stay comparable). Each Report also carries
// the real-data floor (Floor): the same metrics for the held-out
// test digits judged as if they were samples, against the training digits.
// For the Parzen floor the kernel centres are the training digits other
// than the validation ones.
//
// Reading the floor: the classifier score, mode coverage and class KL of
// real digits are what a perfect generator reaches. The Frechet distance
// of the floor is computed from the test digits alone (1,000 of them for
// the embedded data) and is inflated by the small sample; a generator's
// 10,000 samples can come below it. A generator that reproduces its
// training digits can beat the Parzen floor, which is one reason the
// estimator is known to be a weak measure of quality (Theis et al. 2016).
//
// A Reference is safe for concurrent use; a model.Backend is not, so a
// background evaluation needs a Backend of its own.
package eval
