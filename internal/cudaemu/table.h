// table.h: the kernels of kernels/*.cu as the emulated device sees them,
// generated into table_gen.cpp by internal/kernelsig/kernelgen.
#pragma once

namespace gt_emu {

// KernelInfo describes one extern "C" __global__ function.
struct KernelInfo {
    const char *module;                       // its file in kernels/, without .cu
    const char *name;                         // its symbol
    void (*call)(const unsigned long long *); // unpacks the argument bits and calls it
    int nparams;
    const char *kinds;       // one letter a parameter: p pointer, i int, u unsigned, f float, U u64, I i64, d double
    const char *const *names; // the parameters' names
    int maxThreads;           // __launch_bounds__, or 1024
};

extern const KernelInfo kernels[];
extern const int nkernels;

} // namespace gt_emu
