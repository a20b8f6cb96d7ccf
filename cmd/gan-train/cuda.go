//go:build cuda || cudaemu

package main

import (
	"gan-train/gpu"
	"gan-train/internal/app"
	"gan-train/model"
)

// cudaSupport wires the CUDA backend into the cuda build (and, with the
// cudaemu tag, into a build that trains on the emulated device: the CUDA
// path end to end without a GPU, as scripts/gpu-check.sh --dry-run uses it).
func cudaSupport() *app.CUDA {
	return &app.CUDA{
		Open: func(ordinal int) (model.Backend, error) {
			be, err := gpu.Open(ordinal)
			if err != nil {
				return nil, err // never a typed nil inside the interface
			}
			return be, nil
		},
		OpenChecked: func(ordinal int) (model.Backend, string, error) {
			be, desc, err := gpu.OpenChecked(ordinal)
			if err != nil {
				return nil, "", err
			}
			return be, desc, nil
		},
		Probe: gpu.Describe,
	}
}
