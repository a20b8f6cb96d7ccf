// Package app is the gan-train command line: it parses the arguments of
// each command (train, sample, eval, lapgan, version and the hidden probe),
// resolves a training configuration from a preset, a YAML file and flags,
// picks the backend (the CPU, or the CUDA build through a probe that runs
// in a child process), and runs the work, serving /metrics, /healthz,
// /samples/latest.png, /status.json and a self-refreshing status page
// while a run trains.
//
// Main returns the process exit code: 0 on success, 1 for a runtime
// failure and 2 for a usage error (UsageError); every error names the
// input at fault. The program's only os.Exit is in cmd/gan-train, which
// also supplies the CUDA hooks of the cuda build through Env.
package app
