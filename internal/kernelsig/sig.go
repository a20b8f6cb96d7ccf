// Package kernelsig parses the kernel signatures of kernels/*.cu (every
// extern "C" __global__ function: its name, parameters and launch bounds)
// and renders the emulated device's C++ glue from them.
package kernelsig

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Kind is how a parameter travels as launch-argument bits.
type Kind byte

// The kinds, as letters the emulated device's table uses.
const (
	Pointer Kind = 'p' // any T*: a device address
	Int     Kind = 'i' // int
	Uint    Kind = 'u' // unsigned int
	Float   Kind = 'f' // float
	Uint64  Kind = 'U' // unsigned long long
	Int64   Kind = 'I' // long long
	Double  Kind = 'd' // double
)

// cKinds maps the C types a kernel parameter may have, besides pointers,
// to their kinds.
var cKinds = map[string]Kind{
	"int": Int, "unsigned int": Uint, "unsigned": Uint, "float": Float,
	"unsigned long long": Uint64, "long long": Int64, "double": Double,
}

// kindSpec is how a parameter of one kind is written at the two ends of a
// launch, whose arguments travel as the low bytes of a uint64.
type kindSpec struct {
	// goType is the launcher's parameter type: a device address for a
	// pointer, and the Go type of the same width and meaning for the rest,
	// except int, which is Go's int narrowed to 32 bits at the launch (as
	// C narrows it).
	goType string
	// pack is the Go expression of the bits of the value %s.
	pack string
	// unpack is the C++ expression of the argument from its bits %[1]s,
	// of C type %[2]s.
	unpack string
}

// kinds holds the kindSpec of every Kind.
var kinds = map[Kind]kindSpec{
	Pointer: {"devPtr", "uint64(%s)", "(%[2]s)(uintptr_t)%[1]s"},
	Int:     {"int", "uint64(uint32(int32(%s)))", "(int)(unsigned int)%[1]s"},
	Uint:    {"uint32", "uint64(%s)", "(unsigned int)%[1]s"},
	Float:   {"float32", "uint64(math.Float32bits(%s))", "gt_emu::bits_as<float>((unsigned int)%[1]s)"},
	Uint64:  {"uint64", "%s", "%[1]s"},
	Int64:   {"int64", "uint64(%s)", "(long long)%[1]s"},
	Double:  {"float64", "math.Float64bits(%s)", "gt_emu::bits_as<double>(%[1]s)"},
}

// Param is one kernel parameter.
type Param struct {
	Type string // as written, e.g. "const float *"
	Name string
	Kind Kind
}

// Kernel is one extern "C" __global__ function.
type Kernel struct {
	Module     string // the .cu file's name without extension
	Name       string
	Params     []Param
	MaxThreads int // __launch_bounds__ maximum, or 1024
}

// Module is one kernel family (one .cu file).
type Module struct {
	Name    string
	Dir     string // the directory of its .cu file
	Hash    string // SHA-256 of the .cu file and the headers beside it
	Kernels []Kernel
}

