package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"gan-train/model"
)

// Alloc returns a zeroed Buf of n elements; its memory is made when an
// operation first uses it (Buf.pending).
func (be *Backend) Alloc(n int) (model.Buf, error) {
	if n < 0 {
		return nil, fmt.Errorf("cpu: allocating %d floats: negative size", n)
	}
	return &Buf{pending: n}, nil
}

// View returns b[off:off+n], sharing memory with b.
func (be *Backend) View(b model.Buf, off, n int) model.Buf {
	s := f32(b)
	if off < 0 || n < 0 || off+n > len(s) {
		panic(fmt.Sprintf("cpu: View(off=%d, n=%d) of a Buf of %d elements", off, n, len(s)))
	}
	return &Buf{s: s[off : off+n : off+n], view: true}
}

// Free releases b. Views of b must not be used afterwards either.
func (be *Backend) Free(b model.Buf) {
	cb, ok := b.(*Buf)
	if !ok || cb == nil {
		return
	}
	if cb.view {
		panic("cpu: Free of a view")
	}
	cb.s, cb.pending, cb.freed = nil, 0, true
}

// Upload copies src to dst.
func (be *Backend) Upload(dst model.Buf, src []float32) error {
	d := f32(dst)
	if len(src) != len(d) {
		return fmt.Errorf("cpu: upload of %d values into a Buf of %d", len(src), len(d))
	}
	copy(d, src)
	return nil
}

// UploadBytes packs src into dst four bytes per element, little-endian:
//
//	bits(dst[i]) = src[4i] | src[4i+1]<<8 | src[4i+2]<<16 | src[4i+3]<<24
//
// dst is ((len(src)+3)/4), the bytes past len(src) zero. When dst is not a
// view, len(src) is a multiple of 4, src is 4-byte aligned and the host is
// little-endian, dst keeps src's memory instead of a copy (model.MemoryOps:
// src must not change while dst lives).
func (be *Backend) UploadBytes(dst model.Buf, src []uint8) error {
	cb := live(dst)
	if n := (len(src) + 3) / 4; n != cb.Len() {
		return fmt.Errorf("cpu: UploadBytes: %d bytes (%d elements) into a Buf of %d", len(src), n, cb.Len())
	}
	if len(src) == 0 {
		return nil
	}
	if !cb.view && len(src)%4 == 0 && uintptr(unsafe.Pointer(&src[0]))%4 == 0 && binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		cb.s, cb.pending = unsafe.Slice((*float32)(unsafe.Pointer(&src[0])), len(src)/4), 0
		return nil
	}
	d := f32(dst)
	whole := len(src) / 4
	for i := range whole {
		d[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
	if tail := src[4*whole:]; len(tail) > 0 {
		var w [4]byte
		copy(w[:], tail)
		d[whole] = math.Float32frombits(binary.LittleEndian.Uint32(w[:]))
	}
	return nil
}

// Download copies src to dst.
func (be *Backend) Download(dst []float32, src model.Buf) error {
	s := f32(src)
	if len(dst) != len(s) {
		return fmt.Errorf("cpu: download of a Buf of %d values into %d", len(s), len(dst))
	}
	copy(dst, s)
	return nil
}

// Copy copies src to dst: dst[i] = src[i].
func (be *Backend) Copy(dst, src model.Buf) {
	d, s := f32(dst), f32(src)
	need("Copy", "src", s, len(d))
	copy(d, s)
}

// counter reads the uint32 held by the 1-element counter Buf c.
func counter(op string, c model.Buf) uint32 {
	s := f32(c)
	if len(s) != 1 {
		panic(fmt.Sprintf("cpu: %s: counter Buf has %d elements, want 1", op, len(s)))
	}
	return math.Float32bits(s[0])
}

// SetCounter stores the bits of v in the counter c.
func (be *Backend) SetCounter(c model.Buf, v uint32) {
	counter("SetCounter", c)
	f32(c)[0] = math.Float32frombits(v)
}

// IncCounter adds one to the counter c (wrapping at 2^32).
func (be *Backend) IncCounter(c model.Buf) {
	v := counter("IncCounter", c)
	f32(c)[0] = math.Float32frombits(v + 1)
}
