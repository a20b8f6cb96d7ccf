package cpu

import (
	"fmt"
	"math"

	"gan-train/model"
)

// LogitBCE is the stable binary cross-entropy of logits x against target y,
// with its gradient. Per element, in float64:
//
//	l_i  = max(x_i,0) - x_i*y + log1p(exp(-|x_i|))
//	dx_i = float32(scale * (sigmoid(x_i) - y))     (when dx is not nil)
//
// and loss[0] = float32(scale * Σ_i l_i), summed in index order.
// x and dx are (n), loss is (1).
func (be *Backend) LogitBCE(dx, loss, x model.Buf, target, scale float32) {
	xs, ls, ds := f32(x), f32(loss), opt(dx)
	need("LogitBCE", "loss", ls, 1)
	if ds != nil {
		need("LogitBCE", "dx", ds, len(xs))
	}
	y, sc := float64(target), float64(scale)
	var sum float64
	for i, xf := range xs {
		xi := float64(xf)
		sum += math.Max(xi, 0) - xi*y + log1pExpNeg(xi)
		if ds != nil {
			ds[i] = float32(sc * (sigmoid64(xi) - y))
		}
	}
	ls[0] = float32(sc * sum)
}

// log1pExpNeg is log1p(exp(-|a|)), the term that keeps the logit
// cross-entropy and softplus finite for any a: exp(-|a|) is in (0, 1], so
// nothing overflows, and log1p keeps the digits exp(-|a|) has when it is
// tiny. LogitBCE and softplus64 (the f-GAN losses) both use it.
func log1pExpNeg(a float64) float64 { return math.Log1p(math.Exp(-math.Abs(a))) }

// MeanSigmoid sets out[0] = float32(Σ_i sigmoid(x_i) / n), summed in index
// order in float64 (0 for an empty x).
func (be *Backend) MeanSigmoid(out, x model.Buf) {
	xs, os := f32(x), f32(out)
	need("MeanSigmoid", "out", os, 1)
	var sum float64
	for _, v := range xs {
		sum += sigmoid64(float64(v))
	}
	if len(xs) > 0 {
		sum /= float64(len(xs))
	}
	os[0] = float32(sum)
}

// SumSquares sets out[0] = float32(Σ_i x_i²), summed in float64 in eight
// interleaved partial sums, each in index order, then added pairwise:
//
//	s[l] = Σ_{i ≡ l mod 8} x_i²   (i in order, each x_i² exact in float64)
//	out[0] = float32(((s[0]+s[1]) + (s[2]+s[3])) + ((s[4]+s[5]) + (s[6]+s[7])))
//
// A single float64 sum in index order (as before) is one chain of
// dependent additions, about four cycles a term; eight chains run in
// parallel. The two orders differ by a few float64 ulps, which reach the
// float32 result only when it lies next to a rounding boundary.
func (be *Backend) SumSquares(out, x model.Buf) {
	xs, os := f32(x), f32(out)
	need("SumSquares", "out", os, 1)
	var s [8]float64
	n := len(xs) &^ 7
	sum := be.sumSquares
	if sum == nil {
		sum = sumSquaresScalar
	}
	sum(xs[:n], &s)
	for l, v := range xs[n:] {
		s[l] += float64(v) * float64(v)
	}
	os[0] = float32(((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])))
}

// sumSquaresScalar adds x[i]² to s[i%8] for i in order; len(x) is a
// multiple of 8. Each square is exact in float64, so a fused multiply-add
// gives the same sums (the assembly loop uses one).
func sumSquaresScalar(x []float32, s *[8]float64) {
	s0, s1, s2, s3, s4, s5, s6, s7 := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
	for i := 0; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		a0, a1, a2, a3 := float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
		a4, a5, a6, a7 := float64(v[4]), float64(v[5]), float64(v[6]), float64(v[7])
		s0 += a0 * a0
		s1 += a1 * a1
		s2 += a2 * a2
		s3 += a3 * a3
		s4 += a4 * a4
		s5 += a5 * a5
		s6 += a6 * a6
		s7 += a7 * a7
	}
	s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7] = s0, s1, s2, s3, s4, s5, s6, s7
}

