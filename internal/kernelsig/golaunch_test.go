package kernelsig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoLaunchersUpToDate fails when gpu/kernels_gen.go does not match
// kernels/*.cu (run go generate -tags cudaemu ./gpu). With the launchers
// typed from the signatures, this is what keeps the gpu package's launches
// in step with the kernels: a changed signature changes the launcher, and
// a call that no longer fits it does not compile.
func TestGoLaunchersUpToDate(t *testing.T) {
	mods, err := ParseDir(filepath.Join("..", "..", "kernels"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := GoLaunchers(mods)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "gpu", "kernels_gen.go"))
	if err != nil || string(got) != string(want) {
		t.Errorf("gpu/kernels_gen.go is stale or missing (%v): run go generate -tags cudaemu ./gpu", err)
	}
}

// TestGoLaunchers checks the rendering of one kernel with a parameter of
// every kind and a name that is a Go keyword.
func TestGoLaunchers(t *testing.T) {
	m, err := Parse("mod", `extern "C" __global__ void my_k2_64(float *y, const float *x, int n, unsigned int s,
		float a, unsigned long long seed, double d, long long e, int type) {}`)
	if err != nil {
		t.Fatal(err)
	}
	src, err := GoLaunchers([]Module{m})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"myK2_64 kernel // mod.cu: my_k2_64",
		`{"mod", "my_k2_64", &ks.myK2_64}`,
		"func (be *Backend) launchMyK2_64(grid, block dim3, y devPtr, x devPtr, n int, s uint32, a float32, seed uint64, d float64, e int64, type_ int) {",
		"be.run(be.k.myK2_64, grid, block, uint64(y), uint64(x), uint64(uint32(int32(n))), uint64(s), " +
			"uint64(math.Float32bits(a)), seed, math.Float64bits(d), uint64(e), uint64(uint32(int32(type_))))",
		`import "math"`,
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("launchers lack %q:\n%s", want, src)
		}
	}
}
