package data

import (
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// UploadOrder puts Permutation's order on the backend; Gather then reads the batch it selects, from float32 images and
// from packed bytes alike, and the next batch after the counter advances.
func TestOnDeviceGathersTheEpochsOrder(t *testing.T) {
	be := cpu.New(cpu.Options{})
	defer be.Close()
	const n, cols, rows = 12, 4, 3
	pix := make([]uint8, n*cols)
	vals := make([]float32, n*cols)
	for i := range pix {
		pix[i] = uint8(7*i + 1)
		vals[i] = float32(pix[i])
	}
	var table [256]float32
	for v := range table {
		table[v] = float32(v)
	}
	mem := model.NewArena(be)
	defer mem.Free()
	floats, err := mem.AllocUpload(vals)
	if err != nil {
		t.Fatal(err)
	}
	bytes, err := mem.AllocBytes(pix)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := mem.AllocUpload(table[:])
	if err != nil {
		t.Fatal(err)
	}
	var perm, bc, dst model.Buf
	if err := mem.AllocAll(model.Request{Dst: &perm, N: n}, model.Request{Dst: &bc, N: 1}, model.Request{Dst: &dst, N: rows * cols}); err != nil {
		t.Fatal(err)
	}
	const seed, epoch = 5, 2
	order := Permutation(n, seed, epoch)
	for name, src := range map[string]OnDevice{"float32": {Images: floats, Cols: cols}, "bytes": {Images: bytes, Table: tab, Cols: cols}} {
		be.SetCounter(bc, 0)
		if err := UploadOrder(be, perm, order); err != nil {
			t.Fatal(err)
		}
		for batch := 0; batch < 2; batch++ {
			src.Gather(be, dst, perm, bc)
			got := make([]float32, rows*cols)
			if err := be.Download(got, dst); err != nil {
				t.Fatal(err)
			}
			for r := 0; r < rows; r++ {
				k := order[batch*rows+r]
				for c := 0; c < cols; c++ {
					if want := float32(pix[k*cols+c]); got[r*cols+c] != want {
						t.Fatalf("%s, batch %d, row %d, column %d: %v, want %v (image %d)", name, batch, r, c, got[r*cols+c], want, k)
					}
				}
			}
			be.IncCounter(bc)
		}
	}
	if err := be.Sync(); err != nil {
		t.Fatal(err)
	}
}
