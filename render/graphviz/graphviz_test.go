package graphviz

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
)

const small = `digraph initorder {
	rankdir=BT;
	"b" -> "a" [color="green", tooltip="b After=a (x:1)"];
	"c" [shape=record, label="{ c | ENOENT }"];
	"b" -> "c";
}
`

func TestSVG(t *testing.T) {
	var out bytes.Buffer
	if err := SVG(&out, []byte(small)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"<svg", "<title>a</title>", "<title>b&#45;&gt;a</title>", `stroke="green"`, "ENOENT", `xlink:title="b After=a (x:1)"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
	var again bytes.Buffer
	SVG(&again, []byte(small))
	if again.String() != s {
		t.Errorf("SVG differs between runs")
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := JSON(&out, []byte(small)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BB      string `json:"bb"`
		Objects []struct {
			Name string           `json:"name"`
			Draw []map[string]any `json:"_draw_"`
		} `json:"objects"`
		Edges []map[string]any `json:"edges"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.BB == "" || len(doc.Objects) != 3 || len(doc.Edges) != 2 || len(doc.Objects[0].Draw) == 0 {
		t.Errorf("JSON = bb %q, %d objects, %d edges:\n%s", doc.BB, len(doc.Objects), len(doc.Edges), out.String())
	}
}

func TestBadDOT(t *testing.T) {
	for _, in := range []string{"", "digraph {", "not dot at all"} {
		if err := SVG(&bytes.Buffer{}, []byte(in)); err == nil {
			t.Errorf("SVG(%q) = nil error", in)
		}
	}
}

// TestOddNames lays out the DOT of services whose names DOT and record
// labels give a meaning to: quotes, backslashes (systemd's \x2d escapes),
// braces, bars, angle brackets, blanks; a missing one is a record.
func TestOddNames(t *testing.T) {
	g := &graph.Graph{Phases: []string{"boot"}}
	names := []string{`dev-disk-by\x2duuid.device`, `a"quoted".service`, `{b|c}<d>`, `with blank`, `ünïcode`}
	for _, n := range names {
		g.Add(graph.Service{Name: n, Init: "systemd"})
	}
	gone := g.Add(graph.Service{Name: `gone|{x}`, Phase: graph.NotStarted, Missing: true})
	for i := 1; i < len(names); i++ {
		g.AddEdge(graph.Edge{From: i, To: i - 1, Kind: graph.SystemdAfter})
	}
	g.AddEdge(graph.Edge{From: 0, To: gone, Kind: graph.Requires})
	// The record is drawn where a finding says the name is missing.
	missing := graph.Finding{Kind: graph.KindMissingDependency, Severity: graph.Error, Services: []string{names[0], `gone|{x}`}}
	d := render.Drawing{Boot: render.Boot{Graph: g, Schedule: graph.Order(g)}, Findings: []graph.Finding{missing}}
	var dot, out bytes.Buffer
	if err := render.DOT(&dot, []render.Drawing{d}); err != nil {
		t.Fatal(err)
	}
	if err := SVG(&out, dot.Bytes()); err != nil {
		t.Fatalf("SVG: %v\n%s", err, dot.String())
	}
	for _, want := range []string{`dev&#45;disk&#45;by\x2duuid.device`, `a&quot;quoted&quot;.service`, `with blank`, `ünïcode`, `ENOENT`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("SVG lacks %s:\n%s\n%s", want, dot.String(), out.String())
		}
	}
}

// TestTooBig: a graph of more than MaxNodes nodes, or more than MaxEdges
// edges, is refused before its layout, with its size.
func TestTooBig(t *testing.T) {
	var nodes, edges strings.Builder
	nodes.WriteString("digraph {\n")
	edges.WriteString("digraph {\n")
	for i := range MaxNodes + 1 {
		fmt.Fprintf(&nodes, "\tn%d;\n", i)
	}
	for i := range MaxEdges + 1 {
		fmt.Fprintf(&edges, "\tn%d -> n%d;\n", i%100, i%100+1)
	}
	nodes.WriteString("}\n")
	edges.WriteString("}\n")
	for _, tc := range []struct {
		dot          string
		nodes, edges int
	}{
		{nodes.String(), MaxNodes + 1, 0},
		{edges.String(), 101, MaxEdges + 1},
	} {
		var out bytes.Buffer
		err := SVG(&out, []byte(tc.dot))
		var big *TooBigError
		if !errors.As(err, &big) || big.Nodes != tc.nodes || big.Edges != tc.edges || out.Len() != 0 {
			t.Errorf("SVG of %d nodes, %d edges: %v (%d bytes written), want a TooBigError", tc.nodes, tc.edges, err, out.Len())
		}
	}
}

// TestHostileNamesXML draws services whose names a hostile root chose
// (control characters, C1, invalid UTF-8, a bidirectional override,
// character references): the SVG is well-formed XML, which encoding/xml
// reads to the end (it refuses control characters and references to
// them, as expat does), and the JSON layout the PNG is drawn from is
// valid JSON.
func TestHostileNamesXML(t *testing.T) {
	g := &graph.Graph{Phases: []string{"boot"}}
	names := []string{"evil\x1b[2J\x1b]0;PWNED\x07\nS01 forged", "cr\rc1\u0085x", "bad\xff\xfe", "rlo\u202etxt", "amp&#27;x", "hex&#x1b;y", "lt&lt;z"}
	for _, n := range names {
		g.Add(graph.Service{Name: n, Init: "sysv", Note: n})
	}
	d := render.Drawing{Boot: render.Boot{Graph: g, Schedule: graph.Order(g)}}
	var dot, out, layout bytes.Buffer
	if err := render.DOT(&dot, []render.Drawing{d}); err != nil {
		t.Fatal(err)
	}
	if err := SVG(&out, dot.Bytes()); err != nil {
		t.Fatalf("SVG: %v\n%s", err, dot.String())
	}
	dec := xml.NewDecoder(bytes.NewReader(out.Bytes()))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, out.String())
		}
	}
	if err := JSON(&layout, dot.Bytes()); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(layout.Bytes()) {
		t.Errorf("the JSON layout is not valid JSON:\n%s", layout.String())
	}
}
