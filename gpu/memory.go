//go:build cuda || cudaemu

package gpu

import (
	"errors"
	"fmt"
	"unsafe"

	"gan-train/model"
)

// Alloc returns n zeroed float32 values of device memory.
func (be *Backend) Alloc(n int) (model.Buf, error) {
	if n < 0 {
		return nil, fmt.Errorf("gpu: Alloc: negative length %d", n)
	}
	if err := be.usable("Alloc"); err != nil {
		return nil, err
	}
	a := &allocation{n: n}
	if n > 0 {
		var err error
		if a.ptr, err = be.drv.alloc(4 * int64(n)); err != nil {
			return nil, fmt.Errorf("gpu: allocating %d floats (%d bytes): %w", n, 4*int64(n), err)
		}
		if err := be.drv.memsetD32(a.ptr, 0, int64(n)); err != nil {
			return nil, errors.Join(fmt.Errorf("gpu: zeroing %d floats: %w", n, err), be.drv.free(a.ptr))
		}
	}
	be.live[a] = struct{}{}
	return &Buf{a: a, n: n, be: be}, nil
}

// View returns the n elements of b starting at off, sharing b's memory.
func (be *Backend) View(b model.Buf, off, n int) model.Buf {
	d := be.buf("View", "b", b)
	if off < 0 || n < 0 || off+n > d.n {
		panic(fmt.Sprintf("gpu: View(%d, %d) of a Buf of %d elements", off, n, d.n))
	}
	return &Buf{a: d.a, off: d.off + off, n: n, be: be}
}

// Free releases b, which must not be a view. Freeing a view or freeing
// twice records an error.
func (be *Backend) Free(b model.Buf) {
	d := be.buf("Free", "b", b)
	switch {
	case d.off != 0 || d.n != d.a.n:
		be.fail(errors.New("gpu: Free of a view"))
		return
	case d.a.freed:
		be.fail(errors.New("gpu: Free of a freed Buf"))
		return
	}
	if err := be.usable("Free"); err != nil {
		be.fail(err)
		return
	}
	d.a.freed = true
	delete(be.live, d.a)
	if d.a.n == 0 {
		return
	}
	// The device waits for work in flight that may use the memory.
	if err := be.drv.free(d.a.ptr); err != nil {
		be.fail(fmt.Errorf("gpu: freeing %d floats: %w", d.a.n, err))
	}
}

// Upload copies src to dst (len(src) == dst.Len()), ordered on the stream
// after the work already enqueued. It returns once src may be reused.
func (be *Backend) Upload(dst model.Buf, src []float32) error {
	d := be.buf("Upload", "dst", dst)
	if len(src) != d.n {
		return fmt.Errorf("gpu: Upload: %d values into a Buf of %d", len(src), d.n)
	}
	if err := be.usable("Upload"); err != nil {
		return err
	}
	if d.a.freed {
		return errors.New("gpu: Upload: Buf was freed")
	}
	if d.n == 0 {
		return nil
	}
	// Pageable host memory: the driver stages src before returning.
	if err := be.drv.upload(d.ptr(), unsafe.Pointer(&src[0]), 4*int64(d.n)); err != nil {
		return fmt.Errorf("gpu: Upload of %d floats: %w", d.n, err)
	}
	return nil
}

// UploadBytes copies src to dst packed four bytes per element,
// little-endian within the element's 32 bits, the tail zero:
//
//	bits(dst[i]) = src[4i] | src[4i+1]<<8 | src[4i+2]<<16 | src[4i+3]<<24
//
// dst is ((len(src)+3)/4). The whole words go as one host-to-device copy
// of the bytes, the last partial word (if any) as a second of four bytes,
// both ordered on the stream after the work already enqueued. It returns
// once src may be reused.
func (be *Backend) UploadBytes(dst model.Buf, src []uint8) error {
	d := be.buf("UploadBytes", "dst", dst)
	if n := (len(src) + 3) / 4; n != d.n {
		return fmt.Errorf("gpu: UploadBytes: %d bytes (%d elements) into a Buf of %d", len(src), n, d.n)
	}
	if err := be.usable("UploadBytes"); err != nil {
		return err
	}
	if d.a.freed {
		return errors.New("gpu: UploadBytes: Buf was freed")
	}
	whole := len(src) / 4
	if whole > 0 {
		if err := be.drv.upload(d.ptr(), unsafe.Pointer(&src[0]), 4*int64(whole)); err != nil {
			return fmt.Errorf("gpu: UploadBytes of %d bytes: %w", 4*whole, err)
		}
	}
	if tail := src[4*whole:]; len(tail) > 0 {
		var w [4]byte
		copy(w[:], tail)
		if err := be.drv.upload(d.ptr()+devPtr(4*whole), unsafe.Pointer(&w[0]), 4); err != nil {
			return fmt.Errorf("gpu: UploadBytes of the last %d bytes: %w", len(tail), err)
		}
	}
	return nil
}

// Download waits for the work enqueued so far and copies src to dst
// (len(dst) == src.Len()). It returns the first pending error, if any,
// without copying.
func (be *Backend) Download(dst []float32, src model.Buf) error {
	s := be.buf("Download", "src", src)
	if len(dst) != s.n {
		return fmt.Errorf("gpu: Download: Buf of %d values into %d", s.n, len(dst))
	}
	if err := be.usable("Download"); err != nil {
		return err
	}
	if s.a.freed {
		return errors.New("gpu: Download: Buf was freed")
	}
	if err := be.Sync(); err != nil {
		return fmt.Errorf("gpu: Download: %w", err)
	}
	if s.n == 0 {
		return nil
	}
	if err := be.drv.download(unsafe.Pointer(&dst[0]), s.ptr(), 4*int64(s.n)); err != nil {
		return fmt.Errorf("gpu: Download of %d floats: %w", s.n, err)
	}
	return nil
}

// Copy copies src to dst (same length):
//
//	for i := range dst: dst[i] = src[i]
func (be *Backend) Copy(dst, src model.Buf) {
	s := be.arg("Copy", "src", src, 0, false)
	d := be.arg("Copy", "dst", dst, src.Len(), true)
	if d == nil || s == nil || d.n == 0 {
		return
	}
	be.launchCopyF32(be.elems(d.n), block1D, d.ptr(), s.ptr(), d.n)
}

// SetCounter sets the counter c to v (kernels/rng.cu):
//
//	c[0] = math.Float32frombits(v)
func (be *Backend) SetCounter(c model.Buf, v uint32) {
	d := counterArg(be, "SetCounter", "c", c)
	if d == nil {
		return
	}
	be.launchCounterSet(dim3{1, 1, 1}, dim3{1, 1, 1}, d.ptr(), v)
}

// IncCounter adds one to the counter c (kernels/rng.cu):
//
//	c[0] = math.Float32frombits(math.Float32bits(c[0]) + 1)
func (be *Backend) IncCounter(c model.Buf) {
	d := counterArg(be, "IncCounter", "c", c)
	if d == nil {
		return
	}
	be.launchCounterInc(dim3{1, 1, 1}, dim3{1, 1, 1}, d.ptr())
}
