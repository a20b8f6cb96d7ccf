package cpu

import (
	"fmt"
	"runtime"

	"gan-train/model"
)

// Options configures a Backend.
type Options struct {
	// Workers is the number of goroutines an operation may use;
	// 0 or less means runtime.GOMAXPROCS(0).
	Workers int
	// GEMM picks the matrix product behind the dense layers.
	GEMM GEMM
}

// GEMM names an implementation of the dense layers' matrix products. All
// give results that do not depend on the worker count; they differ from one
// another in the last bits (AVX2GEMM fuses each multiply-add).
type GEMM uint8

const (
	// DefaultGEMM is AVX2GEMM where the CPU has AVX2 and FMA, and GonumGEMM
	// elsewhere. See bench/RESULTS.md for the measurements behind it.
	DefaultGEMM GEMM = iota
	// GonumGEMM is gonum's Sgemm (SSE assembly on amd64), followed by a
	// parallel bias-and-activation pass. It splits work over GOMAXPROCS
	// goroutines rather than Workers, by output blocks only. It measured
	// about 1.8 times faster per CPU-second than TiledGEMM on the Edward
	// layers.
	GonumGEMM
	// TiledGEMM is this package's packed-panel, register-tiled product with
	// bias and activation fused into the epilogue, split over Workers, with
	// the portable Go micro-kernel.
	TiledGEMM
	// AVX2GEMM is TiledGEMM with a 6x16 AVX2/FMA assembly micro-kernel
	// (amd64). New falls back to TiledGEMM where the CPU lacks AVX2 or
	// FMA; Backend.GEMM reports which one runs.
	AVX2GEMM
)

// String names the implementation as the benchmarks do.
func (g GEMM) String() string {
	switch g {
	case DefaultGEMM:
		return "default"
	case GonumGEMM:
		return "gonum"
	case TiledGEMM:
		return "tiled"
	case AVX2GEMM:
		return "avx2"
	}
	return fmt.Sprintf("GEMM(%d)", uint8(g))
}

// Backend is the CPU implementation of model.Backend.
type Backend struct {
	workers  int
	gemmImpl GEMM
	kernel   microKernel // TiledGEMM's and AVX2GEMM's micro-kernel
	// adam is the vectorised Adam loop, nil where there is none; it gives
	// the same bits as adamScalar.
	adam func(p, g, m, v []float32, k *adamConsts)
	// average is the vectorised loop of Average, nil where there is none;
	// it gives the same bits as averageScalar.
	average func(a, s []float32, f float32)
	// sumSquares adds the squares of a slice (of a length a multiple of
	// 8) into eight partial sums: sumSquaresScalar or its AVX loop (the
	// same bits).
	sumSquares func(x []float32, s *[8]float64)
	// act applies the activations and their derivatives: the AVX2 loops
	// where the CPU has them, the scalar loops (the same bits) elsewhere.
	act activations
	// uniform fills a slice with Philox uniform draws (uniformScalar, or
	// its AVX2 loop: the same bits).
	uniform func(dst []float32, seed uint64, stream, step uint32, j0 int)
	err     error // first failure since the last Sync

	// Scratch space reused between calls (a Backend is not safe for
	// concurrent use): packed GEMM panels and the dz of DenseBackward.
	packA, packB, dz []float32
	// touched keeps the value touchRows reads, so that the reads stay.
	touched uint32
	// pool runs parallel's chunks: workers-1 goroutines besides the caller.
	pool *pool
}

var _ model.Backend = (*Backend)(nil)

// New returns a CPU backend.
func New(opts Options) *Backend {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	be := &Backend{workers: w, gemmImpl: opts.GEMM, kernel: portableKernel(), pool: newPool(min(w, maxChunks) - 1)}
	// A Backend dropped without Close still ends its pool's goroutines.
	runtime.AddCleanup(be, func(p *pool) { p.stop() }, be.pool)
	be.adam, _ = adamKernel()
	be.average, _ = averageKernel()
	be.sumSquares, _ = sumSquaresKernel()
	be.act = scalarActivations()
	be.uniform = uniformScalar
	if u, ok := uniformKernel(); ok {
		be.uniform = u
	}
	if va, ok := vectorActivations(); ok {
		be.act = va
	}
	avx2, ok := avx2Kernel()
	switch {
	case (opts.GEMM == DefaultGEMM || opts.GEMM == AVX2GEMM) && ok:
		be.gemmImpl, be.kernel = AVX2GEMM, avx2
	case opts.GEMM == DefaultGEMM:
		be.gemmImpl = GonumGEMM
	case opts.GEMM == AVX2GEMM:
		be.gemmImpl = TiledGEMM
	}
	return be
}

