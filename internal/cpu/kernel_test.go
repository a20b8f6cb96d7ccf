package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"gan-train/model"
)

// TestMicroKernels checks each micro-kernel against a float64 sum of the
// same packed panels, for depths that leave the loop empty, run it once,
// and run it long enough for rounding to show.
func TestMicroKernels(t *testing.T) {
	kernels := map[string]microKernel{"portable": portableKernel()}
	if k, ok := avx2Kernel(); ok {
		kernels["avx2"] = k
	} else {
		t.Log("no AVX2/FMA on this CPU or build: only the portable kernel is checked")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, mk := range kernels {
		for _, k := range []int{0, 1, 2, 7, 100, 785} {
			a := make([]float32, mk.mr*k)
			b := make([]float32, mk.nr*k)
			for i := range a {
				a[i] = float32(rng.Float64()*2 - 1)
			}
			for i := range b {
				b[i] = float32(rng.Float64()*2 - 1)
			}
			out := make([]float32, mk.mr*mk.nr)
			for i := range out {
				out[i] = float32(math.NaN()) // must be overwritten
			}
			mk.run(k, a, b, out)
			for r := range mk.mr {
				for c := range mk.nr {
					var want, mag float64
					for p := range k {
						v := float64(a[p*mk.mr+r]) * float64(b[p*mk.nr+c])
						want += v
						mag += math.Abs(v)
					}
					got := float64(out[r*mk.nr+c])
					// float32 summation of k terms: error within about
					// k ulps of the sum of magnitudes.
					if tol := float64(k+1) * 0x1p-23 * mag; math.Abs(got-want) > tol || math.IsNaN(got) {
						t.Errorf("%s kernel, k=%d: out[%d][%d] = %v, want %v (tolerance %.3g)", name, k, r, c, got, want, tol)
					}
				}
			}
		}
	}
}

// TestAVX2KernelFusesMultiplyAdd checks that the AVX2 kernel rounds once per
// term and the portable one twice. With a = 1 + 2^-12 the product a*a =
// 1 + 2^-11 + 2^-24 lies halfway between two float32 values and rounds to
// 1 + 2^-11, so adding it to an accumulator of -(1 + 2^-11) gives 0 with a
// separate multiply and add, and the exact 2^-24 with a fused one.
func TestAVX2KernelFusesMultiplyAdd(t *testing.T) {
	run := func(mk microKernel) []float32 {
		a := make([]float32, 2*mk.mr)
		b := make([]float32, 2*mk.nr)
		for r := range mk.mr {
			a[r] = -1                // p = 0: accumulate -(1 + 2^-11), exactly
			a[mk.mr+r] = 1 + 0x1p-12 // p = 1: accumulate a*a
		}
		for c := range mk.nr {
			b[c] = 1 + 0x1p-11
			b[mk.nr+c] = 1 + 0x1p-12
		}
		out := make([]float32, mk.mr*mk.nr)
		mk.run(2, a, b, out)
		return out
	}
	for i, v := range run(portableKernel()) {
		if v != 0 {
			t.Fatalf("portable kernel: out[%d] = %g, want 0 from a separate multiply and add", i, v)
		}
	}
	mk, ok := avx2Kernel()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	for i, v := range run(mk) {
		if v != 0x1p-24 {
			t.Fatalf("avx2 kernel: out[%d] = %g, want 2^-24 from a fused multiply-add", i, v)
		}
	}
}

// TestGEMMChoice checks which product New settles on for each request.
func TestGEMMChoice(t *testing.T) {
	_, avx2 := avx2Kernel()
	fast := AVX2GEMM
	def := AVX2GEMM
	if !avx2 {
		fast, def = TiledGEMM, GonumGEMM
	}
	for _, c := range []struct {
		ask, want GEMM
	}{{DefaultGEMM, def}, {GonumGEMM, GonumGEMM}, {TiledGEMM, TiledGEMM}, {AVX2GEMM, fast}} {
		if got := New(Options{GEMM: c.ask}).GEMM(); got != c.want {
			t.Errorf("New(GEMM: %v).GEMM() = %v, want %v (AVX2 and FMA: %v)", c.ask, got, c.want, avx2)
		}
	}
}

// TestAdamKernelBitIdentical checks that the vectorised Adam loop gives the
// scalar loop's bits, for lengths around the vector width and gradients
// from tiny to huge (v then spans subnormal to large).
func TestAdamKernelBitIdentical(t *testing.T) {
	vec, ok := adamKernel()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	k := adamConsts{b1: 0.5, ob1: 0.5, b2: 0.999, ob2: 1 - float32(0.999), c1: 0.75, c2: float32(1 - math.Pow(0.999, 2)), lr: 2e-4, eps: 1e-8}
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 1023} {
		in := make([][]float32, 4) // p, g, m, v
		for j := range in {
			in[j] = make([]float32, n)
			for i := range in[j] {
				x := float32((rng.Float64()*2 - 1) * math.Pow(10, rng.Float64()*24-16))
				if j == 3 {
					x = x * x // v >= 0
				}
				in[j][i] = x
			}
		}
		run := func(f func(p, g, m, v []float32, k *adamConsts)) [][]float32 {
			c := make([][]float32, 4)
			for j := range in {
				c[j] = append([]float32(nil), in[j]...)
			}
			f(c[0], c[1], c[2], c[3], &k)
			return c
		}
		want, got := run(adamScalar), run(vec)
		for j, name := range []string{"p", "g", "m", "v"} {
			for i := range want[j] {
				if math.Float32bits(got[j][i]) != math.Float32bits(want[j][i]) {
					t.Fatalf("n=%d: %s[%d] = %g (%#x) from the vector loop, %g (%#x) from the scalar one",
						n, name, i, got[j][i], math.Float32bits(got[j][i]), want[j][i], math.Float32bits(want[j][i]))
				}
			}
		}
	}
}

