package model

// ElementwiseOps compute each element of their output from the elements of
// their inputs at the same index.
type ElementwiseOps interface {
	// Fill sets every element of x to v.
	Fill(x Buf, v float32)
	// Affine sets x[i] = a*x[i] + c.
	Affine(x Buf, a, c float32)
	// Accumulate adds src into dst: dst[i] += src[i]. dst and src are (n)
	// and must not overlap. It joins the two gradients of a layer whose
	// output feeds two paths (D's last hidden layer feeds the output layer
	// directly and through the minibatch features).
	Accumulate(dst, src Buf)
}
