//go:build cuda || cudaemu

package gpu

import (
	"fmt"

	"gan-train/model"
)

// Minibatch discrimination (model.MinibatchOps, Salimans et al. 2016
// section 3.2) on the device, kernels/minibatch.cu. One thread owns one
// output row and kernel and sums over the rows of its group in ascending
// order, in float64 with internal/cpu/minibatch.go's arithmetic (its expNeg
// polynomial included, no fused multiply-adds): the results are
// deterministic, with no atomics or cross-thread reductions, and
// bit-identical to the cpu backend's.

// mbdShape checks the arguments of the minibatch-discrimination ops and
// returns the group length to launch with: group clamped to rows, which
// cuts the rows into the same groups (one group when group >= rows).
func mbdShape(op string, rows, group, kernels, dims int) int {
	if rows < 0 || group < 1 || kernels < 1 || dims < 1 {
		panic(fmt.Sprintf("gpu: %s: %d rows in groups of %d, %d kernels of %d dims", op, rows, group, kernels, dims))
	}
	return max(1, min(group, rows))
}

// mbdItems is the number of threads of the minibatch kernels: group
// threads for every (group, kernel) pair, the surplus of a short last
// group idle.
func mbdItems(rows, group, kernels int) int {
	return (rows + group - 1) / group * kernels * group
}

// MinibatchDiscForward computes, for each row i and kernel b, over the rows
// j of i's group G(i) (consecutive runs of group rows, the last possibly
// shorter) (kernels/minibatch.cu, mbd_forward, one thread per (i, b)):
//
//	kd := kernels*dims
//	for i in 0..rows-1, b in 0..kernels-1:
//	  acc := float64(1)                       // j = i: exp(-0)
//	  for j in G(i), ascending, j != i:
//	    dist := float64(0)
//	    for c in 0..dims-1: dist += |float64(m[i*kd+b*dims+c]) - float64(m[j*kd+b*dims+c])|
//	    acc += expNeg(dist)                   // exp(-dist), cpu's polynomial
//	  o[i*kernels+b] = float32(acc)
//
// m is (rows, kernels*dims), o is (rows, kernels); both may be longer.
func (be *Backend) MinibatchDiscForward(o, m model.Buf, rows, group, kernels, dims int) {
	const op = "MinibatchDiscForward"
	group = mbdShape(op, rows, group, kernels, dims)
	od := be.arg(op, "o", o, rows*kernels, false)
	md := be.arg(op, "m", m, rows*kernels*dims, false)
	if od == nil || md == nil || rows == 0 {
		return
	}
	be.launchMbdForward(be.elems(mbdItems(rows, group, kernels)), block1D, od.ptr(), md.ptr(), rows, group, kernels, dims)
}

// MinibatchDiscBackward overwrites dm with the gradient of the forward
// pass given do = ∂ℓ/∂o (model.MinibatchOps's derivation;
// kernels/minibatch.cu, mbd_backward, one thread per (k, b)):
//
//	kd := kernels*dims
//	for k in 0..rows-1, b in 0..kernels-1:
//	  acc[c] := float64(0) for c in 0..dims-1
//	  for j in G(k), ascending, j != k:
//	    w := (float64(do[k*kernels+b]) + float64(do[j*kernels+b])) * expNeg(L[k,j,b])
//	    for c in 0..dims-1:
//	      d := float64(m[k*kd+b*dims+c]) - float64(m[j*kd+b*dims+c])
//	      if d != 0: acc[c] -= w * sign(d)   // sign(0) = 0: no term
//	  dm[k*kd+b*dims+c] = float32(acc[c])
//
// with L[k,j,b] the float64 distance of MinibatchDiscForward. dm and m are
// (rows, kernels*dims), do is (rows, kernels); all may be longer.
func (be *Backend) MinibatchDiscBackward(dm, do, m model.Buf, rows, group, kernels, dims int) {
	const op = "MinibatchDiscBackward"
	group = mbdShape(op, rows, group, kernels, dims)
	dmd := be.arg(op, "dm", dm, rows*kernels*dims, false)
	dod := be.arg(op, "do", do, rows*kernels, false)
	md := be.arg(op, "m", m, rows*kernels*dims, false)
	if dmd == nil || dod == nil || md == nil || rows == 0 {
		return
	}
	be.launchMbdBackward(be.elems(mbdItems(rows, group, kernels)), block1D, dmd.ptr(), dod.ptr(), md.ptr(), rows, group, kernels, dims)
}
