//go:build cudaemu

package cudaemu

import (
	"strings"
	"testing"
	"unsafe"
)

func open(t *testing.T) *Device {
	t.Helper()
	dev, err := Open(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.Close)
	return dev
}

func fn(t *testing.T, dev *Device, module, name string) int {
	t.Helper()
	k, err := dev.Function(module, name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func alloc(t *testing.T, dev *Device, n int) uint64 {
	t.Helper()
	p, err := dev.Alloc(int64(4 * n))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get[T any](t *testing.T, dev *Device, p uint64, n int) []T {
	t.Helper()
	out := make([]T, n)
	if err := dev.CopyDtoH(unsafe.Pointer(&out[0]), p, int64(n)*int64(unsafe.Sizeof(out[0]))); err != nil {
		t.Fatal(err)
	}
	return out
}

func grid(x uint32) [3]uint32 { return [3]uint32{x, 1, 1} }

// wantFault checks that err is a kernel fault whose message has all of parts.
func wantFault(t *testing.T, err error, parts ...string) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok || !e.Fault() {
		t.Fatalf("got %v, want a kernel fault", err)
	}
	for _, p := range parts {
		if !strings.Contains(e.Msg, p) {
			t.Errorf("fault %q does not mention %q", e.Msg, p)
		}
	}
}

func TestShuffles(t *testing.T) {
	dev := open(t)
	k := fn(t, dev, "selftest", "st_shuffle")
	const n = 48 // a full warp and a partial one of 16 lanes
	out := alloc(t, dev, n)
	for _, c := range []struct {
		mode, arg, width int
		want             func(t int) int // the source lane within the warp
	}{
		{0, 5, 32, func(t int) int { return 5 }},
		{0, 3, 8, func(t int) int { return t%32&^7 + 3 }},
		{1, 2, 32, func(t int) int {
			if t%32 >= 2 {
				return t%32 - 2
			}
			return t % 32
		}},
		{2, 4, 32, func(t int) int {
			if t%32+4 < 32 && t < 32 || t >= 32 && t%32+4 < 16 {
				return t%32 + 4
			}
			return t % 32
		}},
		{3, 1, 32, func(t int) int { return (t % 32) ^ 1 }},
		{3, -1, 32, func(t int) int { // the lane mask is taken to 5 bits
			if t < 32 {
				return (t % 32) ^ 31
			}
			return t % 32 // the partial warp has no lane (t%32)^31 >= 16
		}},
		{1, -1, 32, func(t int) int { return t % 32 }}, // an up-delta of 2^32-1 stays in place
		{3, 8, 8, func(t int) int { return t % 32 }},   // xor beyond the 8-wide segment
	} {
		if err := dev.Launch(k, grid(1), [3]uint32{n, 1, 1}, 0, false, out, uint64(c.mode), uint64(c.arg), uint64(c.width)); err != nil {
			t.Fatal(err)
		}
		got := get[int32](t, dev, out, n)
		for i, g := range got {
			if w := 100 + c.want(i); int(g) != w {
				t.Errorf("mode %d arg %d width %d: lane %d got %d, want %d", c.mode, c.arg, c.width, i, g, w)
				break
			}
		}
	}
}

func TestWarpSum(t *testing.T) {
	dev := open(t)
	out := alloc(t, dev, 8)
	if err := dev.Launch(fn(t, dev, "selftest", "st_warp_sum"), grid(1), [3]uint32{256, 1, 1}, 0, false, out); err != nil {
		t.Fatal(err)
	}
	for w, g := range get[int32](t, dev, out, 8) {
		want := 0
		for i := 32 * w; i < 32*w+32; i++ {
			want += i
		}
		if int(g) != want {
			t.Errorf("warp %d: sum %d, want %d", w, g, want)
		}
	}
}

func TestVotes(t *testing.T) {
	dev := open(t)
	const n = 64
	out := alloc(t, dev, 4*n)
	if err := dev.Launch(fn(t, dev, "selftest", "st_votes"), grid(1), [3]uint32{n, 1, 1}, 0, false, out); err != nil {
		t.Fatal(err)
	}
	got := get[uint32](t, dev, out, 4*n)
	var ballot uint32
	for l := 0; l < 32; l += 3 {
		ballot |= 1 << l
	}
	for i := 0; i < n; i++ {
		want := [4]uint32{ballot, 1, 1, n/2*10000 + n}
		if g := [4]uint32(got[4*i : 4*i+4]); g != want {
			t.Fatalf("thread %d: ballot, any, all, counts = %v, want %v", i, g, want)
		}
	}
}

func TestCooperativeGrid(t *testing.T) {
	dev := open(t)
	const blocks = 24
	marks, out := alloc(t, dev, blocks), alloc(t, dev, blocks)
	if err := dev.Memset32(marks, 0, blocks); err != nil {
		t.Fatal(err)
	}
	k := fn(t, dev, "selftest", "st_grid")
	if err := dev.Launch(k, grid(blocks), [3]uint32{64, 1, 1}, 0, true, marks, out); err != nil {
		t.Fatal(err)
	}
	for b, g := range get[int32](t, dev, out, blocks) {
		if g != blocks {
			t.Errorf("block %d counted %d marks after the grid barrier, want %d", b, g, blocks)
		}
	}
	// Without a cooperative launch the grid barrier is refused.
	wantFault(t, dev.Launch(k, grid(blocks), [3]uint32{64, 1, 1}, 0, false, marks, out), "not cooperative")
}

func TestDeadlockIsAnError(t *testing.T) {
	dev := open(t)
	out := alloc(t, dev, 2*128)
	err := dev.Launch(fn(t, dev, "selftest", "st_deadlock"), grid(2), [3]uint32{128, 1, 1}, 0, false, out)
	wantFault(t, err, "st_deadlock", "deadlocked")
}

func TestSharedIndexOutOfBounds(t *testing.T) {
	dev := open(t)
	out := alloc(t, dev, 1)
	k := fn(t, dev, "selftest", "st_shared_index")
	if err := dev.Launch(k, grid(1), [3]uint32{32, 1, 1}, 0, false, out, 31); err != nil {
		t.Fatalf("index 31 of 32: %v", err)
	}
	wantFault(t, dev.Launch(k, grid(1), [3]uint32{32, 1, 1}, 0, false, out, 32), "index 32 out of bounds", "selftest.cu")
}

func TestWritePastTheEnd(t *testing.T) {
	dev := open(t)
	const n = 1000
	buf := alloc(t, dev, n)
	k := fn(t, dev, "selftest", "st_fill_to")
	if err := dev.Launch(k, grid(3), [3]uint32{128, 1, 1}, 0, false, buf, n, 0x3f800000); err != nil {
		t.Fatalf("in bounds: %v", err)
	}
	for i, v := range get[float32](t, dev, buf, n) {
		if v != 1 {
			t.Fatalf("element %d = %v, want 1", i, v)
		}
	}
	wantFault(t, dev.Launch(k, grid(3), [3]uint32{128, 1, 1}, 0, false, buf, n+1, 0x3f800000), "st_fill_to", "wrote past the end", "out")
}

func TestLaunchChecks(t *testing.T) {
	dev := open(t)
	buf := alloc(t, dev, 16)
	fill := fn(t, dev, "elementwise", "fill_f32") // (float *x, int n, float v)
	for _, c := range []struct {
		name  string
		block uint32
		args  []uint64
		want  string
	}{
		{"a number where a pointer belongs", 32, []uint64{16, buf, 0}, "parameter 0 (x)"},
		{"too few arguments", 32, []uint64{buf, 16}, "2 arguments, the kernel takes 3"},
		{"too many threads", 2048, []uint64{buf, 16, 0}, "exceeds the dimension limits"},
	} {
		err := dev.Launch(fill, grid(1), [3]uint32{c.block, 1, 1}, 0, false, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	// __launch_bounds__(256) of the tiled GEMM.
	dense := fn(t, dev, "dense", "dense_forward2_64")
	err := dev.Launch(dense, grid(1), [3]uint32{512, 1, 1}, 0, false, buf, buf, buf, buf, 1, 1, 1, 0)
	if err == nil || !strings.Contains(err.Error(), "limit of 256") {
		t.Errorf("512 threads for a kernel bounded at 256: got %v", err)
	}
	if _, err := dev.Function("dense", "no_such_kernel"); err == nil {
		t.Error("Function of a missing kernel: no error")
	}
	if err := dev.CopyHtoD(buf+60, unsafe.Pointer(&[2]float32{}), 8); err == nil {
		t.Error("a copy running past the allocation: no error")
	}
}

func TestCaptureReplaysInOrder(t *testing.T) {
	dev := open(t)
	buf := alloc(t, dev, 4)
	fill := fn(t, dev, "elementwise", "fill_f32")
	affine := fn(t, dev, "elementwise", "affine_f32") // x = a*x + c
	if err := dev.BeginCapture(); err != nil {
		t.Fatal(err)
	}
	launches := dev.Stats().Launches
	for _, l := range []struct {
		k    int
		args []uint64
	}{
		{fill, []uint64{buf, 4, 0x40000000}},               // 2
		{affine, []uint64{buf, 4, 0x40400000, 0x3f800000}}, // 3x+1 = 7
		{affine, []uint64{buf, 4, 0x3f800000, 0x40000000}}, // x+2 = 9
	} {
		if err := dev.Launch(l.k, grid(1), [3]uint32{32, 1, 1}, 0, false, l.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := dev.Memset32(buf, 0, 4); err == nil {
		t.Error("memset during capture: no error")
	}
	g, err := dev.EndCapture()
	if err != nil {
		t.Fatal(err)
	}
	if got := dev.Stats().Launches; got != launches {
		t.Errorf("capture ran %d launches, want none", got-launches)
	}
	if err := dev.GraphLaunch(g); err != nil {
		t.Fatal(err)
	}
	if got := get[float32](t, dev, buf, 4); got[0] != 9 || got[3] != 9 {
		t.Errorf("after replay: %v, want 9s (fill 2, then 3x+1, then x+2, in that order)", got)
	}
	if err := dev.Free(buf); err != nil {
		t.Fatal(err)
	}
	if err := dev.GraphLaunch(g); err == nil || !strings.Contains(err.Error(), "no longer device memory") {
		t.Errorf("replay after its buffer was freed: got %v", err)
	}
	if err := dev.GraphFree(g); err != nil {
		t.Fatal(err)
	}
}

func TestDynamicSharedMemory(t *testing.T) {
	dev := open(t)
	const n = 64
	out := alloc(t, dev, n)
	k := fn(t, dev, "selftest", "st_dynamic_shared")
	if err := dev.Launch(k, grid(2), [3]uint32{n, 1, 1}, 4*n, false, out); err != nil {
		t.Fatalf("shmem of %d floats: %v", n, err)
	}
	for i, v := range get[float32](t, dev, out, n) {
		if want := float32((i + 1) % n); v != want {
			t.Fatalf("thread %d read %v from its neighbour's slot, want %v", i, v, want)
		}
	}
	// A launch that asks for one float too few.
	wantFault(t, dev.Launch(k, grid(2), [3]uint32{n, 1, 1}, 4*n-4, false, out), "st_dynamic_shared", "dynamic shared memory", "252 bytes")
}

func TestBallotSkipsReturnedLanes(t *testing.T) {
	dev := open(t)
	out := alloc(t, dev, 32)
	if err := dev.Launch(fn(t, dev, "selftest", "st_ballot_after_exit"), grid(1), [3]uint32{32, 1, 1}, 0, false, out); err != nil {
		t.Fatal(err)
	}
	got := get[uint32](t, dev, out, 32)
	for l := 0; l < 16; l++ {
		if got[l] != 0 || got[16+l] != 0xffff {
			t.Fatalf("lane %d: ballot(0) = %#x, ballot(1) = %#x; want 0 and 0xffff (the returned lanes take no part)", l, got[l], got[16+l])
		}
	}
}

func TestCooperativeDeadlockIsAnError(t *testing.T) {
	dev := open(t)
	out := alloc(t, dev, 4)
	err := dev.Launch(fn(t, dev, "selftest", "st_grid_skip"), grid(4), [3]uint32{32, 1, 1}, 0, true, out)
	wantFault(t, err, "st_grid_skip", "deadlocked", "ended without reaching the grid sync")
}
