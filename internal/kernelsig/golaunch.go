package kernelsig

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"strings"
)

// GoLaunchers renders package gpu's typed view of the kernels of mods: a
// kernelSet struct with one handle a kernel, the table Open looks them up
// by, and a launcher a kernel that takes the kernel's parameters with their
// Go types and passes their bits in the order of the signature, so that a
// launch with a missing, extra or mistyped argument does not compile.
func GoLaunchers(mods []Module) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// kernelSet holds a handle of every kernel of package kernels.\ntype kernelSet struct {\n")
	for _, m := range mods {
		for _, k := range m.Kernels {
			fmt.Fprintf(&b, "\t%s kernel // %s.cu: %s\n", fieldName(k.Name), m.Name, k.Name)
		}
	}
	b.WriteString("}\n\n")
	b.WriteString("// kernelRef names one kernel of package kernels and the kernelSet field\n")
	b.WriteString("// that receives its handle.\ntype kernelRef struct {\n\tmodule, name string\n\tk *kernel\n}\n\n")
	b.WriteString("// refs lists every kernel of ks, for Open to look up.\n")
	b.WriteString("func (ks *kernelSet) refs() []kernelRef {\n\treturn []kernelRef{\n")
	for _, m := range mods {
		for _, k := range m.Kernels {
			fmt.Fprintf(&b, "\t\t{%q, %q, &ks.%s},\n", m.Name, k.Name, fieldName(k.Name))
		}
	}
	b.WriteString("\t}\n}\n")
	for _, m := range mods {
		for _, k := range m.Kernels {
			if err := launcher(&b, m, k); err != nil {
				return nil, err
			}
		}
	}
	var f bytes.Buffer
	f.WriteString("//go:build cuda || cudaemu\n\n")
	f.WriteString(strings.Replace(header, "kernels/*.cu;", "kernels/*.cu (go generate ./gpu);", 1))
	f.WriteString("package gpu\n\n")
	if bytes.Contains(b.Bytes(), []byte("math.")) {
		f.WriteString("import \"math\"\n\n")
	}
	f.Write(b.Bytes())
	src, err := format.Source(f.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the launchers: %w", err)
	}
	return src, nil
}

// launcher writes the typed launcher of kernel k.
func launcher(b *bytes.Buffer, m Module, k Kernel) error {
	var params, args, sig []string
	for _, p := range k.Params {
		name := goName(p.Name)
		spec, ok := kinds[p.Kind]
		if !ok {
			return fmt.Errorf("kernel %s: parameter %s of kind %c has no Go type", k.Name, p.Name, p.Kind)
		}
		params = append(params, name+" "+spec.goType)
		args = append(args, fmt.Sprintf(spec.pack, name))
		sep := " "
		if strings.HasSuffix(p.Type, "*") {
			sep = ""
		}
		sig = append(sig, p.Type+sep+p.Name)
	}
	fmt.Fprintf(b, "\n// %s launches %s of kernels/%s.cu:\n//\n//\t%s(%s)\n",
		launcherName(k.Name), k.Name, m.Name, k.Name, strings.Join(sig, ", "))
	fmt.Fprintf(b, "func (be *Backend) %s(grid, block dim3", launcherName(k.Name))
	if len(params) > 0 {
		fmt.Fprintf(b, ", %s", strings.Join(params, ", "))
	}
	fmt.Fprintf(b, ") {\n\tbe.run(be.k.%s, grid, block", fieldName(k.Name))
	if len(args) > 0 {
		fmt.Fprintf(b, ", %s", strings.Join(args, ", "))
	}
	b.WriteString(")\n}\n")
	return nil
}

// fieldName is the kernelSet field of a kernel: its name in lower camel
// case, with an underscore kept before a part that starts with a digit
// (dense_forward2_64 is denseForward2_64).
func fieldName(kernel string) string {
	parts := strings.Split(kernel, "_")
	var s strings.Builder
	s.WriteString(parts[0])
	for _, p := range parts[1:] {
		switch {
		case p == "":
		case p[0] >= '0' && p[0] <= '9':
			s.WriteString("_" + p)
		default:
			s.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return s.String()
}

// launcherName is the Backend method that launches a kernel.
func launcherName(kernel string) string {
	f := fieldName(kernel)
	return "launch" + strings.ToUpper(f[:1]) + f[1:]
}

// goName is a parameter's name as a Go identifier that clashes with no
// keyword and with none of the launcher's own names.
func goName(n string) string {
	if token.IsKeyword(n) || n == "be" || n == "grid" || n == "block" || n == "math" {
		return n + "_"
	}
	return n
}
