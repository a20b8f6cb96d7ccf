//go:build cudaemu

// runtime.cpp: the emulated device. Device memory is host memory with a
// guard zone after each allocation; a launch runs the grid's blocks on a
// pool of host threads, each block as fibers (one per CUDA thread) that
// switch at barriers; graph capture records launches and replays them in
// order. See cuda_emu.h for what a kernel sees and doc.go for the whole.

#define GT_EMU_RUNTIME
#include "capi.h"
#include "cuda_emu.h"
#include "table.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GT_TSAN 1
extern "C" void AnnotateIgnoreReadsBegin(const char *file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char *file, int line);
extern "C" void AnnotateIgnoreWritesBegin(const char *file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif

namespace gt_emu {

__thread const ThreadVars *cur;

// Quiet marks the runtime's own work on a fiber (barrier bookkeeping, warp
// exchange slots, the scheduler's records) as invisible to
// ThreadSanitizer: the fibers of a block are ordered only by the barriers'
// release and acquire, so that the kernels' own accesses between barriers
// are checked, and the runtime's bookkeeping, which the scheduler orders,
// is not reported.
struct Quiet {
#ifdef GT_TSAN
    Quiet();
    ~Quiet();
#else
    Quiet() {}
#endif
};

// ---------------------------------------------------------------- context switch

// gt_emu_switch saves the callee-saved registers, MXCSR and the x87 control
// word on the current stack, stores the stack pointer in *save and resumes
// the context whose stack pointer is to (System V x86-64 ABI).
extern "C" void gt_emu_switch(void **save, void *to);
#if defined(__x86_64__)
asm(R"(
.text
.globl gt_emu_switch
.type gt_emu_switch,@function
gt_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size gt_emu_switch,.-gt_emu_switch
.section .note.GNU-stack,"",@progbits
.text
)");
#else
#error "the emulated device's context switch is written for x86-64 only"
#endif

// ---------------------------------------------------------------- launches

struct Launch {
    const KernelInfo *k = nullptr;
    const unsigned long long *args = nullptr;
    uint3_t grid{}, block{};
    unsigned shmem = 0; // bytes of dynamic shared memory a block
    unsigned long long nblocks = 0;
    std::atomic<unsigned long long> next{0};
    std::atomic<bool> failed{false};
    std::mutex errMu;
    std::string err;
    bool cooperative = false;
    // Grid barrier of a cooperative launch, and the blocks that have ended.
    std::atomic<unsigned> gridArrived{0};
    std::atomic<unsigned> gridGen{0};
    std::atomic<unsigned> gridDone{0};

    void fail(const std::string &msg)
    {
        std::lock_guard<std::mutex> l(errMu);
        if (err.empty()) {
            err = msg;
        }
        failed.store(true);
    }
};

enum FiberState { fiberNew, fiberReady, fiberBlockWait, fiberWarpWait, fiberDone };

struct Fiber {
    void *sp = nullptr;
    char *stack = nullptr; // lowest usable address
    size_t stackSize = 0;
    ThreadVars vars{};
    int lane = 0, warp = 0;
    int state = fiberNew; // atomic: read by the scheduler
    unsigned waitGen = 0;
    int countCalls = 0; // __syncthreads_count calls made
    int quiet = 0;      // open Quiet regions (ThreadSanitizer builds)
    bool abandoned = false; // left mid-kernel by a failed launch: its stack holds stale frames
    void *asanFake = nullptr;
    void *tsanFiber = nullptr;
};

struct Warp {
    int live = 0;    // atomic
    int arrived = 0; // atomic
    unsigned gen = 0; // atomic
    unsigned long long vals[32];
    unsigned exited = 0; // lanes that have returned: not in ballots
    char tsanSlot[2];    // ThreadSanitizer sync objects, by barrier generation
};

struct Worker;

// Block is the state of the block a worker runs.
struct Block {
    Launch *launch = nullptr;
    int nthreads = 0;
    int live = 0;     // atomic
    int arrived = 0;  // atomic
    unsigned gen = 0; // atomic
    int count[2] = {0, 0}; // __syncthreads_count accumulators
    char tsanSlot[2];       // ThreadSanitizer sync objects, by barrier generation
    std::vector<Warp> warps;
    bool aborted = false;
};

static const size_t stackSize =
#if defined(GT_ASAN) || defined(GT_TSAN)
    512 * 1024;
#else
    128 * 1024;
#endif

struct Worker {
    std::vector<Fiber> fibers; // stacks kept between blocks
    Block blk;
    Fiber *running = nullptr;
    void *schedSP = nullptr;
    const void *schedBottom = nullptr;
    size_t schedSize = 0;
    void *schedFake = nullptr;
    void *tsanSelf = nullptr;
    unsigned long long switches = 0;
    unsigned long long blocks = 0;
    int tsanBlockEnd = 0; // address used to order consecutive blocks
    std::vector<unsigned> dyn; // dynamic shared memory of the running block, and its guard

    ~Worker()
    {
        for (Fiber &f : fibers) {
            if (f.stack != nullptr) {
                munmap(f.stack - pageSize(), f.stackSize + pageSize());
            }
#ifdef GT_TSAN
            if (f.tsanFiber != nullptr) {
                __tsan_destroy_fiber(f.tsanFiber);
            }
#endif
        }
    }
    static size_t pageSize() { return (size_t)sysconf(_SC_PAGESIZE); }
    bool ensure(int n);
    void runBlock(Launch *l, unsigned long long b);
};

static __thread Worker *tlWorker;

template <class T> static inline T ld(const T &v) { return __atomic_load_n(&v, __ATOMIC_RELAXED); }
template <class T> static inline void st(T &v, T x) { __atomic_store_n(&v, x, __ATOMIC_RELAXED); }

static std::string format(const char *f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

static void fiberEntry();

#ifdef GT_TSAN
// The depth is kept per fiber, because a fiber may be suspended inside a
// Quiet region and end inside one; endQuiet closes what it left open, so
// that a reused fiber's next thread starts with its accesses checked.
Quiet::Quiet()
{
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
    if (tlWorker != nullptr && tlWorker->running != nullptr) {
        tlWorker->running->quiet++;
    }
}
Quiet::~Quiet()
{
    if (tlWorker != nullptr && tlWorker->running != nullptr) {
        tlWorker->running->quiet--;
    }
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
}
#endif

static void endQuiet(Fiber &f)
{
#ifdef GT_TSAN
    int n = f.quiet; // read and cleared while the accesses are still ignored
    f.quiet = 0;
    for (; n > 0; n--) {
        AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
        AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
    }
#else
    (void)f;
#endif
}

bool Worker::ensure(int n)
{
    while ((int)fibers.size() < n) {
        size_t page = pageSize();
        void *m = mmap(nullptr, stackSize + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (m == MAP_FAILED) {
            return false;
        }
        mprotect(m, page, PROT_NONE); // guard page below the stack
        Fiber f;
        f.stack = (char *)m + page;
        f.stackSize = stackSize;
#ifdef GT_ASAN
        // The range may be an earlier device's stacks, with stale poison.
        __asan_unpoison_memory_region(f.stack, f.stackSize);
#endif
        fibers.push_back(f);
    }
    return true;
}

// prepare sets f up to start at fiberEntry on its next switch.
static void prepare(Fiber &f)
{
#ifdef GT_ASAN
    if (f.abandoned) {
        // Frames that never returned leave their redzones poisoned.
        __asan_unpoison_memory_region(f.stack, f.stackSize);
    }
#endif
    f.abandoned = false;
    uintptr_t top = ((uintptr_t)(f.stack + f.stackSize)) & ~(uintptr_t)15;
    unsigned long long *sp = (unsigned long long *)top;
    *--sp = 0;                              // fiberEntry's (absent) return address
    *--sp = (unsigned long long)fiberEntry; // gt_emu_switch returns here
    for (int i = 0; i < 6; i++) {
        *--sp = 0; // rbp rbx r12 r13 r14 r15
    }
    *--sp = 0x037F00001F80ull; // MXCSR 0x1F80 (round to nearest, exceptions masked), x87 control word 0x037F
    f.sp = sp;
    f.state = fiberNew;
}

// toFiber runs f from the scheduler until f yields or ends.
static void toFiber(Worker *w, Fiber &f)
{
    w->running = &f;
    __atomic_store_n(&cur, &f.vars, __ATOMIC_RELAXED);
    w->switches++;
#ifdef GT_TSAN
    // A new fiber starts from the scheduler's view (the launch's arguments,
    // the previous block's end); later switches carry no ordering, so that
    // only barriers order the threads of a block, as on a GPU.
    __tsan_switch_to_fiber(f.tsanFiber, ld(f.state) == fiberNew ? 0 : __tsan_switch_to_fiber_no_sync);
#endif
#ifdef GT_ASAN
    __sanitizer_start_switch_fiber(&w->schedFake, f.stack, f.stackSize);
#endif
    gt_emu_switch(&w->schedSP, f.sp);
#ifdef GT_ASAN
    __sanitizer_finish_switch_fiber(w->schedFake, nullptr, nullptr);
#endif
    w->running = nullptr;
}

// toScheduler suspends the running fiber (for good when it has ended).
static void toScheduler(Worker *w, Fiber &f, bool ending)
{
#ifdef GT_TSAN
    // What the fiber did so far is ordered before the next block's threads
    // (the scheduler acquires this at a block's start), even if the fiber
    // is abandoned and never ends.
    __tsan_release(&w->tsanBlockEnd);
    __tsan_switch_to_fiber(w->tsanSelf, __tsan_switch_to_fiber_no_sync);
#endif
#ifdef GT_ASAN
    __sanitizer_start_switch_fiber(ending ? nullptr : &f.asanFake, w->schedBottom, w->schedSize);
#else
    (void)ending;
#endif
    gt_emu_switch(&f.sp, w->schedSP);
#ifdef GT_ASAN
    __sanitizer_finish_switch_fiber(f.asanFake, &w->schedBottom, &w->schedSize);
#endif
}

// finalSwitch leaves a fiber for good. Its last checked access is before
// endQuiet; what the switch itself needs is read while still quiet.
[[noreturn]] static void finalSwitch(Worker *w, Fiber &f)
{
    void *to = w->schedSP;
    void **save = &f.sp;
#ifdef GT_TSAN
    void *sched = w->tsanSelf;
    __tsan_release(&w->tsanBlockEnd);
#endif
#ifdef GT_ASAN
    const void *bottom = w->schedBottom;
    size_t size = w->schedSize;
#endif
    endQuiet(f);
#ifdef GT_TSAN
    __tsan_switch_to_fiber(sched, __tsan_switch_to_fiber_no_sync);
#endif
#ifdef GT_ASAN
    __sanitizer_start_switch_fiber(nullptr, bottom, size);
#endif
    gt_emu_switch(save, to);
    abort(); // unreachable: a finished fiber is never resumed
}

static void fiberEntry()
{
    Worker *w;
    Fiber *fp;
    Launch *l;
    {
        Quiet q;
        w = tlWorker;
        fp = w->running;
#ifdef GT_ASAN
        __sanitizer_finish_switch_fiber(nullptr, &w->schedBottom, &w->schedSize);
#endif
        st(fp->state, (int)fiberReady);
        l = w->blk.launch;
    }
    l->k->call(l->args);
    Quiet q;
    Fiber &f = *fp;
    // The thread has returned: it no longer counts towards barriers.
    Block &b = w->blk;
    st(b.live, ld(b.live) - 1);
    if (ld(b.arrived) > 0 && ld(b.arrived) == ld(b.live)) {
        st(b.arrived, 0);
        st(b.gen, ld(b.gen) + 1);
    }
    Warp &wp = b.warps[f.warp];
    wp.exited |= 1u << f.lane;
    st(wp.live, ld(wp.live) - 1);
    if (ld(wp.arrived) > 0 && ld(wp.arrived) == ld(wp.live)) {
        st(wp.arrived, 0);
        st(wp.gen, ld(wp.gen) + 1);
    }
    st(f.state, (int)fiberDone);
    finalSwitch(w, f);
}

// abortFiber ends the launch with a message (printf-style, followed by the
// running thread's coordinates): the running fiber stops here for good,
// and the scheduler runs no more of the block. The fiber's stack is never
// unwound, so nothing on it may own memory: callers pass plain C strings.
[[noreturn]] static void abortFiber(const char *fmt, ...)
{
    Quiet q;
    Worker *w = tlWorker;
    Fiber &f = *w->running;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof msg) {
        snprintf(msg + n, sizeof msg - n, " (thread (%u,%u,%u) of block (%u,%u,%u))", f.vars.threadIdx.x,
                 f.vars.threadIdx.y, f.vars.threadIdx.z, f.vars.blockIdx.x, f.vars.blockIdx.y, f.vars.blockIdx.z);
    }
    w->blk.launch->fail(msg); // the temporary string is gone before the switch
    w->blk.aborted = true;
    f.abandoned = true; // the frames that called abortFiber never return
    st(f.state, (int)fiberDone);
    finalSwitch(w, f);
}

static std::string where(const Fiber &f)
{
    return format("thread (%u,%u,%u) of block (%u,%u,%u)", f.vars.threadIdx.x, f.vars.threadIdx.y, f.vars.threadIdx.z,
                  f.vars.blockIdx.x, f.vars.blockIdx.y, f.vars.blockIdx.z);
}

// dynGuardWords follow a block's dynamic shared memory: a kernel that
// writes past what its launch asked for fails the launch.
static const size_t dynGuardWords = 16;
static const unsigned dynPattern = 0x7fa5a5a5u; // a quiet NaN, as in device memory

void *dynamic_shared()
{
    Worker *w = tlWorker;
    return w != nullptr && !w->dyn.empty() ? w->dyn.data() : nullptr;
}

void Worker::runBlock(Launch *l, unsigned long long b)
{
    blocks++;
    size_t words = (l->shmem + 3) / 4;
    dyn.assign(words + dynGuardWords, dynPattern); // fresh shared memory holds garbage
#ifdef GT_ASAN
    __asan_poison_memory_region(dyn.data() + words, dynGuardWords * 4);
#endif
    const uint3_t g = l->grid, bd = l->block;
    uint3_t bi{(unsigned)(b % g.x), (unsigned)((b / g.x) % g.y), (unsigned)(b / ((unsigned long long)g.x * g.y))};
    int n = (int)(bd.x * bd.y * bd.z);
    blk.launch = l;
    blk.nthreads = n;
    blk.live = n;
    blk.arrived = 0;
    blk.gen = 0;
    blk.count[0] = blk.count[1] = 0;
    blk.aborted = false;
    int nw = (n + 31) / 32;
    blk.warps.assign(nw, Warp{});
    for (int i = 0; i < nw; i++) {
        blk.warps[i].live = std::min(32, n - 32 * i);
    }
#ifdef GT_TSAN
    __tsan_acquire(&tsanBlockEnd);
#endif
    for (int t = 0; t < n; t++) {
        Fiber &f = fibers[t];
        f.vars.threadIdx = uint3_t{(unsigned)(t % bd.x), (unsigned)((t / bd.x) % bd.y), (unsigned)(t / (bd.x * bd.y))};
        f.vars.blockIdx = bi;
        f.vars.blockDim = bd;
        f.vars.gridDim = g;
        f.lane = t % 32;
        f.warp = t / 32;
        f.waitGen = 0;
        f.countCalls = 0;
        f.quiet = 0;
#ifdef GT_TSAN
        if (f.tsanFiber == nullptr) {
            f.tsanFiber = __tsan_create_fiber(0);
        }
#endif
        prepare(f);
    }
    int done = 0;
    while (done < n && !blk.aborted) {
        bool progress = false;
        done = 0;
        for (int t = 0; t < n && !blk.aborted; t++) {
            Fiber &f = fibers[t];
            int s = ld(f.state);
            if (s == fiberDone) {
                done++;
                continue;
            }
            if (s == fiberBlockWait && ld(blk.gen) == f.waitGen) {
                continue;
            }
            if (s == fiberWarpWait && ld(blk.warps[f.warp].gen) == f.waitGen) {
                continue;
            }
            toFiber(this, f);
            progress = true;
            if (ld(f.state) == fiberDone) {
                done++;
            }
        }
        if (!progress && done < n && !blk.aborted) {
            int blockWait = 0, warpWait = 0;
            const Fiber *first = nullptr;
            for (int t = 0; t < n; t++) {
                int s = ld(fibers[t].state);
                blockWait += s == fiberBlockWait;
                warpWait += s == fiberWarpWait;
                if (first == nullptr && s == fiberWarpWait) {
                    first = &fibers[t];
                }
            }
            l->fail(format("kernel %s deadlocked in block (%u,%u,%u): %d threads wait at __syncthreads, %d at a "
                           "warp-level barrier%s%s (divergent barriers)",
                           l->k->name, bi.x, bi.y, bi.z, blockWait, warpWait, first ? ", first " : "",
                           first ? where(*first).c_str() : ""));
            blk.aborted = true;
        }
    }
    if (blk.aborted) {
        for (int t = 0; t < n; t++) {
            Fiber &f = fibers[t];
            f.abandoned = ld(f.state) != fiberDone || f.abandoned;
#ifdef GT_TSAN
            int state = ld(f.state);
            if (state != fiberDone && state != fiberNew && f.tsanFiber != nullptr) {
                // The fiber stopped inside the runtime (a barrier) with its
                // accesses ignored: close that in its own context, touching
                // nothing there but what endQuiet reads while still
                // ignored, then give the next block a fresh TSan fiber.
                void *self = tsanSelf, *fib = f.tsanFiber;
                __tsan_switch_to_fiber(fib, __tsan_switch_to_fiber_no_sync);
                endQuiet(f);
                __tsan_switch_to_fiber(self, __tsan_switch_to_fiber_no_sync);
                __tsan_destroy_fiber(fib);
                f.tsanFiber = nullptr;
            }
#endif
        }
    }
#ifdef GT_ASAN
    __asan_unpoison_memory_region(dyn.data() + words, dynGuardWords * 4);
#endif
    for (size_t i = words; i < dyn.size() && !blk.aborted; i++) {
        if (dyn[i] != dynPattern) {
            l->fail(format("kernel %s wrote past the end of its %u bytes of dynamic shared memory (the launch's shmem) "
                           "in block (%u,%u,%u)",
                           l->k->name, l->shmem, bi.x, bi.y, bi.z));
            break;
        }
    }
}

// ---------------------------------------------------------------- barriers

static Fiber &self(Worker *&w)
{
    w = tlWorker;
    if (w == nullptr || w->running == nullptr) {
        fprintf(stderr, "cudaemu: a device function was called outside a kernel\n");
        abort();
    }
    return *w->running;
}

static void blockWait(Worker *w, Fiber &f)
{
    Block &b = w->blk;
    unsigned gen = ld(b.gen);
#ifdef GT_TSAN
    // One sync object per generation parity: an acquire after this barrier
    // must not take in what a fast thread released at the next one.
    __tsan_release(&b.tsanSlot[gen & 1]);
#endif
    int a = ld(b.arrived) + 1;
    if (a == ld(b.live)) {
        st(b.arrived, 0);
        st(b.gen, gen + 1);
    } else {
        st(b.arrived, a);
        f.waitGen = gen;
        st(f.state, (int)fiberBlockWait);
        toScheduler(w, f, false);
        st(f.state, (int)fiberReady);
    }
#ifdef GT_TSAN
    __tsan_acquire(&b.tsanSlot[gen & 1]);
#endif
}

void syncthreads()
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    blockWait(w, f);
}

int syncthreads_count(int pred)
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    Block &b = w->blk;
    // Two accumulators used in turn: this call's, and the next call's,
    // which is cleared here, while no thread can be adding to it yet.
    int slot = f.countCalls++ & 1;
    st(b.count[slot ^ 1], 0);
    __atomic_fetch_add(&b.count[slot], pred != 0 ? 1 : 0, __ATOMIC_RELAXED);
    blockWait(w, f);
    int r = ld(b.count[slot]);
    blockWait(w, f); // everyone has read before the slot is cleared again
    return r;
}

static void warpWait(Worker *w, Fiber &f)
{
    Warp &wp = w->blk.warps[f.warp];
    unsigned gen = ld(wp.gen);
#ifdef GT_TSAN
    // One sync object per generation parity: an acquire after this barrier
    // must not take in what a fast thread released at the next one.
    __tsan_release(&wp.tsanSlot[gen & 1]);
#endif
    int a = ld(wp.arrived) + 1;
    if (a == ld(wp.live)) {
        st(wp.arrived, 0);
        st(wp.gen, gen + 1);
    } else {
        st(wp.arrived, a);
        f.waitGen = gen;
        st(f.state, (int)fiberWarpWait);
        toScheduler(w, f, false);
        st(f.state, (int)fiberReady);
    }
#ifdef GT_TSAN
    __tsan_acquire(&wp.tsanSlot[gen & 1]);
#endif
}

void syncwarp()
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    warpWait(w, f);
}

