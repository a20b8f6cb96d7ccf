package model

import "fmt"

// This file holds optional extensions of Backend for the GAN variants of
// the source papers: f-GAN losses, conditional inputs, Goodfellow et al.
// 2014's maxout-and-dropout discriminator, and Salimans et al. 2016's
// minibatch discrimination. They are separate interfaces so that a backend
// can be complete for the standard GAN without them; the trainer
// type-asserts the one it needs and names what is missing.

// FDivergence names one of the f-divergences of Nowozin et al. 2016
// ("f-GAN", table 2 and 6). The discriminator's raw output is a logit v;
// each divergence maps it through an output activation g_f onto the domain
// of the conjugate f*. Written as functions of v (the forms the backends
// compute, each stable for any finite v; softplus(a) = log(1+exp(a))
// evaluated as max(a,0) + log1p(exp(-|a|)), σ the logistic sigmoid, and
// expc the capped exponential below):
//
//	divergence         T(v) = g_f(v)            T'(v)      F(v) = f*(g_f(v))   F'(v)
//	kl                 v                        1          expc(v-1)           expc'(v-1)
//	reverse-kl         -expc(-v)                expc'(-v)  v - 1               1
//	pearson            v                        1          v²/4 + v            v/2 + 1
//	squared-hellinger  1 - expc(-v)             expc'(-v)  expc(v) - 1         expc'(v)
//	js                 log 2 - softplus(-v)     σ(-v)      softplus(v) - log 2 σ(v)
//	gan                -softplus(-v)            σ(-v)      softplus(v)         σ(v)
//
// Derivations, from the paper's (g_f, f*): reverse KL: f*(t) = -1-log(-t)
// at t = -exp(-v) is -1+v. Squared Hellinger: f*(t) = t/(1-t) at
// t = 1-exp(-v) is (1-exp(-v))/exp(-v) = exp(v)-1. JS: exp(g_f(v)) =
// 2σ(v), so f*(t) = -log(2-exp(t)) = -log(2σ(-v)) = softplus(v) - log 2.
// GAN: exp(g_f(v)) = σ(v), so f*(t) = -log(1-exp(t)) = -log σ(-v) =
// softplus(v). (T' of js and gan: d/dv[-softplus(-v)] = σ(-v).)
//
// The exponentials of kl, reverse-kl and squared-hellinger grow without
// bound and leave float32's range past |v| ≈ 89; expc continues exp past
// the argument ExpCap along its tangent line, so values and slopes stay
// finite (about 2.4e17 times the excess) for |v| up to 1e4 and beyond:
//
//	expc(a)  = exp(a)                          for a <= ExpCap
//	         = exp(ExpCap) * (1 + a - ExpCap)  for a >  ExpCap
//	expc'(a) = exp(min(a, ExpCap))
//
// FNone (the empty name) is the standard GAN on the logit BCE path.
type FDivergence uint8

// The f-divergences.
const (
	FNone FDivergence = iota
	FKL
	FReverseKL
	FPearson
	FSquaredHellinger
	FJensenShannon
	FGAN
)

// ExpCap is the argument beyond which the f-GAN exponentials continue
// linearly (see FDivergence).
const ExpCap = 40

var fdivNames = [...]string{"", "kl", "reverse-kl", "pearson", "squared-hellinger", "js", "gan"}

func (d FDivergence) String() string {
	if int(d) < len(fdivNames) {
		return fdivNames[d]
	}
	return fmt.Sprintf("FDivergence(%d)", d)
}

// FDivergenceNames lists the divergence names ParseFDivergence accepts
// (besides the empty name).
func FDivergenceNames() []string { return append([]string(nil), fdivNames[1:]...) }

// ParseFDivergence maps a name ("" for none, kl, reverse-kl, pearson,
// squared-hellinger, js, gan) to an FDivergence.
func ParseFDivergence(s string) (FDivergence, error) {
	for i, n := range fdivNames {
		if n == s {
			return FDivergence(i), nil
		}
	}
	return 0, fmt.Errorf("unknown f-divergence %q (want kl, reverse-kl, pearson, squared-hellinger, js or gan)", s)
}

// FTerm picks which function of the logit an f-GAN loss sums.
type FTerm uint8

// The two terms of the f-GAN objective
// F = E_real[T(v)] - E_fake[F(v)] (see FDivergence).
const (
	FActivation FTerm = iota // T(v) = g_f(v)
	FConjugate               // F(v) = f*(g_f(v))
)

// FGANBackend computes the f-GAN losses (Nowozin et al. 2016).
type FGANBackend interface {
	// FDivLoss sums one term of the f-GAN objective over the logits x,
	// fused with its gradient; with h = T or F of div (the table of
	// FDivergence) as term says:
	//   loss[0] = scale * Σ_i h(x_i)
	//   dx_i    = scale * h'(x_i)      (skipped when dx is nil)
	// x and dx are (n), loss is (1). div must not be FNone.
	FDivLoss(dx, loss, x Buf, div FDivergence, term FTerm, scale float32)
}

