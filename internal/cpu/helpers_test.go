package cpu

import (
	"math/rand/v2"
	"testing"

	"gan-train/model"
)

func randSlice(r *rand.Rand, n int, lo, hi float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return s
}

func upload(t testing.TB, be *Backend, v []float32) model.Buf {
	b, err := be.Alloc(len(v))
	if err != nil {
		t.Fatal(err)
	}
	copy(Slice(b), v)
	return b
}
