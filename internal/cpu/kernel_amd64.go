//go:build !purego

package cpu

import (
	"golang.org/x/sys/cpu"

	"gan-train/internal/rng"
)

// kernel6x16 is the AVX2/FMA micro-kernel in kernel_amd64.s.
//
//go:noescape
func kernel6x16(k int, a, b []float32, out *[96]float32)

// tile6x16 is the AVX2/FMA tile kernel in kernel_amd64.s: kernel6x16 on A
// where it lies, writing C.
//
//go:noescape
func tile6x16(k int, a *float32, rs, cs int, b *float32, c *float32, ldc int, bias *float32, load bool)

// tile6x16Checked is microKernel.tile for tile6x16: it checks every bound
// the assembly relies on, then calls it.
func tile6x16Checked(k int, a []float32, rs, cs int, b, c []float32, ldc int, bias []float32, load bool) {
	var pa, pb, pbias *float32
	if k > 0 {
		_ = a[5*rs+(k-1)*cs] // the last element of A the tile reads
		pa, pb = &a[0], &b[:16*k][0]
	}
	_ = c[5*ldc+15]
	if bias != nil {
		pbias = &bias[:16][0]
	}
	tile6x16(k, pa, rs, cs, pb, &c[0], ldc, pbias, load)
}

// back1AVX2 is the one-column backward pass in dense1_amd64.s.
//
//go:noescape
func back1AVX2(n int, x *float32, ldx int, dz, w, dx *float32, ldd int, dw *float32, cols int, mask *[8]int32)

// laneMasks[8-t:16-t] has its first t lanes set: the mask of back1AVX2 for
// t = cols % 8 columns.
var laneMasks = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

// back1Checked is microKernel.back1 for back1AVX2: it checks every bound
// the assembly relies on, then calls it.
func back1Checked(n, cols int, x []float32, ldx int, dz, w, dx []float32, ldd int, dw []float32) {
	if cols <= 0 {
		return
	}
	w, dw = w[:cols], dw[:cols]
	if n <= 0 {
		clear(dw)
		return
	}
	_, _ = x[(n-1)*ldx+cols-1], dx[(n-1)*ldd+cols-1]
	t := cols % 8
	back1AVX2(n, &x[0], ldx, &dz[:n][0], &w[0], &dx[0], ldd, &dw[0], cols, (*[8]int32)(laneMasks[8-t:16-t]))
}

// dotPanels is the one-column forward product in dense1_amd64.s.
//
//go:noescape
func dotPanels(k int, panels *float32, npanels int, w *float32, out *float32)

// fwd1Panels is how many panels of 16 rows fwd1AVX2 packs at a time.
const fwd1Panels = 4

// fwd1AVX2 is microKernel.fwd1 for the AVX2 kernel: it packs the rows of
// x sixteen at a time as transposed panels (packPanel's layout, by the
// 8x8 transposes of transPanel16), sixty-four rows a round, and runs
// dotPanels over them.
func fwd1AVX2(n, in int, x, w, y []float32, scratch *[]float32) {
	if n <= 0 {
		return
	}
	w, y = w[:in], y[:n]
	if in == 0 {
		clear(y)
		return
	}
	buf := grow(scratch, fwd1Panels*16*in+fwd1Panels*16)
	panels, out := buf[:fwd1Panels*16*in], buf[fwd1Panels*16*in:]
	a := operand{x, in, true} // B(p, r) = x[r*in+p]: row r of x is column r
	for r0 := 0; r0 < n; r0 += fwd1Panels * 16 {
		np := min(fwd1Panels, (n-r0+15)/16)
		for j := range np {
			dst := panels[j*16*in : (j+1)*16*in]
			if j0 := r0 + 16*j; j0+16 <= n {
				pack16Checked(dst, a, j0, in)
			} else {
				packB(dst, a, j0, n, in, 16)
			}
		}
		dotPanels(in, &panels[0], np, &w[0], &out[0])
		copy(y[r0:min(r0+16*np, n)], out)
	}
}

// copyPanel16 and transPanel16 are the AVX packing loops in
// kernel_amd64.s.
//
//go:noescape
func copyPanel16(dst, src []float32, ld, k int)

//go:noescape
func transPanel16(dst, src []float32, ld, k int)