// ConditionalBackend places class labels and data side by side in the
// rows of a network's input (Mirza and Osindero 2014).
type ConditionalBackend interface {
	// OneHot writes one-hot codes of class labels (stored as float32) into
	// classes columns of dst starting at column col, leaving the other
	// columns alone:
	//   dst[r*width + col + c] = 1 if c == labels[r] else 0,  c in [0, classes)
	// dst is (rows, width), labels is (rows). A label that is not an integer
	// in [0, classes) records an error (see Sync); what dst then holds
	// differs between backends (the cpu leaves it unchanged, the gpu sets
	// that row's code to NaN).
	OneHot(dst, labels Buf, rows, width, col, classes int)
	// CopyCols copies n columns of every row of src into dst:
	//   dst[r*dstWidth + dstCol + c] = src[r*srcWidth + srcCol + c],  c in [0, n)
	// dst is (rows, dstWidth), src is (rows, srcWidth); the other columns
	// of dst are left alone. dst and src must not overlap.
	CopyCols(dst, src Buf, rows, dstWidth, dstCol, srcWidth, srcCol, n int)
}

// MaxoutBackend provides the maxout units (Goodfellow et al. 2013) and
// inverted dropout (Srivastava et al. 2014) of Goodfellow et al. 2014's
// discriminator.
type MaxoutBackend interface {
	// MaxoutForward takes the maximum over groups of pieces adjacent columns:
	//   y[r*units + u] = max_p x[r*units*pieces + u*pieces + p],  p in [0, pieces)
	// x is (rows, units*pieces), y is (rows, units).
	MaxoutForward(y, x Buf, rows, units, pieces int)
	// MaxoutBackward routes the gradient to the winning piece: with p* the
	// first p at which the maximum is attained,
	//   dx[r*units*pieces + u*pieces + p] = dy[r*units + u] if p == p* else 0
	// dx and x are (rows, units*pieces), dy is (rows, units).
	MaxoutBackward(dx, dy, x Buf, rows, units, pieces int)
	// Dropout is inverted dropout with a counter-based mask: with u_i the
	// Uniform01 draw that Noise(seed, stream, step read from sc) gives for
	// index i,
	//   dst[i] = src[i] / (1-rate) if u_i >= rate else 0
	// The same key gives the same mask, so the backward pass is the same
	// call on the gradient. dst and src are (n) and may be the same Buf;
	// 0 <= rate < 1.
	Dropout(dst, src Buf, rate float32, seed uint64, stream uint32, sc Buf)
}

// MinibatchBackend provides minibatch discrimination (Salimans et al.
// 2016, "Improved Techniques for Training GANs", section 3.2): a feature
// of each row that measures how close it is to the other rows of its
// minibatch, so that a discriminator can see a generator that collapses
// onto few outputs.
//
// The rows of one call are cut into groups of group consecutive rows (the
// last group may be shorter); each row is compared only with the rows of
// its own group. The trainer stacks B real rows on B fake rows in D's
// batch and passes group = B, so real rows see real rows and fake rows
// fake rows, as the paper computes the term per minibatch.
//
// With m (rows, kernels*dims) read as rows of kernels vectors of dims
// values, m[i,b,c] = m[i*kernels*dims + b*dims + c], and G(i) the group
// of row i, the paper's c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_L1) is
//
//	L[i,j,b] = Σ_c |m[i,b,c] - m[j,b,c]|
//	o[i,b]   = Σ_{j in G(i)} exp(-L[i,j,b])          (j = i included: +1)
//
// For a loss ℓ with do = ∂ℓ/∂o, write e[i,j,b] = exp(-L[i,j,b]) and
// s[i,j,c] = sign(m[i,b,c] - m[j,b,c]) with sign(0) = 0. Row k's vector
// m[k,b,:] enters o[k,b] through every pair (k, j) and o[i,b] through
// the pair (i, k); ∂L[i,j,b]/∂m[k,b,c] = s[i,j,c]·([i=k] - [j=k]), and
// e and L are symmetric in (i, j), so
//
//	∂ℓ/∂m[k,b,c] = -Σ_j do[k,b]·e[k,j,b]·s[k,j,c] - Σ_i do[i,b]·e[i,k,b]·s[k,i,c]
//	             = -Σ_{j in G(k)} (do[k,b] + do[j,b]) · e[k,j,b] · s[k,j,c]
//
// (the j = k term is zero: s = 0 there, and o's constant 1 has no
// gradient). At ties (equal coordinates, as in a collapsed batch) |.| has
// no derivative; sign(0) = 0 picks the subgradient 0.
type MinibatchBackend interface {
	// MinibatchDiscForward sets o[i,b] as above.
	// m is (rows, kernels*dims), o is (rows, kernels); group >= 1.
	MinibatchDiscForward(o, m Buf, rows, group, kernels, dims int)
	// MinibatchDiscBackward overwrites dm with ∂ℓ/∂m given do = ∂ℓ/∂o of
	// the forward pass of m (formula above).
	// dm and m are (rows, kernels*dims), do is (rows, kernels).
	MinibatchDiscBackward(dm, do, m Buf, rows, group, kernels, dims int)
	// Accumulate adds src into dst: dst[i] += src[i]. dst and src are (n)
	// and must not overlap. It joins the two gradients of a layer whose
	// output feeds two paths (D's last hidden layer feeds the output layer
	// directly and through the minibatch features).
	Accumulate(dst, src Buf)
}

// VariantBackend is a backend with every variant extension.
type VariantBackend interface {
	Backend
	FGANBackend
	ConditionalBackend
	MaxoutBackend
}
