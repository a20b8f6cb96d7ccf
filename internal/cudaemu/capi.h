// capi.h: the C interface of the emulated device, called by package
// cudaemu (cgo) and by the sanitizer harness (racecheck.cpp). Every call
// returns 0 on success or an error code (GT_EMU_E*), with a message for the
// last failure in gt_emu_error.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

enum {
    GT_EMU_OK = 0,
    GT_EMU_EINVAL = 1,      // a bad argument to the runtime itself
    GT_EMU_ENOMEM = 2,      // host memory exhausted
    GT_EMU_ENOTFOUND = 3,   // unknown module or kernel
    GT_EMU_ELAUNCH = 4,     // a launch the hardware would refuse
    GT_EMU_EFAULT = 5,      // the kernel misbehaved: bad pointer, out of bounds, deadlock
    GT_EMU_ECAPTURE = 6,    // an operation not allowed during or outside capture
};

typedef struct gt_emu_device gt_emu_device;

// gt_emu_open starts a device whose blocks run on workers host threads
// (0: one per CPU).
gt_emu_device *gt_emu_open(int workers);
void gt_emu_close(gt_emu_device *d);
const char *gt_emu_error(gt_emu_device *d);
int gt_emu_workers(gt_emu_device *d);

int gt_emu_alloc(gt_emu_device *d, unsigned long long bytes, unsigned long long *ptr);
int gt_emu_free(gt_emu_device *d, unsigned long long ptr);
int gt_emu_memset32(gt_emu_device *d, unsigned long long ptr, unsigned int v, unsigned long long count);
int gt_emu_htod(gt_emu_device *d, unsigned long long dst, const void *src, unsigned long long bytes);
int gt_emu_dtoh(gt_emu_device *d, void *dst, unsigned long long src, unsigned long long bytes);

// gt_emu_module checks that a module of that name exists; gt_emu_function
// returns a kernel's index in the table of kernels/*.cu.
int gt_emu_module(gt_emu_device *d, const char *module);
int gt_emu_function(gt_emu_device *d, const char *module, const char *name, int *index);
int gt_emu_kernel_params(int index);

// gt_emu_launch runs kernel index over the grid (or, while capturing,
// records it). args holds nargs values, each the bits of one parameter.
int gt_emu_launch(gt_emu_device *d, int index, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                  unsigned bz, unsigned shmem, const unsigned long long *args, int nargs, int cooperative);

int gt_emu_capture_begin(gt_emu_device *d);
int gt_emu_capture_end(gt_emu_device *d, int *graph);
int gt_emu_graph_launch(gt_emu_device *d, int graph);
int gt_emu_graph_free(gt_emu_device *d, int graph);

// Counters for tests: launches run, blocks run, fiber switches made.
void gt_emu_stats(gt_emu_device *d, unsigned long long *launches, unsigned long long *blocks,
                  unsigned long long *switches);

#ifdef __cplusplus
}
#endif
