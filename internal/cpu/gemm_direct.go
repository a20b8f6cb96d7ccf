package cpu

import "gan-train/model"

// gemmDirect is gemm for a micro-kernel with a tile function (the AVX2
// kernel): the same sums as the packed path, bit for bit, with less
// copying. A is read where it lies (row-major or transposed, through the
// tile's row and column strides), except the last row panel when m is not a
// multiple of mr, which is packed with zero rows; B is packed into panels of
// nr columns as before. Full tiles are written straight into C with the
// bias added; edge tiles go through a small buffer. The activation then
// runs over each block of finished rows while it is still in cache, with
// the vectorised loops (be.act).
func (be *Backend) gemmDirect(c []float32, ldc, m, n, k int, a, b operand, bias []float32, act model.Activation) {
	mr, nr := be.kernel.mr, be.kernel.nr
	mp, np := (m+mr-1)/mr, (n+nr-1)/nr
	pb := grow(&be.packB, np*nr*k)
	panelGrain := max(1, 4096/max(k, 1))
	be.parallel(np, panelGrain, 1, func(lo, hi int) {
		for jp := lo; jp < hi; jp++ {
			be.packPanel(pb[jp*nr*k:(jp+1)*nr*k], b, jp*nr, n, k)
		}
	})
	// The row panel past the last full one, packed with zero rows.
	var edgeA []float32
	if m%mr != 0 {
		edgeA = grow(&be.packA, mr*k)
		packA(edgeA, a, (mp-1)*mr, m, k, mr)
	}
	flopsPerTile := mr * nr * max(k, 1)
	if mp >= np {
		be.parallel(mp, max(1, 32768/(np*flopsPerTile)), 1, func(lo, hi int) {
			be.directTiles(c, ldc, m, n, k, a, edgeA, pb, lo, hi, 0, np, bias, act)
		})
	} else {
		be.parallel(np, max(1, 32768/(mp*flopsPerTile)), 1, func(lo, hi int) {
			be.directTiles(c, ldc, m, n, k, a, edgeA, pb, 0, mp, lo, hi, bias, act)
		})
	}
}

// packPanel is packB for the backend's micro-kernel: its assembly loop
// for full panels of 16 columns where it has one.
func (be *Backend) packPanel(dst []float32, b operand, j0, n, k int) {
	nr := be.kernel.nr
	if be.kernel.pack16 != nil && nr == 16 && j0+nr <= n {
		be.kernel.pack16(dst, b, j0, k)
		return
	}
	packB(dst, b, j0, n, k, nr)
}

// kcBlock is the depth of the blocks of p that gemmDirect splits the sums
// into: a B panel of kcBlock x 16 floats (16 KiB) stays in L1 while the
// row panels of A stream past it, and the A rows of a block stay in L2
// while B streams. Splitting continues each float32 sum from C, in the same
// order, so the bits do not change.
const kcBlock = 256

// directTiles computes the tiles of row panels [ip0, ip1) and column panels
// [jp0, jp1) as tiles does (blocks of row panels sized for L2, each column
// panel swept over the block), in blocks of kcBlock terms of each sum, then
// applies the activation to the block.
func (be *Backend) directTiles(c []float32, ldc, m, n, k int, a operand, edgeA, pb []float32, ip0, ip1, jp0, jp1 int, bias []float32, act model.Activation) {
	mr, nr := be.kernel.mr, be.kernel.nr
	rs, cs := a.ld, 1
	if a.t {
		rs, cs = 1, a.ld
	}
	var acc [96]float32 // one edge tile (mr*nr <= 96)
	kc := max(1, min(k, kcBlock))
	block := max(1, l2Floats/(mr*kc))
	j0, j1 := jp0*nr, min(jp1*nr, n)
	for ib := ip0; ib < ip1; ib += block {
		ie := min(ib+block, ip1)
		for pc := 0; ; pc += kc {
			kl := min(kc, k-pc)
			load, last := pc > 0, pc+kl >= k
			for jp := jp0; jp < jp1; jp++ {
				bp := pb[(jp*k+pc)*nr : (jp*k+pc+kl)*nr]
				jt := jp * nr
				nc := min(nr, n-jt)
				var bt, be2 []float32 // the bias of a full tile, of an edge tile
				if bias != nil && last {
					be2 = bias[jt : jt+nc]
					if nc == nr {
						bt = be2
					}
				}
				for ip := ib; ip < ie; ip++ {
					i0 := ip * mr
					full := i0+mr <= m
					var ap []float32
					prs, pcs := rs, cs
					if full {
						ap = a.s[i0*rs+pc*cs:]
					} else {
						ap, prs, pcs = edgeA[pc*mr:], 1, mr
					}
					if full && nc == nr {
						be.kernel.tile(kl, ap, prs, pcs, bp, c[i0*ldc+jt:], ldc, bt, load)
						continue
					}
					rows := min(mr, m-i0)
					if load {
						for r := 0; r < rows; r++ {
							copy(acc[r*nr:r*nr+nc], c[(i0+r)*ldc+jt:(i0+r)*ldc+jt+nc])
						}
					}
					be.kernel.tile(kl, ap, prs, pcs, bp, acc[:], nr, nil, load)
					for r := 0; r < rows; r++ {
						row := c[(i0+r)*ldc+jt : (i0+r)*ldc+jt+nc]
						src := acc[r*nr : r*nr+nc]
						if be2 != nil {
							for q, v := range src {
								row[q] = v + be2[q]
							}
						} else {
							copy(row, src)
						}
					}
				}
			}
			if last {
				break
			}
		}
		if act == model.Identity {
			continue
		}
		r0, r1 := ib*mr, min(ie*mr, m)
		if j0 == 0 && j1 == n && ldc == n {
			be.act.fwd(act, c[r0*ldc:r1*ldc])
			continue
		}
		for i := r0; i < r1; i++ {
			be.act.fwd(act, c[i*ldc+j0:i*ldc+j1])
		}
	}
}
