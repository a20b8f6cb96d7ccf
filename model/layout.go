package model

// LayoutOps move values between positions without computing new ones:
// batches gathered from a dataset, class labels written as one-hot codes,
// and blocks of columns copied between arrays, which is how a network's
// input joins noise or images with labels (Mirza and Osindero 2014) and
// how a layer's output joins features computed from it.
type LayoutOps interface {
	// GatherRows copies one batch of rows of src into dst, following a
	// permutation and the batch counter bc (the batch's number in the epoch):
	//   rows = dst.Len()/cols;  dst[r] = src[perm[bc*rows + r]]
	// src is (N, cols), perm holds row numbers of src as float32, dst is (rows, cols).
	GatherRows(dst, src, perm Buf, cols int, bc Buf)
	// GatherBytes is GatherRows over rows of bytes (see UploadBytes), each
	// byte turned into a value through table:
	//   rows = dst.Len()/cols;  N = 4*src.Len()/cols
	//   k = perm[bc*rows + r];  byte(i) = (bits(src[i/4]) >> (8*(i%4))) & 0xff
	//   dst[r*cols + c] = table[byte(k*cols + c)],  r in [0, rows), c in [0, cols)
	// src holds (N, cols) bytes packed four per element, perm holds row
	// numbers of src as float32, table is (256), dst is (rows, cols). N is
	// the number of rows packed when cols >= 4 (for smaller cols the zero
	// bytes of the last element's tail may form rows of their own). As in
	// GatherRows, a batch past the end of perm or a row number that is not
	// an integer in [0, N) records an error (see Sync); what dst then holds
	// differs between backends (the cpu leaves it unchanged from that row
	// on, the gpu sets the row to NaN).
	GatherBytes(dst, src, table, perm Buf, cols int, bc Buf)
	// OneHot writes one-hot codes of class labels (stored as float32) into
	// classes columns of dst starting at column col, leaving the other
	// columns alone:
	//   dst[r*width + col + c] = 1 if c == labels[r] else 0,  c in [0, classes)
	// dst is (rows, width), labels is (rows). A label that is not an integer
	// in [0, classes) records an error (see Sync); what dst then holds
	// differs between backends (the cpu leaves it unchanged, the gpu sets
	// that row's code to NaN).
	OneHot(dst, labels Buf, rows, width, col, classes int)
	// CopyCols copies n columns of every row of src into dst:
	//   dst[r*dstWidth + dstCol + c] = src[r*srcWidth + srcCol + c],  c in [0, n)
	// dst is (rows, dstWidth), src is (rows, srcWidth); the other columns
	// of dst are left alone. dst and src must not overlap.
	CopyCols(dst, src Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int)
}
