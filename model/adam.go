package model

import (
	"fmt"
	"math"
)

// Adam holds Adam's hyperparameters (Kingma and Ba 2015).
type Adam struct {
	LR    float32 `yaml:"lr" json:"lr"`
	Beta1 float32 `yaml:"beta1" json:"beta1"`
	Beta2 float32 `yaml:"beta2" json:"beta2"`
	Eps   float32 `yaml:"eps" json:"eps"`
}

// DefaultAdam is the paper's default setting (and TensorFlow's, which the
// Edward tutorial uses): lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8.
func DefaultAdam() Adam { return Adam{LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Validate reports the first setting of a that Adam cannot run with. The
// message starts with the setting's name (lr, beta1, beta2, eps), so that a
// caller can name the optimiser in front of it.
func (a Adam) Validate() error {
	switch {
	case !(a.LR > 0) || math.IsInf(float64(a.LR), 0):
		return fmt.Errorf("lr %v: must be positive and finite", a.LR)
	case !(a.Beta1 >= 0 && a.Beta1 < 1):
		return fmt.Errorf("beta1 %v: must be in [0,1)", a.Beta1)
	case !(a.Beta2 >= 0 && a.Beta2 < 1):
		return fmt.Errorf("beta2 %v: must be in [0,1)", a.Beta2)
	case !(a.Eps > 0):
		return fmt.Errorf("eps %v: must be positive", a.Eps)
	}
	return nil
}

// OptimiserOps update parameters from their gradients.
type OptimiserOps interface {
	// Adam updates the parameters p in place from their gradient g and the
	// moment estimates m and v (all the same length), at the step count t
	// read from the counter tc (t >= 1):
	//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g²
	//   p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
	Adam(p, g, m, v Buf, hp Adam, tc Buf)
}
