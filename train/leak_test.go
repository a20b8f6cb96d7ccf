package train

import (
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// countingBackend counts the buffers a backend hands out and takes back.
type countingBackend struct {
	model.Backend
	allocs, frees int
}

func (c *countingBackend) Alloc(n int) (model.Buf, error) {
	b, err := c.Backend.Alloc(n)
	if err == nil {
		c.allocs++
	}
	return b, err
}

func (c *countingBackend) Free(b model.Buf) { c.frees++; c.Backend.Free(b) }

// A trainer that refuses its input keeps no backend memory: every buffer
// made before the refusal is freed.
func TestRefusedTrainerFreesItsBuffers(t *testing.T) {
	images := digits(t, 200)
	for _, tc := range []struct {
		name   string
		mut    func(*Config)
		labels []uint8
	}{
		{"conditional without labels", func(c *Config) { c.Conditional = true }, nil},
		{"conditional with a label out of range", func(c *Config) { c.Conditional = true }, make200(12)},
	} {
		be := &countingBackend{Backend: cpu.New(cpu.Options{})}
		c := tinyConfig(10)
		tc.mut(&c)
		if tr, err := NewLabeledTrainer(be, c, images, tc.labels); err == nil {
			tr.Close()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if be.allocs != be.frees {
			t.Errorf("%s: %d buffers allocated, %d freed", tc.name, be.allocs, be.frees)
		}
	}
}

func make200(v uint8) []uint8 {
	l := make([]uint8, 200)
	for i := range l {
		l[i] = v
	}
	return l
}
