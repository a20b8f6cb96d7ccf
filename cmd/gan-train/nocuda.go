//go:build !cuda && !cudaemu

package main

import "gan-train/internal/app"

// cudaSupport: the default build has none.
func cudaSupport() *app.CUDA { return nil }
