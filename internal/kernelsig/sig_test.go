package kernelsig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate fails when internal/cudaemu's generated files do not
// match kernels/*.cu (run go generate ./internal/cudaemu).
func TestGeneratedUpToDate(t *testing.T) {
	out := filepath.Join("..", "cudaemu")
	var mods []Module
	for _, dir := range []string{filepath.Join("..", "..", "kernels"), out} {
		m, err := ParseDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		mods = append(mods, m...)
	}
	files, err := EmuFiles(mods, out)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || string(got) != string(want) {
			t.Errorf("internal/cudaemu/%s is stale or missing (%v): run go generate ./internal/cudaemu", name, err)
		}
	}
}

func TestParse(t *testing.T) {
	src := `#define THREADS 128
// extern "C" __global__ void commented_out(int x)
extern "C" __global__ void __launch_bounds__(THREADS)
    k1(float *__restrict__ y, const float* x, int n, unsigned int s, float a,
       unsigned long long seed, double d, long long e)
{
}
extern "C" __global__ void k2() {}
`
	m, err := Parse("mod", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Kernels) != 2 {
		t.Fatalf("got %d kernels, want 2 (the commented one ignored)", len(m.Kernels))
	}
	k := m.Kernels[0]
	var kinds strings.Builder
	for _, p := range k.Params {
		kinds.WriteByte(byte(p.Kind))
	}
	if k.Name != "k1" || k.MaxThreads != 128 || kinds.String() != "ppiufUdI" {
		t.Errorf("k1 = %s, bounds %d, kinds %q; want k1, 128, ppiufUdI", k.Name, k.MaxThreads, kinds.String())
	}
	if k.Params[1].Type != "const float *" || k.Params[1].Name != "x" {
		t.Errorf("param 1 = %q %q, want %q %q", k.Params[1].Type, k.Params[1].Name, "const float *", "x")
	}
	if m.Kernels[1].Name != "k2" || len(m.Kernels[1].Params) != 0 || m.Kernels[1].MaxThreads != 1024 {
		t.Errorf("k2 = %+v", m.Kernels[1])
	}
	for _, bad := range []string{
		`extern "C" __global__ void k(struct S s) {}`,
		`extern "C" __global__ void __launch_bounds__(NOPE) k(int n) {}`,
		`__global__ void not_extern_c(int n) {}`,
	} {
		if _, err := Parse("bad", bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// No kernel takes more parameters than the CUDA backend's argument array
// holds (maxArgs in gpu/seam.go).
func TestParameterCounts(t *testing.T) {
	const maxArgs = 16
	mods, err := ParseDir(filepath.Join("..", "..", "kernels"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		for _, k := range m.Kernels {
			if len(k.Params) > maxArgs {
				t.Errorf("kernels/%s.cu: %s takes %d parameters, gpu launches at most %d", m.Name, k.Name, len(k.Params), maxArgs)
			}
		}
	}
}
