package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gan-train/model"
)

// Tolerance bounds the error of a floating-point result:
// |got-want| <= Atol + Rtol*|want|.
type Tolerance struct {
	Atol, Rtol float64
}

// DefaultTolerance suits float32 backends whose sums run in float32 and
// whose transcendental functions are accurate to a few ulps.
func DefaultTolerance() Tolerance { return Tolerance{Atol: 2e-5, Rtol: 2e-4} }

// margin is the number of guard elements on each side of every Buf the suite
// gives to an operation. It is odd so that views start at unaligned offsets.
const margin = 5

// guardValue fills the margins; an operation that writes outside its view
// changes it.
var guardValue = float32(-31415.25)

type guarded struct {
	whole, view model.Buf
	n           int
}

// env allocates the Bufs of one subtest and checks their margins at the end.
type env struct {
	t    *testing.T
	be   model.Backend
	rng  *rand.Rand
	bufs []guarded
}

func newEnv(t *testing.T, be model.Backend, seed uint64) *env {
	t.Helper()
	e := &env{t: t, be: be, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
	t.Cleanup(e.finish)
	return e
}

// buf returns a View holding data, inside an allocation with margins.
func (e *env) buf(data []float32) model.Buf {
	e.t.Helper()
	n := len(data)
	whole, err := e.be.Alloc(n + 2*margin)
	if err != nil {
		e.t.Fatalf("Alloc(%d): %v", n+2*margin, err)
	}
	host := make([]float32, n+2*margin)
	for i := range host {
		host[i] = guardValue
	}
	copy(host[margin:], data)
	if err := e.be.Upload(whole, host); err != nil {
		e.t.Fatalf("Upload of %d values: %v", len(host), err)
	}
	v := e.be.View(whole, margin, n)
	if v.Len() != n {
		e.t.Fatalf("View(b, %d, %d).Len() = %d, want %d", margin, n, v.Len(), n)
	}
	e.bufs = append(e.bufs, guarded{whole, v, n})
	return v
}

// filled returns a Buf of n copies of v.
func (e *env) filled(n int, v float32) model.Buf {
	d := make([]float32, n)
	for i := range d {
		d[i] = v
	}
	return e.buf(d)
}

// counter returns a 1-element Buf holding the bits of v.
func (e *env) counter(v uint32) model.Buf {
	return e.buf([]float32{math.Float32frombits(v)})
}

// get downloads b.
func (e *env) get(b model.Buf) []float32 {
	e.t.Helper()
	d := make([]float32, b.Len())
	if err := e.be.Download(d, b); err != nil {
		e.t.Fatalf("Download of %d values: %v", b.Len(), err)
	}
	return d
}

// sync fails the test if the backend reports an error.
func (e *env) sync() {
	e.t.Helper()
	if err := e.be.Sync(); err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
}

// finish checks that no operation wrote outside its views, then frees.
func (e *env) finish() {
	e.t.Helper()
	if err := e.be.Sync(); err != nil {
		e.t.Errorf("Sync at end of test: %v", err)
	}
	for _, g := range e.bufs {
		host := make([]float32, g.n+2*margin)
		if err := e.be.Download(host, g.whole); err != nil {
			e.t.Errorf("Download of guarded Buf: %v", err)
			continue
		}
		for i, v := range host {
			if (i < margin || i >= margin+g.n) && math.Float32bits(v) != math.Float32bits(guardValue) {
				e.t.Errorf("element %d of the margin around a view of %d elements was overwritten: got %v, want %v",
					i-margin, g.n, v, guardValue)
				break
			}
		}
		e.be.Free(g.whole)
	}
	e.bufs = nil
}

// uniform returns n draws from U[lo, hi).
func (e *env) uniform(n int, lo, hi float64) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(lo + (hi-lo)*e.rng.Float64())
	}
	return d
}

// check compares got with want and reports the first mismatches and the
// largest error.
func check(t *testing.T, what string, got []float32, want []float64, tol Tolerance) {
	t.Helper()
	var maxErr float64
	maxAt := -1
	bad, msg := mismatches(len(got), len(want), func(i int) (string, bool) {
		g, w := got[i], want[i]
		err := math.Abs(float64(g) - w)
		ok := err <= tol.Atol+tol.Rtol*math.Abs(w)
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			ok = float64(g) == w
			err = math.Inf(1)
		}
		if err > maxErr || maxAt < 0 {
			maxErr, maxAt = err, i
		}
		return fmt.Sprintf("got %v, want %v (error %.3g)", g, w, err), ok
	})
	switch {
	case bad < 0:
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
	case bad > 0:
		t.Errorf("%s: %d of %d values outside |got-want| <= %g + %g*|want|; max error %.3g at [%d]:%s",
			what, bad, len(got), tol.Atol, tol.Rtol, maxErr, maxAt, msg)
	}
}

// checkExact requires got == want bit for bit.
func checkExact(t *testing.T, what string, got, want []float32) {
	t.Helper()
	bad, msg := mismatches(len(got), len(want), func(i int) (string, bool) {
		g, w := math.Float32bits(got[i]), math.Float32bits(want[i])
		return fmt.Sprintf("got %v (%08x), want %v (%08x)", got[i], g, want[i], w), g == w
	})
	switch {
	case bad < 0:
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
	case bad > 0:
		t.Errorf("%s: %d of %d values differ:%s", what, bad, len(got), msg)
	}
}

// mismatches runs cmp over the indices of two slices of lengths n and
// want and returns how many it found wrong, with the descriptions of the
// first five; -1 when the lengths differ.
func mismatches(n, want int, cmp func(i int) (desc string, ok bool)) (int, string) {
	if n != want {
		return -1, ""
	}
	bad, msg := 0, ""
	for i := 0; i < n; i++ {
		desc, ok := cmp(i)
		if !ok {
			if bad < 5 {
				msg += fmt.Sprintf("\n\t[%d] %s", i, desc)
			}
			bad++
		}
	}
	return bad, msg
}

func to64(x []float32) []float64 {
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return d
}
