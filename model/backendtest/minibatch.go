package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

// mbdShapes are (rows, group, kernels, dims): a single row, groups that
// divide the rows, a short last group, and the trainer's stacked 2B rows
// in groups of B.
var mbdShapes = [][4]int{
	{1, 1, 1, 1}, {3, 3, 2, 1}, {7, 3, 5, 3}, {16, 8, 3, 5}, {17, 17, 4, 2}, {128, 64, 10, 5}, {130, 64, 7, 2},
}

// mbdDist is the L1 distance between rows i and j of kernel b of m
// (rows, kernels, dims): L[i,j,b] = Σ_c |m[i,b,c] - m[j,b,c]|.
func mbdDist(m []float64, kernels, dims, i, j, b int) float64 {
	var l float64
	for c := 0; c < dims; c++ {
		l += math.Abs(m[i*kernels*dims+b*dims+c] - m[j*kernels*dims+b*dims+c])
	}
	return l
}

// refMBD is the forward pass in float64, straight from the definition:
// o[i,b] = Σ_{j in G(i)} exp(-L[i,j,b]), j = i included.
func refMBD(m []float64, rows, group, kernels, dims int) []float64 {
	o := make([]float64, rows*kernels)
	for i := 0; i < rows; i++ {
		g0 := i / group * group
		for b := 0; b < kernels; b++ {
			for j := g0; j < min(g0+group, rows); j++ {
				o[i*kernels+b] += math.Exp(-mbdDist(m, kernels, dims, i, j, b))
			}
		}
	}
	return o
}

// refMBDBackward is the documented gradient:
// dm[k,b,c] = -Σ_{j in G(k)} (do[k,b] + do[j,b]) exp(-L[k,j,b]) sign(m[k,b,c] - m[j,b,c]).
func refMBDBackward(do []float32, m []float64, rows, group, kernels, dims int) []float64 {
	dm := make([]float64, rows*kernels*dims)
	at := func(i, b, c int) float64 { return m[i*kernels*dims+b*dims+c] }
	sign := func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	}
	for k := 0; k < rows; k++ {
		g0 := k / group * group
		for b := 0; b < kernels; b++ {
			for j := g0; j < min(g0+group, rows); j++ {
				w := (float64(do[k*kernels+b]) + float64(do[j*kernels+b])) * math.Exp(-mbdDist(m, kernels, dims, k, j, b))
				for c := 0; c < dims; c++ {
					dm[k*kernels*dims+b*dims+c] -= w * sign(at(k, b, c)-at(j, b, c))
				}
			}
		}
	}
	return dm
}

// mbdInput draws m so that distances are of order one (exp(-L) neither 1
// nor 0), and copies one row onto another in each group of at least three
// rows, so that exact ties (a partly collapsed batch) occur.
func (e *env) mbdInput(rows, group, kernels, dims int) []float32 {
	kd := kernels * dims
	m := e.uniform(rows*kd, -0.6/math.Sqrt(float64(dims)), 0.6/math.Sqrt(float64(dims)))
	for g0 := 0; g0+2 < rows && group >= 3; g0 += group {
		if g0+2 < min(g0+group, rows) {
			copy(m[(g0+2)*kd:(g0+3)*kd], m[g0*kd:(g0+1)*kd])
		}
	}
	return m
}

func testMBDForward(t *testing.T, be model.Backend, tol Tolerance) {
	for _, sh := range mbdShapes {
		rows, group, kernels, dims := sh[0], sh[1], sh[2], sh[3]
		name := fmt.Sprintf("MinibatchDiscForward(rows=%d, group=%d, kernels=%d, dims=%d)", rows, group, kernels, dims)
		e := newEnv(t, be, uint64(rows*1000+group*10+kernels))
		m := e.mbdInput(rows, group, kernels, dims)
		mBuf, o := e.buf(m), e.filled(rows*kernels, 7)
		be.MinibatchDiscForward(o, mBuf, rows, group, kernels, dims)
		got := e.get(o)
		check(t, name, got, refMBD(to64(m), rows, group, kernels, dims), tol)
		for i, v := range got {
			if !(v >= 1) || v > float32(group) {
				t.Errorf("%s: o[%d] = %v, want in [1, group] (the row itself counts 1, every other row less)", name, i, v)
				break
			}
		}
		checkExact(t, name+" m (must not change)", e.get(mBuf), m)
		e.sync()
	}
}

