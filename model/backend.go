package model

// Buf is an array of float32 values owned by one Backend. Only the backend
// that allocated it (or made it as a view) may read or write it. On the CPU a
// Buf is a Go slice; on the GPU it is device memory.
type Buf interface {
	// Len is the number of float32 elements.
	Len() int
}

// Backend is everything a compute backend does for gan-train, composed
// from groups of operations by what they do, as gonum's blas.Float32 is
// composed from the BLAS levels. The CPU backend (package cpu) is the
// readable reference; the CUDA backend (package gpu) computes the same
// functions on the device. Every backend implements every group, so no
// caller checks for an operation; package model/backendtest checks them
// all. Only graph capture (Capturer) is optional.
//
// All arrays are row-major. Operations are asynchronous on backends that can
// be: they report no error themselves; the first failure is kept and returned
// by Sync. Shapes are the caller's responsibility (package model checks them
// once, when a network is built); a backend may panic on a shape mismatch,
// which is a programming error, never bad user input.
//
// Counters (the Adam step, the noise step, the batch number) live in
// backend memory as a 1-element Buf holding the bits of a uint32, so that a
// captured sequence of operations (a CUDA graph) stays valid from one step
// to the next.
type Backend interface {
	// Name is "cpu" or "cuda".
	Name() string
	// Sync waits for pending work and returns the first error since the last Sync.
	Sync() error
	// Close releases everything the backend holds.
	Close() error

	MemoryOps         // memory.go: buffers, copies, counters
	ElementwiseOps    // elementwise.go: fill, affine, accumulate
	DenseOps          // dense.go: fused dense layers
	LossOps           // loss.go: losses with their gradients, statistics
	OptimiserOps      // adam.go: Adam
	RandomOps         // rng.go: Philox noise, binarization
	LayoutOps         // layout.go: gathers, one-hot codes, column copies
	RegularisationOps // regularize.go: maxout, dropout
	PyramidOps        // pyramid.go: Laplacian-pyramid resampling
	MinibatchOps      // minibatch.go: minibatch discrimination
	AveragingOps      // average.go: parameter averaging
}

// Capturer is implemented by backends that can record a sequence of
// operations once and replay it cheaply (CUDA graphs). It is the one
// optional capability: a backend without it runs the operations each time.
// The recorded function must touch only Bufs and counters, never host
// memory: whatever changes from one replay to the next is read from backend
// memory.
type Capturer interface {
	Capture(record func()) (Replay, error)
}

// Replay is a recorded sequence of operations.
type Replay interface {
	// Run enqueues the recorded operations once.
	Run() error
	// Free releases the recording.
	Free()
}
