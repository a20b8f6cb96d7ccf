package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

func TestSampleLabelsFollowClusterSizes(t *testing.T) {
	c := Config{Clusters: 3, ClusterSizes: []int{30, 10, 60}}
	count := func(y []float32) []int {
		n := make([]int, 3)
		for _, v := range y {
			n[int(v)]++
		}
		return n
	}
	near := func(got []int, m int) bool {
		for k, g := range got {
			if d := float64(g) - float64(m*c.ClusterSizes[k])/100; math.Abs(d) > 3 {
				return false
			}
		}
		return true
	}
	// Every prefix, not just the whole, draws each cluster in close to
	// its share (30%, 10%, 60%): the golden-ratio sequence's discrepancy
	// falls as log(m)/m.
	all := c.sampleLabels(10000, 0)
	for _, m := range []int{10, 64, 100, 1000, 10000} {
		if got := count(all[:m]); !near(got, m) {
			t.Errorf("first %d samples: cluster counts %v, want within 3 of %d%%, %d%%, %d%%", m, got, 30, 10, 60)
		}
	}
	// Drawn in chunks, the labels are the same.
	chunks := append(c.sampleLabels(700, 0), c.sampleLabels(9300, 700)...)
	if !slices.Equal(chunks, all) {
		t.Error("labels drawn in chunks of 700 and 9300 differ from those drawn at once")
	}
	// Neighbouring samples are not of one cluster: no cluster holds ten
	// samples in a row (sorted labels would hold 6,000).
	run, longest := 1, 1
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	if longest >= 10 {
		t.Errorf("%d samples in a row share a cluster", longest)
	}
	// A conditional GAN's samples cycle through the classes.
	cond := Config{Conditional: true}
	if got := cond.sampleLabels(3, 9); !slices.Equal(got, []float32{9, 0, 1}) {
		t.Errorf("conditional samples 9-11: labels %v, want [9 0 1]", got)
	}
}

func TestValidateClusters(t *testing.T) {
	for _, c := range []struct {
		clusters    int
		conditional bool
		sizes       []int
		want        string
	}{
		{1, false, nil, "clusters 1"},
		{-3, false, nil, "clusters -3"},
		{MaxClusters + 1, false, nil, "clusters 256"},
		{10, true, nil, "conditional"},
		{4, false, []int{1, 2}, "2 given for 4 clusters"},
	} {
		cfg := tinyConfig(10)
		cfg.Clusters, cfg.Conditional, cfg.ClusterSizes = c.clusters, c.conditional, c.sizes
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("clusters %d (conditional %v, sizes %v): error %v, want one saying %q", c.clusters, c.conditional, c.sizes, err, c.want)
		}
	}
	cfg := tinyConfig(10)
	cfg.Clusters = 2
	if err := cfg.Validate(); err != nil {
		t.Errorf("clusters 2: %v", err)
	}
}

// A self-conditioned run resumes bit-identically (its clusters are
// recomputed from the data and checked against the checkpoint's), and its
// checkpoint samples one cluster or all of them.
func TestSelfConditionedResumeAndSample(t *testing.T) {
	imgs := digits(t, 700)
	cfg := tinyConfig(30)
	cfg.Clusters = 4
	full := t.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: full, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	want := readLog(t, full)
	split := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opts := RunOptions{Dir: split, Images: imgs, Hooks: Hooks{Log: func(s Stats) {
		if s.Step == 13 {
			cancel()
		}
	}}}
	if err := Run(ctx, cpu.New(cpu.Options{Workers: 3}), cfg, opts); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 2}), cfg, RunOptions{Dir: split, Images: imgs}); err != nil {
		t.Fatal(err)
	}
	sameTrajectory(t, readLog(t, split), want)

	ck, err := model.ReadCheckpointFile(RunDir(full).Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	ckCfg, err := ConfigOf(ck)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, s := range ckCfg.ClusterSizes {
		sum += s
	}
	if len(ckCfg.ClusterSizes) != 4 || sum != 700 {
		t.Fatalf("checkpoint cluster sizes %v, want 4 adding up to the 700 images", ckCfg.ClusterSizes)
	}
	be := cpu.New(cpu.Options{})
	a, err := SampleCheckpointLabel(be, ck, 5, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SampleCheckpointLabel(be, ck, 5, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if slicesEqual(a, b) {
		t.Error("clusters 0 and 3 drew the same samples")
	}
	if _, err := SampleCheckpoint(be, ck, 9, 0); err != nil {
		t.Errorf("sampling every cluster: %v", err)
	}
	if _, err := SampleCheckpointLabel(be, ck, 5, 0, 4); err == nil || !strings.Contains(err.Error(), "cluster in [0, 4)") {
		t.Errorf("cluster 4 of 4: error %v, want one naming the clusters", err)
	}

	// Resuming with another number of clusters, or without them, is
	// refused with the setting named (not as a wider network input).
	for _, k := range []int{5, 0} {
		c := cfg
		c.Clusters = k
		err := Run(context.Background(), cpu.New(cpu.Options{}), c, RunOptions{Dir: full, Images: imgs})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("clusters 4, now %d", k)) {
			t.Errorf("resuming 4 clusters with %d: error %v, want one naming the clusters", k, err)
		}
	}
	// Clusters that come out other than the checkpoint's (another version
	// of the clustering, say) are refused: here the checkpoint's sizes are
	// swapped, as the run's recomputed ones then differ.
	moved := *ck
	swapped := ckCfg
	swapped.ClusterSizes = slices.Clone(ckCfg.ClusterSizes)
	swapped.ClusterSizes[0], swapped.ClusterSizes[1] = swapped.ClusterSizes[1]+1, swapped.ClusterSizes[0]-1
	if moved.Header.Config, err = json.Marshal(swapped); err != nil {
		t.Fatal(err)
	}
	if err := moved.WriteFile(RunDir(full).Checkpoint()); err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), cpu.New(cpu.Options{}), cfg, RunOptions{Dir: full, Images: imgs})
	if err == nil || !strings.Contains(err.Error(), "cluster sizes") {
		t.Errorf("resuming with other cluster sizes: error %v, want one naming them", err)
	}
	// Checkpoints with impossible clusters are refused before use.
	for _, bad := range []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.ClusterSizes[2] = 0 }, "cluster 2 has size 0"},
		// (the latent sizes keep G's input width: 16 + 4 cluster columns)
		{func(c *Config) { c.Conditional, c.Latent = true, 10 }, "on a conditional GAN"},
		{func(c *Config) { c.Clusters, c.Latent, c.ClusterSizes = 0, 20, []int{700} }, "without clusters"},
	} {
		c := ckCfg
		c.ClusterSizes = slices.Clone(ckCfg.ClusterSizes)
		bad.edit(&c)
		tampered := *ck
		if tampered.Header.Config, err = json.Marshal(c); err != nil {
			t.Fatal(err)
		}
		if err := ValidateCheckpoint(&tampered); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("a checkpoint with %q: error %v", bad.want, err)
		}
	}
}