var (
	kernelRE = regexp.MustCompile(`extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\s*\(([^)]*)\)\s*)?([A-Za-z_]\w*)\s*\(([^)]*)\)`)
	defineRE = regexp.MustCompile(`(?m)^\s*#\s*define\s+([A-Za-z_]\w*)\s+(\d+)\s*$`)
	commRE   = regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`)
	identRE  = regexp.MustCompile(`([A-Za-z_]\w*)\s*$`)
)

// ParseDir parses every .cu file of dir, in name order.
func ParseDir(dir string) ([]Module, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.cu"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .cu files in %s", dir)
	}
	sort.Strings(files)
	common, err := os.ReadFile(filepath.Join(dir, "common.cuh"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("reading common.cuh: %w", err)
	}
	headers, err := filepath.Glob(filepath.Join(dir, "*.cuh"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	sort.Strings(headers)
	hdr := sha256.New()
	for _, h := range headers {
		b, err := os.ReadFile(h)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", h, err)
		}
		fmt.Fprintf(hdr, "%s %d\n", filepath.Base(h), len(b))
		hdr.Write(b)
	}
	var mods []Module
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".cu")
		m, err := Parse(name, string(common)+"\n"+string(src))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		m.Dir = dir
		h := sha256.New()
		h.Write(hdr.Sum(nil))
		h.Write(src)
		m.Hash = hex.EncodeToString(h.Sum(nil))
		mods = append(mods, m)
	}
	return mods, nil
}

// Parse reads the kernels of one module's source (with its headers' text
// prepended, so their #defines resolve launch bounds).
func Parse(module, src string) (Module, error) {
	code := commRE.ReplaceAllString(src, "")
	defs := map[string]int{}
	for _, m := range defineRE.FindAllStringSubmatch(code, -1) {
		v, _ := strconv.Atoi(m[2])
		defs[m[1]] = v
	}
	mod := Module{Name: module}
	for _, m := range kernelRE.FindAllStringSubmatch(code, -1) {
		k := Kernel{Module: module, Name: m[2], MaxThreads: 1024}
		if b := strings.TrimSpace(m[1]); b != "" {
			first := strings.TrimSpace(strings.Split(b, ",")[0])
			v, err := strconv.Atoi(first)
			if err != nil {
				var ok bool
				if v, ok = defs[first]; !ok {
					return Module{}, fmt.Errorf("kernel %s: launch bound %q is neither a number nor a #define", k.Name, first)
				}
			}
			k.MaxThreads = v
		}
		for _, p := range strings.Split(m[3], ",") {
			p = strings.Join(strings.Fields(p), " ")
			if p == "" || p == "void" {
				continue
			}
			param, err := parseParam(p)
			if err != nil {
				return Module{}, fmt.Errorf("kernel %s: %w", k.Name, err)
			}
			k.Params = append(k.Params, param)
		}
		mod.Kernels = append(mod.Kernels, k)
	}
	if len(mod.Kernels) == 0 {
		return Module{}, fmt.Errorf("no extern \"C\" __global__ kernels")
	}
	return mod, nil
}

func parseParam(p string) (Param, error) {
	loc := identRE.FindStringSubmatchIndex(p)
	if loc == nil {
		return Param{}, fmt.Errorf("parameter %q has no name", p)
	}
	name := p[loc[2]:loc[3]]
	typ := strings.TrimSpace(strings.ReplaceAll(p[:loc[2]], "__restrict__", ""))
	typ = strings.ReplaceAll(typ, " *", "*")
	typ = strings.ReplaceAll(typ, "*", " *")
	if strings.Contains(typ, "*") {
		return Param{Type: typ, Name: name, Kind: Pointer}, nil
	}
	base := strings.Join(strings.Fields(strings.TrimPrefix(typ, "const ")), " ")
	k, ok := cKinds[base]
	if !ok {
		return Param{}, fmt.Errorf("parameter %s has type %q, which launches cannot pass", name, typ)
	}
	return Param{Type: typ, Name: name, Kind: k}, nil
}

const header = "// Code generated by internal/kernelsig/kernelgen from kernels/*.cu; DO NOT EDIT.\n\n"

// EmuFiles renders the emulated device's C++ glue for the output directory
// out: k_MODULE.cpp for each module and table_gen.cpp, keyed by file name.
func EmuFiles(mods []Module, out string) (map[string][]byte, error) {
	files := map[string][]byte{}
	var t bytes.Buffer
	t.WriteString("//go:build cudaemu\n\n" + header)
	t.WriteString("#include \"cuda_emu.h\"\n#include \"table.h\"\n\n")
	for _, m := range mods {
		var b bytes.Buffer
		b.WriteString("//go:build cudaemu\n\n" + header)
		rel, err := filepath.Rel(out, filepath.Join(m.Dir, m.Name+".cu"))
		if err != nil {
			return nil, fmt.Errorf("locating %s.cu from %s: %w", m.Name, out, err)
		}
		rel = filepath.ToSlash(rel)
		fmt.Fprintf(&b, "// %s compiled as host C++ for the emulated device.\n\n", strings.TrimPrefix(rel, "../../"))
		// Go's build cache does not follow #include outside the package, so
		// the hash of the source is part of this file: an edit of the .cu
		// file changes it (go generate) and so rebuilds the package.
		fmt.Fprintf(&b, "// Source SHA-256 (with kernels' headers): %s\n\n", m.Hash)
		fmt.Fprintf(&b, "#include \"cuda_emu.h\"\n\n#include \"%s\"\n", rel)
		files["k_"+m.Name+".cpp"] = b.Bytes()
		for _, k := range m.Kernels {
			var decl, call []string
			for i, p := range k.Params {
				sep := " "
				if strings.HasSuffix(p.Type, "*") {
					sep = ""
				}
				decl = append(decl, p.Type+sep+p.Name)
				call = append(call, unpack(p, i))
			}
			fmt.Fprintf(&t, "extern \"C\" void %s(%s);\n", k.Name, strings.Join(decl, ", "))
			fmt.Fprintf(&t, "static void call_%s(const unsigned long long *a)\n{\n", k.Name)
			if len(k.Params) == 0 {
				t.WriteString("    (void)a;\n")
			}
			fmt.Fprintf(&t, "    %s(%s);\n}\n", k.Name, strings.Join(call, ", "))
			var names []string
			for _, p := range k.Params {
				names = append(names, strconv.Quote(p.Name))
			}
			fmt.Fprintf(&t, "static const char *const names_%s[] = {%s};\n\n", k.Name, strings.Join(append(names, "nullptr"), ", "))
		}
	}
	t.WriteString("namespace gt_emu {\n\nconst KernelInfo kernels[] = {\n")
	n := 0
	for _, m := range mods {
		for _, k := range m.Kernels {
			var kinds strings.Builder
			for _, p := range k.Params {
				kinds.WriteByte(byte(p.Kind))
			}
			fmt.Fprintf(&t, "    {%q, %q, call_%s, %d, %q, names_%s, %d},\n", m.Name, k.Name, k.Name, len(k.Params), kinds.String(), k.Name, k.MaxThreads)
			n++
		}
	}
	fmt.Fprintf(&t, "};\n\nconst int nkernels = %d;\n\n} // namespace gt_emu\n", n)
	files["table_gen.cpp"] = t.Bytes()
	return files, nil
}

func unpack(p Param, i int) string {
	return fmt.Sprintf(kinds[p.Kind].unpack, fmt.Sprintf("a[%d]", i), p.Type)
}
