// Package eval judges generated digits the way the GAN literature does, so
// that users of gan-train get numbers they can compare with published ones
// and with real data.
//
// Four metrics, all computed in float64:
//
//   - The classifier score exp(E_x KL(p(y|x) || p(y))) (Salimans et al.
//     2016; TF-GAN's mnist_score), from the class probabilities of a digit
//     classifier: high when each sample is confidently one digit and the
//     digits are varied. See ClassifierScore.
//   - The Frechet distance between Gaussians fitted to classifier features
//     of generated and real images (Heusel et al. 2017's FID, with our own
//     digit classifier in place of Inception). See FitGaussian and
//     FrechetDistance.
//   - Mode coverage: the histogram of predicted classes, how many classes
//     hold at least 2% of the samples, and the KL divergence of the predicted
//     class distribution from the real one. See ModeCoverage.
//   - The Parzen-window log-likelihood of held-out test digits under a
//     Gaussian kernel density centred on the generated samples, with the
//     kernel width chosen on validation digits (Goodfellow et al. 2014's
//     protocol, Breuleux et al. 2011's estimator). See Parzen.
//
// The pure functions above take row-major float64 slices with their shape.
package eval
