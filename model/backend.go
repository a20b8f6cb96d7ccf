package model

import "fmt"

// Buf is an array of float32 values owned by one Backend. Only the backend
// that allocated it (or made it as a view) may read or write it. On the CPU a
// Buf is a Go slice; on the GPU it is device memory.
type Buf interface {
	// Len is the number of float32 elements.
	Len() int
}

// Activation names the element-wise function applied after a dense layer.
type Activation uint8

// The activations every backend implements. The derivative of each can be
// computed from the activation's output y alone, which is what the fused
// backward passes rely on.
const (
	Identity  Activation = iota // y = z
	ReLU                        // y = max(z, 0)
	LeakyReLU                   // y = z if z > 0 else LeakySlope*z
	Sigmoid                     // y = 1/(1+exp(-z))
	Tanh                        // y = tanh(z)
)

// LeakySlope is the negative-side slope of LeakyReLU (0.2, as in the DCGAN
// and most MLP GAN literature).
const LeakySlope = 0.2

var activationNames = [...]string{"identity", "relu", "leaky_relu", "sigmoid", "tanh"}

func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// ParseActivation maps a name ("relu", "leaky_relu" or "leakyrelu", "sigmoid",
// "tanh", "identity" or "linear") to an Activation.
func ParseActivation(s string) (Activation, error) {
	switch s {
	case "identity", "linear", "none":
		return Identity, nil
	case "relu":
		return ReLU, nil
	case "leaky_relu", "leakyrelu", "lrelu":
		return LeakyReLU, nil
	case "sigmoid":
		return Sigmoid, nil
	case "tanh":
		return Tanh, nil
	}
	return 0, fmt.Errorf("unknown activation %q (want relu, leaky_relu, sigmoid, tanh or identity)", s)
}

// Dist is the distribution of values drawn by Backend.Noise.
type Dist uint8

// Distributions of Backend.Noise.
const (
	Uniform01  Dist = iota // Uniform[0,1)
	UniformPM1             // Uniform[-1,1)
	Normal                 // Normal(0,1), Box-Muller
)

var distNames = [...]string{"uniform01", "uniform", "normal"}

func (d Dist) String() string {
	if int(d) < len(distNames) {
		return distNames[d]
	}
	return fmt.Sprintf("Dist(%d)", d)
}

// Adam holds Adam's hyperparameters (Kingma and Ba 2015).
type Adam struct {
	LR    float32 `yaml:"lr" json:"lr"`
	Beta1 float32 `yaml:"beta1" json:"beta1"`
	Beta2 float32 `yaml:"beta2" json:"beta2"`
	Eps   float32 `yaml:"eps" json:"eps"`
}