unsigned long long shfl(unsigned long long v, int lane, int width, int mode)
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    if (width <= 0 || width > 32 || (width & (width - 1)) != 0) {
        abortFiber("kernel %s: shuffle width %d is not a power of two up to 32", w->blk.launch->k->name, width);
    }
    Warp &wp = w->blk.warps[f.warp];
    wp.vals[f.lane] = v;
    warpWait(w, f);
    // The source lane, as CUDA computes it: within the lane's width-wide
    // segment, or the lane's own value where it would leave the segment.
    int base = f.lane & ~(width - 1), src = f.lane;
    unsigned d = (unsigned)lane; // the delta of up and down is unsigned
    switch (mode) {
    case shflIdx:
        src = base + (lane & (width - 1));
        break;
    case shflUp:
        src = d <= (unsigned)(f.lane - base) ? f.lane - (int)d : f.lane;
        break;
    case shflDown:
        src = d < (unsigned)(base + width - f.lane) ? f.lane + (int)d : f.lane;
        break;
    case shflXor:
        src = f.lane ^ (lane & 31);
        src = src >= base && src < base + width ? src : f.lane;
        break;
    }
    // A lane beyond a partial last warp has no value: keep one's own.
    int present = std::min(32, w->blk.nthreads - 32 * f.warp);
    unsigned long long r = src < present ? wp.vals[src] : v;
    warpWait(w, f); // nobody overwrites vals before everyone has read
    return r;
}

