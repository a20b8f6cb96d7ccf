// Package cudaemu is an emulated CUDA device: it runs the kernels of
// kernels/*.cu, compiled as host C++ with g++, under the same launch
// interface as the CUDA driver (device memory, copies, kernels looked up by
// module and name, launches with a grid, a block and the bits of each
// argument, cooperative launches, graph capture and replay), so that the gpu
// package's own launch code is exercised on every machine. It exists only in
// builds with the cudaemu tag, which also build package gpu on top of it:
//
//	go test -tags cudaemu ./gpu/ ./internal/cudaemu/    # make test-gpu-emu
//
// # How a kernel runs
//
// cuda_emu.h maps the CUDA built-ins onto the runtime in runtime.cpp. Each
// CUDA thread is a fiber (its own 128 KiB stack, a hand-written x86-64
// context switch); the fibers of a block run interleaved on one host thread
// and switch only at barriers, so __syncthreads, __syncwarp, warp shuffles
// and votes (lanes exchange through a warp barrier) and a cooperative
// grid's sync mean what they mean on a GPU, and a missing barrier shows as
// a thread reading a tile its neighbours have not written yet. Blocks run
// on a pool of host threads (one a CPU), a cooperative launch on one host
// thread a block so that every block is resident. __shared__ variables are
// thread-local: one copy for the block running on a host thread.
//
// # What it checks that a GPU would not report as clearly
//
//   - every pointer argument points into a live allocation (a swapped
//     argument shows as a number where an address belongs);
//   - launch limits: block and grid dimensions, __launch_bounds__, the
//     argument count against the kernel's signature;
//   - writes past the end of an allocation (a guard zone after each one,
//     filled with a NaN pattern so that reads past the end poison results;
//     fresh allocations hold the same pattern, as a GPU's hold garbage);
//   - writes past a block's dynamic shared memory (GT_DYNAMIC_SHARED: the
//     launch's shmem bytes, then a guard checked after each block), so a
//     launch that asks for too little fails;
//   - indexes out of range of arrays of known size, __shared__ tiles
//     included (the kernels are compiled with -fsanitize=bounds and the
//     runtime turns the check into a failed launch with the source line);
//   - barriers that cannot complete (a deadlock is a failed launch, not a
//     hang).
//
// Builds with -asan (AddressSanitizer) annotate the fiber switches; the
// sanitizer harness (racecheck.cpp, make test-gpu-emu-sanitize) builds the
// same runtime under ThreadSanitizer, where the fibers are TSan fibers that
// only barriers order, so that a missing __syncthreads is a reported race.
//
// # What it cannot show
//
// Driver behaviour (JIT, contexts, real streams: a launch runs to its end
// before the call returns), CUDA's math-library rounding (expf and its kin
// come from the host C library; the kernels are compiled without FMA
// contraction, which nvcc applies by default), and speed.
//
// kernels/*.cu are the only kernel sources, with selftest.cu here for the
// emulator's own tests: k_*.cpp and table_gen.cpp are generated from them by
// internal/kernelsig/kernelgen (go generate ./internal/cudaemu; a test in
// internal/kernelsig fails when they are stale).
package cudaemu

//go:generate go run gan-train/internal/kernelsig/kernelgen -kernels ../../kernels,. -out .
