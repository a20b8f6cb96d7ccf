package data

import (
	"math"
	"slices"
	"testing"
)

func TestPermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		p := Permutation(n, 42, 3)
		s := slices.Clone(p)
		slices.Sort(s)
		for i, v := range s {
			if v != i {
				t.Fatalf("n=%d: sorted permutation[%d] = %d, want %d", n, i, v, i)
			}
		}
		if len(p) != n {
			t.Fatalf("n=%d: length %d", n, len(p))
		}
	}
	a, b := Permutation(1000, 42, 3), Permutation(1000, 42, 3)
	if !slices.Equal(a, b) {
		t.Error("same (seed, epoch) gave different permutations")
	}
	if slices.Equal(a, Permutation(1000, 42, 4)) {
		t.Error("epochs 3 and 4 gave the same permutation")
	}
	if slices.Equal(a, Permutation(1000, 43, 3)) {
		t.Error("seeds 42 and 43 gave the same permutation")
	}
	fixed := 0
	for i, v := range a {
		if i == v {
			fixed++
		}
	}
	if fixed > 10 { // expected about 1
		t.Errorf("%d fixed points in a shuffle of 1000", fixed)
	}
}

// Every position should receive every element about equally often.
func TestPermutationUniform(t *testing.T) {
	const n, trials = 4, 24000
	var count [n][n]int
	for e := range uint32(trials) {
		for pos, v := range Permutation(n, 7, e) {
			count[pos][v]++
		}
	}
	want := float64(trials) / n
	for pos := range count {
		for v, c := range count[pos] {
			if math.Abs(float64(c)-want) > 5*math.Sqrt(want) {
				t.Errorf("element %d at position %d %d times, want about %.0f", v, pos, c, want)
			}
		}
	}
}

// The shuffle is pinned: a change to it silently changes every run's data
// order, so it must show up here.
func TestPermutationPinned(t *testing.T) {
	got := Permutation(10, 1, 0)
	want := []int{4, 7, 0, 2, 9, 1, 8, 3, 5, 6}
	if !slices.Equal(got, want) {
		t.Errorf("Permutation(10, 1, 0) = %v, want %v", got, want)
	}
}

func TestFloatsAndBatches(t *testing.T) {
	d, err := New("t", 3, 1, 2, []uint8{0, 255, 51, 102, 128, 1}, []uint8{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scale Scale
		want  []float32
	}{
		{Scale01, []float32{0, 1, 0.2, 0.4, 128.0 / 255, 1.0 / 255}},
		{ScalePM1, []float32{-1, 1, -0.6, -0.2, float32(128/127.5 - 1), float32(1/127.5 - 1)}},
	}
	for _, tc := range tests {
		got := d.Floats(tc.scale)
		for i := range got {
			if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
				t.Errorf("%v: Floats[%d] = %v, want %v", tc.scale, i, got[i], tc.want[i])
			}
		}
		dst := make([]float32, 2*2)
		if err := d.BatchFloats(dst, []int{2, 0, 1}, 0, tc.scale); err != nil {
			t.Fatal(err)
		}
		want := []float32{tc.want[4], tc.want[5], tc.want[0], tc.want[1]}
		if !slices.Equal(dst, want) {
			t.Errorf("%v: batch 0 of [2 0 1] = %v, want %v", tc.scale, dst, want)
		}
		if err := d.BatchFloats(dst, []int{2, 0, 1}, 1, tc.scale); err == nil {
			t.Errorf("batch 1 of 2 images from 3 accepted (drop-last)")
		}
	}
	if got := d.StepsPerEpoch(2); got != 1 {
		t.Errorf("StepsPerEpoch(2) of 3 = %d, want 1", got)
	}
	if got := d.StepsPerEpoch(4); got != 0 {
		t.Errorf("StepsPerEpoch(4) of 3 = %d, want 0", got)
	}
	if got := d.ClassCounts(); !slices.Equal(got, []int{1, 1, 1}) {
		t.Errorf("ClassCounts = %v", got)
	}
}

func TestFromFloatsRoundTrip(t *testing.T) {
	d := &Dataset{Name: "q", N: 1, H: 1, W: 256, Pixels: make([]uint8, 256)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(i)
	}
	for _, s := range []Scale{Scale01, ScalePM1} {
		q, err := FromFloats("q", d.Floats(s), 1, 1, 256, s)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(q.Pixels, d.Pixels) {
			t.Errorf("%v: bytes -> floats -> bytes changed the pixels", s)
		}
	}
	q, _ := FromFloats("clamp", []float32{-3, 2, float32(math.NaN())}, 1, 1, 3, Scale01)
	if !slices.Equal(q.Pixels, []uint8{0, 255, 0}) {
		t.Errorf("clamping gave %v, want [0 255 0]", q.Pixels)
	}
}

func TestNewRejectsBadShapes(t *testing.T) {
	if _, err := New("a", 2, 2, 2, make([]uint8, 7), nil); err == nil {
		t.Error("7 pixels accepted for 2 images of 2x2")
	}
	if _, err := New("b", 2, 1, 1, make([]uint8, 2), []uint8{1}); err == nil {
		t.Error("1 label accepted for 2 images")
	}
}

func TestPermutationFloat32(t *testing.T) {
	got, err := PermutationFloat32([]int{2, 0, 1})
	if err != nil || !slices.Equal(got, []float32{2, 0, 1}) {
		t.Errorf("got %v %v", got, err)
	}
}

func TestFingerprint(t *testing.T) {
	pix := make([]uint8, 2*4)
	a, _ := New("a", 2, 2, 2, pix, []uint8{1, 2})
	b, _ := New("b", 2, 2, 2, append([]uint8(nil), pix...), []uint8{1, 2})
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("same bytes under another name fingerprint differently")
	}
	fps := map[string]string{"a": a.Fingerprint()}
	pix2 := append([]uint8(nil), pix...)
	pix2[7] = 1
	c, _ := New("c", 2, 2, 2, pix2, []uint8{1, 2})
	d, _ := New("d", 2, 2, 2, pix, []uint8{1, 3})
	e, _ := New("e", 2, 2, 2, pix, nil)
	f, _ := New("f", 2, 4, 1, pix, []uint8{1, 2})
	for _, x := range []*Dataset{c, d, e, f} {
		fp := x.Fingerprint()
		for name, other := range fps {
			if fp == other {
				t.Errorf("%s and %s fingerprint the same", x.Name, name)
			}
		}
		fps[x.Name] = fp
	}
	if len(a.Fingerprint()) != 64 {
		t.Errorf("fingerprint %q is not a hex SHA-256", a.Fingerprint())
	}
}
