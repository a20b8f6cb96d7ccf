package model

import (
	"errors"
	"strings"
	"testing"
)

// countingBackend records Alloc and Free calls; only those two are used.
type countingBackend struct {
	Backend
	live, limit int
}

type fakeBuf int

func (b fakeBuf) Len() int { return int(b) }

func (c *countingBackend) Name() string { return "counting" }
func (c *countingBackend) Alloc(n int) (Buf, error) {
	if c.live >= c.limit {
		return nil, errors.New("out of memory")
	}
	c.live++
	return fakeBuf(n), nil
}
func (c *countingBackend) Free(Buf) { c.live-- }

func TestArenaFreesEverything(t *testing.T) {
	be := &countingBackend{limit: 3}
	a := NewArena(be)
	var x, y, z Buf
	if err := a.AllocAll(Request{Dst: &x, N: 1}, Request{Dst: &y, N: 2}); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 1 || y.Len() != 2 || be.live != 2 {
		t.Fatalf("lens %d, %d with %d live, want 1, 2 and 2 live", x.Len(), y.Len(), be.live)
	}
	err := a.AllocAll(Request{Dst: &z, N: 7}, Request{Dst: &z, N: 8})
	if err == nil || !strings.Contains(err.Error(), "8 floats on counting") {
		t.Errorf("error %v, want one naming the size and backend", err)
	}
	a.Free()
	a.Free()
	if be.live != 0 {
		t.Errorf("%d buffers live after Free, want 0", be.live)
	}
}
