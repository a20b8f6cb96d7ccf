package app

import (
	"bytes"
	"cmp"
	"encoding"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"gan-train/train"
)

// RunSettings are the settings of a run that are not part of the training
// configuration stored in checkpoints.
type RunSettings struct {
	Out         string `yaml:"out"`
	Listen      string `yaml:"listen"`
	Device      string `yaml:"device"`
	Fresh       bool   `yaml:"fresh"`
	PushGateway string `yaml:"push_gateway"`
	LogFormat   string `yaml:"log_format"`
	CacheDir    string `yaml:"cache_dir"`
	EvalEvery   int64  `yaml:"eval_every"`
	EvalSamples int    `yaml:"eval_samples"`
	EvalAtEnd   bool   `yaml:"eval_at_end"`
}

// fileConfig is the YAML config file: every training key and every run key.
type fileConfig struct {
	train.Config `yaml:",inline"`
	RunSettings  `yaml:",inline"`
	// listenChosen is set when --listen or the file's listen key chose the
	// address: then a port in use is an error, whereas the default address
	// moves on to the next free port.
	listenChosen bool
}

// DefaultListen is the default address of the HTTP server: loopback, on a
// port clear of Prometheus (9090) and Grafana (3000).
const DefaultListen = "127.0.0.1:2112"

// DefaultPreset is what `gan-train train` trains without --preset.
const DefaultPreset = "quality"

type option struct {
	name, usage string
	isBool      bool
	set         func(c *fileConfig, v string) error
}

func intOpt(name, usage string, field func(*fileConfig) *int) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return numberError(v, "an integer", err)
		}
		*field(c) = n
		return nil
	}}
}

func int64Opt(name, usage string, field func(*fileConfig) *int64) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return numberError(v, "a 64-bit integer", err)
		}
		*field(c) = n
		return nil
	}}
}

func floatOpt(name, usage string, field func(*fileConfig) *float32) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error {
		f, err := strconv.ParseFloat(v, 32)
		if err != nil {
			return numberError(v, "a 32-bit float (magnitude up to 3.4e38)", err)
		}
		*field(c) = float32(f)
		return nil
	}}
}

// numberError says why v did not parse: out of range for what (strconv's
// ErrRange: "1e39" is a number, too large for a float32), or not a number.
func numberError(v, what string, err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%q is out of range for %s", v, what)
	}
	if what == "an integer" || what == "a 64-bit integer" {
		return fmt.Errorf("not an integer: %q", v)
	}
	return fmt.Errorf("not a number: %q", v)
}

func strOpt(name, usage string, field func(*fileConfig) *string) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error { *field(c) = v; return nil }}
}

// textOpt is an option of an enumerated setting, whose UnmarshalText
// rejects an unknown value as the flag is parsed, listing the valid ones.
func textOpt(name, usage string, field func(*fileConfig) encoding.TextUnmarshaler) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error { return field(c).UnmarshalText([]byte(v)) }}
}

func boolOpt(name, usage string, field func(*fileConfig) *bool) option {
	return option{name: name, usage: usage, isBool: true, set: func(c *fileConfig, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", v)
		}
		*field(c) = b
		return nil
	}}
}

func widthsOpt(name, usage string, field func(*fileConfig) *[]int) option {
	return option{name: name, usage: usage, set: func(c *fileConfig, v string) error {
		var ws []int
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			n, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("not a comma-separated list of widths: %q", v)
			}
			ws = append(ws, n)
		}
		*field(c) = ws
		return nil
	}}
}

