package train

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// RunDir is a run directory: the one definition of where Run writes each
// file, and of where the commands and the run report find them.
type RunDir string

// Names inside a run directory.
const (
	checkpointsDir = "checkpoints"
	samplesDir     = "samples"
	checkpointFile = "latest.ckpt"
	configFile     = "config.yaml"
	metricsFile    = "metrics.jsonl"
	latestSample   = "latest.png"
	finalSample    = "final.png"
	lossesFile     = "losses.png"
	progressFile   = "progress.gif"
	stepSamplePre  = "step-"
	stepSampleExt  = ".png"
)

func (d RunDir) join(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// CheckpointsDir holds the checkpoint and the temporary files of its writes.
func (d RunDir) CheckpointsDir() string { return d.join(checkpointsDir) }

// Checkpoint is the latest checkpoint, the one a run resumes from.
func (d RunDir) Checkpoint() string { return d.join(checkpointsDir, checkpointFile) }

// Config is the run's configuration as YAML.
func (d RunDir) Config() string { return d.join(configFile) }

// Metrics is the metrics log: one JSON object per line.
func (d RunDir) Metrics() string { return d.join(metricsFile) }

// SamplesDir holds the sample grids.
func (d RunDir) SamplesDir() string { return d.join(samplesDir) }

// StepSample is the sample grid written at step.
func (d RunDir) StepSample(step int64) string {
	return d.join(samplesDir, fmt.Sprintf("%s%06d%s", stepSamplePre, step, stepSampleExt))
}

// LatestSample is a copy of the newest sample grid.
func (d RunDir) LatestSample() string { return d.join(samplesDir, latestSample) }

// FinalSample is the sample grid of the last step.
func (d RunDir) FinalSample() string { return d.join(samplesDir, finalSample) }

// Losses is the loss plot of the run report.
func (d RunDir) Losses() string { return d.join(lossesFile) }

// Progress is the animation of the sample grids in the run report.
func (d RunDir) Progress() string { return d.join(progressFile) }

// staleCheckpointWrites matches the temporary files of checkpoint writes
// that a crash interrupted.
func (d RunDir) staleCheckpointWrites() string { return d.join(checkpointsDir, ".*.tmp-*") }

// StepSamples is the glob pattern that matches every StepSample.
func (d RunDir) StepSamples() string {
	return d.join(samplesDir, stepSamplePre+"*"+stepSampleExt)
}

// SampleStep reports the step of a file name in SamplesDir written as a
// StepSample (a name, not a path), and whether it is one.
func SampleStep(name string) (int64, bool) {
	num, ok := strings.CutPrefix(name, stepSamplePre)
	if !ok {
		return 0, false
	}
	num, ok = strings.CutSuffix(num, stepSampleExt)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// IsFinalSample reports whether a file name in SamplesDir (a name, not a
// path) is the FinalSample.
func IsFinalSample(name string) bool { return name == finalSample }
