//go:build cuda || cudaemu

package gpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// GatherRows copies one batch of rows of src into dst (kernels/misc.cu):
//
//	rows = len(dst)/cols; t = counter bc
//	for r in 0..rows-1, c in 0..cols-1:
//	  dst[r*cols+c] = src[int(perm[t*rows+r])*cols+c]
//
// src is (N, cols), perm holds row numbers as float32, dst is (rows, cols).
// A batch past the end of perm or a row number out of range sets that row
// to NaN and makes Sync return an error.
func (be *Backend) GatherRows(dst, src, perm model.Buf, cols int, bc model.Buf) {
	const op = "GatherRows"
	d := be.arg(op, "dst", dst, 0, false)
	s := be.arg(op, "src", src, 0, false)
	p := be.arg(op, "perm", perm, 0, false)
	c := counterArg(be, op, "bc", bc)
	if cols <= 0 || dst.Len()%cols != 0 || src.Len()%cols != 0 {
		panic(fmt.Sprintf("gpu: %s: dst (%d) and src (%d) are not whole rows of %d columns", op, dst.Len(), src.Len(), cols))
	}
	if d == nil || s == nil || p == nil || c == nil || d.n == 0 {
		return
	}
	rows := d.n / cols
	be.launchGatherRows(be.elems(d.n), block1D, d.ptr(), s.ptr(), p.ptr(), rows, cols, s.n/cols, p.n, c.ptr(), be.flag)
}

// GatherBytes copies one batch of rows of packed bytes into dst through
// table (kernels/misc.cu, gather_bytes):
//
//	rows = len(dst)/cols; N = 4*len(src)/cols; t = counter bc
//	for r in 0..rows-1, c in 0..cols-1: i = int(perm[t*rows+r])*cols + c
//	  dst[r*cols+c] = table[(bits(src[i/4]) >> (8*(i%4))) & 0xff]
//
// src holds (N, cols) bytes four per element (UploadBytes), perm holds row
// numbers as float32, table is (256), dst is (rows, cols). A batch past the
// end of perm or a row number out of range sets that row to NaN and makes
// Sync return an error.
func (be *Backend) GatherBytes(dst, src, table, perm model.Buf, cols int, bc model.Buf) {
	const op = "GatherBytes"
	d := be.arg(op, "dst", dst, 0, false)
	s := be.arg(op, "src", src, 0, false)
	tb := be.arg(op, "table", table, 256, true)
	p := be.arg(op, "perm", perm, 0, false)
	c := counterArg(be, op, "bc", bc)
	if cols <= 0 || dst.Len()%cols != 0 {
		panic(fmt.Sprintf("gpu: %s: dst (%d) is not whole rows of %d columns", op, dst.Len(), cols))
	}
	if d == nil || s == nil || tb == nil || p == nil || c == nil || d.n == 0 {
		return
	}
	n := int(min(4*int64(s.n)/int64(cols), math.MaxInt32))
	be.launchGatherBytes(be.elems(d.n), block1D, d.ptr(), s.ptr(), tb.ptr(), p.ptr(), d.n/cols, cols, n, p.n, c.ptr(), be.flag)
}

// OneHot writes one-hot codes of labels into columns [col, col+classes) of
// each row of dst (kernels/variants.cu, one_hot):
//
//	for r in 0..rows-1, c in 0..classes-1:
//	  dst[r*width+col+c] = 1 if c == labels[r] else 0
//
// dst is (rows, width), labels is (rows). A label that is not an integer
// in [0, classes) sets its row's code to NaN and makes Sync return an error.
func (be *Backend) OneHot(dst, labels model.Buf, rows, width, col, classes int) {
	const op = "OneHot"
	if rows < 0 || classes <= 0 || col < 0 || col+classes > width {
		panic(fmt.Sprintf("gpu: %s: columns [%d, %d) do not fit rows of width %d", op, col, col+classes, width))
	}
	d := be.arg(op, "dst", dst, rows*width, false)
	l := be.arg(op, "labels", labels, rows, false)
	if d == nil || l == nil || rows == 0 {
		return
	}
	be.launchOneHot(be.elems(rows*classes), block1D, d.ptr(), l.ptr(), rows, width, col, classes, be.flag)
}

// CopyCols copies n columns of each row (kernels/variants.cu, copy_cols):
//
//	for r in 0..rows-1, c in 0..n-1:
//	  dst[r*dstWidth+dstCol+c] = src[r*srcWidth+srcCol+c]
//
// dst is (rows, dstWidth), src is (rows, srcWidth); they must not overlap.
func (be *Backend) CopyCols(dst, src model.Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int) {
	const op = "CopyCols"
	if rows < 0 || n < 0 || dstCol < 0 || srcCol < 0 || dstCol+n > dstWidth || srcCol+n > srcWidth {
		panic(fmt.Sprintf("gpu: %s: %d columns at %d of rows of %d, from %d of rows of %d: out of range",
			op, n, dstCol, dstWidth, srcCol, srcWidth))
	}
	d := be.arg(op, "dst", dst, rows*dstWidth, false)
	s := be.arg(op, "src", src, rows*srcWidth, false)
	if d == nil || s == nil || rows*n == 0 {
		return
	}
	be.launchCopyCols(be.elems(rows*n), block1D, d.ptr(), s.ptr(), rows, dstWidth, dstCol, srcWidth, srcCol, n)
}
