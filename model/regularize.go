package model

// RegularisationOps are the layers of Goodfellow et al. 2014's
// discriminator beyond dense ones: maxout units (Goodfellow et al. 2013)
// and inverted dropout (Srivastava et al. 2014).
type RegularisationOps interface {
	// MaxoutForward takes the maximum over groups of pieces adjacent columns:
	//   y[r*units + u] = max_p x[r*units*pieces + u*pieces + p],  p in [0, pieces)
	// x is (rows, units*pieces), y is (rows, units).
	MaxoutForward(y, x Buf, rows, units, pieces int)
	// MaxoutBackward routes the gradient to the winning piece: with p* the
	// first p at which the maximum is attained,
	//   dx[r*units*pieces + u*pieces + p] = dy[r*units + u] if p == p* else 0
	// dx and x are (rows, units*pieces), dy is (rows, units).
	MaxoutBackward(dx, dy, x Buf, rows, units, pieces int)
	// Dropout is inverted dropout with a counter-based mask: with u_i the
	// Uniform01 draw that Noise(seed, stream, step read from sc) gives for
	// index i,
	//   dst[i] = src[i] / (1-rate) if u_i >= rate else 0
	// The same key gives the same mask, so the backward pass is the same
	// call on the gradient. dst and src are (n) and may be the same Buf;
	// 0 <= rate < 1.
	Dropout(dst, src Buf, rate float32, seed uint64, stream uint32, sc Buf)
}
