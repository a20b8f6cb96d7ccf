//go:build cuda

package main

import (
	"gan-train/app"
	"gan-train/gpu"
	"gan-train/model"
)

// cudaSupport wires the CUDA backend into the cuda build.
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
