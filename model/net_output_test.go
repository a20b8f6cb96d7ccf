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
