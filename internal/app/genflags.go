package app

import (
	"flag"

	"gan-train/train"
)

// generatorFlags are the flags that name a trained generator and how to
// draw from it, shared by the sample and eval commands: a run directory
// (its latest checkpoint) or a checkpoint file, the noise seed, and the
// choice of the averaged or the last weights.
type generatorFlags struct {
	run, checkpoint string
	seed            uint64
	raw             bool
}

// register declares the flags on fs; verb says what the command does with
// the samples ("sample", "evaluate").
func (g *generatorFlags) register(fs *flag.FlagSet, verb string) {
	fs.StringVar(&g.run, "run", "", "run directory: "+verb+" its latest checkpoint's generator")
	fs.StringVar(&g.checkpoint, "checkpoint", "", "checkpoint file (instead of --run)")
	fs.Uint64Var(&g.seed, "seed", 0, "sample noise seed (0: the run's own seed)")
	fs.BoolVar(&g.raw, "raw-weights", false, "for a run with --g-ema: "+verb+" the generator's last weights instead of their moving average")
}

// path is the checkpoint the flags name: --checkpoint, or the latest
// checkpoint of --run.
func (g *generatorFlags) path() string {
	if g.checkpoint != "" {
		return g.checkpoint
	}
	return train.RunDir(g.run).Checkpoint()
}
