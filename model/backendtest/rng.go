package backendtest

import (
	"fmt"
	"testing"

	"gan-train/internal/rng"
	"gan-train/model"
)

var noiseSizes = []int{1, 3, 4, 5, 17, 127, 1023, 4099, 78_400}

func testNoise(t *testing.T, be model.Backend) {
	for _, n := range noiseSizes {
		for _, dist := range []model.Dist{model.Uniform01, model.UniformPM1, model.Normal} {
			for _, key := range []struct {
				seed         uint64
				stream, step uint32
			}{{0, 0, 0}, {42, 1, 7}, {0xdeadbeefcafef00d, 3, 0xffffffff}} {
				name := fmt.Sprintf("Noise(n=%d, %v, seed=%#x, stream=%d, step=%d)", n, dist, key.seed, key.stream, key.step)
				e := newEnv(t, be, uint64(n))
				dst := e.filled(n, 7)
				be.Noise(dst, dist, key.seed, key.stream, e.counter(key.step))
				want := make([]float32, n)
				switch dist {
				case model.Uniform01:
					rng.FillUniform01(want, key.seed, key.stream, key.step)
				case model.UniformPM1:
					rng.FillUniformPM1(want, key.seed, key.stream, key.step)
				case model.Normal:
					rng.FillNormal(want, key.seed, key.stream, key.step)
				}
				checkExact(t, name, e.get(dst), want)
				e.sync()
			}
		}
	}
}

func testBinarize(t *testing.T, be model.Backend) {
	for _, n := range noiseSizes {
		name := fmt.Sprintf("Binarize(n=%d)", n)
		e := newEnv(t, be, uint64(n))
		src := e.uniform(n, 0, 1)
		for i := 0; i < n; i += 5 {
			src[i] = float32(i % 2) // exact 0 and 1
		}
		const seed, stream, step = 99, 2, 31
		dst := e.filled(n, 7)
		be.Binarize(dst, e.buf(src), seed, stream, e.counter(step))
		u := make([]float32, n)
		rng.FillUniform01(u, seed, stream, step)
		want := make([]float32, n)
		for i := range want {
			if u[i] < src[i] {
				want[i] = 1
			}
		}
		checkExact(t, name, e.get(dst), want)
		e.sync()
	}
}

// randomGroup is the suite's group for model.RandomOps.
func randomGroup(_ Tolerance) group {
	return group{"Random", []opCheck{
		{"Noise", []string{"Noise"}, testNoise},
		{"Binarize", []string{"Binarize"}, testBinarize},
	}}
}
