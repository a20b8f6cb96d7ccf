//go:build cuda || cudaemu

// Package gpu is gan-train's CUDA backend: the whole model.Backend contract
// and the optional model.Capturer on one NVIDIA GPU, running the kernels of
// package kernels through gorgonia.org/cu. It exists only in builds with the cuda tag:
//
//	CGO_LDFLAGS=-L/usr/lib/x86_64-linux-gnu/stubs go build -tags cuda ./...
//
// links against the driver's stub library, so it compiles without a GPU;
// a binary importing it needs libcuda.so.1 at start-up, and gorgonia.org/cu's
// package initialisation calls cuInit and exits the process (printing to
// stdout) when that fails. Decide whether a GPU is usable outside such a
// process: run Probe in a child process (gan-train's hidden probe
// subcommand) and fall back to the CPU when it fails.
//
// # Use
//
//	be, err := gpu.Open(0)      // device ordinal
//	...
//	defer be.Close()
//	net, err := model.NewNet(be, spec, batch)
//
// Devices lists the devices (name, memory, compute capability),
// DriverVersion the CUDA version of the driver, KernelCompiler the nvcc
// release of the embedded fat binaries. OpenChecked opens a device and
// checks it computes what the host computes, on the backend it returns.
//
// # Two devices under one backend
//
// The backend reaches the hardware only through the device contract of
// seam.go. With the cuda build tag that is the CUDA driver
// (driver_cuda.go); with the cudaemu tag it is the emulated device of
// package internal/cudaemu (driver_emu.go), which runs kernels/*.cu
// compiled as host C++, so that every test of this package, with this
// package's own grids, argument lists and sizes, runs without a GPU
// (make test-gpu-emu). Emulated tells which one a build has.
//
// # Files
//
// The operations live in one file per group of model.Backend, named as in
// package model and internal/cpu (memory.go, elementwise.go, dense.go,
// loss.go, adam.go, rng.go, layout.go, regularize.go, minibatch.go,
// pyramid.go, average.go); launch.go holds the argument checks and launch
// helpers they share.
//
// # Launches
//
// kernels_gen.go is generated from the signatures of kernels/*.cu by
// internal/kernelsig/kernelgen (go generate -tags cudaemu ./gpu): one
// handle a kernel, and one typed launcher a kernel, whose parameters are
// the kernel's with their Go types (a device address for a pointer), so a
// launch with a missing, extra or mistyped argument does not compile. A
// test of internal/kernelsig fails when the file is stale.
//
// # Execution model
//
// Open retains the device's primary context, creates one non-blocking
// stream and loads the embedded fat binaries (SASS for sm_80 and sm_90;
// other GPUs JIT-compile their compute_70 PTX, which the driver caches
// under CUDA_CACHE_PATH). Every operation is enqueued on that stream in call order and
// returns at once; Download and Sync wait. Errors are sticky: a failed
// launch, a use of a freed Buf, or bad input a kernel detects (an Adam step
// counter of 0, a label or row number out of range, raised through a flag
// word in device memory) is kept and returned by the next Sync.
//
// A Buf is a device pointer and a length inside one allocation; a View is
// the same allocation at an offset. Reductions use a fixed-order tree and a
// fixed grid that depends only on the length, so results are
// bit-reproducible from run to run.
//
// # Threads
//
// A CUDA context is current per OS thread, and Go moves goroutines between
// threads. gorgonia.org/cu's Ctx solves this with a goroutine locked to a
// thread that runs every call sent to it over a channel: a handoff of
// microseconds per operation, more than the kernels of a small GAN step
// take. This backend instead makes the context current inside the same cgo
// call that does the work (a small C helper checks cuCtxGetCurrent, then
// calls cuLaunchKernel), so a launch is one cgo call from whatever goroutine
// calls it, with no channel and no allocation: the arguments go into a C
// array allocated once at Open (gorgonia's Function.Launch mallocs and frees
// two arrays per call). Cold paths (Alloc, Upload, Download, Sync) lock the
// goroutine to its thread for the duration and call cu's plain functions on
// the current context. Capture locks the thread for the whole recording,
// which thread-local stream capture requires.
//
// The price is the usual one: a Backend is not safe for concurrent use. Call
// it from one goroutine at a time (the training loop), as with the cpu
// backend.
//
// # Graphs
//
// Capture records a sequence of operations with stream capture
// (cuStreamBeginCapture / cuStreamEndCapture, in gpu/graph.go since
// gorgonia.org/cu v0.9.6 cannot capture, instantiate or launch graphs) and
// instantiates it; Replay.Run is then a single cuGraphLaunch. Everything
// that changes between steps (step counters, batch number) is read by the
// kernels from device memory, so one recorded training step replays as
// every later step.
package gpu

//go:generate go run gan-train/internal/kernelsig/kernelgen -kernels ../kernels -golaunch kernels_gen.go
