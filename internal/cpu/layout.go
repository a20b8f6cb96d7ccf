package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// GatherRows copies one batch of rows of src into dst:
//
//	rows = len(dst)/cols; t = counter bc
//	for r in 0..rows-1: dst[r*cols:(r+1)*cols] = src[k*cols:(k+1)*cols], k = perm[t*rows+r]
//
// src is (N, cols), perm holds row numbers as float32, dst is (rows, cols).
// A batch past the end of perm, or a row number that is not an integer in
// [0, N), records an error (see Sync) and leaves dst unchanged from there on.
func (be *Backend) GatherRows(dst, src, perm model.Buf, cols int, bc model.Buf) {
	d, s := f32(dst), f32(src)
	if cols <= 0 || len(d)%cols != 0 || len(s)%cols != 0 {
		panic(fmt.Sprintf("cpu: GatherRows: dst (%d) and src (%d) are not whole rows of %d columns", len(d), len(s), cols))
	}
	err := eachBatchRow("GatherRows", f32(perm), bc, len(d)/cols, len(s)/cols, func(r, k int) {
		copy(d[r*cols:(r+1)*cols], s[k*cols:(k+1)*cols])
	})
	if err != nil {
		be.fail(err)
	}
}

// touchRows reads one float in each 64-byte line of the source rows of a
// batch (rows of cols elements of elemBytes bytes each, stored in src four
// bytes per float32), in one pass before the gather. The rows lie at random
// in a dataset larger than the caches (MNIST's 47 MB): inside the gather's
// long loop body the processor has few of their cache misses in flight at
// a time, while this short loop of independent reads has many. It stops at
// the first row number that eachBatchRow would refuse.
func (be *Backend) touchRows(op string, src, perm []float32, bc model.Buf, rows, cols, elemBytes int) {
	t := int(counter(op, bc))
	if (t+1)*rows > len(perm) {
		return
	}
	n := len(src) * 4 / (cols * elemBytes) // rows in src
	var x uint32
	for _, f := range perm[t*rows : (t+1)*rows] {
		k := int(f)
		if float32(k) != f || k < 0 || k >= n {
			break
		}
		lo, hi := k*cols*elemBytes/4, min(((k+1)*cols*elemBytes+3)/4, len(src))
		for j := lo; j < hi; j += 16 {
			x ^= math.Float32bits(src[j])
		}
		if hi > lo {
			x ^= math.Float32bits(src[hi-1]) // the last line
		}
	}
	be.touched = x
}

// eachBatchRow calls gather(r, k) for r in [0, rows) in order, k the row
// number perm[t*rows+r] of batch t (the counter bc), stopping with an error
// at a batch past the end of perm or a row number that is not an integer
// in [0, n).
func eachBatchRow(op string, perm []float32, bc model.Buf, rows, n int, gather func(r, k int)) error {
	t := int(counter(op, bc))
	if (t+1)*rows > len(perm) {
		return fmt.Errorf("cpu: %s: batch %d of %d rows runs past the %d entries of perm", op, t, rows, len(perm))
	}
	for r := 0; r < rows; r++ {
		f := perm[t*rows+r]
		k := int(f)
		if float32(k) != f || k < 0 || k >= n {
			return fmt.Errorf("cpu: %s: perm[%d] = %v is not a row number in [0, %d)", op, t*rows+r, f, n)
		}
		gather(r, k)
	}
	return nil
}

