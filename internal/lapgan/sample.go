package lapgan

import (
	"fmt"
	"slices"

	"gan-train/model"
)

// Sampler generates images with the trained generators of a LAPGAN
// checkpoint. It holds host copies of the parameters and builds the
// networks on whichever backend Sample is given.
type Sampler struct {
	Config Config
	gen    [Levels]model.NetSpec
	params [Levels][]float32
}

// Load reads a LAPGAN checkpoint written by Train; every level must be
// trained.
func Load(path string) (*Sampler, error) { return LoadWeights(path, false) }

// LoadWeights is Load with the choice of weights: each level's moving
// average when the checkpoint keeps one (Config.GEMA) and raw is false,
// else its generator's last weights.
func LoadWeights(path string, raw bool) (*Sampler, error) {
	ck, m, err := readCheckpoint(path)
	if err != nil {
		return nil, fmt.Errorf("lapgan: %w", err)
	}
	s := &Sampler{Config: m.Config}
	for l := 0; l < Levels; l++ {
		if !slices.Contains(m.Trained, l) {
			return nil, fmt.Errorf("lapgan: checkpoint %s holds levels %v only; level %d (%dx%d) is not trained yet", path, m.Trained, l, Side(l), Side(l))
		}
		g, _, err := m.Config.Specs(l)
		if err != nil {
			return nil, fmt.Errorf("lapgan: checkpoint %s: %w", path, err)
		}
		s.gen[l], s.params[l] = g, ck.Arrays[arrayName(l, "g", "params")]
		if a, ok := ck.Arrays[arrayName(l, "g", "avg_params")]; ok && !raw {
			s.params[l] = a // the moving average of the weights (Config.GEMA)
		}
	}
	return s, nil
}

// sampleChunk is the number of images generated per pass through the chain.
const sampleChunk = 256

// MaxSamples bounds n in Sample.
const MaxSamples = 1 << 22

// Sample runs the coarse-to-fine chain n times and returns the 28×28
// images (n, ImageSize) with values in [0,1]. The result depends only on
// the checkpoint, n's chunking (256 images per chunk, so image i is the
// same whatever n > i) and seed.
func (s *Sampler) Sample(be model.Backend, n int, seed uint64) ([]float32, error) {
	lv, err := s.SampleLevels(be, n, seed)
	if err != nil {
		return nil, err
	}
	return lv[0], nil
}

// SampleLevels is Sample returning every level of the chain: lv[l] is
// (n, Side(l)²), the 7×7 image generated from noise at lv[2] and the
// images refined from it at lv[1] (14×14) and lv[0] (28×28).
//
// Per chunk of rows r, with z_l drawn from U[-1,1) on Philox stream
// (seed, level l's sample stream, chunk number):
//
//	I_2 = G_2(z_2)
//	I_l = clamp(up(I_{l+1}) + G_l([z_l, up(I_{l+1})]), 0, 1)   for l = 1, 0
//
// Clamping happens on the host between levels: the generators were trained
// on conditions in [0,1], and sampling is not a hot path.
func (s *Sampler) SampleLevels(be model.Backend, n int, seed uint64) ([Levels][]float32, error) {
	return s.chain(be, n, seed, Levels-1, 0, nil)
}

// Refine runs level l's generator alone (l = 0 or 1) on given coarser
// images: coarse is (n, Side(l+1)²) with values in [0,1] (real images
// reduced with 2×2 means, say), and the result is (n, Side(l)²),
// clamp(up(coarse) + G_l([z_l, up(coarse)]), 0, 1) with z_l drawn as in
// SampleLevels.
func (s *Sampler) Refine(be model.Backend, l int, coarse []float32, seed uint64) ([]float32, error) {
	if !conditional(l) || l < 0 {
		return nil, fmt.Errorf("lapgan: refine level %d: want 0 or 1 (level %d has no coarser level)", l, Levels-1)
	}
	q := Side(l+1) * Side(l+1)
	if len(coarse) == 0 || len(coarse)%q != 0 {
		return nil, fmt.Errorf("lapgan: refine level %d: %d values are not a whole, non-zero number of %dx%d images", l, len(coarse), Side(l+1), Side(l+1))
	}
	for i, v := range coarse {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("lapgan: refine level %d: value %v at image %d pixel %d is outside [0,1]", l, v, i/q, i%q)
		}
	}
	out, err := s.chain(be, len(coarse)/q, seed, l, l, coarse)
	return out[l], err
}

