package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"gan-train/model"
)

// benchLayers are the dense layers of the Edward (seed) preset and of the
// quality preset, as the trainer runs them. Edward: G is 100 -> 128 ReLU ->
// 784 sigmoid on 128 rows, D is 784 -> 128 ReLU -> 1 on 256 rows (128 real
// and 128 fake). Quality (names starting with q): G is 110 (latent 100 and a
// one-hot label) -> 256 -> 512 leaky ReLU -> 784 tanh on 64 rows, D is 794
// -> 512 -> 256 leaky ReLU -> 1 on 128 rows. bench/torch_layers.py times the
// same layers in PyTorch.
var benchLayers = []struct {
	name           string
	batch, in, out int
	act            model.Activation
}{
	{"G1_128x100x128", 128, 100, 128, model.ReLU},
	{"G2_128x128x784", 128, 128, 784, model.Sigmoid},
	{"D1_256x784x128", 256, 784, 128, model.ReLU},
	{"D2_256x128x1", 256, 128, 1, model.Identity},
	{"qG1_64x110x256", 64, 110, 256, model.LeakyReLU},
	{"qG2_64x256x512", 64, 256, 512, model.LeakyReLU},
	{"qG3_64x512x784", 64, 512, 784, model.Tanh},
	{"qD1_128x794x512", 128, 794, 512, model.LeakyReLU},
	{"qD2_128x512x256", 128, 512, 256, model.LeakyReLU},
	{"qD3_128x256x1", 128, 256, 1, model.Identity},
}

