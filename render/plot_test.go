package render

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
)

func TestPlotGolden(t *testing.T) {
	var first bytes.Buffer
	if err := Plot(&first, []Drawing{kindsBoot(t)}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/plot/kinds.svg", first.Bytes())
	var again bytes.Buffer
	Plot(&again, []Drawing{kindsBoot(t)})
	if !bytes.Equal(again.Bytes(), first.Bytes()) {
		t.Fatalf("Plot differs between runs")
	}
	wellFormed(t, first.Bytes())
	// A row's tooltip says what the service waits for, with file:line.
	if !strings.Contains(first.String(), "requires.service (src/requires.service), wave 3\nwaits for:\n  requires.service Requires=after.service (src/requires:3)") {
		t.Errorf("Plot: no tooltip of what requires.service waits for:\n%s", first.String())
	}
}

// hostileNames are service names a hostile root can have: markup,
// quotes, control bytes, bytes that are not UTF-8, and a right-to-left
// override that would show "ecivres.exe" as "exe.service".
var hostileNames = []string{
	`<script>alert(1)</script>`,
	`"quoted" 'single' & amp`,
	"ctl\x01\x1b[2J\x7f.service",
	"bad\xff\xfeutf8.service",
	"rlo\u202eecivres.exe",
	"</svg><img src=x onerror=alert(1)>",
	"line\u2028sep</script><!--",
}

// hostileBoot is a boot of services with hostile names, each after the
// one before, the last never starting because of a missing one.
func hostileBoot() Drawing {
	g := &graph.Graph{Phases: []string{"boot"}}
	for k, n := range hostileNames {
		i := g.Add(graph.Service{Name: n, Init: "systemd", Source: graph.Pos{File: "lib/systemd/system/" + n}})
		if k > 0 {
			g.AddEdge(graph.Edge{From: i, To: i - 1, Kind: graph.SystemdAfter, Pos: graph.Pos{File: "lib/systemd/system/" + n, Line: 3}})
		}
	}
	gone := g.Add(graph.Service{Name: "gone<b>\u202e", Phase: graph.NotStarted, Missing: true})
	g.AddEdge(graph.Edge{From: 0, To: gone, Kind: graph.Requires})
	fs := []graph.Finding{{Kind: graph.KindMissingDependency, Severity: graph.Error, Services: []string{hostileNames[0], "gone<b>\u202e"},
		Message: hostileNames[0] + " Requires gone<b>\u202e: not found"}}
	return Drawing{Boot: Boot{Init: "systemd", Goal: "x<y>", Graph: g, Schedule: graph.Order(g)}, Findings: fs}
}

// wellFormed fails unless data is well-formed XML.
func wellFormed(t *testing.T, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, data)
		}
	}
}

// TestPlotHostile checks that hostile names come out as text: the SVG
// is well-formed XML, has no element but its own, and shows control
// bytes and the right-to-left override escaped.
func TestPlotHostile(t *testing.T) {
	var out bytes.Buffer
	if err := Plot(&out, []Drawing{hostileBoot()}); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, out.Bytes())
	s := out.String()
	for _, bad := range []string{"<script", "<img", "\u202e", "\x01", "\x1b", "\xff", "\u2028", "<!--"} {
		if strings.Contains(s, bad) {
			t.Errorf("Plot output contains %q", bad)
		}
	}
	for _, want := range []string{`&lt;script&gt;alert(1)&lt;/script&gt;`, `rlo\u202eecivres.exe`, `ctl\x01\x1b[2J\x7f.service`, `bad\xff\xfeutf8.service`} {
		if !strings.Contains(s, want) {
			t.Errorf("Plot output lacks %s", want)
		}
	}
}