// TestAverageKernelBitIdentical checks that the vectorised Average loop
// gives the scalar loop's bits, for lengths around the vector width and
// values of mixed magnitudes.
func TestAverageKernelBitIdentical(t *testing.T) {
	vec, ok := averageKernel()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	for _, f := range []float32{0.001, 0.1, 1 - 0.999, 0.5, 1} {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 100, 1023} {
			a, s := make([]float32, n), make([]float32, n)
			for i := range a {
				a[i] = float32((rng.Float64()*2 - 1) * math.Pow(10, rng.Float64()*12-6))
				s[i] = float32((rng.Float64()*2 - 1) * math.Pow(10, rng.Float64()*12-6))
			}
			want, got := append([]float32(nil), a...), append([]float32(nil), a...)
			averageScalar(want, s, f)
			vec(got, s, f)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("f=%g n=%d: a[%d] = %g from the vector loop, %g from the scalar one", f, n, i, got[i], want[i])
				}
			}
		}
	}
}

// TestSumSquaresKernelBitIdentical checks the AVX loop of SumSquares
// against the scalar one, bit for bit, for lengths in blocks of 8 and
// values from tiny to huge, starting from nonzero partial sums.
func TestSumSquaresKernelBitIdentical(t *testing.T) {
	vec, ok := sumSquaresKernel()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{0, 8, 16, 24, 1000, 100_000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32((rng.Float64()*2 - 1) * math.Pow(10, rng.Float64()*40-20))
		}
		var want, got [8]float64
		for l := range want {
			want[l] = rng.Float64()
			got[l] = want[l]
		}
		sumSquaresScalar(x, &want)
		vec(x, &got)
		for l := range want {
			if math.Float64bits(got[l]) != math.Float64bits(want[l]) {
				t.Fatalf("n=%d: partial sum %d = %g from the vector loop, %g from the scalar one", n, l, got[l], want[l])
			}
		}
	}
}

