//go:build cuda || cudaemu

package gpu

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/rng"
	"gan-train/model"
	"gan-train/model/backendtest"
	"gan-train/train"
)

// These tests run on the emulated device everywhere (make test-gpu-emu)
// and on a CUDA device where there is one: build them here and run them
// where the GPU is (scripts/gpu-check.sh, bench/gpu/README.md):
//
//	make gpu-check-bins   # bin/gpu.test, linked against the libcuda stub
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
	if Emulated {
		if v != "emulated" || !strings.Contains(devs[0].Name, "emulated") {
			t.Errorf("emulated build: DriverVersion %q, device %q; want both to say emulated", v, devs[0].Name)
		}
	} else if !strings.Contains(v, ".") || KernelCompiler() == "unknown" {
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

// Tolerances on the two devices. These tests run on a GPU (build tag cuda)
// and on the emulated device (cudaemu, make test-gpu-emu) with the same
// bounds, which are sized for the GPU, where results can differ more from
// the cpu backend's:
//   - nvcc contracts a*b+c into one FMA by default (one rounding); the
//     emulator's host build, ISO C++ on x86-64 without -mfma, rounds twice;
//   - expf, logf, tanhf and log1pf come from CUDA's math library on the GPU
//     (within 1 to 2 ulp, CUDA C Programming Guide, "Mathematical
//     Functions") and from glibc in the emulator;
//   - blocks run in another order, but every reduction here sums in a fixed
//     tree whatever the order, and the kernels' only atomics OR error bits,
//     so neither device's results depend on timing.
// The bit-for-bit comparisons (sameBits, the determinism suites, noise)
// cover only arithmetic neither compiler may change: integer Philox, and
// the pyramid and minibatch kernels written with __fmul_rn, __fadd_rn and
// __dmul_rn, which are never contracted.

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
	// {576, 64, 1024} has enough 64-wide tiles (144) for the 64x64 kernels
	// on an H100's 132 multiprocessors; the smaller shapes take the 32x32
	// ones, {256, 1024, 1024} both (its backward pass is 64-wide).
	for _, s := range []struct{ batch, in, out int }{
		{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {128, 100, 128}, {128, 128, 784}, {129, 785, 1}, {576, 64, 1024}, {256, 1024, 1024},
	} {
		for act := model.Identity; act <= model.Tanh; act++ {
			if Emulated && s.batch == 256 && act != model.Sigmoid {
				// The naive kernels take seconds a pass on the emulated
				// device; one activation covers this shape's tiling there.
				continue
			}
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
	g, d                 *model.Net
	z, dIn, data, perm   model.Buf
	gathered, bc         model.Buf
	lossR, lossF, lossG  model.Buf
	sc, tcD, tcG         model.Buf
	hp                   model.Adam
}

func edwardSpecs(latent, hidden, width int) (g, d model.NetSpec) {
	g = model.NetSpec{In: latent, Init: model.Glorot, Layers: []model.NetLayer{model.DenseLayer(hidden, model.ReLU), model.DenseLayer(width, model.Sigmoid)}}
	d = model.NetSpec{In: width, Init: model.Glorot, Layers: []model.NetLayer{model.DenseLayer(hidden, model.ReLU), model.DenseLayer(1, model.Identity)}}
	return g, d
}

func newGANStep(t testing.TB, be model.Backend, batch, latent, hidden, width int) *ganStep {
	t.Helper()
	gs, ds := edwardSpecs(latent, hidden, width)
	s := &ganStep{be: be, batch: batch, latent: latent, width: width, hp: model.DefaultAdam()}
	var err error
	if s.g, err = model.NewNet(be, gs, batch); err != nil {
		t.Fatal(err)
	}
	if s.d, err = model.NewNet(be, ds, 2*batch); err != nil {
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
	table, _ := be.Alloc(256)
	be.GatherBytes(dst, src, table, perm, 2, bc) // src holds 8 rows of 2 bytes
	if err := be.Sync(); err != nil {
		t.Errorf("GatherBytes with rows 0 and 7 of 8: Sync = %v, want nil", err)
	}
	be.GatherBytes(dst, be.View(src, 0, 3), table, perm, 2, bc)
	if err := be.Sync(); err == nil || !strings.Contains(err.Error(), "GatherBytes") {
		t.Errorf("GatherBytes with row 7 of 6: Sync = %v, want an error naming GatherBytes", err)
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
	// The variants' operations. labels holds class 0 for every row; the
	// minibatch features read y as (batch, 1 kernel of out dims).
	labels, _ := be.Alloc(batch)
	o, _ := be.Alloc(batch)
	units, _ := be.Alloc(batch * out / 4)
	be.Fill(labels, 0)
	allocs = testing.AllocsPerRun(100, func() {
		be.Dropout(y, y, 0.2, 1, 3, c)
		be.OneHot(x, labels, batch, in, 0, 10)
		be.CopyCols(dx, x, batch, in, 0, in, 0, in)
		be.MaxoutForward(units, y, batch, out/4, 4)
		be.FDivLoss(dy, loss, y, model.FKL, model.FConjugate, 0.5)
		be.Average(m, w, 0.999, c)
		be.MinibatchDiscForward(o, y, batch, batch, 1, out)
		be.Accumulate(v, m)
	})
	if err := be.Sync(); err != nil {
		t.Fatalf("Sync after the variants: %v", err)
	}
	if allocs != 0 {
		t.Errorf("allocations per eight variant launches: %v, want 0", allocs)
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

// TestTrainerAgreement trains each variant configuration a few iterations
// through package train on the GPU and on the cpu backend, from the same
// seed and data, and compares the step statistics and the samples of the
// generator that sampling uses (the averaged one where the preset keeps an
// average). The default preset (quality: conditional, dropout, weight
// averaging) is the first case: `gan-train train` on a GPU runs it.
func TestTrainerAgreement(t *testing.T) {
	ds, err := data.Embedded("train")
	if err != nil {
		t.Fatal(err)
	}
	h := ds.Head(1024)
	images, labels := h.Floats(data.Scale01), h.Labels
	quality, err := train.Preset("quality")
	if err != nil {
		t.Fatal(err)
	}
	kl := quality
	kl.Divergence, kl.Conditional, kl.LabelSmoothing = "kl", false, 0 // smoothing is for the standard loss only
	maxout := quality
	maxout.DMaxoutPieces, maxout.DHidden = 5, []int{240, 240}
	mbd := quality
	mbd.DMinibatchKernels, mbd.DMinibatchDims = 32, 4
	clusters := quality // self-conditioned: 50 one-hot columns of k-means clusters
	clusters.Conditional, clusters.Clusters = false, 50
	gpuBE := open(t)
	for _, c := range []struct {
		name string
		cfg  train.Config
	}{{"quality", quality}, {"f-GAN kl", kl}, {"maxout", maxout}, {"minibatch discrimination", mbd}, {"self-conditioned", clusters}} {
		t.Run(c.name, func(t *testing.T) {
			const iters = 3
			var stats [2][]train.Stats
			var samples [2][]float32
			for i, be := range []model.Backend{gpuBE, cpu.New(cpu.Options{Workers: 2})} {
				tr, err := train.NewLabeledTrainer(be, c.cfg, images, labels)
				if err != nil {
					t.Fatalf("%s: NewLabeledTrainer: %v", be.Name(), err)
				}
				for range iters {
					if err := tr.Iterate(); err != nil {
						tr.Close()
						t.Fatalf("%s: Iterate: %v", be.Name(), err)
					}
					s, err := tr.Stats()
					if err != nil {
						tr.Close()
						t.Fatalf("%s: Stats: %v", be.Name(), err)
					}
					stats[i] = append(stats[i], s)
				}
				samples[i], err = tr.Generate(64, 5, 1)
				tr.Close()
				if err != nil {
					t.Fatalf("%s: Generate: %v", be.Name(), err)
				}
			}
			near := func(a, b, atol, rtol float64) bool { return math.Abs(a-b) <= atol+rtol*math.Abs(b) }
			for k := range iters {
				g, w := stats[0][k], stats[1][k]
				for _, f := range []struct {
					name string
					g, w float64
				}{{"d loss", g.DLoss, w.DLoss}, {"g loss", g.GLoss, w.GLoss}, {"D(x)", g.DReal, w.DReal}, {"D(G(z))", g.DFake, w.DFake}} {
					if !near(f.g, f.w, 1e-4, 2e-3) {
						t.Errorf("iteration %d: %s: gpu %v, cpu %v", k+1, f.name, f.g, f.w)
					}
				}
			}
			worst := 0.0
			for i := range samples[0] {
				worst = max(worst, math.Abs(float64(samples[0][i])-float64(samples[1][i])))
			}
			// Three Adam steps of 2e-4 move no sample pixel by 1e-2 more on
			// one backend than on the other.
			if worst > 1e-2 || math.IsNaN(worst) {
				t.Errorf("samples after %d iterations differ by up to %v", iters, worst)
			} else {
				t.Logf("samples after %d iterations differ by at most %.3g", iters, worst)
			}
		})
	}
}

// sameBits compares got with the cpu backend's want: within a loose
// tolerance first (a wrong result), then bit for bit (the kernels mirror
// the cpu's arithmetic and order). what and args name the comparison, as
// for t.Errorf.
func sameBits(t *testing.T, got, want []float32, what string, args ...any) {
	t.Helper()
	if excess, at := maxErr(got, want, 1e-5, 1e-4); excess > 0 {
		t.Errorf(what+": [%d] = %v, cpu %v: beyond tolerance", append(args, at, got[at], want[at])...)
		return
	}
	diff, first := 0, -1
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			if first < 0 {
				first = i
			}
			diff++
		}
	}
	if diff > 0 {
		t.Errorf(what+": %d of %d values differ from the cpu backend's in their bits (within tolerance); first [%d]: %v, cpu %v",
			append(args, diff, len(got), first, got[first], want[first])...)
	}
}

// TestMinibatchMatchesCPU checks that the minibatch kernels give the cpu
// backend's results bit for bit, at the trainer's shapes, at groups that
// straddle warps, and at dims above MBD_MAXD (8: the chunked path of
// kernels/minibatch.cu, which the conformance suite's dims do not reach).
func TestMinibatchMatchesCPU(t *testing.T) {
	gpuBE := open(t)
	cpuBE := cpu.New(cpu.Options{Workers: 2})
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][4]int{
		{128, 64, 100, 5}, {256, 128, 32, 4}, {100, 50, 7, 3}, {37, 37, 2, 8},
		{40, 16, 3, 9}, {33, 12, 2, 11}, {7, 3, 2, 20}, {5, 100, 1, 1},
	} {
		rows, group, kernels, dims := sh[0], sh[1], sh[2], sh[3]
		kd := kernels * dims
		lim := float32(0.6 / math.Sqrt(float64(dims)))
		m := randoms(r, rows*kd, -lim, lim)
		if rows >= 3 {
			copy(m[2*kd:3*kd], m[:kd]) // exact ties
		}
		do := randoms(r, rows*kernels, -1, 1)
		var got, want [2][]float32
		for bi, be := range []model.Backend{gpuBE, cpuBE} {
			mBuf, doBuf := upload(t, be, m), upload(t, be, do)
			o, dm := upload(t, be, make([]float32, rows*kernels)), upload(t, be, make([]float32, rows*kd))
			be.MinibatchDiscForward(o, mBuf, rows, group, kernels, dims)
			be.MinibatchDiscBackward(dm, doBuf, mBuf, rows, group, kernels, dims)
			res := [2][]float32{download(t, be, o), download(t, be, dm)}
			if bi == 0 {
				got = res
			} else {
				want = res
			}
		}
		const name = "rows=%d group=%d kernels=%d dims=%d: %s"
		sameBits(t, got[0], want[0], name, rows, group, kernels, dims, "o")
		sameBits(t, got[1], want[1], name, rows, group, kernels, dims, "dm")
	}
}

// TestPyramidMatchesCPU checks that the pyramid kernels give the cpu
// backend's results bit for bit.
func TestPyramidMatchesCPU(t *testing.T) {
	gpuBE := open(t)
	cpuBE := cpu.New(cpu.Options{Workers: 2})
	r := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][3]int{{64, 14, 14}, {9, 7, 7}, {3, 5, 3}, {2, 1, 1}} {
		rows, h, w := sh[0], sh[1], sh[2]
		src := randoms(r, rows*h*w, -2, 2)
		dst0 := randoms(r, rows*4*h*w, -2, 2)
		for _, c := range []struct{ alpha, beta float32 }{{1, 0}, {-1, 1}, {0.3, -0.7}} {
			var got, want []float32
			for bi, be := range []model.Backend{gpuBE, cpuBE} {
				dst := upload(t, be, dst0)
				be.Upsample2x(dst, upload(t, be, src), rows, h, w, c.alpha, c.beta)
				if bi == 0 {
					got = download(t, be, dst)
				} else {
					want = download(t, be, dst)
				}
			}
			sameBits(t, got, want, "Upsample2x %dx%dx%d alpha=%g beta=%g", rows, h, w, c.alpha, c.beta)
		}
		// downsample the fine images
		var got, want []float32
		for bi, be := range []model.Backend{gpuBE, cpuBE} {
			dst := upload(t, be, make([]float32, rows*h*w))
			be.Downsample2x(dst, upload(t, be, dst0), rows, 2*h, 2*w)
			if bi == 0 {
				got = download(t, be, dst)
			} else {
				want = download(t, be, dst)
			}
		}
		sameBits(t, got, want, "Downsample2x %dx%dx%d", rows, 2*h, 2*w)
	}
}
