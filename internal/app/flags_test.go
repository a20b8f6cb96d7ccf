package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad value of an enumerated flag is a usage error as the flags are
// parsed, before the run directory exists, naming the flag, the value and
// the valid values.
func TestEnumFlagsRejectUnknownValues(t *testing.T) {
	acts := "relu, leaky_relu, sigmoid, tanh or identity"
	for _, c := range []struct{ flag, value, valid string }{
		{"g-loss", "minmax", "non-saturating or minimax"},
		{"prior", "cauchy", "uniform or normal"},
		{"g-hidden-act", "swish", acts},
		{"d-hidden-act", "gelu", acts},
		{"g-out-act", "softmax", acts},
		{"init", "xavier", "glorot or he"},
		{"divergence", "wasserstein", "kl, reverse-kl, pearson, squared-hellinger, js or gan"},
		{"on-divergence", "retry", "rollback or stop"},
	} {
		t.Run(c.flag, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			code, _, stderr := runMain(t, "train", "--preset", "tiny", "--out", dir, "--listen", "", "--device", "cpu", "--"+c.flag, c.value)
			flagErr := fmt.Sprintf("invalid value %q for flag -%s: ", c.value, c.flag)
			if code != ExitUsage || !strings.Contains(stderr, flagErr) || !strings.Contains(stderr, "(want "+c.valid+")") {
				t.Errorf("--%s %s: exit %d, stderr:\n%s\nwant exit %d, %q and the valid values %q", c.flag, c.value, code, stderr, ExitUsage, flagErr, c.valid)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("--%s %s: the run directory was created", c.flag, c.value)
			}
		})
	}
}

// Enumerated settings from a config file are checked as it is read, and
// flags keep the spelling they were given (an alias stays an alias in the
// configuration that checkpoints store).
func TestEnumSettingsInConfigFiles(t *testing.T) {
	tmp := t.TempDir()
	bad := writeFile(t, filepath.Join(tmp, "bad.yaml"), []byte("g_loss: minmax\n"))
	code, _, stderr := runMain(t, "train", "--config", bad, "--out", filepath.Join(tmp, "run"), "--listen", "", "--device", "cpu")
	if code != ExitUsage || !strings.Contains(stderr, `unknown g-loss "minmax" (want non-saturating or minimax)`) {
		t.Errorf("g_loss: minmax in %s: exit %d, stderr:\n%s\nwant a usage error listing the losses", bad, code, stderr)
	}
	// one activation type serves three keys: the message names the key
	// and its line
	act := writeFile(t, filepath.Join(tmp, "act.yaml"), []byte("g_hidden_act: relu\nd_hidden_act: swish\n"))
	code, _, stderr = runMain(t, "train", "--config", act, "--out", filepath.Join(tmp, "run"), "--listen", "", "--device", "cpu")
	if code != ExitUsage || !strings.Contains(stderr, `line 2: d_hidden_act: `) || !strings.Contains(stderr, `"swish"`) {
		t.Errorf("d_hidden_act: swish in %s: exit %d, stderr:\n%s\nwant a usage error naming line 2 and d_hidden_act", act, code, stderr)
	}
	good := writeFile(t, filepath.Join(tmp, "good.yaml"), []byte("prior: normal\ng_loss: minimax\n"))
	var e strings.Builder
	cfg, err := parseTrainArgs([]string{"--config", good, "--d-hidden-act", "lrelu", "--preset", "tiny"}, Env{Stderr: &e})
	if err != nil {
		t.Fatalf("%v\n%s", err, e.String())
	}
	if cfg.Prior != "normal" || cfg.GLoss != "minimax" || cfg.DHiddenAct != "lrelu" {
		t.Errorf("prior %q, g-loss %q, d-hidden-act %q; want normal and minimax from the file, lrelu from the flag", cfg.Prior, cfg.GLoss, cfg.DHiddenAct)
	}
}
