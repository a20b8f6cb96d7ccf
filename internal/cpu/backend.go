package cpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"

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
}

var _ model.Backend = (*Backend)(nil)

// New returns a CPU backend.
func New(opts Options) *Backend {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	be := &Backend{workers: w, gemmImpl: opts.GEMM, kernel: portableKernel()}
	be.adam, _ = adamKernel()
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
	s     []float32
	view  bool
	freed bool
}

// Len is the number of float32 elements.
func (b *Buf) Len() int { return len(b.s) }

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
	cb, ok := b.(*Buf)
	if !ok {
		panic(fmt.Sprintf("cpu: Buf of type %T was not allocated by the cpu backend", b))
	}
	if cb.freed {
		panic("cpu: use of a freed Buf")
	}
	return cb.s
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

// Alloc returns a zeroed Buf of n elements.
func (be *Backend) Alloc(n int) (model.Buf, error) {
	if n < 0 {
		return nil, fmt.Errorf("cpu: allocating %d floats: negative size", n)
	}
	return &Buf{s: make([]float32, n)}, nil
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
	cb.s, cb.freed = nil, true
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

// Download copies src to dst.
func (be *Backend) Download(dst []float32, src model.Buf) error {
	s := f32(src)
	if len(dst) != len(s) {
		return fmt.Errorf("cpu: download of a Buf of %d values into %d", len(s), len(dst))
	}
	copy(dst, s)
	return nil
}

// Sync returns the first error recorded since the last Sync (an Adam step
// counter of 0, a row number or class label out of range) and clears it.
func (be *Backend) Sync() error {
	err := be.err
	be.err = nil
	return err
}

// Close releases the scratch space.
func (be *Backend) Close() error {
	be.packA, be.packB, be.dz = nil, nil, nil
	return nil
}

// parallel runs fn over [0,n) split into at most Workers contiguous chunks
// of at least grain items each, and waits for them. Chunk boundaries are
// multiples of align (align >= 1).
func (be *Backend) parallel(n, grain, align int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := be.workers
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
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
}

// elementGrain is the smallest slice of an element-wise operation worth a
// goroutine of its own.
const elementGrain = 1 << 14

// Copy copies src to dst: dst[i] = src[i].
func (be *Backend) Copy(dst, src model.Buf) {
	d, s := f32(dst), f32(src)
	need("Copy", "src", s, len(d))
	copy(d, s)
}

// Fill sets x[i] = v for every i.
func (be *Backend) Fill(x model.Buf, v float32) {
	s := f32(x)
	be.parallel(len(s), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s[i] = v
		}
	})
}

// Affine sets x[i] = a*x[i] + c for every i.
func (be *Backend) Affine(x model.Buf, a, c float32) {
	s := f32(x)
	be.parallel(len(s), elementGrain, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s[i] = a*s[i] + c
		}
	})
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

// Adam updates p in place, with t read from the counter tc:
//
//	c1 = float32(1 - b1^t); c2 = float32(1 - b2^t)   (powers in float64)
//	for i:
//	  m[i] = b1*m[i] + (1-b1)*g[i]
//	  v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
//	  p[i] -= lr * (m[i]/c1) / (sqrt(v[i]/c2) + eps)
//
// all in float32. A step count of 0 records an error (see Sync) and leaves
// everything unchanged.
func (be *Backend) Adam(p, g, m, v model.Buf, hp model.Adam, tc model.Buf) {
	ps, gs, ms, vs := f32(p), f32(g), f32(m), f32(v)
	need("Adam", "g", gs, len(ps))
	need("Adam", "m", ms, len(ps))
	need("Adam", "v", vs, len(ps))
	t := counter("Adam", tc)
	if t == 0 {
		be.fail(fmt.Errorf("cpu: Adam: step counter is 0, want >= 1"))
		return
	}
	c1 := float32(1 - math.Pow(float64(hp.Beta1), float64(t)))
	c2 := float32(1 - math.Pow(float64(hp.Beta2), float64(t)))
	k := adamConsts{b1: hp.Beta1, ob1: 1 - hp.Beta1, b2: hp.Beta2, ob2: 1 - hp.Beta2, c1: c1, c2: c2, lr: hp.LR, eps: hp.Eps}
	update := be.adam
	if update == nil {
		update = adamScalar
	}
	be.parallel(len(ps), elementGrain, 1, func(lo, hi int) {
		update(ps[lo:hi], gs[lo:hi], ms[lo:hi], vs[lo:hi], &k)
	})
}

// adamConsts are Adam's per-call constants, laid out as adam_amd64.s reads
// them.
type adamConsts struct {
	b1, ob1, b2, ob2, c1, c2, lr, eps float32
}

// adamScalar is Adam's element loop (see Backend.Adam) for len(p) elements.
// The explicit conversions round each product, so that no compiler fuses a
// multiply-add and the assembly version stays bit-identical.
func adamScalar(p, g, m, v []float32, k *adamConsts) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := float32(k.b1*m[i]) + float32(k.ob1*gi)
		vi := float32(k.b2*v[i]) + float32(k.ob2*float32(gi*gi))
		m[i], v[i] = mi, vi
		step := float32(k.lr*float32(mi/k.c1)) / (float32(math.Sqrt(float64(vi/k.c2))) + k.eps)
		p[i] -= step
	}
}