unsigned int ballot(int pred)
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    Warp &wp = w->blk.warps[f.warp];
    wp.vals[f.lane] = pred != 0;
    warpWait(w, f);
    unsigned int m = 0;
    int n = std::min(32, w->blk.nthreads - 32 * f.warp);
    for (int i = 0; i < n; i++) {
        if ((wp.exited >> i & 1u) == 0) {
            m |= (wp.vals[i] != 0 ? 1u : 0u) << i;
        }
    }
    warpWait(w, f);
    return m;
}

void grid_sync()
{
    Quiet q;
    Worker *w;
    Fiber &f = self(w);
    Launch *l = w->blk.launch;
    if (!l->cooperative) {
        abortFiber("kernel %s: grid sync in a launch that is not cooperative", l->k->name);
    }
    blockWait(w, f);
    if (f.vars.threadIdx.x == 0 && f.vars.threadIdx.y == 0 && f.vars.threadIdx.z == 0) {
        unsigned gen = l->gridGen.load();
        if (l->gridArrived.fetch_add(1) + 1 == l->nblocks) {
            l->gridArrived.store(0);
            l->gridGen.store(gen + 1);
        } else {
            while (l->gridGen.load() == gen) {
                if (l->failed.load()) {
                    abortFiber("kernel %s: another block failed during a grid sync", l->k->name);
                }
                unsigned done = l->gridDone.load();
                if (done > 0 && done + l->gridArrived.load() >= l->nblocks) {
                    abortFiber("kernel %s deadlocked: %u blocks ended without reaching the grid sync the others "
                               "wait at",
                               l->k->name, done);
                }
                std::this_thread::yield();
            }
        }
    }
    blockWait(w, f);
}

} // namespace gt_emu

