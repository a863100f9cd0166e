package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

// TestWhyHostileNames: the text of why escapes the names, directives and
// messages it quotes, as ls does: a name with a newline and an ESC cannot
// forge a line or reach the terminal.
func TestWhyHostileNames(t *testing.T) {
	evil := "evil\x1b[2J\nS01 forged"
	g := &graph.Graph{Phases: []string{"rc2"}}
	a := g.Add(graph.Service{Name: evil, Init: "sysv"})
	b := g.Add(graph.Service{Name: "base\u202e", Init: "sysv"})
	c := g.Add(graph.Service{Name: "other", Init: "sysv"})
	gone := g.Add(graph.Service{Name: "gone\x07", Init: "sysv", Phase: graph.NotStarted, Missing: true})
	g.AddEdge(graph.Edge{From: a, To: b, Kind: graph.RequiredStart, Pos: graph.Pos{File: "etc/init.d/" + evil, Line: 4}})
	g.AddEdge(graph.Edge{From: gone, To: b, Kind: graph.RequiredStart})
	fs := graph.Check(g)
	boot := Boot{Init: "sysv", Graph: g, Schedule: graph.Order(g)}
	for _, tc := range []struct {
		a, b int
		want string
	}{
		{b, a, `evil\x1b[2J\x0aS01 forged Required-Start base\u202e (etc/init.d/evil\x1b[2J\x0aS01 forged:4)`},
		{a, c, `evil\x1b[2J\x0aS01 forged and other are not ordered`},
		{gone, a, `gone\x07 is not defined`},
	} {
		var out bytes.Buffer
		if err := Why(&out, "text", boot, graph.Why(g, fs, tc.a, tc.b)); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if strings.ContainsAny(text, "\x1b\x07\u202e") || strings.Contains(text, "\nS01 forged") {
			t.Errorf("Why(%d, %d) printed what it should have escaped:\n%q", tc.a, tc.b, text)
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("Why(%d, %d) = %q, want it to contain %q", tc.a, tc.b, text, tc.want)
		}
	}
}
