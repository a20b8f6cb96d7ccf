package model

// Objective is the game a GAN's two networks play, chosen once when a
// trainer is built: the loss the discriminator minimises on its logits for
// a batch of real and a batch of generated rows, and the loss the
// generator minimises on the logits of its own batch. Each method writes
// the loss, summed over the batch and divided by its size, into a
// one-element Buf and the gradient with respect to each logit into the
// Buf beside it, through the backend's LossOps.
type Objective interface {
	// DiscLoss: lr and lf are the logits of the real and the generated
	// rows (batch each); dlr and dlf their gradients; lossReal and
	// lossFake the two halves of the loss.
	DiscLoss(be Backend, dlr, dlf, lossReal, lossFake, lr, lf Buf, batch int)
	// GenLoss: logits (batch) of the generated rows through the fixed
	// discriminator, their gradient dl, and the loss.
	GenLoss(be Backend, dl, loss, logits Buf, batch int)
}

// Logistic is the objective of Goodfellow et al. 2014: D minimises the
// binary cross-entropy of its logits against 1 for real rows (1 minus
// LabelSmoothing, one-sided smoothing as in Salimans et al. 2016) and 0
// for generated rows. G minimises -mean log D(G(z)) (the non-saturating
// loss), or with Minimax mean log(1 - D(G(z))), the game's own value.
type Logistic struct {
	LabelSmoothing float32
	Minimax        bool
}

// DiscLoss is mean BCE(lr, 1-LabelSmoothing) + mean BCE(lf, 0).
func (o Logistic) DiscLoss(be Backend, dlr, dlf, lossReal, lossFake, lr, lf Buf, batch int) {
	be.LogitBCE(dlr, lossReal, lr, 1-o.LabelSmoothing, 1/float32(batch))
	be.LogitBCE(dlf, lossFake, lf, 0, 1/float32(batch))
}

// GenLoss is mean BCE(logit, 1), or with Minimax -mean BCE(logit, 0).
func (o Logistic) GenLoss(be Backend, dl, loss, logits Buf, batch int) {
	if o.Minimax {
		be.LogitBCE(dl, loss, logits, 0, -1/float32(batch))
		return
	}
	be.LogitBCE(dl, loss, logits, 1, 1/float32(batch))
}

// VDM is the variational divergence minimisation (f-GAN) of Nowozin et al. 2016
// for the f-divergence Div: D maximises E_real[T(v)] - E_fake[F(v)] (it
// minimises the negative); G maximises E_fake[T(v)], their alternative to
// the saddle point, or with Minimax minimises -E_fake[F(v)], the saddle
// point itself. T and F are the two terms of FDivergence's table.
type VDM struct {
	Div     FDivergence
	Minimax bool
}

// DiscLoss is -mean T(lr) + mean F(lf).
func (o VDM) DiscLoss(be Backend, dlr, dlf, lossReal, lossFake, lr, lf Buf, batch int) {
	be.FDivLoss(dlr, lossReal, lr, o.Div, FActivation, -1/float32(batch))
	be.FDivLoss(dlf, lossFake, lf, o.Div, FConjugate, 1/float32(batch))
}

// GenLoss is -mean T(logit), or with Minimax -mean F(logit).
func (o VDM) GenLoss(be Backend, dl, loss, logits Buf, batch int) {
	term := FActivation
	if o.Minimax {
		term = FConjugate
	}
	be.FDivLoss(dl, loss, logits, o.Div, term, -1/float32(batch))
}
