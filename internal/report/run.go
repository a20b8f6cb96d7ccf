package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gan-train/internal/atomicfile"
	"gan-train/train"
)

// FrameDelay is the time between frames of progress.gif.
const FrameDelay = 250 * time.Millisecond

// MaxFrames bounds progress.gif: a long run with frequent samples would
// otherwise hold hundreds of grids in memory at once. When there are more
// sample grids, evenly spaced ones are kept, always the first and the last.
const MaxFrames = 120

// WriteRunReport reads dir/metrics.jsonl and the sample grids
// dir/samples/step-*.png (in step order, then dir/samples/final.png) and
// writes dir/losses.png and dir/progress.gif, each atomically. If only one
// of the inputs exists, the picture it allows is still written and the
// error names the missing input; if neither exists the error says the
// directory holds no run.
func WriteRunReport(dir string) error {
	rd := train.RunDir(dir)
	metricsPath := rd.Metrics()
	mf, mErr := os.Open(metricsPath)
	if mErr == nil {
		defer mf.Close()
	}
	frames, fErr := sampleGrids(rd)
	if errors.Is(mErr, fs.ErrNotExist) && fErr == nil && len(frames) == 0 {
		return fmt.Errorf("run directory %s holds no run to report on: no %s and no %s", dir, inside(dir, metricsPath), inside(dir, rd.StepSamples()))
	}

	var errs []error
	if mErr != nil {
		errs = append(errs, fmt.Errorf("losses plot: %w", mErr))
	} else {
		pts, err := readMetrics(mf)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", metricsPath, err))
		} else if err := atomicfile.Write(rd.Losses(), 0o644, func(w io.Writer) error {
			return drawLosses(pts, w)
		}); err != nil {
			errs = append(errs, err)
		}
	}

	switch {
	case fErr != nil:
		errs = append(errs, fErr)
	case len(frames) == 0:
		errs = append(errs, fmt.Errorf("progress GIF: no sample grids in %s", rd.SamplesDir()))
	default:
		if err := atomicfile.Write(rd.Progress(), 0o644, func(w io.Writer) error {
			return ProgressGIF(thin(frames, MaxFrames), w, FrameDelay)
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sampleGrids lists the step sample grids of dir sorted by step
// (numerically, so a run past step 999999 still sorts), then the final grid
// if present.
func sampleGrids(dir train.RunDir) ([]string, error) {
	sdir := dir.SamplesDir()
	ents, err := os.ReadDir(sdir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing sample grids: %w", err)
	}
	type grid struct {
		step int64
		path string
	}
	var grids []grid
	final := ""
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		if train.IsFinalSample(name) {
			final = filepath.Join(sdir, name)
			continue
		}
		if n, ok := train.SampleStep(name); ok {
			grids = append(grids, grid{n, filepath.Join(sdir, name)})
		}
	}
	sort.Slice(grids, func(i, j int) bool { return grids[i].step < grids[j].step })
	paths := make([]string, 0, len(grids)+1)
	for _, g := range grids {
		paths = append(paths, g.path)
	}
	if final != "" {
		paths = append(paths, final)
	}
	return paths, nil
}

// inside names path relative to dir.
func inside(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return path
}

// thin keeps at most max of paths, evenly spaced, always the first and the
// last.
func thin(paths []string, max int) []string {
	if len(paths) <= max || max < 2 {
		return paths
	}
	out := make([]string, 0, max)
	for i := 0; i < max; i++ {
		out = append(out, paths[i*(len(paths)-1)/(max-1)])
	}
	return out
}
