//go:build !cuda && !cudaemu

package main

import "gan-train/app"

// cudaSupport: the default build has none.
func cudaSupport() *app.CUDA { return nil }
