// selftest.cu: kernels that exercise the emulated device's own machinery
// (warp exchange, votes, counted barriers, a cooperative grid's barrier, and
// the faults it must report). They are compiled only into the emulated
// device, from this directory; tests in cudaemu_test.go launch them.

// out[t] = the value lane t receives when every lane offers 100 + its lane
// number through the shuffle of the given mode (0 idx, 1 up, 2 down, 3 xor).
extern "C" __global__ void st_shuffle(int *out, int mode, int arg, int width)
{
    int t = threadIdx.x, v = 100 + t % 32, r = 0;
    switch (mode) {
    case 0:
        r = __shfl_sync(0xffffffffu, v, arg, width);
        break;
    case 1:
        r = __shfl_up_sync(0xffffffffu, v, arg, width);
        break;
    case 2:
        r = __shfl_down_sync(0xffffffffu, v, arg, width);
        break;
    default:
        r = __shfl_xor_sync(0xffffffffu, v, arg, width);
        break;
    }
    out[t] = r;
}

// A warp-shuffle tree sum of the block's thread numbers, as reductions use
// it: out[w] = the sum of warp w's thread numbers.
extern "C" __global__ void st_warp_sum(int *out)
{
    int v = threadIdx.x;
    for (int d = 16; d > 0; d /= 2) {
        v += __shfl_down_sync(0xffffffffu, v, d);
    }
    if (threadIdx.x % 32 == 0) {
        out[threadIdx.x / 32] = v;
    }
}

// out[4t..4t+3] = ballot(lane % 3 == 0), any(lane == 5), all(lane < 40),
// __syncthreads_count(t odd) twice over.
extern "C" __global__ void st_votes(unsigned int *out)
{
    unsigned int t = threadIdx.x, lane = t % 32;
    out[4 * t] = __ballot_sync(0xffffffffu, lane % 3 == 0);
    out[4 * t + 1] = __any_sync(0xffffffffu, lane == 5);
    out[4 * t + 2] = __all_sync(0xffffffffu, lane < 40);
    int a = __syncthreads_count(t % 2);
    int b = __syncthreads_count(1);
    out[4 * t + 3] = (unsigned int)(a * 10000 + b);
}

// Each block marks itself, the grid synchronises, and each block's thread 0
// counts the marks: out[b] = gridDim.x for every block b.
extern "C" __global__ void st_grid(int *marks, int *out)
{
    if (threadIdx.x == 0) {
        marks[blockIdx.x] = 1;
    }
    cooperative_groups::this_grid().sync();
    if (threadIdx.x == 0) {
        int s = 0;
        for (unsigned int i = 0; i < gridDim.x; i++) {
            s += marks[i];
        }
        out[blockIdx.x] = s;
    }
}

// The first half-warp waits at __syncthreads, every other thread at
// __syncwarp, so warp 0's barrier never fills: on a GPU this hangs or is
// undefined; here it is a reported deadlock.
extern "C" __global__ void st_deadlock(int *out)
{
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        __syncwarp();
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}

// Writes index i of a 32-float shared array: out of bounds for i >= 32.
extern "C" __global__ void st_shared_index(float *out, int i)
{
    __shared__ float s[32];
    if (threadIdx.x == 0) {
        s[i] = 1.0f;
        out[0] = s[i % 32];
    }
}

// A grid-stride loop with a configurable bound: with end = n + 1 it writes
// one element past an n-element buffer.
extern "C" __global__ void st_fill_to(float *out, int end, float v)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < end; i += gridDim.x * blockDim.x) {
        out[i] = v;
    }
}

// Dynamic shared memory of the launch's size: each thread writes its slot
// and reads its neighbour's. With a shmem smaller than blockDim.x floats
// the last threads write past it.
extern "C" __global__ void st_dynamic_shared(float *out)
{
    GT_DYNAMIC_SHARED(float, s);
    unsigned int t = threadIdx.x;
    s[t] = (float)t;
    __syncthreads();
    out[t] = s[(t + 1) % blockDim.x];
}

// Lanes 16 and up return after a shuffle; the remaining half-warp votes.
// out[lane] = ballot(0), out[16 + lane] = ballot(1), for lanes below 16:
// lanes that have returned take no part (0 and 0xffff on a GPU).
extern "C" __global__ void st_ballot_after_exit(unsigned int *out)
{
    unsigned int lane = threadIdx.x % 32;
    int v = __shfl_xor_sync(0xffffffffu, (int)lane, 1);
    if (lane >= 16) {
        return;
    }
    out[lane] = __ballot_sync(0xffffu, 0) + (unsigned int)(v & 0);
    out[16 + lane] = __ballot_sync(0xffffu, 1);
}

// Block 1 returns before the grid barrier the others wait at.
extern "C" __global__ void st_grid_skip(int *out)
{
    if (blockIdx.x == 1) {
        return;
    }
    cooperative_groups::this_grid().sync();
    out[blockIdx.x] = 1;
}