func testMBDBackward(t *testing.T, be model.Backend, tol Tolerance) {
	for _, sh := range mbdShapes {
		rows, group, kernels, dims := sh[0], sh[1], sh[2], sh[3]
		name := fmt.Sprintf("MinibatchDiscBackward(rows=%d, group=%d, kernels=%d, dims=%d)", rows, group, kernels, dims)
		e := newEnv(t, be, uint64(rows*1000+group*10+kernels+1))
		m := e.mbdInput(rows, group, kernels, dims)
		do := e.uniform(rows*kernels, -1, 1)
		mBuf, doBuf, dm := e.buf(m), e.buf(do), e.filled(rows*kernels*dims, 7)
		be.MinibatchDiscBackward(dm, doBuf, mBuf, rows, group, kernels, dims)
		check(t, name, e.get(dm), refMBDBackward(do, to64(m), rows, group, kernels, dims), tol)
		checkExact(t, name+" m (must not change)", e.get(mBuf), m)
		checkExact(t, name+" do (must not change)", e.get(doBuf), do)
		e.sync()
	}
}

// testMBDFiniteDiff compares the backend's gradient of the scalar
// ℓ(m) = Σ do[i,b]·o[i,b] with central differences of the float64
// reference forward pass. Coordinates within a few steps of a kink of
// |.| (a tie with another row of the group) are skipped.
func testMBDFiniteDiff(t *testing.T, be model.Backend) {
	for _, sh := range [][4]int{{5, 5, 2, 3}, {12, 6, 3, 5}, {9, 4, 2, 2}} {
		rows, group, kernels, dims := sh[0], sh[1], sh[2], sh[3]
		name := fmt.Sprintf("MinibatchDiscBackward(rows=%d, group=%d, kernels=%d, dims=%d) vs finite differences", rows, group, kernels, dims)
		e := newEnv(t, be, uint64(rows*31+kernels))
		kd := kernels * dims
		m := e.uniform(rows*kd, -0.5, 0.5)
		do := e.uniform(rows*kernels, -1, 1)
		dm := e.filled(rows*kd, 7)
		be.MinibatchDiscBackward(dm, e.buf(do), e.buf(m), rows, group, kernels, dims)
		got := e.get(dm)
		m64 := to64(m)
		loss := func() float64 {
			var s float64
			for i, v := range refMBD(m64, rows, group, kernels, dims) {
				s += float64(do[i]) * v
			}
			return s
		}
		const h = 1e-6
		checked := 0
		for idx := range m64 {
			k, b, c := idx/kd, idx%kd/dims, idx%dims
			g0 := k / group * group
			nearKink := false
			for j := g0; j < min(g0+group, rows); j++ {
				if j != k && math.Abs(m64[idx]-m64[j*kd+b*dims+c]) < 10*h {
					nearKink = true
				}
			}
			if nearKink {
				continue
			}
			orig := m64[idx]
			m64[idx] = orig + h
			up := loss()
			m64[idx] = orig - h
			down := loss()
			m64[idx] = orig
			fd := (up - down) / (2 * h)
			if math.Abs(float64(got[idx])-fd) > 1e-5+1e-4*math.Abs(fd) {
				t.Errorf("%s: dm[%d] = %v, finite difference %v", name, idx, got[idx], fd)
			}
			checked++
		}
		if checked < len(m64)/2 {
			t.Errorf("%s: only %d of %d coordinates checked", name, checked, len(m64))
		}
		e.sync()
	}
}

// testMBDCollapsed feeds identical rows (a generator collapsed onto one
// output): every pair is at distance 0, so o[i,b] is the size of i's group
// exactly, and the gradient is 0 exactly (sign(0) = 0), whatever do is.
func testMBDCollapsed(t *testing.T, be model.Backend) {
	const rows, group, kernels, dims = 20, 8, 3, 4
	e := newEnv(t, be, 5)
	one := e.uniform(kernels*dims, -1, 1)
	m := make([]float32, 0, rows*kernels*dims)
	for r := 0; r < rows; r++ {
		m = append(m, one...)
	}
	mBuf := e.buf(m)
	o, dm := e.filled(rows*kernels, 7), e.filled(rows*kernels*dims, 7)
	be.MinibatchDiscForward(o, mBuf, rows, group, kernels, dims)
	be.MinibatchDiscBackward(dm, e.buf(e.uniform(rows*kernels, -1, 1)), mBuf, rows, group, kernels, dims)
	want := make([]float32, rows*kernels)
	for i := range want {
		want[i] = float32(min(group, rows-i/kernels/group*group))
	}
	checkExact(t, "collapsed batch: o", e.get(o), want)
	checkExact(t, "collapsed batch: dm", e.get(dm), make([]float32, rows*kernels*dims))
	e.sync()
}

// minibatchGroup is the suite's group for model.MinibatchOps.
func minibatchGroup(tol Tolerance) group {
	at := withTol(tol)
	return group{"Minibatch", []opCheck{
		{"Forward", []string{"MinibatchDiscForward"}, at(testMBDForward)},
		{"Backward", []string{"MinibatchDiscBackward"}, at(testMBDBackward)},
		{"FiniteDifferences", []string{"MinibatchDiscBackward"}, testMBDFiniteDiff},
		{"Collapsed", []string{"MinibatchDiscForward", "MinibatchDiscBackward"}, testMBDCollapsed},
	}}
}