// GCC's -fsanitize=bounds calls this before an out-of-range index into an
// array of known size (a __shared__ tile, a local array). The launch fails
// with the source line; the access itself never happens. Builds that link
// the UBSan runtime (GT_EMU_UBSAN_RUNTIME) report through it instead.
#ifndef GT_EMU_UBSAN_RUNTIME
namespace {
struct SourceLocation {
    const char *file;
    unsigned line, column;
};
struct TypeDescriptor {
    unsigned short kind, info;
    char name[1];
};
struct OutOfBoundsData {
    SourceLocation loc;
    const TypeDescriptor *array;
    const TypeDescriptor *index;
};
} // namespace

extern "C" void __ubsan_handle_out_of_bounds(void *data, void *index)
{
    const OutOfBoundsData *d = (const OutOfBoundsData *)data;
    using namespace gt_emu;
    Quiet q;
    Worker *w = tlWorker;
    if (w == nullptr || w->running == nullptr) {
        fprintf(stderr, "cudaemu: index %lld out of bounds for type %s at %s:%u\n", (long long)(intptr_t)index,
                d->array->name, d->loc.file, d->loc.line);
        abort();
    }
    abortFiber("kernel %s: index %lld out of bounds for type %s at %s:%u", w->blk.launch->k->name,
               (long long)(intptr_t)index, d->array->name, d->loc.file, d->loc.line);
}
extern "C" void __ubsan_handle_out_of_bounds_abort(void *data, void *index)
{
    __ubsan_handle_out_of_bounds(data, index);
}
#endif

