package roottest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
)

// CheckBoot checks what every reader of a root must give: every service
// the order lists is started; every position of a service, an edge or a
// finding names a file of the root that has that line; and the analyses
// finish. lines counts the lines of a file as the reader does, when that
// may be more than its newlines (systemd's read_line ends a line at "\r"
// and NUL too); nil counts newlines.
func CheckBoot(t *testing.T, fsys *rootfs.FS, g *graph.Graph, fs []graph.Finding, lines func([]byte) int) {
	t.Helper()
	counted := map[string]int{}
	check := func(what string, p graph.Pos) {
		if p.File == "" && p.Line == 0 {
			return
		}
		if p.Line < 0 || strings.HasPrefix(p.File, "/") || strings.HasPrefix(p.File, "../") {
			t.Fatalf("%s at %v: not a line of the root", what, p)
		}
		if p.Line == 0 {
			return
		}
		n, ok := counted[p.File]
		if !ok {
			data, err := fsys.ReadFile(p.File)
			if err != nil {
				t.Fatalf("%s at %v: %v", what, p, err)
			}
			n = bytes.Count(data, []byte("\n")) + 1
			if lines != nil {
				n = max(n, lines(data))
			}
			counted[p.File] = n
		}
		if p.Line > n {
			t.Fatalf("%s at %v: the file has %d lines", what, p, n)
		}
	}
	for _, s := range g.Services {
		check("service "+s.Name, s.Source)
	}
	for _, e := range g.Edges {
		if e.From < 0 || e.From >= len(g.Services) || e.To < 0 || e.To >= len(g.Services) {
			t.Fatalf("edge %+v: not between two services", e)
		}
		check("edge of "+g.Services[e.From].Name, e.Pos)
	}
	for _, st := range graph.Order(g).Steps {
		if !g.Services[st.Service].Started() {
			t.Fatalf("Order lists %s, which is not started", g.Services[st.Service].Name)
		}
	}
	for _, f := range append(fs, graph.Check(g)...) {
		for _, p := range f.Sources {
			check("finding "+f.Message, p)
		}
	}
}
