package cpu

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"gan-train/model"
)

// microKernel computes one register tile of a product: out[r*nr+c] =
// Σ_p a[p*mr+r] * b[p*nr+c] for packed panels a (k*mr) and b (k*nr), each
// element summed in order p = 0..k-1 from 0. out holds mr*nr floats.
type microKernel struct {
	mr, nr int
	run    func(k int, a, b, out []float32)
	// tile, where not nil, computes the same sums as run but reads A in
	// place, element (r, p) at a[r*rs+p*cs], and writes the tile to
	// c[r*ldc+j], adding bias[j] when bias is not nil (gemmDirect). With
	// load, each sum continues from the value in c instead of 0 (the same
	// float32 accumulation, split over blocks of p).
	tile func(k int, a []float32, rs, cs int, b, c []float32, ldc int, bias []float32, load bool)
	// pack16, where not nil, is packB for a full panel of nr = 16 columns
	// (the same floats, faster).
	pack16 func(dst []float32, b operand, j0, k int)
	// back1 is the backward pass's pair of products for a layer with one
	// output column, with this kernel's sums (dense1.go).
	back1 back1Func
	// fwd1 is the forward product for a layer with one output column,
	// with this kernel's sums (dense1.go).
	fwd1 fwd1Func
}

// portableKernel is the pure-Go micro-kernel. Its tile is 2 rows of A by 3
// columns of B: measured on amd64 (Go 1.26, GOAMD64=v1), 2x3 keeps its six
// accumulators and five operands in registers and runs fastest; 4x4 and
// wider tiles spill.
func portableKernel() microKernel {
	return microKernel{mr: 2, nr: 3, run: kernel2x3, back1: back1Portable, fwd1: fwd1Portable}
}

// l2Floats is roughly how many float32 of packed A a worker keeps hot while
// it sweeps the panels of B (a quarter of a 1 MiB L2).
const l2Floats = 64 << 10

// operand is a row-major matrix seen as A or B of a product:
// element (i, j) is s[i*ld+j], or s[j*ld+i] when t (transposed).
type operand struct {
	s  []float32
	ld int
	t  bool
}

// packA writes rows [i0, i0+mr) of the (m, k) matrix a into dst (k*mr)
// interleaved by k: dst[p*mr+r] = a(i0+r, p), and 0 for rows past m.
func packA(dst []float32, a operand, i0, m, k, mr int) {
	for r := 0; r < mr; r++ {
		i := i0 + r
		if i >= m {
			for p := 0; p < k; p++ {
				dst[p*mr+r] = 0
			}
			continue
		}
		if !a.t {
			row := a.s[i*a.ld : i*a.ld+k]
			for p, v := range row {
				dst[p*mr+r] = v
			}
			continue
		}
		for p := 0; p < k; p++ {
			dst[p*mr+r] = a.s[p*a.ld+i]
		}
	}
}

// packB writes columns [j0, j0+nr) of the (k, n) matrix b into dst (k*nr)
// interleaved by k: dst[p*nr+c] = b(p, j0+c), and 0 for columns past n.
func packB(dst []float32, b operand, j0, n, k, nr int) {
	w := min(nr, n-j0) // columns inside b
	if !b.t {
		for p := 0; p < k; p++ {
			d := dst[p*nr : p*nr+nr : p*nr+nr]
			copy(d, b.s[p*b.ld+j0:p*b.ld+j0+w])
			clear(d[w:])
		}
		return
	}
	// Transposed: column j0+c of b is row j0+c of b.s, read in order
	// (reading each p across the nr rows instead would stride by b.ld).
	if k == 0 {
		return
	}
	dst = dst[:k*nr]
	for c := 0; c < w; c++ {
		row := b.s[(j0+c)*b.ld : (j0+c)*b.ld+k]
		d := dst[c:]
		for p, v := range row {
			d[p*nr] = v
		}
	}
	if w < nr {
		for p := 0; p < k; p++ {
			clear(dst[p*nr+w : p*nr+nr])
		}
	}
}

// kernel2x3 is the portable micro-kernel (see microKernel) for mr = 2 and
// nr = 3, summing in float32 with a separate multiply and add per term
// (the conversions round each product, so that no compiler fuses them).
func kernel2x3(k int, a, b, out []float32) {
	const mr, nr = 2, 3
	var c00, c01, c02, c10, c11, c12 float32
	a = a[:mr*k]
	b = b[:nr*k]
	for p := 0; p < k; p++ {
		aa := a[mr*p : mr*p+mr : mr*p+mr]
		bb := b[nr*p : nr*p+nr : nr*p+nr]
		a0, a1 := aa[0], aa[1]
		b0, b1, b2 := bb[0], bb[1], bb[2]
		c00 += float32(a0 * b0)
		c01 += float32(a0 * b1)
		c02 += float32(a0 * b2)
		c10 += float32(a1 * b0)
		c11 += float32(a1 * b1)
		c12 += float32(a1 * b2)
	}
	out = out[:mr*nr]
	out[0], out[1], out[2], out[3], out[4], out[5] = c00, c01, c02, c10, c11, c12
}