func trainOptions() []option {
	return []option{
		strOpt("preset", "starting configuration: "+strings.Join(train.PresetNames(), ", ")+" (default "+DefaultPreset+")", func(c *fileConfig) *string { return &c.Preset }),
		int64Opt("steps", "number of training iterations (k discriminator steps and one generator step each)", func(c *fileConfig) *int64 { return &c.Steps }),
		intOpt("batch", "batch size", func(c *fileConfig) *int { return &c.Batch }),
		{name: "seed", usage: "random seed of the whole run", set: func(c *fileConfig, v string) error {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("not a non-negative integer: %q", v)
			}
			c.Seed = n
			return nil
		}},
		intOpt("latent", "latent dimension", func(c *fileConfig) *int { return &c.Latent }),
		textOpt("prior", "latent prior: uniform (-1,1) or normal", func(c *fileConfig) encoding.TextUnmarshaler { return &c.Prior }),
		widthsOpt("g-hidden", "generator hidden widths, comma-separated", func(c *fileConfig) *[]int { return &c.GHidden }),
		textOpt("g-hidden-act", "generator hidden activation: relu, leaky_relu, sigmoid, tanh, identity", func(c *fileConfig) encoding.TextUnmarshaler { return &c.GHiddenAct }),
		textOpt("g-out-act", "generator output activation: sigmoid (data in [0,1]) or tanh (data in [-1,1])", func(c *fileConfig) encoding.TextUnmarshaler { return &c.GOutAct }),
		widthsOpt("d-hidden", "discriminator hidden widths, comma-separated", func(c *fileConfig) *[]int { return &c.DHidden }),
		textOpt("d-hidden-act", "discriminator hidden activation", func(c *fileConfig) encoding.TextUnmarshaler { return &c.DHiddenAct }),
		textOpt("init", "weight initialisation: glorot or he", func(c *fileConfig) encoding.TextUnmarshaler { return &c.Init }),
		floatOpt("d-lr", "discriminator Adam learning rate", func(c *fileConfig) *float32 { return &c.DAdam.LR }),
		floatOpt("d-beta1", "discriminator Adam beta1", func(c *fileConfig) *float32 { return &c.DAdam.Beta1 }),
		floatOpt("d-beta2", "discriminator Adam beta2", func(c *fileConfig) *float32 { return &c.DAdam.Beta2 }),
		floatOpt("g-lr", "generator Adam learning rate", func(c *fileConfig) *float32 { return &c.GAdam.LR }),
		floatOpt("g-beta1", "generator Adam beta1", func(c *fileConfig) *float32 { return &c.GAdam.Beta1 }),
		floatOpt("g-beta2", "generator Adam beta2", func(c *fileConfig) *float32 { return &c.GAdam.Beta2 }),
		intOpt("k", "discriminator steps per generator step", func(c *fileConfig) *int { return &c.K }),
		textOpt("g-loss", "generator loss: non-saturating or minimax", func(c *fileConfig) encoding.TextUnmarshaler { return &c.GLoss }),
		floatOpt("label-smoothing", "one-sided label smoothing alpha: real label 1-alpha", func(c *fileConfig) *float32 { return &c.LabelSmoothing }),
		textOpt("divergence", "f-GAN objective (Nowozin et al. 2016): kl, reverse-kl, pearson, squared-hellinger, js or gan; empty: the standard GAN loss", func(c *fileConfig) encoding.TextUnmarshaler { return &c.Divergence }),
		boolOpt("conditional", "conditional GAN (Mirza and Osindero 2014): the one-hot label joins G's noise and D's image (needs labelled data)", func(c *fileConfig) *bool { return &c.Conditional }),
		intOpt("clusters", "self-conditioned GAN (Liu et al. 2020) for unconditional training: group the training images into this many k-means clusters and give G and D the one-hot cluster in place of a class label (no labels read); 0 disables", func(c *fileConfig) *int { return &c.Clusters }),
		intOpt("d-maxout-pieces", "maxout discriminator (Goodfellow et al. 2014): pieces per hidden unit; 0 disables", func(c *fileConfig) *int { return &c.DMaxoutPieces }),
		floatOpt("d-dropout", "dropout rate of the discriminator's hidden layers", func(c *fileConfig) *float32 { return &c.DDropout }),
		floatOpt("g-ema", "decay of a moving average of the generator's weights used for samples and evaluation (Yazici et al. 2019), e.g. 0.999; 0 disables", func(c *fileConfig) *float32 { return &c.GEMA }),
		intOpt("d-minibatch-kernels", "minibatch discrimination (Salimans et al. 2016) in the discriminator: number of kernels, e.g. 100 as in the authors' code; 0 disables", func(c *fileConfig) *int { return &c.DMinibatchKernels }),
		intOpt("d-minibatch-dims", "minibatch discrimination: dimensions per kernel, e.g. 5 as in the authors' code (needs --d-minibatch-kernels)", func(c *fileConfig) *int { return &c.DMinibatchDims }),
		int64Opt("lr-decay-from", "from this step on, both learning rates fall linearly towards 0 at the last step (0: constant)", func(c *fileConfig) *int64 { return &c.LRDecayFrom }),
		boolOpt("binarize", "binarize every real batch with Bernoulli(pixel)", func(c *fileConfig) *bool { return &c.Binarize }),
		strOpt("data", "training data: digits (embedded), mnist, fashion-mnist, a directory, an IDX file or an image folder", func(c *fileConfig) *string { return &c.Data }),
		int64Opt("log-every", "log and record metrics every N steps", func(c *fileConfig) *int64 { return &c.LogEvery }),
		int64Opt("sample-every", "write a sample grid every N steps", func(c *fileConfig) *int64 { return &c.SampleEvery }),
		int64Opt("checkpoint-every", "write a checkpoint every N steps", func(c *fileConfig) *int64 { return &c.CheckpointEvery }),
		textOpt("on-divergence", "on a non-finite loss or gradient: rollback (restore the last checkpoint, halve both learning rates, go on) or stop", func(c *fileConfig) encoding.TextUnmarshaler { return &c.OnDivergence }),
		intOpt("max-rollbacks", "with --on-divergence rollback: stop with the error after this many rollbacks in a run", func(c *fileConfig) *int { return &c.MaxRollbacks }),
		strOpt("out", "run directory (default runs/PRESET)", func(c *fileConfig) *string { return &c.Out }),
		strOpt("listen", "HTTP address for /metrics, /healthz and samples; empty disables (default "+DefaultListen+")", func(c *fileConfig) *string { return &c.Listen }),
		strOpt("device", "auto, cpu or cuda (default auto)", func(c *fileConfig) *string { return &c.Device }),
		boolOpt("fresh", "start over even if the run directory holds a checkpoint", func(c *fileConfig) *bool { return &c.Fresh }),
		strOpt("push-gateway", "Prometheus Pushgateway URL to push the final metrics to", func(c *fileConfig) *string { return &c.PushGateway }),
		strOpt("log-format", "text or json", func(c *fileConfig) *string { return &c.LogFormat }),
		int64Opt("eval-every", "evaluate 10,000 fresh samples every N steps, in the background (0: never)", func(c *fileConfig) *int64 { return &c.EvalEvery }),
		intOpt("eval-samples", "samples per evaluation during training", func(c *fileConfig) *int { return &c.EvalSamples }),
		boolOpt("eval-at-end", "evaluate the last step's samples against real digits (without the slow Parzen estimate unless --eval-every is set) and show the scores in the end summary; the first time, the digit classifier is trained first (about half a minute)", func(c *fileConfig) *bool { return &c.EvalAtEnd }),
		strOpt("cache-dir", "where downloaded datasets are kept (default: the user cache directory)", func(c *fileConfig) *string { return &c.CacheDir }),
	}
}

