package codeshape

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot is the directory of the go.mod of the module this test is in.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// longFunctions lists the functions of the non-test Go files below root
// (other modules, such as tools/, and hidden folders skipped) that are
// longer than max lines.
func longFunctions(t *testing.T, root string, max int) []string {
	t.Helper()
	var long []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > max {
				rel, _ := filepath.Rel(root, p)
				long = append(long, rel+": "+fn.Name.Name+" has "+strconv.Itoa(n)+" lines")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return long
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestFunctionLength(t *testing.T) {
	for _, l := range longFunctions(t, moduleRoot(t), MaxFunctionLines) {
		t.Errorf("%s, over %d: split it", l, MaxFunctionLines)
	}
}

// The check sees a long function: one of MaxFunctionLines+1 lines in a
// scratch tree is listed, one of MaxFunctionLines is not.
func TestFunctionLengthBites(t *testing.T) {
	root := t.TempDir()
	body := func(name string, lines int) string {
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 0\n", lines-2) + "}\n"
	}
	src := "package p\n\n" + body("ok", MaxFunctionLines) + body("tooLong", MaxFunctionLines+1)
	if err := os.WriteFile(filepath.Join(root, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := longFunctions(t, root, MaxFunctionLines)
	if len(got) != 1 || !strings.Contains(got[0], "tooLong has 81 lines") {
		t.Errorf("long functions in the scratch tree: %q, want only tooLong with 81 lines", got)
	}
}
