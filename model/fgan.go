package model

import "fmt"

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
