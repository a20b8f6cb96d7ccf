//go:build cuda || cudaemu

package gpu

import (
	"errors"
	"fmt"
	"math"

	"gan-train/kernels"
	"gan-train/rng"
)

// DeviceInfo describes one CUDA device.
type DeviceInfo struct {
	Ordinal     int    `json:"ordinal"`
	Name        string `json:"name"`
	TotalMemory int64  `json:"total_memory_bytes"`
	Major       int    `json:"compute_capability_major"`
	Minor       int    `json:"compute_capability_minor"`
	SMs         int    `json:"multiprocessors"`
}

// ComputeCapability is "major.minor", e.g. "9.0" for an H100.
func (d DeviceInfo) ComputeCapability() string { return fmt.Sprintf("%d.%d", d.Major, d.Minor) }

// KernelCompiler is the nvcc release that generated the embedded PTX, read
// from its header (e.g. "release 11.8, V11.8.89").
func KernelCompiler() string { return kernels.Compiler() }

// Probe checks that device 0 can run gan-train's kernels: it opens a
// backend (context, stream, JIT of every kernel), fills a buffer on the
// device, draws Philox noise for a fixed key and compares both with the
// values computed on the host, then closes the backend. The CPU-safe front
// binary runs it in a child process (gan-train's hidden probe subcommand)
// because importing gorgonia.org/cu exits the process when no driver or
// device is present.
func Probe() error {
	be, err := Open(0)
	if err != nil {
		return err
	}
	perr := probe(be)
	return errors.Join(perr, be.Close())
}

func probe(be *Backend) error {
	const n = 1000
	x, err := be.Alloc(n)
	if err != nil {
		return err
	}
	c, err := be.Alloc(1)
	if err != nil {
		return err
	}
	be.Fill(x, 1.5)
	be.Affine(x, 2, -1) // 2*1.5-1 = 2
	host := make([]float32, n)
	if err := be.Download(host, x); err != nil {
		return fmt.Errorf("gpu: probe: %w", err)
	}
	for i, v := range host {
		if v != 2 {
			return fmt.Errorf("gpu: probe: fill and affine gave x[%d] = %v, want 2", i, v)
		}
	}
	be.SetCounter(c, 7)
	be.Noise(x, 0, 42, 3, c)
	if err := be.Download(host, x); err != nil {
		return fmt.Errorf("gpu: probe: %w", err)
	}
	want := make([]float32, n)
	rng.FillUniform01(want, 42, 3, 7)
	for i := range host {
		if math.Float32bits(host[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("gpu: probe: noise[%d] = %v, want %v (package rng)", i, host[i], want[i])
		}
	}
	be.Free(x)
	be.Free(c)
	return be.Sync()
}

// Describe runs Probe and, when it passes, describes device 0, the driver
// and the kernels in one line for `gan-train version` and the probe
// subcommand, e.g. "cuda: device 0 NVIDIA H100 80GB HBM3 (compute 9.0,
// 79.2 GiB, 132 SMs), driver CUDA 13.0, kernels PTX compute_70 from nvcc
// release 11.8, V11.8.89".
func Describe() (string, error) {
	if err := Probe(); err != nil {
		return "", err
	}
	devs, err := Devices()
	if err != nil {
		return "", err
	}
	if len(devs) == 0 {
		return "", errors.New("gpu: no CUDA devices")
	}
	drv, err := DriverVersion()
	if err != nil {
		return "", err
	}
	d := devs[0]
	return fmt.Sprintf("cuda: device 0 %s (compute %s, %.1f GiB, %d SMs), driver CUDA %s, kernels PTX compute_70 from nvcc %s",
		d.Name, d.ComputeCapability(), float64(d.TotalMemory)/(1<<30), d.SMs, drv, KernelCompiler()), nil
}
