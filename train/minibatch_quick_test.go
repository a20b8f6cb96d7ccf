package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// mbdConfig is the tiny preset with minibatch discrimination.
func mbdConfig(steps int64) Config {
	c := tinyConfig(steps)
	c.DMinibatchKernels, c.DMinibatchDims = 8, 3
	return c
}

func TestValidateMinibatch(t *testing.T) {
	for _, tc := range []struct {
		kernels, dims int
		want          string
	}{
		{-1, 5, "d-minibatch-kernels -1"},
		{5, -1, "d-minibatch-dims -1"},
		{0, 5, "d-minibatch-dims 5: needs d-minibatch-kernels"},
		{100, 0, "d-minibatch-dims 0: must be positive"},
		{MaxMinibatchKernels + 1, 5, "d-minibatch-kernels"},
		{100, MaxMinibatchDims + 1, "d-minibatch-dims"},
	} {
		c, _ := Preset("edward")
		c.DMinibatchKernels, c.DMinibatchDims = tc.kernels, tc.dims
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("kernels %d, dims %d: error %v, want one containing %q", tc.kernels, tc.dims, err, tc.want)
		}
	}
	c, _ := Preset("edward")
	c.DMinibatchKernels, c.DMinibatchDims = 100, 5
	if err := c.Validate(); err != nil {
		t.Errorf("100 kernels of 5 dims: %v", err)
	}
}

// The discriminator's hand-written backward pass with minibatch
// discrimination (through [h, o], MBD and T, joined with h's direct
// gradient) against central finite differences of its loss, for
// parameters and input (skipping the few steps that straddle a kink of the
// L1 distance): with two hidden layers (maxout and dropout
// included) and with none (MBD on the input itself), over 8 rows in
// groups of 4 as the trainer's 2B rows in groups of B.
func TestMinibatchDiscGradient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hidden  []int
		pieces  int
		dropout float32
	}{{"two hidden layers", []int{6, 5}, 1, 0}, {"maxout and dropout", []int{5}, 2, 0.3}, {"no hidden layer", nil, 1, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			be := cpu.New(cpu.Options{Workers: 2})
			const B, in = 8, 7
			d, err := model.NewNet(be, discSpec(in, tc.hidden, model.Tanh, tc.pieces, tc.dropout, model.Glorot, model.MinibatchSpec{Kernels: 3, Dims: 2, Group: 4}), B)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Free()
			if err := d.InitParams(4, 2); err != nil {
				t.Fatal(err)
			}
			// Larger T weights, so that exp(-L1) is far from 0 and the
			// minibatch features carry gradient.
			for i, p := range cpu.Slice(d.T) {
				cpu.Slice(d.T)[i] = 0.4 * p
			}
			x, _ := be.Alloc(B * in)
			ctr, _ := be.Alloc(1)
			loss, _ := be.Alloc(1)
			l1, _ := be.Alloc(1)
			be.SetCounter(ctr, 3)
			be.Noise(x, model.UniformPM1, 8, 0, ctr)
			// targets: first group real, second fake (a D step's loss)
			lossAt := func(dl model.Buf) float64 {
				logits := d.ForwardDropout(x, B, 11, 1024, ctr)
				var a, b model.Buf
				if dl != nil {
					a, b = be.View(dl, 0, B/2), be.View(dl, B/2, B/2)
				}
				be.LogitBCE(a, loss, be.View(logits, 0, B/2), 1, 1.0/B)
				be.LogitBCE(b, l1, be.View(logits, B/2, B/2), 0, 1.0/B)
				v := make([]float32, 1)
				w := make([]float32, 1)
				be.Download(v, loss)
				be.Download(w, l1)
				return float64(v[0]) + float64(w[0])
			}
			lossAt(d.OutputGrad(B))
			dx := cpu.Slice(d.Backward(x, B, true, true))
			grads := append([]float32(nil), cpu.Slice(d.Grads)...)
			dxs := append([]float32(nil), dx...)
			if err := be.Sync(); err != nil {
				t.Fatal(err)
			}
			H := d.T.Len() / 6
			tOff := d.NumParams() - H*6 // T's weights come last
			for _, c := range []struct {
				name       string
				vals, grad []float32
				lo, step   int
			}{
				{"param", cpu.Slice(d.Params), grads, 0, 3},
				{"T", cpu.Slice(d.Params), grads, tOff, 1},
				{"input", cpu.Slice(x), dxs, 0, 2},
			} {
				checked := 0
				for i := c.lo; i < len(c.vals); i += c.step {
					const h = 1e-3
					orig := c.vals[i]
					c.vals[i] = orig + h
					up := lossAt(nil)
					c.vals[i] = orig - h
					down := lossAt(nil)
					c.vals[i] = orig
					mid := lossAt(nil)
					num := (up - down) / (2 * h)
					if left, right := (mid-down)/h, (up-mid)/h; math.Abs(left-right) > 1e-3+0.05*math.Abs(num) {
						// a kink of |.| (two rows' coordinates less than a
						// step apart) lies within the step: no derivative
						continue
					}
					if math.Abs(num-float64(c.grad[i])) > 1e-3+0.03*math.Abs(num) {
						t.Errorf("d loss / d %s[%d] = %g, finite difference %g", c.name, i, c.grad[i], num)
					}
					if math.Abs(num) > 1e-4 {
						checked++
					}
				}
				if checked < 5 {
					t.Errorf("%s: only %d non-zero finite differences checked", c.name, checked)
				}
			}
		})
	}
}

// A run with minibatch discrimination trains with finite losses, stops and
// resumes bit-identically on other worker counts, and its checkpoint is
// refused by a discriminator without it (or with other kernels).
func TestMinibatchResumeBitIdentical(t *testing.T) {
	imgs := digits(t, 700)
	const total = 24
	cfg := mbdConfig(total)
	cfg.K = 2
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	want := readLog(t, full)
	if len(want) != total {
		t.Fatalf("logged %d steps, want %d", len(want), total)
	}
	for _, s := range want {
		if ok, n := s.Finite(); !ok {
			t.Fatalf("step %d: %d non-finite statistics: %+v", s.Step, n, s)
		}
	}
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 9 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	ck, err := model.ReadCheckpointFile(RunDir(split).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if ck.Header.Step != 9 || ck.Header.Discrim.Minibatch != (model.MinibatchSpec{Kernels: 8, Dims: 3, Group: cfg.Batch}) {
		t.Fatalf("checkpoint at step %d with D spec %+v, want step 9 and 8 kernels of 3 dims in groups of the batch", ck.Header.Step, ck.Header.Discrim)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), cfg, RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), want)

	for _, kd := range [][2]int{{0, 0}, {4, 3}} {
		c := cfg
		c.Steps++
		c.DMinibatchKernels, c.DMinibatchDims = kd[0], kd[1]
		err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: full, Images: imgs})
		if err == nil || !strings.Contains(err.Error(), "other settings") || !strings.Contains(err.Error(), "d-minibatch-kernels 8, now ") {
			t.Errorf("resuming an 8x3 minibatch checkpoint with %d kernels of %d dims: error %v, want one about other settings naming d-minibatch-kernels", kd[0], kd[1], err)
		}
	}
	if d := resumeConflicts(cfg, Config{}, false); !strings.Contains(d, "d-minibatch-kernels 8, now 0") || !strings.Contains(d, "d-minibatch-dims 3, now 0") {
		t.Errorf("resumeConflicts names %q, want the minibatch settings among them", d)
	}
}
