//go:build !cuda

// gorgonia.org/gorgonia built with the cuda tag compiles its own CUDA
// engine, which needs cuDNN; the oracle runs in the default build.

package cpu

// The hand-written backward passes checked against gorgonia's symbolic
// differentiation: the same layer, loss and network are built as float64
// gorgonia graphs, gorgonia.Grad derives their gradients, and a tape
// machine evaluates them.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gan-train/model"
)

// oracleTol bounds |ours-gorgonia| <= atol + rtol*|gorgonia|: our float32
// arithmetic against gorgonia's float64.
const oracleAtol, oracleRtol = 2e-5, 2e-4

func f64(x []float32) []float64 {
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return d
}

// gnode is a float64 gorgonia matrix node of shape (rows, cols) holding v.
func gnode(g *G.ExprGraph, name string, v []float32, rows, cols int) *G.Node {
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(f64(v)))
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name), G.WithValue(t))
}

// gdense builds act(x·w + b) with b a (1, out) row broadcast over the batch.
func gdense(x, w, b *G.Node, act model.Activation) *G.Node {
	z := G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w)), b, nil, []byte{0}))
	switch act {
	case model.ReLU:
		return G.Must(G.Rectify(z))
	case model.LeakyReLU:
		// relu(z) - slope*relu(-z)
		neg := G.Must(G.Rectify(G.Must(G.Neg(z))))
		slope := G.NewConstant(float64(model.LeakySlope))
		return G.Must(G.Sub(G.Must(G.Rectify(z)), G.Must(G.Mul(slope, neg))))
	case model.Sigmoid:
		return G.Must(G.Sigmoid(z))
	case model.Tanh:
		return G.Must(G.Tanh(z))
	}
	return z
}

// gbce builds scale * Σ_i max(x_i,0) - x_i*y + log1p(exp(-|x_i|)).
func gbce(x *G.Node, target, scale float64) *G.Node {
	l := G.Must(G.Sub(G.Must(G.Rectify(x)), G.Must(G.Mul(G.NewConstant(target), x))))
	l = G.Must(G.Add(l, G.Must(G.Log1p(G.Must(G.Exp(G.Must(G.Neg(G.Must(G.Abs(x))))))))))
	return G.Must(G.Mul(G.NewConstant(scale), G.Must(G.Sum(l))))
}

// run evaluates the graph and returns the values of nodes as float64 slices.
func run(t *testing.T, g *G.ExprGraph, nodes ...*G.Node) [][]float64 {
	t.Helper()
	// Without TraceExec, gorgonia v0.9.18's tape machine reuses the memory of
	// intermediate nodes: the values read back for sigmoid and tanh layer
	// outputs were overwritten by later operations.
	m := G.NewTapeMachine(g, G.TraceExec())
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("gorgonia RunAll: %v", err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		switch v := n.Value().(type) {
		case tensor.Tensor:
			out[i] = append([]float64(nil), v.Data().([]float64)...)
		case *G.F64:
			out[i] = []float64{float64(*v)}
		default:
			t.Fatalf("gorgonia value of %v has type %T", n, v)
		}
	}
	return out
}

func compare(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= oracleAtol+oracleRtol*math.Abs(want[i])) {
			if bad < 3 {
				t.Errorf("%s[%d]: ours %v, gorgonia %v", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(got))
	}
}

func TestOracleDense(t *testing.T) {
	const batch, in, out = 7, 13, 11
	be := New(Options{Workers: 2})
	for _, act := range []model.Activation{model.Identity, model.ReLU, model.LeakyReLU, model.Sigmoid, model.Tanh} {
		t.Run(act.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(act), 1))
			x := randSlice(r, batch*in, -1, 1)
			w := randSlice(r, in*out, -0.6, 0.6)
			bias := randSlice(r, out, -0.5, 0.5)
			c := randSlice(r, batch*out, -1, 1) // dL/dy for L = Σ y ⊙ c

			g := G.NewGraph()
			gx, gw, gb := gnode(g, "x", x, batch, in), gnode(g, "w", w, in, out), gnode(g, "b", bias, 1, out)
			gc := gnode(g, "c", c, batch, out)
			gy := gdense(gx, gw, gb, act)
			loss := G.Must(G.Sum(G.Must(G.HadamardProd(gy, gc))))
			grads, err := G.Grad(loss, gx, gw, gb)
			if err != nil {
				t.Fatalf("gorgonia Grad: %v", err)
			}
			want := run(t, g, gy, grads[0], grads[1], grads[2])

			y := upload(t, be, make([]float32, batch*out))
			xb, wb := upload(t, be, x), upload(t, be, w)
			be.DenseForward(y, xb, wb, upload(t, be, bias), batch, in, out, act)
			dx, dw, db := upload(t, be, make([]float32, batch*in)), upload(t, be, make([]float32, in*out)), upload(t, be, make([]float32, out))
			be.DenseBackward(dx, dw, db, upload(t, be, c), xb, wb, y, batch, in, out, act)
			compare(t, "y", Slice(y), want[0])
			compare(t, "dx", Slice(dx), want[1])
			compare(t, "dw", Slice(dw), want[2])
			compare(t, "db", Slice(db), want[3])
		})
	}
}

