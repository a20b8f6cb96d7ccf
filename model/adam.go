package model

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

// OptimiserOps update parameters from their gradients.
type OptimiserOps interface {
	// Adam updates the parameters p in place from their gradient g and the
	// moment estimates m and v (all the same length), at the step count t
	// read from the counter tc (t >= 1):
	//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g²
	//   p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
	Adam(p, g, m, v Buf, hp Adam, tc Buf)
}