// ---------------------------------------------------------------- the device

namespace gt_emu {

// Every allocation is followed by guardBytes of a NaN pattern, checked after
// each launch that was given a pointer into it: a kernel that writes past
// the end fails its launch, one that reads past it reads NaN. Builds under
// AddressSanitizer allocate exactly and let it check instead.
#ifdef GT_ASAN
static const size_t guardBytes = 0;
#else
static const size_t guardBytes = 256;
#endif
static const unsigned guardWord = 0x7fa5a5a5u; // a quiet NaN

struct Alloc {
    unsigned long long size;
    char *base;
};

struct Recorded {
    int kernel;
    unsigned g[3], b[3], shmem;
    std::vector<unsigned long long> args;
    int cooperative;
};

} // namespace gt_emu

struct gt_emu_device {
    std::mutex mu; // the pool's job hand-off
    std::condition_variable wake, idle;
    std::vector<std::thread> threads;
    std::vector<gt_emu::Worker *> workers;
    gt_emu::Launch *job = nullptr;
    unsigned long long jobSeq = 0;
    int jobWorkers = 0; // how many workers take part in the current job
    int busy = 0;
    bool stopping = false;

    std::map<unsigned long long, gt_emu::Alloc> allocs; // by address
    std::string err;
    bool capturing = false;
    std::vector<gt_emu::Recorded> recording;
    std::map<int, std::vector<gt_emu::Recorded>> graphs;
    int nextGraph = 1;
    unsigned long long launches = 0;

    int fail(int code, const std::string &msg)
    {
        err = msg;
        return code;
    }
};