func gflops(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// cpuTimer reports the process CPU time per op (cpu-ns/op) of a benchmark
// when stopped: with GOMAXPROCS=1 it is the time the benchmark ran, however
// many other processes shared the core (bench/cpu-vs-torch.sh compares it
// with PyTorch's CPU time).
type cpuTimer struct{ start int64 }

func startCPUTimer() cpuTimer {
	t, _ := processCPU()
	return cpuTimer{t}
}

func (c cpuTimer) report(b *testing.B) {
	if t, ok := processCPU(); ok {
		b.ReportMetric(float64(t-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkDenseForward(b *testing.B) {
	for _, g := range gemms {
		be := New(Options{GEMM: g.gemm})
		for _, l := range benchLayers {
			b.Run(g.name+"/"+l.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				x := upload(nil, be, randSlice(r, l.batch*l.in, -1, 1))
				w := upload(nil, be, randSlice(r, l.in*l.out, -0.1, 0.1))
				bias := upload(nil, be, randSlice(r, l.out, -0.1, 0.1))
				y := upload(nil, be, make([]float32, l.batch*l.out))
				b.ResetTimer()
				ct := startCPUTimer()
				for range b.N {
					be.DenseForward(y, x, w, bias, l.batch, l.in, l.out, l.act)
				}
				ct.report(b)
				gflops(b, float64(2*l.batch*l.in*l.out))
			})
		}
	}
}

func BenchmarkDenseBackward(b *testing.B) {
	for _, g := range gemms {
		be := New(Options{GEMM: g.gemm})
		for _, l := range benchLayers {
			b.Run(g.name+"/"+l.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				x := upload(nil, be, randSlice(r, l.batch*l.in, -1, 1))
				w := upload(nil, be, randSlice(r, l.in*l.out, -0.1, 0.1))
				y := upload(nil, be, randSlice(r, l.batch*l.out, 0.01, 0.99))
				dy := upload(nil, be, randSlice(r, l.batch*l.out, -1, 1))
				dx := upload(nil, be, make([]float32, l.batch*l.in))
				dw := upload(nil, be, make([]float32, l.in*l.out))
				db := upload(nil, be, make([]float32, l.out))
				b.ResetTimer()
				ct := startCPUTimer()
				for range b.N {
					be.DenseBackward(dx, dw, db, dy, x, w, y, l.batch, l.in, l.out, l.act)
				}
				ct.report(b)
				gflops(b, float64(4*l.batch*l.in*l.out))
			})
		}
	}
}

// BenchmarkGonumSgemm is the baseline: gonum's Sgemm (pure Go with SSE
// assembly kernels, parallel over GOMAXPROCS) on the forward products of
// the same layers, without bias or activation.
func BenchmarkGonumSgemm(b *testing.B) {
	for _, l := range benchLayers {
		b.Run(l.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x := blas32.General{Rows: l.batch, Cols: l.in, Stride: l.in, Data: randSlice(r, l.batch*l.in, -1, 1)}
			w := blas32.General{Rows: l.in, Cols: l.out, Stride: l.out, Data: randSlice(r, l.in*l.out, -0.1, 0.1)}
			y := blas32.General{Rows: l.batch, Cols: l.out, Stride: l.out, Data: make([]float32, l.batch*l.out)}
			b.ResetTimer()
			for range b.N {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, x, w, 0, y)
			}
			gflops(b, float64(2*l.batch*l.in*l.out))
		})
	}
}

// edwardStep holds the networks and buffers of one Edward GAN training step.
type edwardStep struct {
	be             *Backend
	g, d           *model.Net
	pixels, real   model.Buf // (128, 784) grey levels and their binarization
	dIn            model.Buf // (256, 784): real rows, then fake rows
	z, loss        model.Buf
	noiseC, tG, tD model.Buf
}

const edwardBatch, edwardLatent, edwardHidden, edwardPixels = 128, 100, 128, 784

func newEdwardStep(tb testing.TB, be *Backend) *edwardStep {
	gSpec := model.NetSpec{In: edwardLatent, Layers: []model.NetLayer{model.DenseLayer(edwardHidden, model.ReLU), model.DenseLayer(edwardPixels, model.Sigmoid)}, Init: model.Glorot}
	dSpec := model.NetSpec{In: edwardPixels, Layers: []model.NetLayer{model.DenseLayer(edwardHidden, model.ReLU), model.DenseLayer(1, model.Identity)}, Init: model.Glorot}
	g, err := model.NewNet(be, gSpec, edwardBatch)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := model.NewNet(be, dSpec, 2*edwardBatch)
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.InitParams(1, 0); err != nil {
		tb.Fatal(err)
	}
	if err := d.InitParams(1, 1); err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	s := &edwardStep{be: be, g: g, d: d,
		pixels: upload(tb, be, randSlice(r, edwardBatch*edwardPixels, 0, 1)),
		dIn:    upload(tb, be, make([]float32, 2*edwardBatch*edwardPixels)),
		z:      upload(tb, be, make([]float32, edwardBatch*edwardLatent)),
		loss:   upload(tb, be, []float32{0}),
		noiseC: upload(tb, be, []float32{0}), tG: upload(tb, be, []float32{0}), tD: upload(tb, be, []float32{0}),
	}
	s.real = be.View(s.dIn, 0, edwardBatch*edwardPixels)
	return s
}

// step runs one training step: D on 128 real (binarized) and 128 fake rows,
// then G through D with the non-saturating loss, each followed by Adam.
func (s *edwardStep) step() {
	be, g, d := s.be, s.g, s.d
	const n, half = 2 * edwardBatch, edwardBatch
	be.IncCounter(s.noiseC)
	be.Binarize(s.real, s.pixels, 1, 2, s.noiseC)
	be.Noise(s.z, model.UniformPM1, 1, 3, s.noiseC)

	// Discriminator: real rows labelled 1, fake rows 0.
	fake := g.Forward(s.z, half)
	be.Copy(be.View(s.dIn, half*edwardPixels, half*edwardPixels), fake)
	logits := d.Forward(s.dIn, n)
	dl := d.OutputGrad(n)
	be.LogitBCE(be.View(dl, 0, half), s.loss, be.View(logits, 0, half), 1, 1.0/half)
	be.LogitBCE(be.View(dl, half, half), s.loss, be.View(logits, half, half), 0, 1.0/half)
	d.Backward(s.dIn, n, true, false)
	be.IncCounter(s.tD)
	d.Step(model.DefaultAdam(), s.tD)

	// Generator: fake rows labelled 1 through the updated D.
	fakeRows := be.View(s.dIn, half*edwardPixels, half*edwardPixels)
	logits = d.Forward(fakeRows, half)
	be.LogitBCE(d.OutputGrad(half), s.loss, logits, 1, 1.0/half)
	dfake := d.Backward(fakeRows, half, false, true)
	be.Copy(g.OutputGrad(half), dfake)
	g.Backward(s.z, half, true, false)
	be.IncCounter(s.tG)
	g.Step(model.DefaultAdam(), s.tG)
}

// edwardStepFLOPs counts the multiply-adds (times two) of step.
func edwardStepFLOPs() float64 {
	mm := func(m, k, n int) float64 { return float64(2 * m * k * n) }
	const b, z, h, p = edwardBatch, edwardLatent, edwardHidden, edwardPixels
	f := mm(b, z, h) + mm(b, h, p)                     // G forward
	f += mm(2*b, p, h) + mm(2*b, h, 1)                 // D forward, 256 rows
	f += mm(p, 2*b, h) + mm(h, 2*b, 1) + mm(2*b, 1, h) // D backward: dW1, dW2, dx of layer 2
	f += mm(b, p, h) + mm(b, h, 1)                     // D forward on the fake rows
	f += mm(b, 1, h) + mm(b, h, p)                     // D backward to the input
	f += mm(h, b, p) + mm(b, p, h) + mm(z, b, h)       // G backward: dW2, dx of layer 2, dW1
	return f
}

func BenchmarkEdwardStep(b *testing.B) {
	for _, g := range gemms {
		for _, w := range []int{1, 0} {
			be := New(Options{Workers: w, GEMM: g.gemm})
			b.Run(fmt.Sprintf("%s/workers=%d", g.name, be.Workers()), func(b *testing.B) {
				s := newEdwardStep(b, be)
				s.step()
				b.ResetTimer()
				for range b.N {
					s.step()
				}
				if err := be.Sync(); err != nil {
					b.Fatal(err)
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(b.N)/sec, "steps/s")
				b.ReportMetric(edwardStepFLOPs()*float64(b.N)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// TestEdwardStepRuns checks that the benchmark's step is finite and that
// training moves the parameters.
func TestEdwardStepRuns(t *testing.T) {
	if f := edwardStepFLOPs(); f < 0.2e9 || f > 0.3e9 {
		t.Errorf("edward step FLOPs = %.3g, want about 0.26e9", f)
	}
	s := newEdwardStep(t, New(Options{}))
	before := append([]float32(nil), Slice(s.g.Params)...)
	for range 3 {
		s.step()
	}
	if err := s.be.Sync(); err != nil {
		t.Fatal(err)
	}
	if l := Slice(s.loss)[0]; l != l || l <= 0 {
		t.Errorf("generator loss after 3 steps = %v, want a positive number", l)
	}
	moved := 0
	for i, v := range Slice(s.g.Params) {
		if v != before[i] {
			moved++
		}
	}
	if moved == 0 {
		t.Error("3 training steps left every generator parameter unchanged")
	}
}

// BenchmarkPackB times the packing of B into panels of 16 columns (the
// AVX2 product's, packPanel; the portable kernel's panels are narrower) for the
// transposed B of the backward pass's dx = dz·wᵀ (k = out, n = in) and the
// plain B of the forward pass (k = in, n = out), on the largest quality
// layer (794 x 512).
func BenchmarkPackB(b *testing.B) {
	const in, out, nr = 794, 512, 16
	r := rand.New(rand.NewPCG(1, 2))
	w := randSlice(r, in*out, -1, 1)
	for _, c := range []struct {
		name string
		op   operand
		k, n int
	}{{"transposed_k512_n794", operand{w, out, true}, out, in}, {"plain_k794_n512", operand{w, out, false}, in, out}} {
		b.Run(c.name, func(b *testing.B) {
			be := New(Options{GEMM: AVX2GEMM})
			np := (c.n + nr - 1) / nr
			dst := make([]float32, np*nr*c.k)
			b.ResetTimer()
			ct := startCPUTimer()
			for range b.N {
				for jp := 0; jp < np; jp++ {
					be.packPanel(dst[jp*nr*c.k:(jp+1)*nr*c.k], c.op, jp*nr, c.n, c.k)
				}
			}
			ct.report(b)
		})
	}
}

// BenchmarkEpilogueShare measures what each layer's activation costs on
// top of its product (issue 14: at most 20%): DenseForward and
// DenseBackward with the layer's activation and with the identity, the two
// alternating op by op, reported as the extra time in percent of the
// identity's (epilogue-%). An op is one forward and one backward pass.
// The times compared are the medians over the ops of each pass (they were
// sums until the issue-14 follow-up): on a machine whose cores other
// processes share, a pass that loses its core now and then adds its wait
// to a sum, and the share of G2's sigmoid swung from -5% to 31% between
// runs of 300 ops; a median leaves those passes out.
func BenchmarkEpilogueShare(b *testing.B) {
	be := New(Options{Workers: 1})
	for _, l := range benchLayers {
		if l.act == model.Identity {
			continue
		}
		b.Run(l.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x := upload(b, be, randSlice(r, l.batch*l.in, -1, 1))
			w := upload(b, be, randSlice(r, l.in*l.out, -0.1, 0.1))
			bias := upload(b, be, randSlice(r, l.out, -0.1, 0.1))
			y := upload(b, be, make([]float32, l.batch*l.out))
			dy := upload(b, be, randSlice(r, l.batch*l.out, -1, 1))
			dx := upload(b, be, make([]float32, l.batch*l.in))
			dw := upload(b, be, make([]float32, l.in*l.out))
			db := upload(b, be, make([]float32, l.out))
			var fwd, bwd [2][]time.Duration // [identity, activation], one per op
			b.ResetTimer()
			for range b.N {
				for i, act := range []model.Activation{model.Identity, l.act} {
					t0 := time.Now()
					be.DenseForward(y, x, w, bias, l.batch, l.in, l.out, act)
					t1 := time.Now()
					be.DenseBackward(dx, dw, db, dy, x, w, y, l.batch, l.in, l.out, act)
					fwd[i] = append(fwd[i], t1.Sub(t0))
					bwd[i] = append(bwd[i], time.Since(t1))
				}
			}
			share := func(t [2][]time.Duration) float64 {
				id, ac := medianDuration(t[0]), medianDuration(t[1])
				return 100 * float64(ac-id) / float64(id)
			}
			b.ReportMetric(share(fwd), "fwd-epilogue-%")
			b.ReportMetric(share(bwd), "bwd-epilogue-%")
		})
	}
}

// BenchmarkBatchOps times the per-step operations of the Edward trainer
// outside the products, on its shapes: gathering a batch of 128 rows of
// 784 bytes (GatherBytes), binarizing it (Binarize) and the squared norm
// of D's gradients (SumSquares, 100,609 floats).
func BenchmarkBatchOps(b *testing.B) {
	be := New(Options{Workers: 1})
	r := rand.New(rand.NewPCG(1, 2))
	const rows, cols, n = 128, 784, 60000 // n: as many rows as MNIST (47 MB, more than the caches)
	raw := make([]uint8, n*cols)
	for i := range raw {
		raw[i] = uint8(r.IntN(256))
	}
	src, err := be.Alloc(n * cols / 4)
	if err != nil {
		b.Fatal(err)
	}
	if err := be.UploadBytes(src, raw); err != nil {
		b.Fatal(err)
	}
	tab := make([]float32, 256)
	for i := range tab {
		tab[i] = float32(i) / 255
	}
	perm := make([]float32, n)
	for i, k := range r.Perm(n) {
		perm[i] = float32(k)
	}
	dst := upload(b, be, make([]float32, rows*cols))
	table, permBuf := upload(b, be, tab), upload(b, be, perm)
	bc := upload(b, be, []float32{0})
	b.Run("GatherBytes", func(b *testing.B) {
		ct := startCPUTimer()
		for i := range b.N {
			be.SetCounter(bc, uint32(i%(n/rows))) // every batch of an epoch in turn
			be.GatherBytes(dst, src, table, permBuf, cols, bc)
		}
		ct.report(b)
	})
	pix := upload(b, be, randSlice(r, rows*cols, 0, 1))
	b.Run("Binarize", func(b *testing.B) {
		ct := startCPUTimer()
		for range b.N {
			be.Binarize(dst, pix, 1, 2, bc)
		}
		ct.report(b)
	})
	grads := upload(b, be, randSlice(r, 784*128+128+128+1, -1, 1))
	out := upload(b, be, []float32{0})
	b.Run("SumSquares", func(b *testing.B) {
		ct := startCPUTimer()
		for range b.N {
			be.SumSquares(out, grads)
		}
		ct.report(b)
	})
}

// medianDuration returns the median of d (the mean of the middle two for
// an even count), sorting d.
func medianDuration(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	if n := len(d); n%2 == 0 {
		return (d[n/2-1] + d[n/2]) / 2
	}
	return d[len(d)/2]
}
