package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// CUDABinary is the name of the CUDA build, installed beside gan-train.
const CUDABinary = "gan-train-cuda"

// The device label of gan_train_info: the CPU by choice, the CPU because no
// GPU was usable (--device auto), or the first GPU.
const (
	DeviceCPU         = "cpu"
	DeviceCPUFallback = "cpu-fallback"
	DeviceCUDA0       = "cuda:0"
)

// probeTimeout bounds how long the GPU probe (`gan-train-cuda probe`, in a
// child process) may take. It is sized for a cold start, not a warm one: on
// a host without the driver's persistence mode, cuInit loads the driver and
// initialises every visible GPU, which can take seconds per GPU (more on a
// host with many large GPUs); the probe then creates a context and loads
// every kernel module. On sm_80 and sm_90 GPUs that is the embedded SASS;
// on any other GPU the driver JIT-compiles the embedded compute_70 PTX
// when its cache (CUDA_CACHE_PATH) is cold: ptxas -arch=sm_90 on the same
// PTX took 3.0 s of wall time (1.7 s of CPU) for all of kernels/ on the
// loaded 2-core development machine. 60 s is many times that sum. Timing out is the costly mistake
// (--device auto would then train on the CPU on a GPU host), while a long
// limit costs time only when the driver hangs, which the probe then
// reports as such.
const probeTimeout = 60 * time.Second

const noGPUHelp = "no usable NVIDIA GPU: %s. Check that the NVIDIA driver is installed (nvidia-smi), " +
	"and in a container give it the GPU with `docker run --gpus all ...` (NVIDIA Container Toolkit); " +
	"or train on the CPU with --device cpu"

// errDispatched is returned after the process image was replaced; it is
// never seen in practice because Exec does not return on success.
var errDispatched = errors.New("dispatched to the CUDA build")

// openBackend picks the backend for --device. In the default (CPU-only)
// build, a request for CUDA looks for the CUDA build beside this binary,
// probes for a GPU in a child process (so that the CUDA library's own
// start-up failure never reaches the user), and hands the whole command
// over to it. It returns the backend and the device description.
func openBackend(ctx context.Context, device string, args []string, env Env, log *slog.Logger) (model.Backend, string, error) {
	if device == "cpu" {
		return cpu.New(cpu.Options{}), DeviceCPU, nil
	}
	if env.CUDA != nil {
		// One probe per start: the CPU build's child probe already checked
		// the device when it handed over (probedEnv); otherwise the check
		// runs on the backend that will train, not on a second one.
		var (
			be   model.Backend
			desc string
			err  error
		)
		if probed := env.Getenv(probedEnv); probed != "" {
			desc = probed
			be, err = env.CUDA.Open(0)
		} else {
			be, desc, err = env.CUDA.OpenChecked(0)
		}
		if err == nil {
			log.Info("training on the GPU", "device", desc)
			return be, DeviceCUDA0, nil
		}
		if device == "cuda" {
			return nil, "", fmt.Errorf(noGPUHelp, err)
		}
		log.Warn("no usable GPU, training on the CPU", "reason", err.Error())
		return cpu.New(cpu.Options{}), DeviceCPUFallback, nil
	}
	desc, reason := probeCUDABuild(ctx, env)
	if reason == "" {
		path := cudaBinaryPath(env)
		log.Info("GPU found: running the CUDA build", "binary", path)
		err := env.Exec(path, append([]string{path}, args...), withProbed(os.Environ(), desc))
		return nil, "", fmt.Errorf("starting %s: %w", path, err)
	}
	if device == "cuda" {
		return nil, "", fmt.Errorf(noGPUHelp, reason)
	}
	log.Warn("no usable GPU, training on the CPU", "reason", reason)
	return cpu.New(cpu.Options{}), DeviceCPUFallback, nil
}

func cudaBinaryPath(env Env) string {
	if env.Executable == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(env.Executable), CUDABinary)
}

// probedEnv carries the child probe's description of the GPU to the CUDA
// build the CPU build hands over to, which then opens the device without a
// second probe.
const probedEnv = "GAN_TRAIN_GPU_PROBED"

// withProbed is environ with probedEnv set to desc, replacing any value it
// inherited (a process keeps the first of two entries of one name).
func withProbed(environ []string, desc string) []string {
	out := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, probedEnv+"=") {
			out = append(out, kv)
		}
	}
	return append(out, probedEnv+"="+desc)
}

// probeCUDABuild runs `gan-train-cuda probe` and returns the device's
// description and "" when a GPU is usable, or the reason it is not.
func probeCUDABuild(ctx context.Context, env Env) (desc, reason string) {
	path := cudaBinaryPath(env)
	if path == "" || env.Exec == nil {
		return "", "this build has no CUDA support"
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Sprintf("this is the CPU-only build and the CUDA build (%s) is not installed beside it", CUDABinary)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "probe")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", "the GPU probe timed out"
		}
		return "", probeReason(out.String(), err)
	}
	desc = strings.TrimSpace(out.String())
	if i := strings.LastIndexByte(desc, '\n'); i >= 0 {
		desc = desc[i+1:] // the probe prints its description last
	}
	if desc == "" {
		desc = "cuda: device 0"
	}
	return desc, ""
}

// probeReason turns what a failed probe printed into our own words: the
// CUDA library's start-up messages are never passed through.
func probeReason(out string, err error) string {
	switch {
	case strings.Contains(out, "NoDevice") || strings.Contains(out, "no CUDA-capable device"):
		return "the CUDA driver reports no GPU on this machine"
	case strings.Contains(out, "libcuda.so") || strings.Contains(out, "cannot open shared object"):
		return "the NVIDIA driver library (libcuda.so.1) is not installed"
	case strings.Contains(out, "InsufficientDriver") || strings.Contains(out, "insufficient"):
		return "the NVIDIA driver is older than the CUDA build needs"
	case strings.Contains(out, "NotInitialized") || strings.Contains(out, "initialization"):
		return "the CUDA driver failed to initialise"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Sprintf("the GPU probe failed (exit code %d)", ee.ExitCode())
	}
	return "the GPU probe could not run"
}

// cmdProbe is the hidden `probe` command: exit 0 when a GPU is usable.
func cmdProbe(env Env) error {
	if env.CUDA == nil {
		return errors.New("this build has no CUDA support")
	}
	desc, err := env.CUDA.Probe()
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, desc)
	return nil
}