namespace gt_emu {

static void workerLoop(gt_emu_device *d, int id)
{
    Worker *w = d->workers[id];
    tlWorker = w;
#ifdef GT_TSAN
    w->tsanSelf = __tsan_get_current_fiber();
#endif
    unsigned long long seen = 0;
    std::unique_lock<std::mutex> lk(d->mu);
    for (;;) {
        d->wake.wait(lk, [&] { return d->stopping || (d->jobSeq != seen && id < d->jobWorkers); });
        if (d->stopping) {
            return;
        }
        seen = d->jobSeq;
        Launch *l = d->job;
        lk.unlock();
        for (;;) {
            if (l->failed.load()) {
                break;
            }
            unsigned long long b = l->next.fetch_add(1);
            if (b >= l->nblocks) {
                break;
            }
            try {
                if (!w->ensure((int)(l->block.x * l->block.y * l->block.z))) {
                    l->fail("out of host memory for fiber stacks");
                    break;
                }
                w->runBlock(l, b);
            } catch (const std::exception &e) {
                l->fail(format("block %llu of %s: %s", b, l->k->name, e.what()));
                break;
            }
        }
#ifdef GT_TSAN
        __tsan_acquire(&w->tsanBlockEnd); // the launch's writes, for whoever waits on it
#endif
        lk.lock();
        if (--d->busy == 0) {
            d->idle.notify_all();
        }
    }
}

// runCooperative runs every block at once, each on a host thread of its
// own, so that grid_sync can wait for all of them.
static void runCooperative(Launch *l)
{
    std::vector<std::thread> ts;
    for (unsigned long long b = 0; b < l->nblocks; b++) {
        try {
            ts.emplace_back([l, b] {
                Worker w;
                tlWorker = &w;
#ifdef GT_TSAN
                w.tsanSelf = __tsan_get_current_fiber();
#endif
                try {
                    if (!w.ensure((int)(l->block.x * l->block.y * l->block.z))) {
                        l->fail("out of host memory for fiber stacks");
                    } else {
                        w.runBlock(l, b);
                    }
                } catch (const std::exception &e) {
                    l->fail(format("block %llu of a cooperative launch of %s: %s", b, l->k->name, e.what()));
                }
#ifdef GT_TSAN
                __tsan_acquire(&w.tsanBlockEnd);
#endif
                l->gridDone.fetch_add(1);
                tlWorker = nullptr;
            });
        } catch (const std::exception &e) {
            // The blocks already started see the failure at their grid sync.
            l->fail(format("cooperative launch of %s: cannot start a host thread for block %llu of %llu (%s)",
                           l->k->name, b, l->nblocks, e.what()));
            break;
        }
    }
    for (auto &t : ts) {
        t.join();
    }
}

static const Alloc *find(gt_emu_device *d, unsigned long long p, unsigned long long *base)
{
    auto it = d->allocs.upper_bound(p);
    if (it == d->allocs.begin()) {
        return nullptr;
    }
    --it;
    if (p > it->first + it->second.size) { // one past the end is a valid (empty) view
        return nullptr;
    }
    *base = it->first;
    return &it->second;
}

static bool guardIntact(const Alloc &a)
{
    const unsigned *g = (const unsigned *)(a.base + a.size);
    for (size_t i = 0; i < guardBytes / 4; i++) {
        if (g[i] != guardWord) {
            return false;
        }
    }
    return true;
}

static int launchNow(gt_emu_device *d, int index, const unsigned g[3], const unsigned b[3], unsigned shmem,
                     const unsigned long long *args, int coop)
{
    const KernelInfo &k = kernels[index];
    Launch l;
    l.k = &k;
    l.args = args;
    l.grid = uint3_t{g[0], g[1], g[2]};
    l.block = uint3_t{b[0], b[1], b[2]};
    l.nblocks = (unsigned long long)g[0] * g[1] * g[2];
    l.cooperative = coop != 0;
    l.shmem = shmem;
    d->launches++;
    if (l.cooperative) {
        runCooperative(&l);
    } else {
        std::unique_lock<std::mutex> lk(d->mu);
        d->job = &l;
        d->jobSeq++;
        d->jobWorkers = (int)std::min<unsigned long long>(d->workers.size(), l.nblocks);
        d->busy = d->jobWorkers;
        d->wake.notify_all();
        d->idle.wait(lk, [&] { return d->busy == 0; });
        d->job = nullptr;
    }
    if (l.failed.load()) {
        return d->fail(GT_EMU_EFAULT, l.err);
    }
    // A write past the end of any buffer the kernel was given.
    for (int i = 0; i < k.nparams; i++) {
        unsigned long long base;
        if (k.kinds[i] != 'p' || args[i] == 0) {
            continue;
        }
        const Alloc *a = find(d, args[i], &base);
        if (a != nullptr && !guardIntact(*a)) {
            std::string msg = format("kernel %s wrote past the end of the %llu-byte allocation that parameter %s "
                                     "points into",
                                     k.name, a->size, k.names[i]);
            for (size_t j = 0; j < guardBytes / 4; j++) { // report once
                ((unsigned *)(a->base + a->size))[j] = guardWord;
            }
            return d->fail(GT_EMU_EFAULT, msg);
        }
    }
    return GT_EMU_OK;
}

} // namespace gt_emu

using namespace gt_emu;

// guarded runs an entry point's body so that no C++ exception (an
// allocation failing, a thread that cannot start) crosses into Go.
template <class F> static int guarded(gt_emu_device *d, F body)
{
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return d->fail(GT_EMU_ENOMEM, "out of host memory");
    } catch (const std::exception &e) {
        return d->fail(GT_EMU_EINVAL, e.what());
    }
}

