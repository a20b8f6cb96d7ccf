package model

// LossOps compute the training objectives fused with their gradients, and
// the reductions behind the statistics a run reports.
type LossOps interface {
	// LogitBCE is the binary cross-entropy of logits x against a constant
	// target y, fused with its gradient, stable for any logit:
	//   l_i = max(x_i,0) - x_i*y + log1p(exp(-|x_i|))
	//   loss[0] = scale * Σ_i l_i
	//   dx_i = scale * (sigmoid(x_i) - y)      (skipped when dx is nil)
	// x and dx are (n), loss is (1).
	LogitBCE(dx, loss, x Buf, target, scale float32)

	// SoftmaxXent is softmax cross-entropy against integer class labels
	// (stored as float32), fused with its gradient:
	//   p = softmax(x_r); loss[0] = scale * Σ_r -log p[label_r]
	//   dx_r = scale * (p - onehot(label_r))    (skipped when dx is nil)
	// x and dx are (batch, classes), labels is (batch), loss is (1).
	SoftmaxXent(dx, loss, x, labels Buf, batch, classes int, scale float32)

	// FDivLoss sums one term of the f-GAN objective (Nowozin et al. 2016)
	// over the logits x, fused with its gradient; with h = T or F of div
	// (the table of FDivergence, fgan.go) as term says:
	//   loss[0] = scale * Σ_i h(x_i)
	//   dx_i    = scale * h'(x_i)      (skipped when dx is nil)
	// x and dx are (n), loss is (1). div must not be FNone.
	FDivLoss(dx, loss, x Buf, div FDivergence, term FTerm, scale float32)

	// MeanSigmoid sets out[0] = mean_i sigmoid(x_i): mean D(x) from logits.
	MeanSigmoid(out, x Buf)
	// SumSquares sets out[0] = Σ_i x_i²: squared gradient norms.
	SumSquares(out, x Buf)
}