// trainFlags are the flags of a train command. Each value is checked as
// the flags are parsed, and applied once the preset and the config file
// have been read.
type trainFlags struct {
	fs           *flag.FlagSet
	configPath   *string
	pending      []func(*fileConfig) error
	listenChosen bool // --listen was given
}

// newTrainFlags defines the train flags; parse errors and the usage go to
// env.Stderr.
func newTrainFlags(env Env) *trainFlags {
	f := &trainFlags{fs: flag.NewFlagSet("gan-train train", flag.ContinueOnError)}
	f.fs.SetOutput(env.Stderr)
	f.configPath = f.fs.String("config", "", "YAML config file; flags override it, unknown keys are an error")
	for _, o := range trainOptions() {
		check := func(v string) error {
			var scratch fileConfig
			if err := o.set(&scratch, v); err != nil {
				return err
			}
			if o.name == "listen" {
				f.listenChosen = true
			}
			f.pending = append(f.pending, func(c *fileConfig) error { return o.set(c, v) })
			return nil
		}
		if o.isBool {
			f.fs.BoolFunc(o.name, o.usage, check)
		} else {
			f.fs.Func(o.name, o.usage, check)
		}
	}
	return f
}

// apply sets the flags' values in c.
func (f *trainFlags) apply(c *fileConfig) error {
	for _, set := range f.pending {
		if err := set(c); err != nil {
			return &UsageError{err}
		}
	}
	return nil
}

