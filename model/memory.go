package model

// MemoryOps allocates, views, moves and frees backend memory, and sets the
// counters that captured sequences read (see Backend).
type MemoryOps interface {
	// Alloc returns a zeroed Buf of n elements.
	Alloc(n int) (Buf, error)
	// View returns the n elements of b starting at off, sharing memory with b.
	View(b Buf, off, n int) Buf
	// Free releases b (not a view). Using b afterwards is an error.
	Free(b Buf)
	// Upload copies src (len == dst.Len()) to dst.
	Upload(dst Buf, src []float32) error
	// UploadBytes packs src into dst four bytes per element, little-endian
	// within the element's 32 bits, the tail of the last element zero:
	//   bits(dst[i]) = src[4i] | src[4i+1]<<8 | src[4i+2]<<16 | src[4i+3]<<24
	// dst is ((len(src)+3)/4); GatherBytes reads it. A backend whose memory
	// is host memory may keep src instead of copying it (the cpu backend
	// does, when dst is not a view, len(src)%4 == 0 and src is 4-byte
	// aligned): the caller must then not modify src while dst lives, ops
	// that write dst write src, and views of dst taken before the call do
	// not see the bytes.
	UploadBytes(dst Buf, src []uint8) error
	// Download waits for pending work and copies src to dst (len == src.Len()).
	Download(dst []float32, src Buf) error
	// Copy copies src to dst (same length).
	Copy(dst, src Buf)
	// SetCounter sets the counter c to v; IncCounter adds one to it.
	SetCounter(c Buf, v uint32)
	IncCounter(c Buf)
}
