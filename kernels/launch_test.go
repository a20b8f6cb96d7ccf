package kernels

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gan-train/internal/kernelsig"
)

// TestLaunchesMatchSignatures checks, without a GPU, that the CUDA backend
// (package gpu, build tag cuda, read here as source) launches the kernels
// this package ships the way their .cu signatures declare them: every kernel that
// gpu's init table looks up exists in the named module, and every
// be.run(be.k.X, grid, block, args...) passes exactly as many arguments as
// the kernel has parameters, a pointer-sized value (.u64) where the kernel
// takes one and a 4-byte value (.u32, .s32, .f32) where it takes that. A
// mismatch would otherwise show only on a GPU, as a failed launch or
// garbage.
func TestLaunchesMatchSignatures(t *testing.T) {
	params := sigParams(t)
	fset := token.NewFileSet()
	files, err := filepath.Glob("../gpu/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no gpu sources: %v", err)
	}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
	}

	// The init table: {"module", "kernel", &be.k.field}.
	field := map[string]string{} // kernelSet field -> "module/kernel"
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || len(cl.Elts) != 3 {
				return true
			}
			mod, ok1 := stringLit(cl.Elts[0])
			name, ok2 := stringLit(cl.Elts[1])
			u, ok3 := cl.Elts[2].(*ast.UnaryExpr)
			if !ok1 || !ok2 || !ok3 || u.Op != token.AND {
				return true
			}
			if f := kField(u.X); f != "" {
				field[f] = mod + "/" + name
			}
			return true
		})
	}
	if len(field) < 30 {
		t.Fatalf("found %d kernels in gpu's init table, want all of them (30 or more): did its shape change?", len(field))
	}
	for f, k := range field {
		if _, ok := params[k]; !ok {
			t.Errorf("gpu looks up kernel %s (field %s), which kernels/*.cu does not define", k, f)
		}
	}

	// The launches.
	launched := map[string]bool{}
	calls := 0
	for _, af := range parsed {
		for _, d := range af.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !isBeRun(call) {
					return true
				}
				calls++
				pos := fset.Position(call.Pos())
				if call.Ellipsis.IsValid() || len(call.Args) < 3 {
					t.Errorf("%s: be.run with arguments this test cannot count", pos)
					return true
				}
				var fields []string
				if f := kField(call.Args[0]); f != "" {
					fields = []string{f}
				} else if id, ok := call.Args[0].(*ast.Ident); ok {
					fields = assignedFields(fn.Body, id.Name)
				}
				if len(fields) == 0 {
					t.Errorf("%s: cannot tell which kernel be.run launches", pos)
					return true
				}
				args := call.Args[3:]
				for _, f := range fields {
					k, ok := field[f]
					if !ok {
						t.Errorf("%s: be.k.%s is not in gpu's init table", pos, f)
						continue
					}
					launched[f] = true
					want := params[k]
					if len(args) != len(want) {
						t.Errorf("%s: %s gets %d arguments, its signature declares %d parameters (%s)", pos, k, len(args), len(want), strings.Join(want, ", "))
						continue
					}
					for i, a := range args {
						if got := argKind(a); got != "" && got != kindOf(want[i]) {
							t.Errorf("%s: %s argument %d is %s-byte, parameter %d is .%s", pos, k, i, got, i, want[i])
						}
					}
				}
				return true
			})
		}
	}
	for f, k := range field {
		if !launched[f] {
			t.Errorf("kernel %s (be.k.%s) is looked up but never launched", k, f)
		}
	}
	t.Logf("%d kernels in the init table, %d launch sites checked", len(field), calls)
}

// sigParams maps "module/kernel" to its parameters' sizes as PTX would
// name them: "u64" for pointers and 8-byte values, "u32" for the rest.
func sigParams(t *testing.T) map[string][]string {
	t.Helper()
	mods, err := kernelsig.ParseDir(".")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, m := range mods {
		for _, k := range m.Kernels {
			var ps []string
			for _, p := range k.Params {
				switch p.Kind {
				case kernelsig.Pointer, kernelsig.Uint64, kernelsig.Int64, kernelsig.Double:
					ps = append(ps, "u64")
				default:
					ps = append(ps, "u32")
				}
			}
			out[m.Name+"/"+k.Name] = ps
		}
	}
	return out
}

func kindOf(ptxType string) string {
	if ptxType == "u64" || ptxType == "s64" || ptxType == "b64" {
		return "8"
	}
	return "4"
}

// argKind classifies a launch argument by how gpu encodes it: pointers
// (x.ptr(), ptrOrNull(x), uint64(be.scratch), uint64(be.flag)) and seeds
// are 8-byte values ("8"), i32(...) and f32bits(...) 4-byte ones ("4"); "" when the
// expression does not say (uint64(n) of an enum or stream, which the
// launcher passes in an 8-byte slot whose low half the kernel reads).
func argKind(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		if x.Name == "seed" {
			return "8"
		}
	case *ast.CallExpr:
		switch fun := x.Fun.(type) {
		case *ast.SelectorExpr:
			if fun.Sel.Name == "ptr" {
				return "8"
			}
		case *ast.Ident:
			switch fun.Name {
			case "ptrOrNull":
				return "8"
			case "i32", "f32bits":
				return "4"
			case "uint64":
				if sel, ok := x.Args[0].(*ast.SelectorExpr); ok && (sel.Sel.Name == "scratch" || sel.Sel.Name == "flag") {
					return "8"
				}
			}
		}
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// kField returns X for the expression be.k.X, else "".
func kField(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	if !ok || inner.Sel.Name != "k" {
		return ""
	}
	return sel.Sel.Name
}

func isBeRun(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "run" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "be"
}

// assignedFields lists the be.k fields assigned to the variable name in
// body (k := be.k.a; if ... { k = be.k.b }).
func assignedFields(body *ast.BlockStmt, name string) []string {
	var out []string
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		for i, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name == name && i < len(as.Rhs) {
				if f := kField(as.Rhs[i]); f != "" {
					out = append(out, f)
				}
			}
		}
		return true
	})
	return out
}
