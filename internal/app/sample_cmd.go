package app

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"gan-train/internal/atomicfile"
	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/train"
)

func cmdSample(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("gan-train sample", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var gf generatorFlags
	gf.register(fs, "sample")
	n := fs.Int("n", 64, "number of samples")
	out := fs.String("out", "", "output: a .png grid, or an .idx / .idx.gz / -ubyte file of MNIST-format images")
	cols := fs.Int("cols", 0, "grid columns for PNG output (default: square-ish)")
	label := fs.Int("label", -1, "for a conditional run: the digit class to generate (-1: every class in turn); for a self-conditioned run (--clusters), the cluster (-1: clusters in proportion to their sizes)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case (gf.run == "") == (gf.checkpoint == ""):
		return usagef("give exactly one of --run DIR or --checkpoint FILE")
	case *n <= 0 || *n > MaxSamples:
		return usagef("n %d: must be between 1 and %d", *n, MaxSamples)
	case *cols < 0 || *cols > *n:
		return usagef("cols %d: must be between 0 (square-ish) and the number of samples, %d", *cols, *n)
	case *out == "":
		return usagef("--out is required (a .png or .idx file)")
	}
	ckPath := gf.path()
	ck, err := train.ReadCheckpoint(ckPath)
	if err != nil {
		return err
	}
	ckCfg, err := train.ConfigOf(ck)
	if err != nil {
		return err
	}
	switch {
	case *label < -1:
		return usagef("label %d: want a class or cluster, or -1 for all", *label)
	case *label >= 0 && ckCfg.Clusters > 0 && *label >= ckCfg.Clusters:
		return usagef("label %d: %s has clusters 0-%d, or -1 for all", *label, ckPath, ckCfg.Clusters-1)
	case *label >= 0 && ckCfg.Clusters > 0:
	case *label > 9:
		return usagef("label %d: want a class 0-9, or -1 for every class in turn", *label)
	case *label >= 0 && !ckCfg.Conditional:
		return usagef("--label %d: %s is not a conditional GAN (train with --conditional, or --conditional=false --clusters K)", *label, ckPath)
	}
	// The samples are kept as bytes, chunk by chunk: a quarter of their
	// float size, and no allocation of the whole at once, whose clearing
	// alone can outlast a second on a loaded machine.
	var chunks [][]uint8
	err = train.SampleCheckpointEach(ctx, cpu.New(cpu.Options{}), ck, *n, gf.seed, *label, gf.raw, func(_ int, imgs []float32) error {
		b := make([]uint8, len(imgs))
		for i, v := range imgs {
			b[i] = train.ToByte(v)
		}
		chunks = append(chunks, b)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(*out)
		}
		return fmt.Errorf("sampling %s: %w", ckPath, err)
	}
	if err := writeSamples(ctx, chunks, *n, *cols, *out); err != nil {
		if ctx.Err() != nil {
			return interrupted(*out)
		}
		return err
	}
	fmt.Fprintf(env.Stderr, "wrote %d samples from step %d to %s\n", *n, ck.Header.Step, *out)
	return nil
}

// interrupted is the error of a command stopped by SIGINT or SIGTERM
// before it wrote its output file.
func interrupted(out string) error {
	return fmt.Errorf("interrupted: nothing was written to %s", out)
}

// writeSamples writes n images of ImageSize bytes, held in chunks of equal
// size but the last, to out atomically: a PNG grid of cols columns (0:
// square-ish) when out ends in .png, else an IDX file (gzip compressed when
// it ends in .gz). It stops with ctx's error, leaving out as it was.
func writeSamples(ctx context.Context, chunks [][]uint8, n, cols int, out string) error {
	lower := strings.ToLower(out)
	if strings.HasSuffix(lower, ".png") {
		per := len(chunks[0]) / train.ImageSize
		c := cols
		if c <= 0 {
			for c = 1; c*c < n; c++ {
			}
		}
		g := train.Grid{N: n, Cols: c, Zoom: 2, Image: func(k int) []uint8 {
			ch, i := chunks[k/per], k%per
			return ch[i*train.ImageSize : (i+1)*train.ImageSize]
		}}
		return atomicfile.Write(out, 0o644, func(w io.Writer) error { return g.WritePNG(ctx, w) })
	}
	return atomicfile.Write(out, 0o644, func(w io.Writer) error {
		var zw *gzip.Writer
		var err error
		if strings.HasSuffix(lower, ".gz") {
			if zw, err = gzip.NewWriterLevel(w, gzip.BestCompression); err != nil {
				return err
			}
			w = zw
		}
		hdr, err := data.IDXHeader(data.MagicImages, []int{n, data.ImageSide, data.ImageSide})
		if err != nil {
			return err
		}
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		for _, ch := range chunks {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := w.Write(ch); err != nil {
				return err
			}
		}
		if zw != nil {
			return zw.Close()
		}
		return nil
	})
}