extern "C" {

gt_emu_device *gt_emu_open(int workers)
{
    if (workers <= 0) {
        workers = (int)std::max(1u, std::thread::hardware_concurrency());
    }
    gt_emu_device *d = new (std::nothrow) gt_emu_device;
    if (d == nullptr) {
        return nullptr;
    }
    try {
        for (int i = 0; i < workers; i++) {
            d->workers.push_back(new Worker);
        }
        for (int i = 0; i < workers; i++) {
            d->threads.emplace_back(workerLoop, d, i);
        }
    } catch (const std::exception &) {
        gt_emu_close(d); // stops the workers that did start
        return nullptr;
    }
    return d;
}

void gt_emu_close(gt_emu_device *d)
{
    if (d == nullptr) {
        return;
    }
    {
        std::lock_guard<std::mutex> l(d->mu);
        d->stopping = true;
    }
    d->wake.notify_all();
    for (auto &t : d->threads) {
        t.join();
    }
    for (Worker *w : d->workers) {
        delete w;
    }
    for (auto &a : d->allocs) {
        free(a.second.base);
    }
    delete d;
}

const char *gt_emu_error(gt_emu_device *d) { return d->err.c_str(); }

int gt_emu_workers(gt_emu_device *d) { return (int)d->workers.size(); }

static int gt_emu_alloc_impl(gt_emu_device *d, unsigned long long bytes, unsigned long long *ptr)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "memory allocation during graph capture");
    }
    if (bytes == 0) {
        return d->fail(GT_EMU_EINVAL, "allocation of 0 bytes");
    }
    // 256-byte aligned, as cuMemAlloc's allocations are.
    // Under AddressSanitizer the allocation ends exactly at its last byte,
    // so that the first byte past it is poisoned.
    size_t total = guardBytes == 0 ? bytes : ((bytes + guardBytes + 255) / 256) * 256;
    void *mem = nullptr;
    char *p = posix_memalign(&mem, 256, total) == 0 ? (char *)mem : nullptr;
    if (p == nullptr) {
        return d->fail(GT_EMU_ENOMEM, format("allocating %llu bytes: out of host memory", bytes));
    }
    // Fresh device memory holds garbage; a NaN pattern makes reading it
    // before writing visible.
    for (size_t i = 0; i + 4 <= total; i += 4) {
        memcpy(p + i, &guardWord, 4);
    }
    d->allocs[(unsigned long long)(uintptr_t)p] = Alloc{bytes, p};
    *ptr = (unsigned long long)(uintptr_t)p;
    return GT_EMU_OK;
}

int gt_emu_alloc(gt_emu_device *d, unsigned long long bytes, unsigned long long *ptr)
{
    return guarded(d, [&] { return gt_emu_alloc_impl(d, bytes, ptr); });
}

int gt_emu_free(gt_emu_device *d, unsigned long long ptr)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "memory freed during graph capture");
    }
    auto it = d->allocs.find(ptr);
    if (it == d->allocs.end()) {
        return d->fail(GT_EMU_EINVAL, format("freeing %#llx, which is not the start of an allocation", ptr));
    }
    bool intact = guardIntact(it->second);
    unsigned long long size = it->second.size;
    free(it->second.base);
    d->allocs.erase(it);
    if (!intact) {
        return d->fail(GT_EMU_EFAULT, format("the %llu-byte allocation at %#llx was written past its end", size, ptr));
    }
    return GT_EMU_OK;
}

static int span(gt_emu_device *d, const char *op, unsigned long long p, unsigned long long bytes)
{
    unsigned long long base;
    const Alloc *a = find(d, p, &base);
    if (a == nullptr || p + bytes > base + a->size) {
        return d->fail(GT_EMU_EINVAL,
                       format("%s of %llu bytes at %#llx: not inside one allocation", op, bytes, p));
    }
    return GT_EMU_OK;
}

int gt_emu_memset32(gt_emu_device *d, unsigned long long ptr, unsigned int v, unsigned long long count)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "memset during graph capture (not supported by the emulated device)");
    }
    if (int r = span(d, "memset", ptr, 4 * count)) {
        return r;
    }
    unsigned *p = (unsigned *)(uintptr_t)ptr;
    for (unsigned long long i = 0; i < count; i++) {
        p[i] = v;
    }
    return GT_EMU_OK;
}

int gt_emu_htod(gt_emu_device *d, unsigned long long dst, const void *src, unsigned long long bytes)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "host-to-device copy during graph capture");
    }
    if (int r = span(d, "host-to-device copy", dst, bytes)) {
        return r;
    }
    memcpy((void *)(uintptr_t)dst, src, bytes);
    return GT_EMU_OK;
}

int gt_emu_dtoh(gt_emu_device *d, void *dst, unsigned long long src, unsigned long long bytes)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "device-to-host copy during graph capture");
    }
    if (int r = span(d, "device-to-host copy", src, bytes)) {
        return r;
    }
    memcpy(dst, (const void *)(uintptr_t)src, bytes);
    return GT_EMU_OK;
}

int gt_emu_module(gt_emu_device *d, const char *module)
{
    for (int i = 0; i < nkernels; i++) {
        if (strcmp(kernels[i].module, module) == 0) {
            return GT_EMU_OK;
        }
    }
    return d->fail(GT_EMU_ENOTFOUND, format("no module %s in kernels/", module));
}

int gt_emu_function(gt_emu_device *d, const char *module, const char *name, int *index)
{
    for (int i = 0; i < nkernels; i++) {
        if (strcmp(kernels[i].module, module) == 0 && strcmp(kernels[i].name, name) == 0) {
            *index = i;
            return GT_EMU_OK;
        }
    }
    return d->fail(GT_EMU_ENOTFOUND, format("no kernel %s in kernels/%s.cu", name, module));
}

int gt_emu_kernel_params(int index) { return index >= 0 && index < nkernels ? kernels[index].nparams : -1; }

