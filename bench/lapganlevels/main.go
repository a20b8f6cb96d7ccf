// Command lapganlevels measures where a LAPGAN's samples lose quality,
// level by level (issue 15, part 3). It evaluates, with gan-train eval's
// protocol (the same classifier, Frechet features and Parzen windows):
//
//   - real training digits reduced to 7x7 (or 14x14) and brought back to
//     28x28 with the pyramid's bilinear upsampling: the best a chain whose
//     coarse level is perfect could do if the finer levels added nothing;
//   - the generated 7x7 (or 14x14) images of the chain, brought back the
//     same way;
//   - real 7x7 (or 14x14) images refined by the trained finer generators:
//     the finer levels judged on perfect coarse inputs;
//   - the whole chain.
//
// Comparing the rows separates the coarsest generator's errors from the
// refining generators'.
//
// Usage: go run ./bench/lapganlevels --run DIR [--n 10000] [--cache-dir DIR] [--seed S] [--raw-weights]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"gan-train/internal/cpu"
	"gan-train/internal/data"
	"gan-train/internal/eval"
	"gan-train/internal/lapgan"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lapganlevels:", err)
		os.Exit(1)
	}
}

// side and px are the size of the images every row is judged at.
const side, px = data.ImageSide, data.ImageSide * data.ImageSide

type row struct {
	name string
	pix  []float32 // 28x28 images in [0,1]
}

func run() error {
	dir := flag.String("run", "", "LAPGAN run directory (gan-train lapgan train --out)")
	n := flag.Int("n", eval.DefaultSamples, "images per row")
	cacheDir := flag.String("cache-dir", "", "evaluation cache (default: the user cache directory)")
	seed := flag.Uint64("seed", 1, "sampling seed")
	raw := flag.Bool("raw-weights", false, "use the generators' last weights instead of their moving averages")
	flag.Parse()
	if *dir == "" {
		return fmt.Errorf("--run is required")
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	be := cpu.New(cpu.Options{})
	defer be.Close()
	if *cacheDir == "" {
		d, err := data.DefaultCacheDir()
		if err != nil {
			return err
		}
		*cacheDir = d
	}
	trainSet, err := data.Open(ctx, "digits", *cacheDir, data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return err
	}
	testSet, err := data.OpenTest(ctx, "digits", *cacheDir, data.WithImageSize(data.ImageSide, data.ImageSide))
	if err != nil {
		return err
	}
	s, err := lapgan.LoadWeights(filepath.Join(*dir, lapgan.CheckpointName), *raw)
	if err != nil {
		return err
	}
	// The real rows come from the training digits other than the Parzen
	// validation ones, as the real-data floor's centres do.
	m := min(*n, trainSet.N-eval.DefaultParzenValidation)
	ref, err := eval.Prepare(ctx, be, *cacheDir, "digits", trainSet, testSet, eval.DefaultClassifierConfig(), eval.Options{Samples: m, NoFloor: true}, log)
	if err != nil {
		return err
	}
	real28 := make([]float32, 0, m*px)
	for i, next, valid := 0, 0, ref.ParzenValidationIndices(); len(real28) < m*px; i++ {
		if next < len(valid) && valid[next] == i {
			next++
			continue
		}
		for _, v := range trainSet.Pixels[i*px : (i+1)*px] {
			real28 = append(real28, float32(v)/255)
		}
	}
	rows, err := levelRows(be, s, real28, *seed)
	if err != nil {
		return err
	}
	fmt.Printf("%d images a row; checkpoint %s\n\n", m, *dir)
	fmt.Println("| images | classifier score | Frechet distance | FID∞ | smallest class | Parzen (nats) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		rep, err := ref.Evaluate(ctx, be, eval.Images{Pix: r.pix, N: m, D: px})
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Printf("| %s | %.3f | %.3f | %.3f | %.2f%% | %.1f ± %.1f |\n", r.name, rep.ClassifierScore, rep.FrechetDistance,
			rep.FrechetDistanceInf, 100*rep.MinClassFraction, rep.ParzenLogLikelihood, rep.ParzenStdError)
	}
	return nil
}

// levelRows builds the rows of the table, as many images each as real28
// holds.
func levelRows(be *cpu.Backend, s *lapgan.Sampler, real28 []float32, seed uint64) ([]row, error) {
	m := len(real28) / px
	real14, err := resample(be, real28, m, side, -1)
	if err != nil {
		return nil, err
	}
	real7, err := resample(be, real14, m, 14, -1)
	if err != nil {
		return nil, err
	}
	lv, err := s.SampleLevels(be, m, seed)
	if err != nil {
		return nil, err
	}
	ref1, err := s.Refine(be, 1, real7, seed) // real 7x7 -> 14x14
	if err != nil {
		return nil, err
	}
	ref10, err := s.Refine(be, 0, ref1, seed) // ... -> 28x28
	if err != nil {
		return nil, err
	}
	ref0, err := s.Refine(be, 0, real14, seed) // real 14x14 -> 28x28
	if err != nil {
		return nil, err
	}
	var rows []row
	add := func(name string, img []float32, at int) error {
		for ; at < side; at *= 2 {
			if img, err = resample(be, img, m, at, +1); err != nil {
				return err
			}
		}
		rows = append(rows, row{name, img})
		return nil
	}
	for _, r := range []struct {
		name string
		img  []float32
		side int
	}{
		{"real digits", real28, side},
		{"real, reduced to 7x7 and upsampled", real7, 7},
		{"generated 7x7 (level 2), upsampled", lv[2], 7},
		{"real 7x7 refined by levels 1 and 0", ref10, side},
		{"real, reduced to 14x14 and upsampled", real14, 14},
		{"generated 14x14 (levels 2-1), upsampled", lv[1], 14},
		{"real 14x14 refined by level 0", ref0, side},
		{"the whole chain (levels 2-1-0)", lv[0], side},
	} {
		if err := add(r.name, r.img, r.side); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// resample halves (dir < 0, 2x2 means) or doubles (dir > 0, bilinear) m
// square images of the given side on the backend, as the pyramid does.
func resample(be *cpu.Backend, img []float32, m, side, dir int) ([]float32, error) {
	out := side * 2
	if dir < 0 {
		out = side / 2
	}
	src, err := be.Alloc(m * side * side)
	if err != nil {
		return nil, err
	}
	defer be.Free(src)
	dst, err := be.Alloc(m * out * out)
	if err != nil {
		return nil, err
	}
	defer be.Free(dst)
	if err := be.Upload(src, img); err != nil {
		return nil, err
	}
	if dir < 0 {
		be.Downsample2x(dst, src, m, side, side)
	} else {
		be.Upsample2x(dst, src, m, side, side, 1, 0)
	}
	res := make([]float32, m*out*out)
	if err := be.Download(res, dst); err != nil {
		return nil, err
	}
	return res, be.Sync()
}