// configFile is a YAML config file as read before the preset is known.
type configFile struct {
	raw          []byte // nil without --config
	preset       string // its preset key
	listenChosen bool   // it has a listen key
}

// readConfigFile reads the config file at path ("" for none) and its preset
// and listen keys.
func readConfigFile(path string) (configFile, error) {
	if path == "" {
		return configFile{}, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return configFile{}, fmt.Errorf("config file: %w", err)
	}
	var p struct {
		Preset string  `yaml:"preset"`
		Listen *string `yaml:"listen"`
	}
	if err := yaml.Unmarshal(raw, &p); err != nil {
		return configFile{}, usagef("config file %s: %v", path, err)
	}
	return configFile{raw: raw, preset: p.Preset, listenChosen: p.Listen != nil}, nil
}

// yamlKeyError finds the top-level key of the YAML document raw whose
// value alone fails to decode into a new value of into(), and its line:
// the decoder's own error for a value a type's UnmarshalText refuses names
// neither. It returns "" when no single key fails.
func yamlKeyError(raw []byte, into func() any) (key string, line int) {
	var doc yaml.Node
	if yaml.Unmarshal(raw, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		one := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: m.Content[i : i+2]}
		if one.Decode(into()) != nil {
			return m.Content[i].Value, m.Content[i].Line
		}
	}
	return "", 0
}

// parseTrainArgs resolves the configuration of a train command: the preset,
// then the YAML file given by --config, then the flags.
func parseTrainArgs(args []string, env Env) (*fileConfig, error) {
	flags := newTrainFlags(env)
	if err := parseFlags(flags.fs, args); err != nil {
		return nil, err
	}
	file, err := readConfigFile(*flags.configPath)
	if err != nil {
		return nil, err
	}
	var flagCfg fileConfig
	if err := flags.apply(&flagCfg); err != nil {
		return nil, err
	}
	preset := cmp.Or(flagCfg.Preset, file.preset, DefaultPreset)
	base, err := train.Preset(preset)
	if err != nil {
		return nil, &UsageError{err}
	}
	cfg := &fileConfig{Config: base, RunSettings: RunSettings{Listen: DefaultListen, Device: "auto", LogFormat: "text", EvalSamples: 10000}}
	if file.raw != nil {
		dec := yaml.NewDecoder(bytes.NewReader(file.raw))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && err.Error() != "EOF" {
			if key, line := yamlKeyError(file.raw, func() any { return &fileConfig{} }); key != "" {
				return nil, usagef("config file %s: line %d: %s: %v", *flags.configPath, line, key, err)
			}
			return nil, usagef("config file %s: %v", *flags.configPath, err)
		}
	}
	if err := flags.apply(cfg); err != nil {
		return nil, err
	}
	cfg.Preset, cfg.listenChosen = preset, flags.listenChosen || file.listenChosen
	if cfg.Out == "" {
		cfg.Out = "runs/" + preset
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// check reports the first invalid setting of c as a usage error.
func (c *fileConfig) check() error {
	if err := c.Config.Validate(); err != nil {
		return &UsageError{err}
	}
	if err := checkDevice(c.Device); err != nil {
		return err
	}
	if c.EvalEvery < 0 || c.EvalSamples < 2 {
		return usagef("eval-every %d, eval-samples %d: want eval-every >= 0 and at least 2 samples", c.EvalEvery, c.EvalSamples)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return usagef("log-format %q: want text or json", c.LogFormat)
	}
	return nil
}

// checkDevice accepts the values of --device.
func checkDevice(device string) error {
	switch device {
	case "auto", "cpu", "cuda":
		return nil
	}
	return usagef("device %q: want auto, cpu or cuda", device)
}
