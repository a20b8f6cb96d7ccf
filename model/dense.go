package model

import (
	"fmt"

	"gan-train/internal/enum"
)

// Activation names the element-wise function applied after a dense layer.
type Activation uint8

// The activations every backend implements. The derivative of each can be
// computed from the activation's output y alone, which is what the fused
// backward passes rely on.
const (
	Identity  Activation = iota // y = z
	ReLU                        // y = max(z, 0)
	LeakyReLU                   // y = z if z > 0 else LeakySlope*z
	Sigmoid                     // y = 1/(1+exp(-z))
	Tanh                        // y = tanh(z)
)

// LeakySlope is the negative-side slope of LeakyReLU (0.2, as in the DCGAN
// and most MLP GAN literature).
const LeakySlope = 0.2

var activationNames = [...]string{"identity", "relu", "leaky_relu", "sigmoid", "tanh"}

func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// ActivationName is an activation as a configuration names it: relu,
// leaky_relu (or leakyrelu, lrelu), sigmoid, tanh, identity (or linear,
// none). It keeps the spelling it was given, so a configuration reads back
// as it was written.
type ActivationName string

// Activation maps n to its Activation.
func (n ActivationName) Activation() (Activation, error) {
	switch n {
	case "identity", "linear", "none":
		return Identity, nil
	case "relu":
		return ReLU, nil
	case "leaky_relu", "leakyrelu", "lrelu":
		return LeakyReLU, nil
	case "sigmoid":
		return Sigmoid, nil
	case "tanh":
		return Tanh, nil
	}
	return 0, fmt.Errorf("unknown activation %q (want relu, leaky_relu, sigmoid, tanh or identity)", string(n))
}

// String returns the name as written.
func (n ActivationName) String() string { return string(n) }

// MarshalText returns the name as written.
func (n ActivationName) MarshalText() ([]byte, error) { return []byte(n), nil }

// UnmarshalText accepts the names Activation knows and rejects others,
// listing the valid ones.
func (n *ActivationName) UnmarshalText(text []byte) error {
	return enum.Unmarshal(n, text, func(v ActivationName) error { _, err := v.Activation(); return err })
}

// DenseOps are the fused dense layers: a matrix product, a bias and an
// activation in one pass forward, and the three gradients in one pass back.
type DenseOps interface {
	// DenseForward computes y = act(x·w + b).
	// x is (batch, in), w is (in, out), b is (out), y is (batch, out).
	DenseForward(y, x, w, b Buf, batch, in, out int, act Activation)

	// DenseBackward is the backward pass of DenseForward, given its output y
	// and the gradient dy of the loss with respect to y. With
	// dz = dy ⊙ act'(y) (act' computed from y):
	//   dx = dz·wᵀ        (skipped when dx is nil)
	//   dw = xᵀ·dz        (overwritten; skipped when dw is nil)
	//   db = Σ_rows dz    (overwritten; skipped when db is nil)
	// x is (batch, in), w is (in, out), y and dy are (batch, out),
	// dx is (batch, in), dw is (in, out), db is (out). dy is not modified.
	DenseBackward(dx, dw, db, dy, x, w, y Buf, batch, in, out int, act Activation)
}