// GEMM is the matrix product the backend runs: never DefaultGEMM, and
// TiledGEMM where AVX2GEMM was asked for on a CPU without AVX2 or FMA.
func (be *Backend) GEMM() GEMM { return be.gemmImpl }

// Workers is the number of goroutines an operation may use.
func (be *Backend) Workers() int { return be.workers }

// Buf is a CPU buffer: a slice of float32.
type Buf struct {
	s []float32
	// pending is the length of a Buf allocated but never used: f32 makes
	// its zeroed memory on first use, so that a Buf UploadBytes points at
	// the caller's bytes never holds (nor makes the collector count)
	// memory of its own. s is nil while pending > 0.
	pending int
	view    bool
	freed   bool
}

// Len is the number of float32 elements.
func (b *Buf) Len() int { return len(b.s) + b.pending }

// Slice returns the memory behind b, a Buf of a CPU backend; writes through
// it are seen by the backend. It returns nil for a nil Buf and panics if b
// belongs to another backend.
func Slice(b model.Buf) []float32 {
	if b == nil {
		return nil
	}
	return f32(b)
}

// f32 returns the slice behind b, panicking (a programming error) if b is
// not a live CPU Buf.
func f32(b model.Buf) []float32 {
	cb := live(b)
	if cb.pending > 0 {
		cb.s, cb.pending = make([]float32, cb.pending), 0
	}
	return cb.s
}

// live returns b as a CPU Buf, panicking (a programming error) if it is
// not a live one.
func live(b model.Buf) *Buf {
	cb, ok := b.(*Buf)
	if !ok {
		panic(fmt.Sprintf("cpu: Buf of type %T was not allocated by the cpu backend", b))
	}
	if cb.freed {
		panic("cpu: use of a freed Buf")
	}
	return cb
}

// opt is f32 for optional outputs: nil stays nil.
func opt(b model.Buf) []float32 {
	if b == nil {
		return nil
	}
	if cb, ok := b.(*Buf); ok && cb == nil {
		return nil
	}
	return f32(b)
}

// need panics unless x holds exactly n elements.
func need(op, name string, x []float32, n int) {
	if len(x) != n {
		panic(fmt.Sprintf("cpu: %s: %s has %d elements, want %d", op, name, len(x), n))
	}
}

// atLeast panics unless x holds at least n elements; it returns x[:n].
func atLeast(op, name string, x []float32, n int) []float32 {
	if len(x) < n {
		panic(fmt.Sprintf("cpu: %s: %s has %d elements, want at least %d", op, name, len(x), n))
	}
	return x[:n:n]
}

// fail records the first error, which Sync returns.
func (be *Backend) fail(err error) {
	if be.err == nil {
		be.err = err
	}
}

// Name is "cpu".
func (be *Backend) Name() string { return "cpu" }

// Sync returns the first error recorded since the last Sync (an Adam step
// counter of 0, a row number or class label out of range) and clears it.
func (be *Backend) Sync() error {
	err := be.err
	be.err = nil
	return err
}

// Close releases the scratch space and ends the worker goroutines (a later
// operation starts them again).
func (be *Backend) Close() error {
	be.packA, be.packB, be.dz = nil, nil, nil
	be.pool.stop()
	// be must stay reachable until stop has returned: its cleanup stops
	// the same pool.
	runtime.KeepAlive(be)
	return nil
}

// parallel runs fn over [0,n) split into at most Workers contiguous chunks
// of at least grain items each, and waits for them. Chunk boundaries are
// multiples of align (align >= 1).
func (be *Backend) parallel(n, grain, align int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := min(be.workers, maxChunks)
	if grain < 1 {
		grain = 1
	}
	if m := n / grain; m < w {
		w = m
	}
	if w <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + w - 1) / w
	chunk = (chunk + align - 1) / align * align
	var bounds [maxChunks + 1]int
	b := bounds[:1]
	for lo := chunk; lo < n; lo += chunk {
		b = append(b, lo)
	}
	b = append(b, n)
	be.pool.run(b, fn)
	// fn need not refer to be, so without this be could become unreachable
	// while the chunks run, and its cleanup would stop the pool under them.
	runtime.KeepAlive(be)
}

// maxChunks bounds the chunks of one parallel call, and so the goroutines
// an operation uses, to keep its bounds on the stack.
const maxChunks = 64