// GatherBytes copies one batch of rows of packed bytes into dst, through
// table:
//
//	rows = len(dst)/cols; N = 4*len(src)/cols; t = counter bc
//	for r in 0..rows-1: k = perm[t*rows+r]
//	  for c in 0..cols-1: i = k*cols+c
//	    dst[r*cols+c] = table[(bits(src[i/4]) >> (8*(i%4))) & 0xff]
//
// src holds (N, cols) bytes four per element (UploadBytes), perm holds row
// numbers as float32, table is (256), dst is (rows, cols). A batch past the
// end of perm, or a row number that is not an integer in [0, N), records an
// error (see Sync) and leaves dst unchanged from there on.
func (be *Backend) GatherBytes(dst, src, table, perm model.Buf, cols int, bc model.Buf) {
	d, s, tab, p := f32(dst), f32(src), f32(table), f32(perm)
	if cols <= 0 || len(d)%cols != 0 {
		panic(fmt.Sprintf("cpu: GatherBytes: dst (%d) is not whole rows of %d columns", len(d), cols))
	}
	if len(tab) != 256 {
		panic(fmt.Sprintf("cpu: GatherBytes: table has %d entries, want 256", len(tab)))
	}
	tb := (*[256]float32)(tab) // indexed by a byte: no bounds checks
	be.touchRows("GatherBytes", s, p, bc, len(d)/cols, cols, 1)
	err := eachBatchRow("GatherBytes", p, bc, len(d)/cols, 4*len(s)/cols, func(r, k int) {
		row := d[r*cols : (r+1)*cols]
		i0 := k * cols
		// Byte by byte up to a word boundary, then a word (four bytes) at
		// a time, then the bytes left.
		c := 0
		for ; c < cols && (i0+c)&3 != 0; c++ {
			i := i0 + c
			row[c] = tb[uint8(math.Float32bits(s[i>>2])>>(8*(i&3)))]
		}
		words := s[(i0+c)>>2 : (i0+c)>>2+(cols-c)>>2]
		out := row[c : c+4*len(words)]
		for j, v := range words {
			x := math.Float32bits(v)
			o := out[4*j : 4*j+4 : 4*j+4]
			o[0], o[1], o[2], o[3] = tb[uint8(x)], tb[uint8(x>>8)], tb[uint8(x>>16)], tb[uint8(x>>24)]
		}
		for c += 4 * len(words); c < cols; c++ {
			i := i0 + c
			row[c] = tb[uint8(math.Float32bits(s[i>>2])>>(8*(i&3)))]
		}
	})
	if err != nil {
		be.fail(err)
	}
}

// OneHot writes one-hot codes of labels into columns [col, col+classes)
// of each row of dst:
//
//	for r: for c in 0..classes-1: dst[r*width+col+c] = 1 if c == labels[r] else 0
//
// dst is (rows, width), labels is (rows). A label that is not an integer
// in [0, classes) records an error (see Sync) and leaves dst unchanged.
func (be *Backend) OneHot(dst, labels model.Buf, rows, width, col, classes int) {
	d, lab := f32(dst), f32(labels)
	if rows < 0 || classes <= 0 || col < 0 || col+classes > width {
		panic(fmt.Sprintf("cpu: OneHot: columns [%d, %d) do not fit rows of width %d", col, col+classes, width))
	}
	d = atLeast("OneHot", "dst", d, rows*width)
	lab = atLeast("OneHot", "labels", lab, rows)
	for r, f := range lab {
		if k := int(f); float32(k) != f || k < 0 || k >= classes {
			be.fail(fmt.Errorf("cpu: OneHot: label %v of row %d is not a class in [0, %d)", f, r, classes))
			return
		}
	}
	for r, f := range lab {
		row := d[r*width+col : r*width+col+classes]
		for c := range row {
			row[c] = 0
		}
		row[int(f)] = 1
	}
}

// CopyCols copies n columns of each row:
//
//	for r: dst[r*dstWidth+dstCol : +n] = src[r*srcWidth+srcCol : +n]
//
// dst is (rows, dstWidth), src is (rows, srcWidth).
func (be *Backend) CopyCols(dst, src model.Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int) {
	d, s := f32(dst), f32(src)
	if rows < 0 || n < 0 || dstCol < 0 || srcCol < 0 || dstCol+n > dstWidth || srcCol+n > srcWidth {
		panic(fmt.Sprintf("cpu: CopyCols: %d columns at %d of rows of %d, from %d of rows of %d: out of range",
			n, dstCol, dstWidth, srcCol, srcWidth))
	}
	d = atLeast("CopyCols", "dst", d, rows*dstWidth)
	s = atLeast("CopyCols", "src", s, rows*srcWidth)
	for r := 0; r < rows; r++ {
		copy(d[r*dstWidth+dstCol:r*dstWidth+dstCol+n], s[r*srcWidth+srcCol:r*srcWidth+srcCol+n])
	}
}
