package kernels

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every embedded image holds SASS for sm_80 and sm_90, so that an A100 or
// an H100 loads it without a JIT, and compute_70 PTX for other GPUs.
func TestEmbeddedTargets(t *testing.T) {
	want := []string{"sm_80", "sm_90", "compute_70"}
	mods := Modules()
	// One module per .cu file of this directory, named after it.
	cus, err := filepath.Glob("*.cu")
	if err != nil {
		t.Fatal(err)
	}
	var files, names []string
	for _, f := range cus {
		files = append(files, strings.TrimSuffix(f, ".cu"))
	}
	for _, m := range mods {
		names = append(names, m.Name)
	}
	slices.Sort(files)
	slices.Sort(names)
	if !slices.Equal(names, files) {
		t.Fatalf("modules %v, want one per .cu file: %v", names, files)
	}
	for _, m := range mods {
		codes, err := Contents(m.Image)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		var got []string
		for _, c := range codes {
			got = append(got, c.String())
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s holds %v, want %v", m.Name, got, w)
		}
	}
	if !strings.HasPrefix(Compiler(), "release ") {
		t.Errorf("Compiler() = %q, want an nvcc release", Compiler())
	}
}

func TestContentsRejectsDamage(t *testing.T) {
	img := Modules()[0].Image
	for name, b := range map[string][]byte{
		"empty":       nil,
		"no magic":    append([]byte{1, 2, 3, 4}, img[4:]...),
		"truncated":   img[:len(img)/2],
		"header only": img[:16],
		"bad entry":   append(append([]byte{}, img[:16]...), make([]byte, len(img)-16)...),
	} {
		if _, err := Contents(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzContents(f *testing.F) {
	f.Add(Modules()[2].Image)
	f.Add([]byte{0x50, 0xed, 0x55, 0xba, 1, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		codes, err := Contents(b)
		if err == nil && len(b) < 16 {
			t.Fatalf("accepted %d bytes: %v", len(b), codes)
		}
	})
}