// DefaultAdam is the paper's default setting (and TensorFlow's, which the
// Edward tutorial uses): lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8.
func DefaultAdam() Adam { return Adam{LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Backend is the small set of fused operations that a GAN step needs. The
// CPU backend (package cpu) is the readable reference; the CUDA backend
// (package gpu, build tag cuda) computes the same functions on the device.
//
// All arrays are row-major. Operations are asynchronous on backends that can
// be: they report no error themselves; the first failure is kept and returned
// by Sync. Shapes are the caller's responsibility (package model checks them
// once, when a network is built); a backend may panic on a shape mismatch,
// which is a programming error, never bad user input.
//
// Counters (the Adam step and the noise step) live in backend memory as a
// 1-element Buf holding the bits of a uint32, so that a captured sequence of
// operations (a CUDA graph) stays valid from one step to the next.
type Backend interface {
	// Name is "cpu" or "cuda".
	Name() string

	// Alloc returns a zeroed Buf of n elements.
	Alloc(n int) (Buf, error)
	// View returns the n elements of b starting at off, sharing memory with b.
	View(b Buf, off, n int) Buf
	// Free releases b (not a view). Using b afterwards is an error.
	Free(b Buf)
	// Upload copies src (len == dst.Len()) to dst.
	Upload(dst Buf, src []float32) error
	// Download waits for pending work and copies src to dst (len == src.Len()).
	Download(dst []float32, src Buf) error
	// Sync waits for pending work and returns the first error since the last Sync.
	Sync() error
	// Close releases everything the backend holds.
	Close() error

	// Copy copies src to dst (same length).
	Copy(dst, src Buf)
	// Fill sets every element of x to v.
	Fill(x Buf, v float32)
	// Affine sets x[i] = a*x[i] + c.
	Affine(x Buf, a, c float32)

	// DenseForward computes y = act(x·w + b).
	// x is (batch, in), w is (in, out), b is (out), y is (batch, out).
	DenseForward(y, x, w, b Buf, batch, in, out int, act Activation)

	// DenseBackward is the backward pass of DenseForward, given its output y
	// and the gradient dy of the loss with respect to y. With
	// dz = dy ⊙ act'(y) (act' computed from y):
	//   dx = dz·wᵀ        (skipped when dx is nil)
	//   dw = xᵀ·dz        (overwritten; skipped when dw is nil)
	//   db = Σ_rows dz    (overwritten; skipped when db is nil)
	// x is (batch, in), w is (in, out), y and dy are (batch, out),
	// dx is (batch, in), dw is (in, out), db is (out). dy is not modified.
	DenseBackward(dx, dw, db, dy, x, w, y Buf, batch, in, out int, act Activation)

	// LogitBCE is the binary cross-entropy of logits x against a constant
	// target y, fused with its gradient, stable for any logit:
	//   l_i = max(x_i,0) - x_i*y + log1p(exp(-|x_i|))
	//   loss[0] = scale * Σ_i l_i
	//   dx_i = scale * (sigmoid(x_i) - y)      (skipped when dx is nil)
	// x and dx are (n), loss is (1).
	LogitBCE(dx, loss, x Buf, target, scale float32)

	// MeanSigmoid sets out[0] = mean_i sigmoid(x_i): mean D(x) from logits.
	MeanSigmoid(out, x Buf)
	// SumSquares sets out[0] = Σ_i x_i²: squared gradient norms.
	SumSquares(out, x Buf)

	// SoftmaxXent is softmax cross-entropy against integer class labels
	// (stored as float32), fused with its gradient:
	//   p = softmax(x_r); loss[0] = scale * Σ_r -log p[label_r]
	//   dx_r = scale * (p - onehot(label_r))    (skipped when dx is nil)
	// x and dx are (batch, classes), labels is (batch), loss is (1).
	SoftmaxXent(dx, loss, x, labels Buf, batch, classes int, scale float32)

	// Adam updates the parameters p in place from their gradient g and the
	// moment estimates m and v (all the same length), at the step count t
	// read from the counter tc (t >= 1):
	//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g²
	//   p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
	Adam(p, g, m, v Buf, hp Adam, tc Buf)

	// Noise fills dst with Philox4x32-10 draws from dist, keyed by seed,
	// for stream and the step read from the counter sc. See package rng for
	// the exact mapping of (seed, stream, step, index) to values.
	Noise(dst Buf, dist Dist, seed uint64, stream uint32, sc Buf)
	// Binarize sets dst[i] = 1 if u_i < src[i] else 0, with u_i the
	// Uniform01 draw that Noise would give for index i: Bernoulli(src[i]).
	Binarize(dst, src Buf, seed uint64, stream uint32, sc Buf)
	// GatherRows copies one batch of rows of src into dst, following a
	// permutation and the batch counter bc (the batch's number in the epoch):
	//   rows = dst.Len()/cols;  dst[r] = src[perm[bc*rows + r]]
	// src is (N, cols), perm holds row numbers of src as float32, dst is (rows, cols).
	GatherRows(dst, src, perm Buf, cols int, bc Buf)
	// SetCounter sets the counter c to v; IncCounter adds one to it.
	SetCounter(c Buf, v uint32)
	IncCounter(c Buf)
}

// Capturer is implemented by backends that can record a sequence of
// operations once and replay it cheaply (CUDA graphs). The recorded
// function must touch only Bufs and counters, never host memory: whatever
// changes from one replay to the next is read from backend memory.
type Capturer interface {
	Capture(record func()) (Replay, error)
}

// Replay is a recorded sequence of operations.
type Replay interface {
	// Run enqueues the recorded operations once.
	Run() error
	// Free releases the recording.
	Free()
}
