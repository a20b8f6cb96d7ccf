package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gan-train/model"
)

func testMemory(t *testing.T, be model.Backend) {
	if be.Name() == "" {
		t.Error("Name() is empty")
	}
	for _, n := range sizes {
		b, err := be.Alloc(n)
		if err != nil {
			t.Fatalf("Alloc(%d): %v", n, err)
		}
		if b.Len() != n {
			t.Errorf("Alloc(%d).Len() = %d", n, b.Len())
		}
		got := make([]float32, n)
		if err := be.Download(got, b); err != nil {
			t.Fatalf("Download: %v", err)
		}
		for i, v := range got {
			if v != 0 {
				t.Errorf("Alloc(%d)[%d] = %v, want 0", n, i, v)
				break
			}
		}
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i) + 0.5
		}
		if err := be.Upload(b, src); err != nil {
			t.Fatalf("Upload: %v", err)
		}
		// A view sees the same memory, and writes through it land in place.
		off, m := n/3, n-n/3-n/4
		v := be.View(b, off, m)
		if v.Len() != m {
			t.Errorf("View(b, %d, %d).Len() = %d", off, m, v.Len())
		}
		part := make([]float32, m)
		if err := be.Download(part, v); err != nil {
			t.Fatalf("Download of view: %v", err)
		}
		checkExact(t, fmt.Sprintf("view [%d:%d] of %d", off, off+m, n), part, src[off:off+m])
		for i := range part {
			part[i] = -part[i]
			src[off+i] = -src[off+i]
		}
		if err := be.Upload(v, part); err != nil {
			t.Fatalf("Upload to view: %v", err)
		}
		if err := be.Download(got, b); err != nil {
			t.Fatalf("Download: %v", err)
		}
		checkExact(t, fmt.Sprintf("Buf of %d after upload to view [%d:%d]", n, off, off+m), got, src)
		if err := be.Upload(b, make([]float32, n+1)); err == nil {
			t.Errorf("Upload of %d values into a Buf of %d: no error", n+1, n)
		}
		if err := be.Download(make([]float32, n+1), b); err == nil {
			t.Errorf("Download of a Buf of %d into %d values: no error", n, n+1)
		}
		be.Free(b)
	}
	if err := be.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
}

// packBytes is UploadBytes' reference: byte j of element i is src[4i+j],
// weighted by 256^j, the tail zero.
func packBytes(src []uint8) []float32 {
	out := make([]float32, (len(src)+3)/4)
	for i := range out {
		var w uint64
		for j := 3; j >= 0; j-- {
			w *= 256
			if k := 4*i + j; k < len(src) {
				w += uint64(src[k])
			}
		}
		out[i] = math.Float32frombits(uint32(w))
	}
	return out
}

func testUploadBytes(t *testing.T, be model.Backend) {
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 129, 785, 4099, 4 * 785} {
		e := newEnv(t, be, uint64(n)+1)
		src := make([]uint8, n)
		for i := range src {
			src[i] = uint8(e.rng.IntN(256))
		}
		want := packBytes(src)
		// A whole allocation (which the cpu backend may make share src)...
		whole, err := be.Alloc(len(want))
		if err != nil {
			t.Fatalf("Alloc(%d): %v", len(want), err)
		}
		if err := be.UploadBytes(whole, src); err != nil {
			t.Fatalf("UploadBytes of %d bytes: %v", n, err)
		}
		checkExact(t, fmt.Sprintf("UploadBytes of %d bytes into an allocation", n), e.get(whole), want)
		be.Free(whole)
		// ...and a view inside guard margins, which must stay untouched.
		view := e.filled(len(want), 7)
		if err := be.UploadBytes(view, src); err != nil {
			t.Fatalf("UploadBytes of %d bytes into a view: %v", n, err)
		}
		checkExact(t, fmt.Sprintf("UploadBytes of %d bytes into a view", n), e.get(view), want)
		if err := be.UploadBytes(view, make([]uint8, 4*len(want)+1)); err == nil {
			t.Errorf("UploadBytes of %d bytes into a Buf of %d: no error", 4*len(want)+1, len(want))
		}
		e.sync()
	}
}

func testCounters(t *testing.T, be model.Backend) {
	e := newEnv(t, be, 1)
	c := e.counter(12345)
	for _, tc := range []struct {
		set, incs, want uint32
	}{{0, 0, 0}, {0, 1, 1}, {7, 3, 10}, {1 << 30, 1, 1<<30 + 1}, {0xfffffffe, 1, 0xffffffff}, {0xffffffff, 1, 0}, {0x7fc00000, 0, 0x7fc00000}} {
		be.SetCounter(c, tc.set)
		for i := uint32(0); i < tc.incs; i++ {
			be.IncCounter(c)
		}
		if got := math.Float32bits(e.get(c)[0]); got != tc.want {
			t.Errorf("SetCounter(%#x) then %d IncCounter: counter = %#x, want %#x", tc.set, tc.incs, got, tc.want)
		}
	}
}

// memoryGroup is the suite's group for model.MemoryOps.
func memoryGroup(_ Tolerance) group {
	return group{"Memory", []opCheck{
		{"Buffers", []string{"Name", "Alloc", "View", "Free", "Upload", "Download", "Copy", "Sync"}, testMemory},
		{"UploadBytes", []string{"UploadBytes"}, testUploadBytes},
		{"Counters", []string{"SetCounter", "IncCounter"}, testCounters},
	}}
}
