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
	// Download waits for pending work and copies src to dst (len == src.Len()).
	Download(dst []float32, src Buf) error
	// Copy copies src to dst (same length).
	Copy(dst, src Buf)
	// SetCounter sets the counter c to v; IncCounter adds one to it.
	SetCounter(c Buf, v uint32)
	IncCounter(c Buf)
}