static int gt_emu_launch_impl(gt_emu_device *d, int index, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                  unsigned bz, unsigned shmem, const unsigned long long *args, int nargs, int cooperative)
{
    if (index < 0 || index >= nkernels) {
        return d->fail(GT_EMU_EINVAL, format("launch of kernel %d: no such kernel", index));
    }
    const KernelInfo &k = kernels[index];
    // The limits cuLaunchKernel enforces on compute capability 7.0 and later.
    unsigned long long threads = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) {
        return d->fail(GT_EMU_ELAUNCH, format("launch of %s: grid (%u,%u,%u) block (%u,%u,%u) has a zero dimension",
                                              k.name, gx, gy, gz, bx, by, bz));
    }
    if (gy > 65535 || gz > 65535 || bz > 64 || bx > 1024 || by > 1024) {
        return d->fail(GT_EMU_ELAUNCH, format("launch of %s: grid (%u,%u,%u) block (%u,%u,%u) exceeds the "
                                              "dimension limits",
                                              k.name, gx, gy, gz, bx, by, bz));
    }
    if (threads > (unsigned long long)k.maxThreads) {
        return d->fail(GT_EMU_ELAUNCH, format("launch of %s: %llu threads a block, more than its limit of %d "
                                              "(__launch_bounds__ or 1024)",
                                              k.name, threads, k.maxThreads));
    }
    if (shmem > 48 * 1024) {
        return d->fail(GT_EMU_ELAUNCH, format("launch of %s: %u bytes of dynamic shared memory, more than 48 KiB",
                                              k.name, shmem));
    }
    if (nargs != k.nparams) {
        return d->fail(GT_EMU_ELAUNCH,
                       format("launch of %s: %d arguments, the kernel takes %d", k.name, nargs, k.nparams));
    }
    // Every pointer must point into device memory (or be null): a swapped
    // argument shows here as a number where an address belongs.
    for (int i = 0; i < nargs; i++) {
        unsigned long long base;
        if (k.kinds[i] == 'p' && args[i] != 0 && find(d, args[i], &base) == nullptr) {
            return d->fail(GT_EMU_EFAULT, format("launch of %s: parameter %d (%s) = %#llx is not device memory",
                                                 k.name, i, k.names[i], args[i]));
        }
    }
    if (cooperative && (unsigned long long)gx * gy * gz > 1024) {
        return d->fail(GT_EMU_ELAUNCH, format("cooperative launch of %s: %llu blocks cannot all be resident", k.name,
                                              (unsigned long long)gx * gy * gz));
    }
    unsigned g[3] = {gx, gy, gz}, b[3] = {bx, by, bz};
    if (d->capturing) {
        Recorded r{index, {gx, gy, gz}, {bx, by, bz}, shmem, std::vector<unsigned long long>(args, args + nargs),
                   cooperative};
        d->recording.push_back(std::move(r));
        return GT_EMU_OK;
    }
    return launchNow(d, index, g, b, shmem, args, cooperative);
}

int gt_emu_launch(gt_emu_device *d, int index, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                  unsigned bz, unsigned shmem, const unsigned long long *args, int nargs, int cooperative)
{
    return guarded(d, [&] { return gt_emu_launch_impl(d, index, gx, gy, gz, bx, by, bz, shmem, args, nargs, cooperative); });
}

int gt_emu_capture_begin(gt_emu_device *d)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "a capture is already in progress");
    }
    d->capturing = true;
    d->recording.clear();
    return GT_EMU_OK;
}

static int gt_emu_capture_end_impl(gt_emu_device *d, int *graph)
{
    if (!d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "no capture in progress");
    }
    d->capturing = false;
    *graph = d->nextGraph++;
    d->graphs[*graph] = std::move(d->recording);
    d->recording.clear();
    return GT_EMU_OK;
}

int gt_emu_capture_end(gt_emu_device *d, int *graph)
{
    return guarded(d, [&] { return gt_emu_capture_end_impl(d, graph); });
}

static int gt_emu_graph_launch_impl(gt_emu_device *d, int graph)
{
    if (d->capturing) {
        return d->fail(GT_EMU_ECAPTURE, "graph launch during capture");
    }
    auto it = d->graphs.find(graph);
    if (it == d->graphs.end()) {
        return d->fail(GT_EMU_EINVAL, format("graph %d does not exist", graph));
    }
    for (const Recorded &r : it->second) {
        // Pointers recorded in the graph may have been freed since.
        for (size_t i = 0; i < r.args.size(); i++) {
            unsigned long long base;
            if (kernels[r.kernel].kinds[i] == 'p' && r.args[i] != 0 && find(d, r.args[i], &base) == nullptr) {
                return d->fail(GT_EMU_EFAULT, format("graph replay of %s: parameter %s = %#llx is no longer device "
                                                     "memory",
                                                     kernels[r.kernel].name, kernels[r.kernel].names[i], r.args[i]));
            }
        }
        if (int e = launchNow(d, r.kernel, r.g, r.b, r.shmem, r.args.data(), r.cooperative)) {
            return e;
        }
    }
    return GT_EMU_OK;
}

int gt_emu_graph_launch(gt_emu_device *d, int graph)
{
    return guarded(d, [&] { return gt_emu_graph_launch_impl(d, graph); });
}

int gt_emu_graph_free(gt_emu_device *d, int graph)
{
    if (d->graphs.erase(graph) == 0) {
        return d->fail(GT_EMU_EINVAL, format("graph %d does not exist", graph));
    }
    return GT_EMU_OK;
}

void gt_emu_stats(gt_emu_device *d, unsigned long long *launches, unsigned long long *blocks,
                  unsigned long long *switches)
{
    std::lock_guard<std::mutex> l(d->mu);
    *launches = d->launches;
    *blocks = 0;
    *switches = 0;
    for (Worker *w : d->workers) {
        *blocks += w->blocks;
        *switches += w->switches;
    }
}

} // extern "C"
