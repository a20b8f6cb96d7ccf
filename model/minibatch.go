package model

// MinibatchOps provide minibatch discrimination (Salimans et al. 2016,
// "Improved Techniques for Training GANs", section 3.2): a feature
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
type MinibatchOps interface {
	// MinibatchDiscForward sets o[i,b] as above.
	// m is (rows, kernels*dims), o is (rows, kernels); group >= 1.
	MinibatchDiscForward(o, m Buf, rows, group, kernels, dims int)
	// MinibatchDiscBackward overwrites dm with ∂ℓ/∂m given do = ∂ℓ/∂o of
	// the forward pass of m (formula above).
	// dm and m are (rows, kernels*dims), do is (rows, kernels).
	MinibatchDiscBackward(dm, do, m Buf, rows, group, kernels, dims int)
}
