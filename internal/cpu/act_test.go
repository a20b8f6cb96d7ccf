package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gan-train/model"
	"gan-train/model/backendtest"
)

var allActs = []model.Activation{model.Identity, model.ReLU, model.LeakyReLU, model.Sigmoid, model.Tanh}

// actInputs returns n inputs mixing ordinary values with the special ones:
// zeros of both signs, infinities, NaN, tiny and huge values, and values
// at the edges of tanh32's two branches and exp32's clamp.
func actInputs(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		1e-30, -1e-30, 1e-8, -3e-6, 0.625, -0.625, math.Nextafter32(0.625, 0), math.Nextafter32(-0.625, 0),
		44, -44, 87, -87, 88, -88, 89, -89, 100, -100, 1e30, -1e30, 0.5, -0.5, 1, -1}
	s := make([]float32, n)
	for i := range s {
		switch r := rng.IntN(4); {
		case r == 0:
			s[i] = special[rng.IntN(len(special))]
		case r == 1:
			s[i] = float32(rng.NormFloat64())
		default:
			s[i] = float32((rng.Float64()*2 - 1) * 20)
		}
	}
	return s
}

func sameBits(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestActivationKernelsBitIdentical checks that the AVX2 loops, and the
// AVX-512 ones where the CPU has them, give the scalar loops' bits, forward
// and backward, for lengths around the vector widths.
func TestActivationKernelsBitIdentical(t *testing.T) {
	avx2, ok := avx2Activations()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	variants := map[string]activations{"avx2": avx2}
	if a, ok := avx512Activations(); ok {
		variants["avx512"] = a
	} else {
		t.Log("no AVX-512 on this CPU: only the AVX2 loops are checked")
	}
	for name, vec := range variants {
		t.Run(name, func(t *testing.T) { checkActivationKernels(t, vec) })
	}
}

func checkActivationKernels(t *testing.T, vec activations) {
	sc := scalarActivations()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, act := range allActs {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 100, 1023, 4096} {
			z := actInputs(rng, n)
			want, got := append([]float32(nil), z...), append([]float32(nil), z...)
			sc.fwd(act, want)
			vec.fwd(act, got)
			for i := range want {
				if !sameBits(got[i], want[i]) {
					t.Fatalf("%v forward, n=%d: z=%g gives %g (%#x) from the vector loop, %g (%#x) from the scalar one",
						act, n, z[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
			y, dy := actInputs(rng, n), actInputs(rng, n)
			wantD, gotD := make([]float32, n), make([]float32, n)
			sc.bwd(act, wantD, dy, y)
			vec.bwd(act, gotD, dy, y)
			for i := range wantD {
				if !sameBits(gotD[i], wantD[i]) {
					t.Fatalf("%v backward, n=%d: dy=%g y=%g gives %g from the vector loop, %g from the scalar one",
						act, n, dy[i], y[i], gotD[i], wantD[i])
				}
			}
		}
	}
}

// TestDerivScalarMatchesDerivative checks the slice loop against the scalar
// definition, bit for bit.
func TestDerivScalarMatchesDerivative(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, act := range allActs {
		y, dy := actInputs(rng, 300), actInputs(rng, 300)
		dz := make([]float32, len(y))
		derivScalar(act, dz, dy, y)
		for i := range dz {
			if want := dy[i] * derivative(act, y[i]); !sameBits(dz[i], want) {
				t.Fatalf("%v: dy=%g y=%g: derivScalar gives %g, dy*derivative %g", act, dy[i], y[i], dz[i], want)
			}
		}
	}
}

// TestActivationAccuracy bounds the error of sigmoid32 and tanh32 against
// float64 math over a sweep of arguments, in float32 ulps of the result
// (with an absolute floor for results near 0), and checks the special
// values.
func TestActivationAccuracy(t *testing.T) {
	cases := []struct {
		name string
		f32  func(float32) float32
		f64  func(float64) float64
		ulps float64
	}{
		{"sigmoid", sigmoid32, sigmoid64, 4},
		{"tanh", tanh32, math.Tanh, 3},
	}
	for _, c := range cases {
		worst, at := 0.0, float32(0)
		for x := float32(-30); x <= 30; x += 1.0 / 4096 {
			for _, v := range []float32{x, x * 1e-3} {
				got, want := float64(c.f32(v)), c.f64(float64(v))
				ulp := math.Max(float64(math.Nextafter32(float32(math.Abs(want)), float32(math.Inf(1))))-math.Abs(want), 0x1p-149)
				if e := math.Abs(got-want) / ulp; e > worst && math.Abs(got-want) > 1e-12 {
					worst, at = e, v
				}
			}
		}
		t.Logf("%s: worst error %.2f ulps at %g", c.name, worst, at)
		if worst > c.ulps {
			t.Errorf("%s: error %.2f ulps at %g, want at most %g", c.name, worst, at, c.ulps)
		}
	}
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"sigmoid(0)", sigmoid32(0), 0.5}, {"sigmoid(+inf)", sigmoid32(float32(math.Inf(1))), 1},
		{"sigmoid(100)", sigmoid32(100), 1}, {"tanh(0)", tanh32(0), 0},
		{"tanh(+inf)", tanh32(float32(math.Inf(1))), 1}, {"tanh(-inf)", tanh32(float32(math.Inf(-1))), -1},
		{"tanh(-50)", tanh32(-50), -1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
	if s := sigmoid32(float32(math.Inf(-1))); !(s >= 0 && s < 1e-37) {
		t.Errorf("sigmoid(-inf) = %g, want 0 or a tiny positive number", s)
	}
	if s := sigmoid32(float32(math.NaN())); s == s {
		t.Errorf("sigmoid(NaN) = %g, want NaN", s)
	}
	if s := tanh32(float32(math.NaN())); s == s {
		t.Errorf("tanh(NaN) = %g, want NaN", s)
	}
}

// TestConformancePortable runs the conformance suite on backends forced
// onto the paths a CPU without AVX2 takes: the portable and gonum products
// with the scalar activation, Adam and Philox loops. (`go test -tags purego` builds
// the package without any assembly.)
func TestConformancePortable(t *testing.T) {
	for _, g := range []GEMM{TiledGEMM, GonumGEMM} {
		for _, w := range []int{1, 3} {
			t.Run(fmt.Sprintf("%v/workers=%d", g, w), func(t *testing.T) {
				be := New(Options{Workers: w, GEMM: g})
				be.act, be.adam, be.uniform = scalarActivations(), nil, uniformScalar
				backendtest.Run(t, be, backendtest.DefaultTolerance())
			})
		}
	}
}
