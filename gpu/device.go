//go:build cuda || cudaemu

package gpu

import (
	"errors"
	"fmt"
	"math"

	"gan-train/internal/rng"
	"gan-train/kernels"
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

// KernelCompiler is the nvcc release that generated the embedded fat
// binaries (e.g. "release 11.8, V11.8.89").
func KernelCompiler() string { return kernels.Compiler() }

// Probe checks that device 0 can run gan-train's kernels and describes it:
// OpenChecked, then Close. The CPU-safe front binary runs it in a child
// process (gan-train's hidden probe subcommand) because importing
// gorgonia.org/cu exits the process when no driver or device is present.
func Probe() error {
	_, err := Describe()
	return err
}

// OpenChecked opens device ordinal and checks it on the backend it
// returns, so that a process probes and trains on one opened device: it
// fills a buffer on the device, draws Philox noise for a fixed key and
// compares both with the values computed on the host. It returns the
// device's description (see Describe).
func OpenChecked(ordinal int) (*Backend, string, error) {
	be, err := Open(ordinal)
	if err != nil {
		return nil, "", err
	}
	desc, err := describe(be)
	if err == nil {
		err = probe(be)
	}
	if err != nil {
		return nil, "", errors.Join(err, be.Close())
	}
	return be, desc, nil
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

// Describe runs the probe on device 0 and, when it passes, describes the
// device, the driver and the kernels in one line for `gan-train version`
// and the probe subcommand, e.g. "cuda: device 0 NVIDIA H100 80GB HBM3
// (compute 9.0, 79.2 GiB, 132 SMs), driver CUDA 13.0, kernels sm_80 sm_90
// and compute_70 PTX from nvcc release 11.8, V11.8.89".
func Describe() (string, error) {
	be, desc, err := OpenChecked(0)
	if err != nil {
		return "", err
	}
	return desc, be.Close()
}

func describe(be *Backend) (string, error) {
	devs, err := Devices()
	if err != nil {
		return "", err
	}
	if be.ordinal >= len(devs) {
		return "", fmt.Errorf("gpu: device %d not among %d devices", be.ordinal, len(devs))
	}
	drv, err := DriverVersion()
	if err != nil {
		return "", err
	}
	d := devs[be.ordinal]
	if Emulated {
		return fmt.Sprintf("cuda: device %d %s, reporting compute %s and %d SMs", be.ordinal, d.Name, d.ComputeCapability(), d.SMs), nil
	}
	return fmt.Sprintf("cuda: device %d %s (compute %s, %.1f GiB, %d SMs), driver CUDA %s, kernels %s from nvcc %s",
		be.ordinal, d.Name, d.ComputeCapability(), float64(d.TotalMemory)/(1<<30), d.SMs, drv, kernels.Targets, KernelCompiler()), nil
}