// pack16Checked is microKernel.pack16: it checks the bounds the assembly
// relies on, then packs, the last k % 8 rows of a transposed panel in Go.
func pack16Checked(dst []float32, b operand, j0, k int) {
	if k == 0 {
		return
	}
	dst = dst[:16*k]
	if !b.t {
		_ = b.s[(k-1)*b.ld+j0+15]
		copyPanel16(dst, b.s[j0:], b.ld, k)
		return
	}
	_ = b.s[(j0+15)*b.ld+k-1]
	k8 := k &^ 7
	transPanel16(dst, b.s[j0*b.ld:], b.ld, k8)
	for c := 0; c < 16; c++ {
		row := b.s[(j0+c)*b.ld+k8 : (j0+c)*b.ld+k]
		for p, v := range row {
			dst[(k8+p)*16+c] = v
		}
	}
}

// philoxUniform8 is the AVX2 Philox loop in kernel_amd64.s.
//
//go:noescape
func philoxUniform8(dst *[32]float32, k *[2]uint32, j, step, stream uint32)

// uniformAVX2 is uniformScalar with philoxUniform8 for whole groups of 32
// draws (eight Philox blocks): the same bits.
func uniformAVX2(dst []float32, seed uint64, stream, step uint32, j0 int) {
	k := rng.Key(seed)
	n := len(dst) &^ 31
	for i := 0; i < n; i += 32 {
		philoxUniform8((*[32]float32)(dst[i:i+32]), &k, uint32(j0+i/4), step, stream)
	}
	uniformScalar(dst[n:], seed, stream, step, j0+n/4)
}

// uniformKernel returns uniformAVX2, and false where the CPU or the
// operating system lacks AVX2 or FMA (one condition for every loop).
func uniformKernel() (func(dst []float32, seed uint64, stream, step uint32, j0 int), bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return nil, false
	}
	return uniformAVX2, true
}

// averageAVX is the AVX loop of Average in adam_amd64.s.
//
//go:noescape
func averageAVX(a, s []float32, f float32)

// averageKernel returns the AVX loop of Average, and false where the CPU or
// the operating system lacks AVX2 or FMA (the condition of avx2Kernel).
func averageKernel() (func(a, s []float32, f float32), bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return nil, false
	}
	return func(a, s []float32, f float32) {
		n := len(a) &^ 7
		// The assembly reads and writes n floats of each slice without
		// checking; the slicing here does.
		averageAVX(a[:n], s[:n], f)
		averageScalar(a[n:], s[n:len(a)], f)
	}, true
}

// sumSquaresAVX is the AVX loop of SumSquares in adam_amd64.s.
//
//go:noescape
func sumSquaresAVX(x []float32, s *[8]float64)

// sumSquaresKernel returns sumSquaresAVX, and false where the CPU or the
// operating system lacks AVX2 or FMA (the condition of avx2Kernel).
func sumSquaresKernel() (func(x []float32, s *[8]float64), bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return nil, false
	}
	return func(x []float32, s *[8]float64) {
		// The assembly reads len(x) &^ 7 floats; the slicing here says so.
		sumSquaresAVX(x[:len(x)&^7], s)
	}, true
}

// avx2Kernel returns the 6x16 AVX2/FMA micro-kernel, and false where the CPU
// or the operating system lacks AVX2 or FMA.
func avx2Kernel() (microKernel, bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return microKernel{}, false
	}
	return microKernel{mr: 6, nr: 16, run: func(k int, a, b, out []float32) {
		// The assembly reads 6k and 16k floats and writes 96 without
		// checking; the slicing here does.
		kernel6x16(k, a[:6*k], b[:16*k], (*[96]float32)(out[:96]))
	}, tile: tile6x16Checked, pack16: pack16Checked, back1: back1Checked, fwd1: fwd1AVX2}, true
}

// adamAVX is the AVX loop in adam_amd64.s.
//
//go:noescape
func adamAVX(p, g, m, v []float32, k *adamConsts)

// adamKernel returns the AVX Adam loop, and false where the CPU or the
// operating system lacks AVX2 or FMA (the same condition as avx2Kernel, so
// that one check describes the machine).
func adamKernel() (func(p, g, m, v []float32, k *adamConsts), bool) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return nil, false
	}
	return func(p, g, m, v []float32, k *adamConsts) {
		n := len(p) &^ 7
		// The assembly reads and writes len(p) &^ 7 floats of each slice
		// without checking; the slicing here does.
		adamAVX(p[:n], g[:n], m[:n], v[:n], k)
		adamScalar(p[n:], g[n:len(p)], m[n:len(p)], v[n:len(p)], k)
	}, true
}
