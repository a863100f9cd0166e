package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// TestKindsComplete checks that Kinds lists every Kind constant of
// finding.go, so that check --help (which explains Kinds) misses none.
func TestKindsComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "finding.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 || len(vs.Names[0].Name) < 5 || vs.Names[0].Name[:4] != "Kind" {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		n++
		if !slices.Contains(Kinds, v) {
			t.Errorf("Kinds lacks %s (%q)", vs.Names[0].Name, v)
		}
		return true
	})
	if n != len(Kinds) {
		t.Errorf("finding.go has %d Kind constants, Kinds %d entries", n, len(Kinds))
	}
}
