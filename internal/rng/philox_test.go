package rng

import (
	"math"
	"testing"
)

// Known-answer vectors published with Random123 (kat_vectors, philox4x32 10 rounds).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Philox4x32(c.ctr, c.key); got != c.want {
			t.Errorf("Philox4x32(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

func TestUniformMoments(t *testing.T) {
	x := make([]float32, 100003)
	FillUniformPM1(x, 42, 1, 7)
	var s, s2 float64
	for _, v := range x {
		if v < -1 || v >= 1 {
			t.Fatalf("draw %v outside [-1,1)", v)
		}
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(x))
	if m := s / n; math.Abs(m) > 0.01 {
		t.Errorf("mean %v, want 0±0.01", m)
	}
	if v := s2 / n; math.Abs(v-1.0/3) > 0.01 {
		t.Errorf("second moment %v, want 1/3±0.01", v)
	}
}

func TestNormalMoments(t *testing.T) {
	x := make([]float32, 100001)
	FillNormal(x, 3, 0, 0)
	var s, s2 float64
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("non-finite draw %v", v)
		}
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	n := float64(len(x))
	if m := s / n; math.Abs(m) > 0.02 {
		t.Errorf("mean %v, want 0±0.02", m)
	}
	if v := s2 / n; math.Abs(v-1) > 0.02 {
		t.Errorf("variance %v, want 1±0.02", v)
	}
}

func TestStreamsAndStepsDiffer(t *testing.T) {
	a := Block(1, 0, 0, 0)
	if b := Block(1, 1, 0, 0); a == b {
		t.Error("streams 0 and 1 gave the same block")
	}
	if b := Block(1, 0, 1, 0); a == b {
		t.Error("steps 0 and 1 gave the same block")
	}
	if b := Block(2, 0, 0, 0); a == b {
		t.Error("seeds 1 and 2 gave the same block")
	}
}