// chain generates levels top down to bottom for n images, chunk by chunk.
// With coarse nil, top is the coarsest level, generated from noise; else
// coarse holds the images of level top+1 that the chain starts from.
func (s *Sampler) chain(be model.Backend, n int, seed uint64, top, bottom int, coarse []float32) ([Levels][]float32, error) {
	var out [Levels][]float32
	if n <= 0 || n > MaxSamples {
		return out, fmt.Errorf("lapgan: sample count %d: want 1 to %d", n, MaxSamples)
	}
	for l := bottom; l <= top; l++ {
		if len(s.params[l]) != s.gen[l].NumParams() || s.gen[l].NumParams() == 0 {
			return out, fmt.Errorf("lapgan: level %d generator has no parameters (use Load)", l)
		}
	}
	if be == nil {
		return out, errNoBackend
	}
	cr := &chainRun{s: s, be: be, top: top, bottom: bottom, rows: min(n, sampleChunk), seed: seed, mem: model.NewArena(be)}
	defer cr.free()
	if err := cr.build(n, coarse != nil, &out); err != nil {
		return out, err
	}
	q := Side(top+1) * Side(top+1)
	for c, first := 0, 0; first < n; c, first = c+1, first+cr.rows {
		r := min(cr.rows, n-first)
		be.SetCounter(cr.counter, uint32(c))
		if coarse != nil {
			if err := be.Upload(be.View(cr.img[top+1], 0, r*q), coarse[first*q:(first+r)*q]); err != nil {
				return out, fmt.Errorf("lapgan: uploading the coarse images: %w", err)
			}
		}
		for l := top; l >= bottom; l-- {
			p := Side(l) * Side(l)
			if err := cr.level(l, r, out[l][first*p:(first+r)*p]); err != nil {
				return out, err
			}
		}
	}
	if err := be.Sync(); err != nil {
		return out, fmt.Errorf("lapgan: sampling: %w", err)
	}
	return out, nil
}

// chainRun is one call of chain: the generators of levels bottom to top on
// the backend and the buffers a chunk of rows images passes through.
type chainRun struct {
	s                 *Sampler
	be                model.Backend
	top, bottom, rows int
	seed              uint64
	mem               *model.Arena

	g      [Levels]*model.Net
	z, gin [Levels]model.Buf     // noise; a conditional generator's input [z, up]
	img    [Levels + 1]model.Buf // images of each level; of top+1 when the chain starts from given ones
	up     model.Buf             // up(I_{l+1}), as large as the finest level
	// counter is the chunk number, the Philox counter of the noise
	counter model.Buf
}

// build makes the generators and allocates the buffers, and out's levels
// for n images; coarse says the chain starts from given images.
func (cr *chainRun) build(n int, coarse bool, out *[Levels][]float32) (err error) {
	s, be, rows, alloc := cr.s, cr.be, cr.rows, cr.mem.Alloc
	for l := cr.bottom; l <= cr.top; l++ {
		if cr.g[l], err = model.NewNet(be, s.gen[l], rows); err != nil {
			return fmt.Errorf("lapgan: level %d generator: %w", l, err)
		}
		if err := cr.g[l].SetState(s.params[l], make([]float32, len(s.params[l])), make([]float32, len(s.params[l]))); err != nil {
			return fmt.Errorf("lapgan: level %d generator: %w", l, err)
		}
		p := Side(l) * Side(l)
		if cr.z[l], err = alloc(rows * s.Config.Levels[l].Latent); err != nil {
			return err
		}
		if cr.img[l], err = alloc(rows * p); err != nil {
			return err
		}
		if conditional(l) {
			if cr.gin[l], err = alloc(rows * (s.Config.Levels[l].Latent + p)); err != nil {
				return err
			}
		}
		out[l] = make([]float32, n*p)
	}
	if coarse {
		if cr.img[cr.top+1], err = alloc(rows * Side(cr.top+1) * Side(cr.top+1)); err != nil {
			return err
		}
	}
	if cr.up, err = alloc(rows * Side(cr.bottom) * Side(cr.bottom)); err != nil {
		return err
	}
	cr.counter, err = alloc(1)
	return err
}

// free releases the generators and the buffers.
func (cr *chainRun) free() {
	for _, m := range cr.g {
		m.Free()
	}
	cr.mem.Free()
}

// level generates level l's images of a chunk of r rows from the noise and
// the level above, into host (clamped to [0,1]) and, for the level below,
// back on the backend.
func (cr *chainRun) level(l, r int, host []float32) error {
	be, g := cr.be, cr.g[l]
	L, side := cr.s.Config.Levels[l].Latent, Side(l)
	p := side * side
	zl, il := be.View(cr.z[l], 0, r*L), be.View(cr.img[l], 0, r*p)
	be.Noise(zl, model.UniformPM1, cr.seed, stream(l, streamSample), cr.counter)
	if !conditional(l) {
		be.Copy(il, g.Forward(zl, r))
	} else {
		coarse, u := be.View(cr.img[l+1], 0, r*p/4), be.View(cr.up, 0, r*p)
		in := be.View(cr.gin[l], 0, r*(L+p))
		be.Upsample2x(u, coarse, r, side/2, side/2, 1, 0)
		be.CopyCols(in, zl, r, L+p, 0, L, 0, L)
		be.CopyCols(in, u, r, L+p, L, p, 0, p)
		be.Copy(il, g.Forward(in, r))
		be.Upsample2x(il, coarse, r, side/2, side/2, 1, 1)
	}
	if err := be.Download(host, il); err != nil {
		return fmt.Errorf("lapgan: level %d samples: %w", l, err)
	}
	clamp01(host)
	if l > cr.bottom {
		if err := be.Upload(il, host); err != nil {
			return fmt.Errorf("lapgan: level %d samples: %w", l, err)
		}
	}
	return nil
}

// clamp01 clamps x to [0,1] in place, mapping NaN to 0.
func clamp01(x []float32) {
	for i, v := range x {
		switch {
		case !(v > 0):
			x[i] = 0
		case v > 1:
			x[i] = 1
		}
	}
}
