package train

import (
	"encoding"
	"encoding/json"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"gan-train/model"
)

// textValue is a pointer to an enumerated setting.
type textValue interface {
	encoding.TextMarshaler
	encoding.TextUnmarshaler
}

// textSetting is one enumerated setting: a fresh value, its valid names,
// an invalid one and what the error of that says.
type textSetting struct {
	name  string
	new   func() textValue
	valid []string
	bad   string
	want  string // in the error of bad
}

func textSettings() []textSetting {
	return []textSetting{
		{"g-loss", func() textValue { return new(GeneratorLoss) }, []string{"non-saturating", "minimax"}, "minmax", `unknown g-loss "minmax" (want non-saturating or minimax)`},
		{"prior", func() textValue { return new(Prior) }, []string{"uniform", "normal"}, "cauchy", `unknown prior "cauchy" (want uniform or normal)`},
		{"divergence", func() textValue { return new(Divergence) }, []string{"", "kl", "reverse-kl", "pearson", "squared-hellinger", "js", "gan"}, "wasserstein",
			`unknown f-divergence "wasserstein" (want kl, reverse-kl, pearson, squared-hellinger, js or gan)`},
		{"on-divergence", func() textValue { return new(DivergencePolicy) }, []string{"", "rollback", "stop"}, "retry", `unknown on-divergence "retry" (want rollback or stop)`},
		{"activation", func() textValue { return new(model.ActivationName) },
			[]string{"relu", "leaky_relu", "leakyrelu", "lrelu", "sigmoid", "tanh", "identity", "linear", "none"}, "swish",
			`unknown activation "swish" (want relu, leaky_relu, sigmoid, tanh or identity)`},
		{"init", func() textValue { return new(model.Init) }, []string{"glorot", "he"}, "xavier", `unknown init "xavier" (want glorot or he)`},
	}
}

func TestSettingsRoundTripAndRejectUnknownNames(t *testing.T) {
	for _, s := range textSettings() {
		for _, name := range s.valid {
			v := s.new()
			if err := v.UnmarshalText([]byte(name)); err != nil {
				t.Errorf("%s: UnmarshalText(%q): %v", s.name, name, err)
				continue
			}
			if b, err := v.MarshalText(); err != nil || string(b) != name {
				t.Errorf("%s: %q reads back as %q (%v)", s.name, name, b, err)
			}
		}
		v := s.new()
		err := v.UnmarshalText([]byte(s.bad))
		if err == nil || !strings.Contains(err.Error(), s.want) {
			t.Errorf("%s: UnmarshalText(%q) = %v, want an error containing %q", s.name, s.bad, err, s.want)
		}
		if b, _ := v.MarshalText(); len(b) != 0 {
			t.Errorf("%s: a rejected name left %q behind", s.name, b)
		}
	}
}

// The typed settings serialise as the strings they hold: the config that
// checkpoints embed is the same JSON as with plain string fields, and a
// config file's YAML reads back into the same Config.
func TestConfigSerialisesSettingsAsStrings(t *testing.T) {
	c, err := Preset("quality")
	if err != nil {
		t.Fatal(err)
	}
	c.Prior, c.Init, c.GHiddenAct = PriorNormal, "he", "lrelu"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"prior":"normal"`, `"g_hidden_act":"lrelu"`, `"g_out_act":"tanh"`, `"init":"he"`,
		`"g_loss":"non-saturating"`, `"on_divergence":"rollback"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"divergence"`) {
		t.Errorf("JSON %s has an empty divergence; want it left out", b)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || back.Prior != c.Prior || back.GHiddenAct != c.GHiddenAct || back.Init != c.Init {
		t.Errorf("JSON reads back as %+v (%v), want %+v", back, err, c)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back = Config{}
	if err := yaml.Unmarshal(y, &back); err != nil || back.GLoss != c.GLoss || back.GHiddenAct != c.GHiddenAct {
		t.Errorf("YAML %s reads back as %+v (%v)", y, back, err)
	}
	for _, bad := range []string{`{"g_loss":"minmax"}`, `{"prior":"cauchy"}`, `{"d_hidden_act":"swish"}`, `{"init":"xavier"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("JSON %s: read without an error", bad)
		}
	}
}
