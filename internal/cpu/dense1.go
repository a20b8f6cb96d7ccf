package cpu

// The passes of a dense layer with one output column (out = 1, a
// discriminator's last layer).
//
// Forward, through gemm, y = x·w is a column of 16-column tiles with one
// useful column; fwd1 computes the same sums, from 0 in order p with one
// fused multiply-add per term (AVX2GEMM) or a separate multiply and add
// (TiledGEMM), eight or sixteen rows at a time:
//
//	y[r] = Σ_p x[r*in+p]*w[p]
//
// and DenseForward adds the bias (one float32 add) and applies the
// activation, as gemm does.
//
// Backward: Through gemm its products are a 16-column
// tile computing one useful column (dw = xᵀ·dz) and a product of depth 1
// (dx = dz·wᵀ), each a separate pass; back1 computes both in one pass over
// x per block of columns, with gemm's sums and so its bits:
//
//	dx[r*in+p] = 0 + dz[r]*w[p]               (a sum of one term from 0)
//	dw[p]      = Σ_r x[r*in+p]*dz[r]          (r in order, from 0)
//
// each multiply-add fused where the backend's micro-kernel fuses them
// (AVX2GEMM) and separate where it does not (TiledGEMM).

// fwd1Func computes y[r] as above for r < n from x (n rows of in floats)
// and w (in); scratch is space it may grow and reuse.
type fwd1Func func(n, in int, x, w, y []float32, scratch *[]float32)

// fwd1Portable is fwd1Func for the portable micro-kernel (kernel2x3).
func fwd1Portable(n, in int, x, w, y []float32, _ *[]float32) {
	w = w[:in]
	for r := range y[:n] {
		xr := x[r*in : r*in+in : r*in+in]
		s := float32(0)
		for p, v := range w {
			s += float32(xr[p] * v)
		}
		y[r] = s
	}
}

// back1Func computes dx[r*ldd+p] and dw[p] as above for r < n, p < cols
// from x[r*ldx+p], dz[r] and w[p].
type back1Func func(n, cols int, x []float32, ldx int, dz, w, dx []float32, ldd int, dw []float32)

// back1Portable is back1Func for the portable micro-kernel (kernel2x3): a
// separate multiply and add per term, each sum from 0 in order.
func back1Portable(n, cols int, x []float32, ldx int, dz, w, dx []float32, ldd int, dw []float32) {
	dz, w, dw = dz[:n], w[:cols], dw[:cols]
	clear(dw)
	for r, d := range dz {
		xr := x[r*ldx : r*ldx+cols : r*ldx+cols]
		dr := dx[r*ldd : r*ldd+cols : r*ldd+cols]
		for p, v := range w {
			s := float32(0)
			s += float32(d * v)
			dr[p] = s
			dw[p] += float32(xr[p] * d)
		}
	}
}

// back1Grain is the least number of elements of x a worker of back1 takes:
// below it a goroutine costs more than it saves.
const back1Grain = 1 << 16

// back1 runs the micro-kernel's one-column backward products for x and dx
// of n rows of in floats, split over the workers by blocks of 64 columns
// (each column computed by one worker, so the split leaves the bits alone).
func (be *Backend) back1(n, in int, x, dz, w, dx, dw []float32) {
	const blk = 64
	nb := (in + blk - 1) / blk
	be.parallel(nb, max(1, back1Grain/max(n*blk, 1)), 1, func(lo, hi int) {
		p0, p1 := lo*blk, min(hi*blk, in)
		be.kernel.back1(n, p1-p0, x[p0:], in, dz, w[p0:p1], dx[p0:], in, dw[p0:p1])
	})
}
