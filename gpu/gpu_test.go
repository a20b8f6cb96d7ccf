//go:build cuda

package gpu

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gan-train/cpu"
	"gan-train/model"
	"gan-train/model/backendtest"
	"gan-train/rng"
)

// These tests need a CUDA device. Build them here and run them where the
// GPU is (scripts/gpu-check.sh):
//
//	CGO_LDFLAGS=-L/usr/lib/x86_64-linux-gnu/stubs go test -c -tags cuda -o bin/gpu.test ./gpu/
//	./bin/gpu.test -test.v

func open(t testing.TB) *Backend {
	t.Helper()
	be, err := Open(0)
	if err != nil {
		t.Fatalf("Open(0): %v", err)
	}
	t.Cleanup(func() {
		if err := be.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return be
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, open(t), backendtest.DefaultTolerance())
}

func TestDeterminism(t *testing.T) {
	backendtest.Determinism(t, open(t))
}

func TestDevices(t *testing.T) {
	devs, err := Devices()
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if len(devs) == 0 {
		t.Fatal("Devices: none, want at least one")
	}
	for _, d := range devs {
		t.Logf("device %d: %s, %d MiB, compute capability %s, %d SMs", d.Ordinal, d.Name, d.TotalMemory>>20, d.ComputeCapability(), d.SMs)
		if d.Name == "" || d.TotalMemory <= 0 || d.Major < 7 || d.SMs <= 0 {
			t.Errorf("device %d: implausible %+v", d.Ordinal, d)
		}
	}
	v, err := DriverVersion()
	if err != nil {
		t.Fatalf("DriverVersion: %v", err)
	}
	t.Logf("driver supports CUDA %s; kernels built by nvcc %s", v, KernelCompiler())
	if !strings.Contains(v, ".") || KernelCompiler() == "unknown" {
		t.Errorf("DriverVersion %q, KernelCompiler %q", v, KernelCompiler())
	}
	if _, err := Open(len(devs)); err == nil {
		t.Errorf("Open(%d) with %d devices: no error", len(devs), len(devs))
	}
}

func TestProbe(t *testing.T) {
	if err := Probe(); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	desc, err := Describe()
	if err != nil || !strings.HasPrefix(desc, "cuda: device 0 ") {
		t.Fatalf("Describe() = %q, %v; want a description starting %q", desc, err, "cuda: device 0 ")
	}
	t.Log(desc)
}

// maxErr returns the largest |got-want| - (atol + rtol*|want|) over i (<= 0
// means within tolerance), with the index where it occurs.
func maxErr(got, want []float32, atol, rtol float64) (excess float64, at int) {
	excess, at = math.Inf(-1), -1
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		e := math.Abs(g-w) - (atol + rtol*math.Abs(w))
		if math.IsNaN(g) != math.IsNaN(w) {
			e = math.Inf(1)
		}
		if e > excess {
			excess, at = e, i
		}
	}
	return excess, at
}

func upload(t testing.TB, be model.Backend, data []float32) model.Buf {
	t.Helper()
	b, err := be.Alloc(len(data))
	if err != nil {
		t.Fatalf("Alloc(%d): %v", len(data), err)
	}
	if err := be.Upload(b, data); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	return b
}

func download(t testing.TB, be model.Backend, b model.Buf) []float32 {
	t.Helper()
	out := make([]float32, b.Len())
	if err := be.Download(out, b); err != nil {
		t.Fatalf("Download: %v", err)
	}
	return out
}

func randoms(r *rand.Rand, n int, lo, hi float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float32()
	}
	return x
}