// TestDirectGEMMBitIdentical checks that the AVX2 product reading A in
// place (gemmDirect) gives the bits of the packed path with the same
// micro-kernel, for both layouts of A and B, edge tiles in both dimensions,
// with and without bias, and every activation, over several worker counts.
func TestDirectGEMMBitIdentical(t *testing.T) {
	if _, ok := avx2Kernel(); !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := [][3]int{{1, 1, 1}, {6, 16, 5}, {7, 17, 3}, {5, 15, 0}, {128, 1, 100}, {13, 40, 33}, {64, 110, 31}, {37, 784, 9}, {12, 20, 600}, {7, 33, 530}, {1, 16, 257}}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, act := range allActs {
					for _, w := range []int{1, 3} {
						a := operand{s: randSlice(rng, m*k, -1, 1), ld: k, t: ta}
						if ta {
							a.ld = m
						}
						b := operand{s: randSlice(rng, k*n, -1, 1), ld: n, t: tb}
						if tb {
							b.ld = k
						}
						var bias []float32
						if act != model.Identity || w == 1 {
							bias = randSlice(rng, n, -1, 1)
						}
						ldc := n + 3 // C wider than the product
						direct := New(Options{Workers: w, GEMM: AVX2GEMM})
						packed := New(Options{Workers: w, GEMM: AVX2GEMM})
						packed.kernel.tile = nil
						got, want := make([]float32, m*ldc), make([]float32, m*ldc)
						for i := range got {
							got[i], want[i] = -7, -7
						}
						direct.gemm(got, ldc, m, n, k, a, b, bias, act)
						packed.gemm(want, ldc, m, n, k, a, b, bias, act)
						for i := range want {
							if !sameBits(got[i], want[i]) {
								t.Fatalf("m=%d n=%d k=%d ta=%v tb=%v %v workers=%d: c[%d] = %g direct, %g packed",
									m, n, k, ta, tb, act, w, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestPack16 checks the assembly packing of full 16-column panels against
// packB, for both layouts and depths around the 8x8 blocks.
func TestPack16(t *testing.T) {
	mk, ok := avx2Kernel()
	if !ok || mk.pack16 == nil {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []int{0, 1, 7, 8, 9, 16, 23, 100} {
		for _, n := range []int{16, 33, 48} {
			for _, tr := range []bool{false, true} {
				b := operand{s: randSlice(rng, k*n+5, -1, 1), ld: n + 0, t: tr}
				if tr {
					b.ld = k
				}
				for j0 := 0; j0+16 <= n; j0 += 16 {
					got, want := make([]float32, 16*k), make([]float32, 16*k)
					mk.pack16(got, b, j0, k)
					packB(want, b, j0, n, k, 16)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("k=%d n=%d transposed=%v j0=%d: dst[%d] = %g, want %g", k, n, tr, j0, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestUniformKernelBitIdentical checks the AVX2 Philox loop against the
// scalar one (rng.Block and rng.ToUniform01) for lengths around its group
// of 32 draws, block offsets near the 32-bit wrap, and several keys.
func TestUniformKernelBitIdentical(t *testing.T) {
	vec, ok := uniformKernel()
	if !ok {
		t.Skip("no AVX2/FMA on this CPU or build")
	}
	for _, seed := range []uint64{0, 1, 0xDEADBEEFCAFEF00D} {
		for _, j0 := range []int{0, 3, 1 << 20, 1<<32 - 5} {
			for _, n := range []int{0, 1, 31, 32, 33, 64, 100, 1000} {
				want, got := make([]float32, n), make([]float32, n)
				uniformScalar(want, seed, 7, 11, j0)
				vec(got, seed, 7, 11, j0)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("seed=%#x j0=%d n=%d: draw %d = %g from the vector loop, %g from the scalar one", seed, j0, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}
