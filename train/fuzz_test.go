package train

import (
	"context"
	"testing"

	"gan-train/internal/cpu"
	"gan-train/model"
)

// FuzzCheckpointConfig hands ValidateCheckpoint a self-conditioned run's
// checkpoint with any bytes as its stored configuration; whatever it
// accepts must then sample without a panic, and a sampling error is
// allowed only where the configuration is at fault, never a crash.
//
//	go test -run XXX -fuzz FuzzCheckpointConfig -fuzztime 60s ./train/
func FuzzCheckpointConfig(f *testing.F) {
	imgs := digits(f, 300)
	cfg := tinyConfig(3)
	cfg.Clusters = 3
	dir := f.TempDir()
	if err := Run(context.Background(), cpu.New(cpu.Options{Workers: 1}), cfg, RunOptions{Dir: dir, Images: imgs}); err != nil {
		f.Fatal(err)
	}
	ck, err := model.ReadCheckpointFile(RunDir(dir).Checkpoint())
	if err != nil {
		f.Fatal(err)
	}
	good := ck.Header.Config
	f.Add([]byte(good))
	f.Add([]byte(`{"latent":16,"clusters":3,"cluster_sizes":[1,2,297]}`))
	f.Add([]byte(`{"latent":10,"conditional":true,"clusters":3,"cluster_sizes":[100,100,100]}`))
	f.Add([]byte(`{"latent":16,"clusters":3,"cluster_sizes":[2147483647,2147483647,2147483647]}`))
	f.Add([]byte(`{"latent":19,"cluster_sizes":[5]}`))
	be := cpu.New(cpu.Options{Workers: 1})
	f.Fuzz(func(t *testing.T, config []byte) {
		c := *ck
		c.Header.Config = config
		if ValidateCheckpoint(&c) != nil {
			return
		}
		// accepted: sampling must not panic (an error is a clear refusal)
		_, _ = SampleCheckpoint(be, &c, 5, 1)
	})
}
