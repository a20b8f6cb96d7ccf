package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// The activations and their derivatives, element-wise over slices, in
// float32. Each has a scalar Go loop here and, on amd64 with AVX2, an
// assembly loop (act_amd64.s) that performs the same float32 operations in
// the same order, without fused multiply-adds, so the two give the same
// bits (TestActivationKernelsBitIdentical). The explicit float32(...)
// conversions round each product on its own: they keep the Go compiler from
// fusing a multiply and an add, which the assembly does not do either.
//
// exp32 follows the float32 exponential of the Cephes Math Library (Stephen
// L. Moshier, expf.c): reduce x = n*ln2 + r with |r| <= ln2/2, ln2 split in
// two parts (C1 exact in few bits), approximate e^r by its degree-7
// minimax form 1 + r + r^2*P(r), and scale by 2^n. tanh32 follows Cephes's
// tanhf.c: an odd polynomial for |x| < 0.625, 1 - 2/(e^(2|x|)+1) above. Both
// are accurate to a few float32 ulps (TestActivationAccuracy), where the
// backend's contract and the conformance suite allow 2e-5 + 2e-4*|y|.

// Constants of exp32 and tanh32 (Cephes expf.c and tanhf.c), as float32.
const (
	expLo    = -87.0 // exp32 clamps its argument to [expLo, expHi]: 2^n stays a normal float32
	expHi    = 88.0
	log2e    = 1.44269504088896341
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
	tanhCut  = 0.625
	tanhT0   = -5.70498872745e-3
	tanhT1   = 2.06390887954e-2
	tanhT2   = -5.37397155531e-2
	tanhT3   = 1.33314422036e-1
	tanhT4   = -3.33332819422e-1
	signMask = 0x80000000
)

// exp32 returns e^x in float32 (see above); NaN gives NaN, and x is clamped
// to [expLo, expHi] first, so the result lies in [e^-87, e^88].
func exp32(x float32) float32 {
	if lo := float32(expLo); lo > x {
		x = lo
	}
	if hi := float32(expHi); hi < x {
		x = hi
	}
	n := float32(math.RoundToEven(float64(float32(x * log2e))))
	r := x - float32(n*expC1)
	r = r - float32(n*expC2)
	z := float32(r * r)
	p := float32(expP0)
	p = float32(p*r) + expP1
	p = float32(p*r) + expP2
	p = float32(p*r) + expP3
	p = float32(p*r) + expP4
	p = float32(p*r) + expP5
	y := float32(p*z) + r
	y = y + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoid32 returns 1/(1+e^-x) in float32.
func sigmoid32(x float32) float32 {
	return 1 / (1 + exp32(-x))
}

// tanh32 returns tanh(x) in float32.
func tanh32(x float32) float32 {
	a := math.Float32frombits(math.Float32bits(x) &^ signMask)
	if a < tanhCut {
		z := float32(x * x)
		q := float32(tanhT0)
		q = float32(q*z) + tanhT1
		q = float32(q*z) + tanhT2
		q = float32(q*z) + tanhT3
		q = float32(q*z) + tanhT4
		q = float32(q * z)
		return float32(q*x) + x
	}
	t := 1 - 2/(exp32(a+a)+1)
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&signMask)
}

// activations applies the activations and their derivatives to slices:
// the assembly loops where the CPU has them, the scalar Go loops (same
// bits) otherwise.
type activations struct {
	// fwd replaces each z in s by act(z).
	fwd func(act model.Activation, s []float32)
	// bwd sets dz[i] = dy[i] * act'(y[i]) (see derivative) for i < len(dz).
	bwd func(act model.Activation, dz, dy, y []float32)
}

// scalarActivations are the Go loops.
func scalarActivations() activations {
	return activations{fwd: activateScalar, bwd: derivScalar}
}

// activateScalar replaces each z in s by act(z).
func activateScalar(act model.Activation, s []float32) {
	switch act {
	case model.Identity:
	case model.ReLU:
		for i, z := range s {
			if !(z > 0) {
				s[i] = 0
			}
		}
	case model.LeakyReLU:
		for i, z := range s {
			if !(z > 0) {
				s[i] = float32(model.LeakySlope * z)
			}
		}
	case model.Sigmoid:
		for i, z := range s {
			s[i] = sigmoid32(z)
		}
	case model.Tanh:
		for i, z := range s {
			s[i] = tanh32(z)
		}
	default:
		panic(fmt.Sprintf("cpu: unknown activation %v", act))
	}
}

// derivScalar sets dz[i] = dy[i] * derivative(act, y[i]) for i < len(dz).
func derivScalar(act model.Activation, dz, dy, y []float32) {
	dy, y = dy[:len(dz)], y[:len(dz)]
	switch act {
	case model.Identity:
		copy(dz, dy)
	case model.ReLU:
		for i, v := range y {
			d := float32(0)
			if v > 0 {
				d = 1
			}
			dz[i] = dy[i] * d
		}
	case model.LeakyReLU:
		for i, v := range y {
			d := float32(model.LeakySlope)
			if v > 0 {
				d = 1
			}
			dz[i] = dy[i] * d
		}
	case model.Sigmoid:
		for i, v := range y {
			dz[i] = dy[i] * float32(v*(1-v))
		}
	case model.Tanh:
		for i, v := range y {
			dz[i] = dy[i] * (1 - float32(v*v))
		}
	default:
		panic(fmt.Sprintf("cpu: unknown activation %v", act))
	}
}
