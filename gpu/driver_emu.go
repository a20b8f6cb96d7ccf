//go:build cudaemu

package gpu

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"gan-train/internal/cudaemu"
	"gan-train/kernels"
)

// Error is a failed call into the emulated device.
type Error = cudaemu.Error

// emuSMs is the multiprocessor count the emulated device reports: an
// H100's, so that the backend picks the grids and tile sizes it would pick
// there.
const emuSMs = 132

// driver is the emulated implementation of the device seam (package
// internal/cudaemu). Everything runs when it is called: a launch returns
// after its last block, so a kernel's fault is the launch's error.
type driver struct {
	dev *cudaemu.Device
}

// openDriver starts the emulated device; ordinal must be 0. Its blocks run
// on GAN_TRAIN_EMU_WORKERS host threads (default: one a CPU).
func openDriver(ordinal int) (*driver, error) {
	if ordinal != 0 {
		return nil, fmt.Errorf("gpu: device ordinal %d: want 0 to 0 (1 emulated device)", ordinal)
	}
	workers := 0
	if s := os.Getenv("GAN_TRAIN_EMU_WORKERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("gpu: GAN_TRAIN_EMU_WORKERS=%q: want a positive number of threads", s)
		}
		workers = n
	}
	dev, err := cudaemu.Open(workers)
	if err != nil {
		return nil, fmt.Errorf("gpu: opening the emulated device: %w", err)
	}
	return &driver{dev: dev}, nil
}

func (d *driver) close() error {
	d.dev.Close()
	return nil
}

func (d *driver) multiprocessors() int { return emuSMs }

func (d *driver) alloc(bytes int64) (devPtr, error) {
	p, err := d.dev.Alloc(bytes)
	return devPtr(p), err
}

func (d *driver) free(p devPtr) error { return d.dev.Free(uint64(p)) }

func (d *driver) memsetD32(p devPtr, v uint32, n int64) error {
	return d.dev.Memset32(uint64(p), v, n)
}

func (d *driver) upload(dst devPtr, src unsafe.Pointer, bytes int64) error {
	return d.dev.CopyHtoD(uint64(dst), src, bytes)
}

func (d *driver) download(dst unsafe.Pointer, src devPtr, bytes int64) error {
	return d.dev.CopyDtoH(dst, uint64(src), bytes)
}

func (d *driver) sync() error { return nil }

// module is one kernel family.
type module struct{ name string }

func (d *driver) loadModule(m kernels.Module) (module, error) {
	if err := d.dev.Module(m.Name); err != nil {
		return module{}, err
	}
	return module{m.Name}, nil
}

func (d *driver) unloadModule(module) error { return nil }

// kernel is a function of a module.
type kernel struct {
	name  string
	index int
}

func (d *driver) function(m module, name string) (kernel, error) {
	i, err := d.dev.Function(m.name, name)
	if err != nil {
		return kernel{}, err
	}
	return kernel{name: name, index: i}, nil
}

func (d *driver) launch(k kernel, grid, block dim3, args ...uint64) error {
	if len(args) > maxArgs {
		return fmt.Errorf("gpu: launching %s: %d arguments, at most %d", k.name, len(args), maxArgs)
	}
	return d.dev.Launch(k.index, [3]uint32{grid.x, grid.y, grid.z}, [3]uint32{block.x, block.y, block.z}, 0, false, args...)
}

func (d *driver) launchCooperative(k kernel, grid, block dim3, shmem uint32, args ...uint64) error {
	if len(args) > maxArgs {
		return fmt.Errorf("gpu: launching %s: %d arguments, at most %d", k.name, len(args), maxArgs)
	}
	return d.dev.Launch(k.index, [3]uint32{grid.x, grid.y, grid.z}, [3]uint32{block.x, block.y, block.z}, shmem, true, args...)
}

// graph is a recorded sequence of launches.
type graph struct{ id int }

func (d *driver) beginCapture() error { return d.dev.BeginCapture() }

func (d *driver) endCapture() (graph, error) {
	id, err := d.dev.EndCapture()
	return graph{id}, err
}

func (d *driver) graphLaunch(g graph) error { return d.dev.GraphLaunch(g.id) }

func (d *driver) graphFree(g graph) error {
	if g.id == 0 {
		return nil
	}
	return d.dev.GraphFree(g.id)
}

// Devices lists the one emulated device, described as the H100 whose
// multiprocessor count it reports.
func Devices() ([]DeviceInfo, error) {
	return []DeviceInfo{{
		Ordinal:     0,
		Name:        "emulated device (kernels/*.cu as host C++)",
		TotalMemory: 80 << 30,
		Major:       9,
		Minor:       0,
		SMs:         emuSMs,
	}}, nil
}

// DriverVersion names the emulation instead of a CUDA version.
func DriverVersion() (string, error) { return "emulated", nil }

// Emulated is true: this build runs kernels on the emulated device.
const Emulated = true
