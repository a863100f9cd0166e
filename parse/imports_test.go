package parse

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/initorder/initorder"

// formats are the packages of the init systems, each with the other
// formats it may import (SPEC §1: upstart's rc jobs run the SysV scripts).
var formats = map[string][]string{
	module + "/parse/sysv":    nil,
	module + "/parse/upstart": {module + "/parse/sysv"},
	module + "/parse/systemd": nil,
}

// TestImports holds the layout of SPEC §1 and STYLE.md: no format
// package imports another (upstart's sysv aside), nor does parse import
// any of them; no part of parse imports render, and render none of
// parse; graph imports the standard library only. Imports count
// transitively, tests aside. The test reads the source itself, rather
// than asking go list, so that go test's cache sees what it read.
func TestImports(t *testing.T) {
	imports := moduleImports(t, "..")
	for name := range formats {
		if _, ok := imports[name]; !ok {
			t.Fatalf("no package %s in the module", name)
		}
	}
	for name := range imports {
		for _, dep := range deps(imports, name) {
			switch {
			case under(name, "parse") && under(dep, "render"):
				t.Errorf("%s imports %s: parse never imports render", name, dep)
			case under(name, "render") && under(dep, "parse"):
				t.Errorf("%s imports %s: render never imports parse", name, dep)
			case name == module+"/graph" && strings.Contains(strings.Split(dep, "/")[0], "."):
				t.Errorf("graph imports %s: it imports the standard library only", dep)
			}
			if _, isFormat := formats[dep]; isFormat {
				allowed, ok := formats[name]
				if name == module+"/parse" || ok && !slices.Contains(allowed, dep) {
					t.Errorf("%s imports %s: a format package imports no other, and parse none", name, dep)
				}
			}
		}
	}
}

// under reports whether the package name is dir of the module or below it.
func under(name, dir string) bool {
	return name == module+"/"+dir || strings.HasPrefix(name, module+"/"+dir+"/")
}

// moduleImports returns the imports of the non-test files of each
// package of the module rooted at root.
func moduleImports(t *testing.T, root string) map[string][]string {
	imports := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		name := path.Join(module, filepath.ToSlash(rel))
		if _, ok := imports[name]; !ok {
			imports[name] = []string{} // a package of the module, even with no imports
		}
		for _, spec := range f.Imports {
			dep, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			imports[name] = append(imports[name], dep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports
}

// deps returns what name imports, directly or through packages of the
// module.
func deps(imports map[string][]string, name string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, dep := range imports[p] {
			if !seen[dep] {
				seen[dep] = true
				walk(dep) // a package outside the module has no entry
			}
		}
	}
	walk(name)
	out := make([]string, 0, len(seen))
	for dep := range seen {
		out = append(out, dep)
	}
	slices.Sort(out)
	return out
}