func TestOracleLogitBCE(t *testing.T) {
	be := New(Options{})
	for _, tc := range []struct{ target, scale float32 }{{1, 1.0 / 9}, {0, 1.0 / 9}, {0.9, -0.5}} {
		t.Run(fmt.Sprintf("target=%v,scale=%v", tc.target, tc.scale), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(tc.target*10)))
			x := randSlice(r, 9, -6, 6)
			x[0], x[1] = 25, -25
			g := G.NewGraph()
			gx := gnode(g, "x", x, 9, 1)
			loss := gbce(gx, float64(tc.target), float64(tc.scale))
			grads, err := G.Grad(loss, gx)
			if err != nil {
				t.Fatalf("gorgonia Grad: %v", err)
			}
			want := run(t, g, loss, grads[0])
			l, dx := upload(t, be, []float32{0}), upload(t, be, make([]float32, 9))
			be.LogitBCE(dx, l, upload(t, be, x), tc.target, tc.scale)
			compare(t, "loss", Slice(l), want[0])
			compare(t, "dx", Slice(dx), want[1])
		})
	}
}

// TestOracleMLP checks model.Net's Backward on the CPU backend, for a
// two-layer discriminator with the logit BCE loss, against gorgonia.
func TestOracleMLP(t *testing.T) {
	const batch, in, hidden = 9, 13, 17
	for _, act := range []model.Activation{model.ReLU, model.LeakyReLU, model.Tanh} {
		t.Run(act.String(), func(t *testing.T) {
			be := New(Options{Workers: 3})
			spec := model.NetSpec{In: in, Layers: []model.NetLayer{model.DenseLayer(hidden, act), model.DenseLayer(1, model.Identity)}, Init: model.Glorot}
			net, err := model.NewNet(be, spec, batch)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Free()
			if err := net.InitParams(11, 0); err != nil {
				t.Fatal(err)
			}
			// Non-zero biases, so that their role is checked too.
			r := rand.New(rand.NewPCG(5, uint64(act)))
			copy(Slice(net.B[0]), randSlice(r, hidden, -0.3, 0.3))
			copy(Slice(net.B[1]), randSlice(r, 1, -0.3, 0.3))
			x := randSlice(r, batch*in, 0, 1)
			xb := upload(t, be, x)
			const target, scale = 0.9, 1.0 / batch

			logits := net.Forward(xb, batch)
			loss := upload(t, be, []float32{0})
			be.LogitBCE(net.OutputGrad(batch), loss, logits, target, scale)
			dxb := net.Backward(xb, batch, true, true)
			if err := be.Sync(); err != nil {
				t.Fatal(err)
			}

			g := G.NewGraph()
			gx := gnode(g, "x", x, batch, in)
			gw0 := gnode(g, "w0", Slice(net.W[0]), in, hidden)
			gb0 := gnode(g, "b0", Slice(net.B[0]), 1, hidden)
			gw1 := gnode(g, "w1", Slice(net.W[1]), hidden, 1)
			gb1 := gnode(g, "b1", Slice(net.B[1]), 1, 1)
			h := gdense(gx, gw0, gb0, act)
			out := gdense(h, gw1, gb1, model.Identity)
			gl := gbce(out, target, scale)
			grads, err := G.Grad(gl, gx, gw0, gb0, gw1, gb1)
			if err != nil {
				t.Fatalf("gorgonia Grad: %v", err)
			}
			want := run(t, g, gl, grads[0], grads[1], grads[2], grads[3], grads[4])
			compare(t, "loss", Slice(loss), want[0])
			compare(t, "dx", Slice(dxb), want[1])
			compare(t, "dW0", Slice(net.DW[0]), want[2])
			compare(t, "db0", Slice(net.DB[0]), want[3])
			compare(t, "dW1", Slice(net.DW[1]), want[4])
			compare(t, "db1", Slice(net.DB[1]), want[5])
		})
	}
}