// grow returns a slice of n floats, reusing *buf when it is big enough.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// gemm computes, for the (m, k) matrix a and the (k, n) matrix b,
//
//	c[i*ldc+j] = act(Σ_p a(i,p)*b(p,j) + bias[j])
//
// with the sum taken in order p = 0..k-1 in float32 starting from 0, and the
// bias term left out when bias is nil. Each output element is computed by
// one goroutine from the full sum, so the result does not depend on the
// worker count.
func (be *Backend) gemm(c []float32, ldc, m, n, k int, a, b operand, bias []float32, act model.Activation) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 { // an empty sum (a batch of no rows): C = act(0 + bias), or act(0)
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			clear(row)
			if bias != nil {
				for j, v := range bias[:n] {
					row[j] += v // 0 + b, as the products add the bias (+0 for b = -0)
				}
			}
			be.act.fwd(act, row)
		}
		return
	}
	if be.gemmImpl == GonumGEMM {
		be.gonumGEMM(c, ldc, m, n, k, a, b, bias, act)
		return
	}
	if be.kernel.tile != nil {
		be.gemmDirect(c, ldc, m, n, k, a, b, bias, act)
		return
	}
	mr, nr := be.kernel.mr, be.kernel.nr
	mp, np := (m+mr-1)/mr, (n+nr-1)/nr
	pa := grow(&be.packA, mp*mr*k)
	pb := grow(&be.packB, np*nr*k)
	panelGrain := max(1, 4096/max(k, 1))
	be.parallel(mp, panelGrain, 1, func(lo, hi int) {
		for ip := lo; ip < hi; ip++ {
			packA(pa[ip*mr*k:(ip+1)*mr*k], a, ip*mr, m, k, mr)
		}
	})
	be.parallel(np, panelGrain, 1, func(lo, hi int) {
		for jp := lo; jp < hi; jp++ {
			packB(pb[jp*nr*k:(jp+1)*nr*k], b, jp*nr, n, k, nr)
		}
	})
	// Split the bigger panel dimension among the workers, each getting at
	// least about 32k multiply-adds.
	flopsPerTile := mr * nr * max(k, 1)
	if mp >= np {
		be.parallel(mp, max(1, 32768/(np*flopsPerTile)), 1, func(lo, hi int) {
			be.tiles(c, ldc, m, n, k, pa, pb, lo, hi, 0, np, bias, act)
		})
	} else {
		be.parallel(np, max(1, 32768/(mp*flopsPerTile)), 1, func(lo, hi int) {
			be.tiles(c, ldc, m, n, k, pa, pb, 0, mp, lo, hi, bias, act)
		})
	}
}

// tiles computes the output tiles of row panels [ip0, ip1) and column
// panels [jp0, jp1): blocks of row panels sized to stay in L2, and within a
// block every column panel (which stays in L1) against each row panel.
func (be *Backend) tiles(c []float32, ldc, m, n, k int, pa, pb []float32, ip0, ip1, jp0, jp1 int, bias []float32, act model.Activation) {
	mr, nr := be.kernel.mr, be.kernel.nr
	block := max(1, l2Floats/max(mr*k, 1))
	acc := make([]float32, mr*nr)
	for ib := ip0; ib < ip1; ib += block {
		ie := min(ib+block, ip1)
		for jp := jp0; jp < jp1; jp++ {
			bp := pb[jp*nr*k : (jp+1)*nr*k]
			j0 := jp * nr
			nc := min(nr, n-j0)
			for ip := ib; ip < ie; ip++ {
				be.kernel.run(k, pa[ip*mr*k:(ip+1)*mr*k], bp, acc)
				i0 := ip * mr
				for r := 0; r < min(mr, m-i0); r++ {
					row := c[(i0+r)*ldc+j0 : (i0+r)*ldc+j0+nc]
					be.epilogue(row, acc[r*nr:r*nr+nc], bias, j0, act)
				}
			}
		}
	}
}

// gonumGEMM is gemm through gonum's Sgemm, then bias and activation row by
// row.
func (be *Backend) gonumGEMM(c []float32, ldc, m, n, k int, a, b operand, bias []float32, act model.Activation) {
	tr := func(o operand) blas.Transpose {
		if o.t {
			return blas.Trans
		}
		return blas.NoTrans
	}
	lda, ldb := max(a.ld, 1), max(b.ld, 1)
	gonum.Implementation{}.Sgemm(tr(a), tr(b), m, n, k, 1, a.s, lda, b.s, ldb, 0, c, ldc)
	if bias == nil && act == model.Identity {
		return
	}
	be.parallel(m, max(1, elementGrain/n), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := c[i*ldc : i*ldc+n]
			be.epilogue(row, row, bias, 0, act)
		}
	})
}

// epilogue writes dst[q] = act(src[q] + bias[j0+q]) (no bias term when bias
// is nil), with the branch on the activation taken once per row rather than
// once per element. dst and src may be the same slice.
func (be *Backend) epilogue(dst, src, bias []float32, j0 int, act model.Activation) {
	src = src[:len(dst)]
	if bias != nil {
		b := bias[j0 : j0+len(dst)]
		for q, v := range src {
			dst[q] = v + b[q]
		}
	} else {
		copy(dst, src)
	}
	be.act.fwd(act, dst)
}
