package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// oneColumnInputs returns n floats for the one-column tests: mostly
// ordinary values, with zeros of both signs and values whose products
// underflow (the sign of a zero sum shows whether a multiply and an add
// were fused).
func oneColumnInputs(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 3e-25, -2e-20, 1, -1}
	s := make([]float32, n)
	for i := range s {
		if rng.IntN(8) == 0 {
			s[i] = special[rng.IntN(len(special))]
		} else {
			s[i] = float32(rng.Float64()*2 - 1)
		}
	}
	return s
}

// TestBack1BitIdentical checks DenseBackward's one-output-column path
// (back1) against the general one through gemm, bit for bit, for each
// product engine with a micro-kernel, widths around the blocks of 64 and 8
// columns, every activation and several worker counts; and that the rows
// of dx past the batch are left alone.
func TestBack1BitIdentical(t *testing.T) {
	engines := []GEMM{TiledGEMM}
	if _, ok := avx2Kernel(); ok {
		engines = append(engines, AVX2GEMM)
	} else {
		t.Log("no AVX2/FMA on this CPU or build: only the portable kernel is checked")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, g := range engines {
		for _, batch := range []int{1, 5, 6, 7, 128, 300} {
			for _, in := range []int{1, 3, 8, 9, 63, 64, 65, 100, 128, 136, 257} {
				for _, act := range allActs {
					for _, w := range []int{1, 3} {
						name := fmt.Sprintf("%v batch=%d in=%d %v workers=%d", g, batch, in, act, w)
						fast := New(Options{Workers: w, GEMM: g})
						ref := New(Options{Workers: w, GEMM: g})
						ref.kernel.back1 = nil
						if fast.kernel.back1 == nil {
							t.Fatalf("%s: the kernel has no one-column path", name)
						}
						x := oneColumnInputs(rng, batch*in+in) // one row more than the batch
						wt := oneColumnInputs(rng, in)
						y := randSlice(rng, batch+1, 0.01, 0.99)
						dy := oneColumnInputs(rng, batch+1)
						run := func(be *Backend) (dx, dw, db []float32) {
							dxb := upload(t, be, make([]float32, batch*in+in))
							for i := range Slice(dxb) {
								Slice(dxb)[i] = -7
							}
							dwb, dbb := upload(t, be, make([]float32, in)), upload(t, be, []float32{-7})
							be.DenseBackward(dxb, dwb, dbb, upload(t, be, dy), upload(t, be, x), upload(t, be, wt), upload(t, be, y), batch, in, 1, act)
							return Slice(dxb), Slice(dwb), Slice(dbb)
						}
						gdx, gdw, gdb := run(fast)
						wdx, wdw, wdb := run(ref)
						for _, c := range []struct {
							what      string
							got, want []float32
						}{{"dx", gdx, wdx}, {"dw", gdw, wdw}, {"db", gdb, wdb}} {
							for i := range c.want {
								if !sameBits(c.got[i], c.want[i]) {
									t.Fatalf("%s: %s[%d] = %g (%#x), want %g (%#x) as through gemm", name, c.what, i,
										c.got[i], math.Float32bits(c.got[i]), c.want[i], math.Float32bits(c.want[i]))
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestFwd1BitIdentical checks DenseForward's one-output-column path (fwd1)
// against the general one through gemm, bit for bit, for each product
// engine with a micro-kernel, batches around the panels of 16 rows and the
// rounds of 64, depths around the 8x8 transposes, every activation, and
// that the rows of y past the batch are left alone.
func TestFwd1BitIdentical(t *testing.T) {
	engines := []GEMM{TiledGEMM}
	if _, ok := avx2Kernel(); ok {
		engines = append(engines, AVX2GEMM)
	}
	rng := rand.New(rand.NewPCG(19, 20))
	for _, g := range engines {
		for _, batch := range []int{1, 15, 16, 17, 33, 64, 65, 128, 300} {
			for _, in := range []int{0, 1, 7, 8, 9, 100, 128, 300} {
				for _, act := range allActs {
					name := fmt.Sprintf("%v batch=%d in=%d %v", g, batch, in, act)
					fast := New(Options{Workers: 2, GEMM: g})
					ref := New(Options{Workers: 2, GEMM: g})
					ref.kernel.fwd1 = nil
					if fast.kernel.fwd1 == nil {
						t.Fatalf("%s: the kernel has no one-column path", name)
					}
					x := oneColumnInputs(rng, batch*in+in)
					w := oneColumnInputs(rng, in)
					b := oneColumnInputs(rng, 1)
					run := func(be *Backend) []float32 {
						y := upload(t, be, make([]float32, batch+1))
						Slice(y)[batch] = -7
						be.DenseForward(y, upload(t, be, x), upload(t, be, w), upload(t, be, b), batch, in, 1, act)
						return Slice(y)
					}
					got, want := run(fast), run(ref)
					for i := range want {
						if !sameBits(got[i], want[i]) {
							t.Fatalf("%s: y[%d] = %g (%#x), want %g (%#x) as through gemm", name, i,
								got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	}
}
