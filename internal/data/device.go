package data

import (
	"fmt"

	"gan-train/model"
)

// OnDevice is a dataset's images held in a compute backend's memory, from
// which a training step gathers its batch on the backend itself (so that a
// captured step replays the gathering): float32 values, or the 8-bit
// pixels packed four per element (model.MemoryOps.UploadBytes) with the
// table of their values.
type OnDevice struct {
	Images model.Buf // (n, Cols) float32, or (n, Cols) bytes when Table is set
	Table  model.Buf // nil, or the 256 float32 values of the bytes (GatherBytes)
	Cols   int       // values per image
}

// Gather copies the batch that the batch counter bc selects through the
// epoch's order perm (see UploadOrder) into dst (rows, Cols):
//
//	dst[r] = image perm[bc*rows + r]
func (d OnDevice) Gather(be model.Backend, dst, perm, bc model.Buf) {
	if d.Table != nil {
		be.GatherBytes(dst, d.Images, d.Table, perm, d.Cols, bc)
		return
	}
	be.GatherRows(dst, d.Images, perm, d.Cols, bc)
}

// UploadOrder uploads an epoch's order (a permutation of the n rows of
// perm, as Permutation returns) into perm as the float32 row numbers
// Gather reads.
func UploadOrder(be model.Backend, perm model.Buf, order []int) error {
	f, err := PermutationFloat32(order)
	if err != nil {
		return fmt.Errorf("epoch order: %w", err)
	}
	if err := be.Upload(perm, f); err != nil {
		return fmt.Errorf("uploading the epoch's order: %w", err)
	}
	return nil
}
