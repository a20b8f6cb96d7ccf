package train

import (
	"math"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// The generator's gradient flows through the discriminator: check the
// composed backward pass (D's input gradient copied into G's output
// gradient) against central finite differences of the generator loss.
func TestGeneratorGradientThroughDiscriminator(t *testing.T) {
	be := cpu.New(cpu.Options{Workers: 1})
	const B, latent = 5, 4
	gs := model.NetSpec{In: latent, Init: model.Glorot, Layers: []model.NetLayer{model.DenseLayer(6, model.ReLU), model.DenseLayer(ImageSize, model.Sigmoid)}}
	ds := model.NetSpec{In: ImageSize, Init: model.Glorot, Layers: []model.NetLayer{model.DenseLayer(7, model.LeakyReLU), model.DenseLayer(1, model.Identity)}}
	g, err := model.NewNet(be, gs, B)
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.NewNet(be, ds, B)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.InitParams(3, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.InitParams(3, 2); err != nil {
		t.Fatal(err)
	}
	z, _ := be.Alloc(B * latent)
	ctr, _ := be.Alloc(1)
	loss, _ := be.Alloc(1)
	be.Noise(z, model.UniformPM1, 9, 0, ctr)

	for _, minimax := range []bool{false, true} {
		target, scale := float32(1), float32(1)/B
		if minimax {
			target, scale = 0, -1/float32(B)
		}
		lossAt := func() float64 {
			fake := g.Forward(z, B)
			be.LogitBCE(nil, loss, d.Forward(fake, B), target, scale)
			v := make([]float32, 1)
			be.Download(v, loss)
			return float64(v[0])
		}
		fake := g.Forward(z, B)
		be.LogitBCE(d.OutputGrad(B), loss, d.Forward(fake, B), target, scale)
		dx := d.Backward(fake, B, false, true)
		be.Copy(g.OutputGrad(B), dx)
		g.Backward(z, B, true, false)
		grads := make([]float32, gs.NumParams())
		be.Download(grads, g.Grads)
		params := make([]float32, gs.NumParams())
		be.Download(params, g.Params)

		checked := 0
		for i := 0; i < len(params); i += 97 {
			const h = 1e-2
			orig := params[i]
			params[i] = orig + h
			be.Upload(g.Params, params)
			up := lossAt()
			params[i] = orig - h
			be.Upload(g.Params, params)
			down := lossAt()
			params[i] = orig
			be.Upload(g.Params, params)
			num := (up - down) / (2 * h)
			if math.Abs(num-float64(grads[i])) > 2e-3+0.05*math.Abs(num) {
				t.Errorf("minimax=%v: dLoss/dparam[%d] = %g, finite difference %g", minimax, i, grads[i], num)
			}
			if num != 0 {
				checked++
			}
		}
		if checked < 10 {
			t.Errorf("only %d non-zero finite differences checked", checked)
		}
	}
}