// SoftmaxXent is softmax cross-entropy against class labels, with its
// gradient. Per row r, in float64, with m = max_c x[r,c] and
// s = Σ_c exp(x[r,c]-m):
//
//	p[c]    = exp(x[r,c]-m) / s
//	loss   += -(x[r,label_r] - m - log s)                 (rows in order)
//	dx[r,c] = float32(scale * (p[c] - [c == label_r]))    (when dx is not nil)
//
// and loss[0] = float32(scale * loss). x and dx are (batch, classes),
// labels is (batch), loss is (1). A label that is not an integer in
// [0, classes) records an error (see Sync) and the loss is left unchanged.
func (be *Backend) SoftmaxXent(dx, loss, x, labels model.Buf, batch, classes int, scale float32) {
	xs, ls, lab, ds := f32(x), f32(loss), f32(labels), opt(dx)
	xs = atLeast("SoftmaxXent", "x", xs, batch*classes)
	lab = atLeast("SoftmaxXent", "labels", lab, batch)
	need("SoftmaxXent", "loss", ls, 1)
	if ds != nil {
		ds = atLeast("SoftmaxXent", "dx", ds, batch*classes)
	}
	for r, f := range lab {
		if c := int(f); float32(c) != f || c < 0 || c >= classes {
			be.fail(fmt.Errorf("cpu: SoftmaxXent: label %v of row %d is not a class in [0, %d)", f, r, classes))
			return
		}
	}
	sc := float64(scale)
	var sum float64
	for r := 0; r < batch; r++ {
		row := xs[r*classes : (r+1)*classes]
		label := int(lab[r])
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		ls := math.Log(s)
		sum -= float64(row[label]) - m - ls
		if ds != nil {
			drow := ds[r*classes : (r+1)*classes]
			for c, v := range row {
				p := math.Exp(float64(v) - m - ls)
				if c == label {
					p--
				}
				drow[c] = float32(sc * p)
			}
		}
	}
	ls[0] = float32(sc * sum)
}

// sigmoid64 is 1/(1+exp(-x)), computed without overflow for any x.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus64 is log(1+exp(a)), computed without overflow for any a.
func softplus64(a float64) float64 {
	return math.Max(a, 0) + log1pExpNeg(a)
}

// expCapped returns expc(a) and expc'(a) of model.FDivergence: exp(a) up
// to model.ExpCap, its tangent line beyond.
func expCapped(a float64) (val, slope float64) {
	if a <= model.ExpCap {
		e := math.Exp(a)
		return e, e
	}
	e := math.Exp(model.ExpCap)
	return e * (1 + a - model.ExpCap), e
}

// fTerm returns h(v) and h'(v) for the divergence and term (the table of
// model.FDivergence), in float64.
func fTerm(div model.FDivergence, term model.FTerm, v float64) (h, dh float64) {
	act := term == model.FActivation
	switch div {
	case model.FKL:
		if act {
			return v, 1
		}
		return expCapped(v - 1)
	case model.FReverseKL:
		if act {
			e, de := expCapped(-v)
			return -e, de
		}
		return v - 1, 1
	case model.FPearson:
		if act {
			return v, 1
		}
		return v*v/4 + v, v/2 + 1
	case model.FSquaredHellinger:
		if act {
			if -v <= model.ExpCap {
				return -math.Expm1(-v), math.Exp(-v)
			}
			e, de := expCapped(-v)
			return 1 - e, de
		}
		if v <= model.ExpCap {
			return math.Expm1(v), math.Exp(v)
		}
		e, de := expCapped(v)
		return e - 1, de
	case model.FJensenShannon:
		if act {
			return math.Ln2 - softplus64(-v), sigmoid64(-v)
		}
		return softplus64(v) - math.Ln2, sigmoid64(v)
	case model.FGAN:
		if act {
			return -softplus64(-v), sigmoid64(-v)
		}
		return softplus64(v), sigmoid64(v)
	}
	panic(fmt.Sprintf("cpu: FDivLoss: unknown divergence %v", div))
}

// FDivLoss sums one term of the f-GAN objective with its gradient. Per
// element, in float64, with h the T or F of model.FDivergence's table:
//
//	loss += h(x_i)                          (in index order)
//	dx_i  = float32(scale * h'(x_i))        (when dx is not nil)
//
// and loss[0] = float32(scale * loss). x and dx are (n), loss is (1).
func (be *Backend) FDivLoss(dx, loss, x model.Buf, div model.FDivergence, term model.FTerm, scale float32) {
	xs, ls, ds := f32(x), f32(loss), opt(dx)
	need("FDivLoss", "loss", ls, 1)
	if ds != nil {
		need("FDivLoss", "dx", ds, len(xs))
	}
	if div == model.FNone || div > model.FGAN {
		panic(fmt.Sprintf("cpu: FDivLoss: divergence %v is not an f-divergence", div))
	}
	if term > model.FConjugate {
		panic(fmt.Sprintf("cpu: FDivLoss: unknown term %d", term))
	}
	sc := float64(scale)
	var sum float64
	for i, xf := range xs {
		h, dh := fTerm(div, term, float64(xf))
		sum += h
		if ds != nil {
			ds[i] = float32(sc * dh)
		}
	}
	ls[0] = float32(sc * sum)
}