// TestDenseVariants compares the tiled kernels (variant 2, both tile
// sizes) with the one-thread-per-output kernels (variant 1) on the device.
func TestDenseVariants(t *testing.T) {
	be := open(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ batch, in, out int }{
		{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {128, 100, 128}, {128, 128, 784}, {129, 785, 1}, {256, 1024, 1024},
	} {
		for act := model.Identity; act <= model.Tanh; act++ {
			x := upload(t, be, randoms(r, s.batch*s.in, -1, 1))
			w := upload(t, be, randoms(r, s.in*s.out, -0.2, 0.2))
			b := upload(t, be, randoms(r, s.out, -0.5, 0.5))
			dy := upload(t, be, randoms(r, s.batch*s.out, -1, 1))
			var bufs [8]model.Buf
			for i := range bufs {
				n := []int{s.batch * s.out, s.batch * s.out, s.batch * s.in, s.batch * s.in, s.in * s.out, s.in * s.out, s.out, s.out}[i]
				var err error
				if bufs[i], err = be.Alloc(n); err != nil {
					t.Fatal(err)
				}
			}
			y1, y2, dx1, dx2, dw1, dw2, db1, db2 := bufs[0], bufs[1], bufs[2], bufs[3], bufs[4], bufs[5], bufs[6], bufs[7]
			be.denseNaive(false, nil, nil, nil, nil, x, w, b, y1, s.batch, s.in, s.out, act)
			be.DenseForward(y2, x, w, b, s.batch, s.in, s.out, act)
			be.denseNaive(true, dx1, dw1, db1, dy, x, w, nil, y1, s.batch, s.in, s.out, act)
			be.DenseBackward(dx2, dw2, db2, dy, x, w, y1, s.batch, s.in, s.out, act)
			for _, p := range []struct {
				name   string
				v1, v2 model.Buf
			}{{"y", y1, y2}, {"dx", dx1, dx2}, {"dw", dw1, dw2}, {"db", db1, db2}} {
				g1, g2 := download(t, be, p.v1), download(t, be, p.v2)
				if e, i := maxErr(g2, g1, 1e-5, 1e-4); e > 0 {
					t.Errorf("%v %s %+v: variant 2 [%d] = %v, variant 1 %v", act, p.name, s, i, g2[i], g1[i])
				}
			}
			for _, buf := range append(bufs[:], x, w, b, dy) {
				be.Free(buf)
			}
		}
	}
	if err := be.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// ganStep is one Edward-preset GAN training step on a backend: gather a
// batch of data rows through a permutation and binarize it, a
// discriminator step on that real batch and a generated one, then a
// generator step with the non-saturating loss. Everything it reads that
// changes from step to step is in device memory (noise step, Adam steps),
// so it can be captured. The batch counter stays 0 (the same rows every
// step: the cost is that of any batch).
type ganStep struct {
	be                   model.Backend
	batch, latent, width int
	g, d                 *model.MLP
	z, dIn, data, perm   model.Buf
	gathered, bc         model.Buf
	lossR, lossF, lossG  model.Buf
	sc, tcD, tcG         model.Buf
	hp                   model.Adam
}

func edwardSpecs(latent, hidden, width int) (g, d model.MLPSpec) {
	g = model.MLPSpec{In: latent, Init: model.Glorot, Layers: []model.Layer{{Out: hidden, Act: model.ReLU}, {Out: width, Act: model.Sigmoid}}}
	d = model.MLPSpec{In: width, Init: model.Glorot, Layers: []model.Layer{{Out: hidden, Act: model.ReLU}, {Out: 1, Act: model.Identity}}}
	return g, d
}

func newGANStep(t testing.TB, be model.Backend, batch, latent, hidden, width int) *ganStep {
	t.Helper()
	gs, ds := edwardSpecs(latent, hidden, width)
	s := &ganStep{be: be, batch: batch, latent: latent, width: width, hp: model.DefaultAdam()}
	var err error
	if s.g, err = model.NewMLP(be, gs, batch); err != nil {
		t.Fatal(err)
	}
	if s.d, err = model.NewMLP(be, ds, 2*batch); err != nil {
		t.Fatal(err)
	}
	if err := s.g.InitParams(1, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.d.InitParams(1, 11); err != nil {
		t.Fatal(err)
	}
	const nData = 9000
	data := make([]float32, nData*width)
	rng.FillUniform01(data, 5, 0, 0)
	s.data = upload(t, be, data)
	perm := make([]float32, nData)
	for i := range perm {
		perm[i] = float32((i * 7919) % nData)
	}
	s.perm = upload(t, be, perm)
	for _, p := range []*model.Buf{&s.z, &s.dIn, &s.gathered, &s.bc, &s.lossR, &s.lossF, &s.lossG, &s.sc, &s.tcD, &s.tcG} {
		n := 1
		switch p {
		case &s.z:
			n = batch * latent
		case &s.dIn:
			n = 2 * batch * width
		case &s.gathered:
			n = batch * width
		}
		if *p, err = be.Alloc(n); err != nil {
			t.Fatal(err)
		}
	}
	be.SetCounter(s.sc, 0)
	be.SetCounter(s.tcD, 1)
	be.SetCounter(s.tcG, 1)
	be.SetCounter(s.bc, 0)
	if err := be.Sync(); err != nil {
		t.Fatal(err)
	}
	return s
}

// run enqueues one step.
func (s *ganStep) run() {
	be, n, w := s.be, s.batch, s.width
	inv := 1 / float32(n)
	// Discriminator: real rows then fake rows in one 2n-row batch.
	be.GatherRows(s.gathered, s.data, s.perm, w, s.bc)
	be.Binarize(be.View(s.dIn, 0, n*w), s.gathered, 3, 0, s.sc)
	be.Noise(s.z, model.UniformPM1, 3, 1, s.sc)
	fake := s.g.Forward(s.z, n)
	be.Copy(be.View(s.dIn, n*w, n*w), fake)
	out := s.d.Forward(s.dIn, 2*n)
	og := s.d.OutputGrad(2 * n)
	be.LogitBCE(be.View(og, 0, n), s.lossR, be.View(out, 0, n), 1, inv)
	be.LogitBCE(be.View(og, n, n), s.lossF, be.View(out, n, n), 0, inv)
	s.d.Backward(s.dIn, 2*n, true, false)
	s.d.Step(s.hp, s.tcD)
	// Generator: non-saturating loss -log D(G(z)).
	be.Noise(s.z, model.UniformPM1, 3, 2, s.sc)
	fake = s.g.Forward(s.z, n)
	out = s.d.Forward(fake, n)
	be.LogitBCE(s.d.OutputGrad(n), s.lossG, out, 1, inv)
	dx := s.d.Backward(fake, n, false, true)
	be.Copy(s.g.OutputGrad(n), dx)
	s.g.Backward(s.z, n, true, false)
	s.g.Step(s.hp, s.tcG)
	be.IncCounter(s.sc)
	be.IncCounter(s.tcD)
	be.IncCounter(s.tcG)
}

// TestCPUAgreement runs the same GAN steps on the cpu backend and on the
// GPU and compares losses and all parameters after every step.
//
// The two sum in different orders, so a gradient that is zero up to
// rounding can differ in sign, and Adam turns that into a full-size step
// (about lr) in opposite directions. So the test allows a few elements in
// ten thousand to miss the tight tolerance, as long as none is further off
// than Adam's largest possible update over the steps so far.
func TestCPUAgreement(t *testing.T) {
	gpuBE := open(t)
	cpuBE := cpu.New(cpu.Options{Workers: 2})
	const batch, latent, hidden, width = 64, 100, 128, 784
	sg := newGANStep(t, gpuBE, batch, latent, hidden, width)
	sc := newGANStep(t, cpuBE, batch, latent, hidden, width)
	lr := float64(model.DefaultAdam().LR)
	for step := 1; step <= 5; step++ {
		sg.run()
		sc.run()
		for _, p := range []struct {
			name   string
			gb, cb model.Buf
			atol   float64
			bound  float64 // largest difference tolerated at all
		}{
			{"loss real", sg.lossR, sc.lossR, 1e-5, 1e-5},
			{"loss fake", sg.lossF, sc.lossF, 1e-5, 1e-5},
			{"loss G", sg.lossG, sc.lossG, 1e-5, 1e-5},
			{"D params", sg.d.Params, sc.d.Params, 2e-5, 4 * lr * float64(step)},
			{"G params", sg.g.Params, sc.g.Params, 2e-5, 4 * lr * float64(step)},
			{"D Adam m", sg.d.M, sc.d.M, 1e-6, 1e-3},
			{"G Adam v", sg.g.V, sc.g.V, 1e-9, 1e-6},
		} {
			got, want := download(t, gpuBE, p.gb), download(t, cpuBE, p.cb)
			const rtol = 1e-3
			misses, worst, at := 0, 0.0, -1
			for i := range got {
				g, w := float64(got[i]), float64(want[i])
				d := math.Abs(g - w)
				if math.IsNaN(d) {
					d = math.Inf(1)
				}
				if d > p.atol+rtol*math.Abs(w) {
					misses++
				}
				if d > worst {
					worst, at = d, i
				}
			}
			allowed := len(got) / 10000
			if misses > allowed || worst > p.bound+rtol*math.Abs(float64(want[max(at, 0)])) {
				t.Errorf("step %d: %s: %d of %d elements beyond |d| <= %g + %g|want| (allowed %d); worst [%d]: gpu %v, cpu %v",
					step, p.name, misses, len(got), p.atol, rtol, allowed, at, got[max(at, 0)], want[max(at, 0)])
			} else {
				t.Logf("step %d: %s: %d of %d beyond tolerance, largest difference %.3g", step, p.name, misses, len(got), worst)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// TestCapture records one GAN step as a CUDA graph and checks that
// replaying it gives bit-identical results to running the same steps
// eagerly.
func TestCapture(t *testing.T) {
	be := open(t)
	const batch, latent, hidden, width = 128, 100, 128, 784
	eager := newGANStep(t, be, batch, latent, hidden, width)
	graphed := newGANStep(t, be, batch, latent, hidden, width)
	rep, err := be.Capture(graphed.run)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	defer rep.Free()
	for step := 1; step <= 4; step++ {
		eager.run()
		if err := rep.Run(); err != nil {
			t.Fatalf("step %d: Run: %v", step, err)
		}
		for _, p := range []struct {
			name string
			e, g model.Buf
		}{{"D params", eager.d.Params, graphed.d.Params}, {"G params", eager.g.Params, graphed.g.Params}, {"loss G", eager.lossG, graphed.lossG}, {"noise step", eager.sc, graphed.sc}} {
			e, g := download(t, be, p.e), download(t, be, p.g)
			for i := range e {
				if math.Float32bits(e[i]) != math.Float32bits(g[i]) {
					t.Fatalf("step %d: %s[%d]: graph %v, eager %v", step, p.name, i, g[i], e[i])
				}
			}
		}
	}
	// Host work inside a capture is refused, and the stream recovers.
	x, err := be.Alloc(4)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := be.Capture(func() {
		if err := be.Sync(); err == nil {
			t.Error("Sync during Capture: no error")
		}
		if err := be.Upload(x, make([]float32, 4)); err == nil {
			t.Error("Upload during Capture: no error")
		}
	})
	if err != nil {
		t.Errorf("Capture of an empty recording: %v", err)
	} else {
		empty.Free()
	}
	be.Fill(x, 1)
	if got := download(t, be, x); got[3] != 1 {
		t.Errorf("after capture: Fill gave %v, want 1", got[3])
	}
}

// TestKernelErrors checks that bad input a kernel detects comes back from
// Sync once, naming the operation.
func TestKernelErrors(t *testing.T) {
	be := open(t)
	p := upload(t, be, []float32{1, 2, 3})
	g := upload(t, be, []float32{1, 1, 1})
	m, _ := be.Alloc(3)
	v, _ := be.Alloc(3)
	tc, _ := be.Alloc(1) // step 0
	be.Adam(p, g, m, v, model.DefaultAdam(), tc)
	err := be.Sync()
	if err == nil || !strings.Contains(err.Error(), "Adam") {
		t.Errorf("Adam with step 0: Sync = %v, want an error naming Adam", err)
	}
	if got := download(t, be, p); got[0] != 1 || got[2] != 3 {
		t.Errorf("Adam with step 0 changed p to %v", got)
	}
	if err := be.Sync(); err != nil {
		t.Errorf("second Sync: %v, want nil", err)
	}
	src := upload(t, be, []float32{1, 2, 3, 4})
	perm := upload(t, be, []float32{0, 7})
	dst, _ := be.Alloc(4)
	bc, _ := be.Alloc(1)
	be.GatherRows(dst, src, perm, 2, bc)
	if err := be.Sync(); err == nil || !strings.Contains(err.Error(), "GatherRows") {
		t.Errorf("GatherRows with row 7 of 2: Sync = %v, want an error naming GatherRows", err)
	}
	x := upload(t, be, []float32{0, 0, 0, 0})
	labels := upload(t, be, []float32{1, 2})
	loss, _ := be.Alloc(1)
	be.SoftmaxXent(nil, loss, x, labels, 2, 2, 1)
	if err := be.Sync(); err == nil || !strings.Contains(err.Error(), "SoftmaxXent") {
		t.Errorf("SoftmaxXent with label 2 of 2 classes: Sync = %v, want an error naming SoftmaxXent", err)
	}
	be.Free(be.View(p, 1, 1))
	if err := be.Sync(); err == nil {
		t.Error("Free of a view: Sync gave no error")
	}
}

// TestLaunchAllocs checks that the hot path allocates nothing on the Go
// heap: operations on existing Bufs are one cgo call each.
func TestLaunchAllocs(t *testing.T) {
	be := open(t)
	const batch, in, out = 128, 100, 128
	x, _ := be.Alloc(batch * in)
	w, _ := be.Alloc(in * out)
	b, _ := be.Alloc(out)
	y, _ := be.Alloc(batch * out)
	dy, _ := be.Alloc(batch * out)
	dx, _ := be.Alloc(batch * in)
	dw, _ := be.Alloc(in * out)
	db, _ := be.Alloc(out)
	m, _ := be.Alloc(in * out)
	v, _ := be.Alloc(in * out)
	loss, _ := be.Alloc(1)
	c, _ := be.Alloc(1)
	be.SetCounter(c, 1)
	allocs := testing.AllocsPerRun(100, func() {
		be.Noise(x, model.UniformPM1, 1, 2, c)
		be.DenseForward(y, x, w, b, batch, in, out, model.ReLU)
		be.LogitBCE(dy, loss, y, 1, 0.5)
		be.DenseBackward(dx, dw, db, dy, x, w, y, batch, in, out, model.ReLU)
		be.Adam(w, dw, m, v, model.DefaultAdam(), c)
		be.IncCounter(c)
	})
	if err := be.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if allocs != 0 {
		t.Errorf("allocations per six launches: %v, want 0", allocs)
	}
}

// BenchmarkEdwardStep is one Edward-preset GAN step (batch 128, latent
// 100, hidden 128, 784 pixels), launched op by op and as a CUDA graph.
func BenchmarkEdwardStep(b *testing.B) {
	for _, size := range []struct {
		name          string
		batch, hidden int
	}{{"edward", 128, 128}, {"large", 4096, 1024}} {
		b.Run(size.name+"/eager", func(b *testing.B) {
			be := open(b)
			s := newGANStep(b, be, size.batch, 100, size.hidden, 784)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.run()
			}
			if err := be.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
		b.Run(size.name+"/graph", func(b *testing.B) {
			be := open(b)
			s := newGANStep(b, be, size.batch, 100, size.hidden, 784)
			rep, err := be.Capture(s.run)
			if err != nil {
				b.Fatal(err)
			}
			defer rep.Free()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := rep.Run(); err != nil {
					b.Fatal(err)
				}
			}
			if err := be.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// TestLargeReductions covers the two-pass path of the reductions (more
// than one block in pass 1), which the conformance suite's sizes do not
// reach, against float64 sums on the host.
func TestLargeReductions(t *testing.T) {
	be := open(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{16385, 100003, 1 << 20} {
		xs := randoms(r, n, -4, 4)
		x := upload(t, be, xs)
		dx, _ := be.Alloc(n)
		out, _ := be.Alloc(1)
		var bce, sig, sq float64
		for _, v := range xs {
			f := float64(v)
			bce += math.Max(f, 0) - f*0.25 + math.Log1p(math.Exp(-math.Abs(f)))
			sig += 1 / (1 + math.Exp(-f))
			sq += f * f
		}
		for _, c := range []struct {
			name string
			run  func()
			want float64
		}{
			{"LogitBCE", func() { be.LogitBCE(dx, out, x, 0.25, 0.5) }, 0.5 * bce},
			{"MeanSigmoid", func() { be.MeanSigmoid(out, x) }, sig / float64(n)},
			{"SumSquares", func() { be.SumSquares(out, x) }, sq},
		} {
			c.run()
			got := float64(download(t, be, out)[0])
			if math.Abs(got-c.want) > 1e-5*math.Abs(c.want)+1e-6 {
				t.Errorf("%s n=%d: got %v, want %v", c.name, n, got, c.want)
			}
			c.run()
			again := float64(download(t, be, out)[0])
			if again != got {
				t.Errorf("%s n=%d: second run %v, first %v: not deterministic", c.name, n, again, got)
			}
		}
		for _, b := range []model.Buf{x, dx, out} {
			be.Free(b)
		}
	}
	// Softmax cross-entropy over more rows than one block takes.
	const batch, classes = 5000, 10
	xs := randoms(r, batch*classes, -3, 3)
	ls := make([]float32, batch)
	var want float64
	for i := range ls {
		ls[i] = float32(i % classes)
		row := xs[i*classes : (i+1)*classes]
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v))
		}
		want += math.Log(z) - float64(row[i%classes])
	}
	x, labels := upload(t, be, xs), upload(t, be, ls)
	loss, _ := be.Alloc(1)
	be.SoftmaxXent(nil, loss, x, labels, batch, classes, 0.1)
	if got := float64(download(t, be, loss)[0]); math.Abs(got-0.1*want) > 1e-5*math.Abs(0.1*want) {
		t.Errorf("SoftmaxXent batch %d: got %v, want %v", batch, got, 0.1*want)
	}
}
