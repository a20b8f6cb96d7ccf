package model

import "fmt"

// Arena allocates Bufs on one Backend and frees them all together: the
// bookkeeping every holder of backend memory (a network, a trainer, a
// sampler) would otherwise repeat.
type Arena struct {
	be   Backend
	bufs []Buf
}

// NewArena returns an empty arena on be.
func NewArena(be Backend) *Arena { return &Arena{be: be} }

// Alloc returns a zeroed Buf of n elements, freed by Free.
func (a *Arena) Alloc(n int) (Buf, error) {
	b, err := a.be.Alloc(n)
	if err != nil {
		return nil, fmt.Errorf("allocating %d floats on %s: %w", n, a.be.Name(), err)
	}
	a.bufs = append(a.bufs, b)
	return b, nil
}

// AllocUpload returns a Buf holding a copy of src, freed by Free.
func (a *Arena) AllocUpload(src []float32) (Buf, error) {
	b, err := a.Alloc(len(src))
	if err != nil {
		return nil, err
	}
	if err := a.be.Upload(b, src); err != nil {
		return nil, fmt.Errorf("uploading %d floats to %s: %w", len(src), a.be.Name(), err)
	}
	return b, nil
}

// AllocBytes returns a Buf of (len(src)+3)/4 elements holding src packed
// four bytes per element (MemoryOps.UploadBytes), freed by Free. src must
// not change while the Buf lives: a backend may keep it instead of a copy.
func (a *Arena) AllocBytes(src []uint8) (Buf, error) {
	b, err := a.Alloc((len(src) + 3) / 4)
	if err != nil {
		return nil, err
	}
	if err := a.be.UploadBytes(b, src); err != nil {
		return nil, fmt.Errorf("uploading %d bytes to %s: %w", len(src), a.be.Name(), err)
	}
	return b, nil
}

// Request asks AllocAll for a Buf of N elements, stored in *Dst.
type Request struct {
	Dst *Buf
	N   int
}

// AllocAll allocates every request, stopping at the first failure.
func (a *Arena) AllocAll(reqs ...Request) error {
	for _, r := range reqs {
		b, err := a.Alloc(r.N)
		if err != nil {
			return err
		}
		*r.Dst = b
	}
	return nil
}

// Free releases everything the arena allocated; it may be called again.
func (a *Arena) Free() {
	for _, b := range a.bufs {
		a.be.Free(b)
	}
	a.bufs = nil
}
