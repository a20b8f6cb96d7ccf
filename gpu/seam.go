//go:build cuda || cudaemu

package gpu

import (
	"unsafe"

	"gan-train/kernels"
)

// device is the seam between the backend and what runs its kernels: the
// operations of the CUDA driver API that the backend needs, and nothing
// else. Two types implement it, each in builds of its own:
//
//   - driver (driver_cuda.go, build tag cuda): the CUDA driver through
//     gorgonia.org/cu and a few cgo calls of our own;
//   - driver (driver_emu.go, build tag cudaemu): the emulated device of
//     package internal/cudaemu, which runs kernels/*.cu compiled as host
//     C++, so that every test of this package runs without a GPU.
//
// The backend holds the concrete *driver (an interface call would make
// each variadic launch allocate); this interface is the contract both
// must meet, checked at compile time.
//
// Memory: alloc returns a device address; addresses of views are the
// allocation's plus an offset. Every operation is ordered on one stream:
// memsetD32 and upload are enqueued after the work before them, download
// waits for that work, sync waits for everything. Launches take the bits of
// each kernel parameter in the low bytes of a uint64, in the order of the
// kernel's signature. Between beginCapture and endCapture, launches are
// recorded instead of run; graphLaunch replays them in order.
type device interface {
	close() error
	multiprocessors() int
	alloc(bytes int64) (devPtr, error)
	free(p devPtr) error
	memsetD32(p devPtr, v uint32, n int64) error
	upload(dst devPtr, src unsafe.Pointer, bytes int64) error
	download(dst unsafe.Pointer, src devPtr, bytes int64) error
	sync() error
	loadModule(m kernels.Module) (module, error)
	unloadModule(m module) error
	function(m module, name string) (kernel, error)
	launch(k kernel, grid, block dim3, args ...uint64) error
	launchCooperative(k kernel, grid, block dim3, shmem uint32, args ...uint64) error
	beginCapture() error
	endCapture() (graph, error)
	graphLaunch(g graph) error
	graphFree(g graph) error
}

var _ device = (*driver)(nil)

// maxArgs is the most parameters a kernel may take: the size of the CUDA
// driver's preallocated argument array, enforced by both devices so that a
// kernel that passes on the emulated device also launches on a GPU.
const maxArgs = 16

// devPtr is a device address.
type devPtr uint64

// dim3 is a CUDA grid or block shape.
type dim3 struct{ x, y, z uint32 }
