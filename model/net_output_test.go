package model_test

import (
	"math"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// SetParams loads a network that then runs forward, and LayerOutput gives
// each layer's activations of that pass: checked against the products
// worked out here on the host.
func TestSetParamsAndLayerOutput(t *testing.T) {
	be := cpu.New(cpu.Options{})
	spec := model.NetSpec{In: 3, Init: model.He, Layers: []model.NetLayer{model.DenseLayer(2, model.ReLU), model.DenseLayer(1, model.Identity)}}
	net, err := model.NewNet(be, spec, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Free()
	// W0 (3, 2), b0 (2), W1 (2, 1), b1 (1)
	params := []float32{1, -1, 2, 0.5, -1, 1, 0.25, -0.5, 2, -3, 0.5}
	if err := net.SetParams(params); err != nil {
		t.Fatal(err)
	}
	if err := net.SetParams(params[:5]); err == nil {
		t.Error("SetParams of 5 values for 11 parameters: no error")
	}
	x := []float32{1, 2, 3, -1, 0, 2}
	xb, err := be.Alloc(len(x))
	if err != nil {
		t.Fatal(err)
	}
	if err := be.Upload(xb, x); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 2)
	if err := be.Download(out, net.Forward(xb, 2)); err != nil {
		t.Fatal(err)
	}
	hidden := make([]float32, 4)
	if err := be.Download(hidden, net.LayerOutput(0, 2)); err != nil {
		t.Fatal(err)
	}
	last := make([]float32, 2)
	if err := be.Download(last, net.LayerOutput(1, 2)); err != nil {
		t.Fatal(err)
	}
	// row 0: z = (1+4-3+0.25, -1+1+3-0.5) = (2.25, 2.5); relu; y = 2*2.25 - 3*2.5 + 0.5 = -2.5
	// row 1: z = (-1+0-2+0.25, 1+0+2-0.5) = (-2.75, 2.5) -> (0, 2.5); y = -7.5 + 0.5 = -7
	wantHidden, wantOut := []float32{2.25, 2.5, 0, 2.5}, []float32{-2.5, -7}
	for i, v := range wantHidden {
		if math.Abs(float64(hidden[i]-v)) > 1e-6 {
			t.Errorf("hidden[%d] = %v, want %v", i, hidden[i], v)
		}
	}
	for i, v := range wantOut {
		if out[i] != last[i] || math.Abs(float64(out[i]-v)) > 1e-6 {
			t.Errorf("output[%d] = %v (LayerOutput %v), want %v", i, out[i], last[i], v)
		}
	}
}

// A network with dropout runs forward without it when no counter is given
// (Forward): its layers pass their values through unchanged, and Backward
// after it passes the gradient through the same way.
func TestForwardWithoutDropout(t *testing.T) {
	be := cpu.New(cpu.Options{})
	plain := model.NetSpec{In: 3, Init: model.He, Layers: []model.NetLayer{model.DenseLayer(4, model.ReLU), model.DenseLayer(1, model.Identity)}}
	drop := plain
	drop.Layers = []model.NetLayer{{Units: 4, Pieces: 1, Act: model.ReLU, Dropout: 0.5}, model.DenseLayer(1, model.Identity)}
	x := []float32{1, 2, 3, -1, 0, 2}
	var outs, grads [2][]float32
	for i, spec := range []model.NetSpec{plain, drop} {
		net, err := model.NewNet(be, spec, 2)
		if err != nil {
			t.Fatal(err)
		}
		defer net.Free()
		if err := net.InitParams(3, 1); err != nil {
			t.Fatal(err)
		}
		xb, err := be.Alloc(len(x))
		if err != nil {
			t.Fatal(err)
		}
		if err := be.Upload(xb, x); err != nil {
			t.Fatal(err)
		}
		outs[i] = make([]float32, 2)
		if err := be.Download(outs[i], net.Forward(xb, 2)); err != nil {
			t.Fatal(err)
		}
		if err := be.Upload(net.OutputGrad(2), []float32{1, -1}); err != nil {
			t.Fatal(err)
		}
		grads[i] = make([]float32, len(x))
		if err := be.Download(grads[i], net.Backward(xb, 2, true, true)); err != nil {
			t.Fatal(err)
		}
		if err := be.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	for k := range outs[0] {
		if outs[0][k] != outs[1][k] {
			t.Errorf("output %d: %v with dropout off, %v without dropout layers", k, outs[1][k], outs[0][k])
		}
	}
	for k := range grads[0] {
		if grads[0][k] != grads[1][k] {
			t.Errorf("input gradient %d: %v with dropout off, %v without dropout layers", k, grads[1][k], grads[0][k])
		}
	}
}
