package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

func testBoot() Boot {
	g := &graph.Graph{Phases: []string{"rc2"}}
	a := g.Add(graph.Service{Name: "a", Init: "sysv", Source: graph.Pos{File: "etc/init.d/a", Line: 2}, Link: "etc/rc2.d/S01a", Alone: true})
	b := g.Add(graph.Service{Name: "b", Init: "sysv", Source: graph.Pos{File: "etc/init.d/b"}, Note: "no LSB header"})
	g.Alias(a, "zz")
	g.Alias(a, "aa")
	g.AddEdge(graph.Edge{From: b, To: a, Kind: graph.RequiredStart})
	return Boot{Init: "sysv", Goal: "runlevel 2", Graph: g, Schedule: graph.Order(g)}
}

func TestLS(t *testing.T) {
	tests := []struct {
		name, format string
		o            Options
		want         string
	}{
		{"text", "text", Options{}, "S01 a\nS02 b\n"},
		{"long", "text", Options{Long: true}, "S01  a  sysv  etc/rc2.d/S01a -> etc/init.d/a  starts alone (interactive)\nS02  b  sysv  etc/init.d/b                    no LSB header\n"},
		{"json", "json", Options{}, `"aliases": [
        "aa",
        "zz"
      ]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var first bytes.Buffer
			if err := LS(&first, tc.format, testBoot(), tc.o); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(first.String(), tc.want) {
				t.Errorf("LS(%s) =\n%s\nwant it to contain\n%s", tc.format, first.String(), tc.want)
			}
			// Deterministic: the same bytes every time.
			for i := 0; i < 5; i++ {
				var again bytes.Buffer
				LS(&again, tc.format, testBoot(), tc.o)
				if again.String() != first.String() {
					t.Fatalf("LS(%s) differs between runs:\n%s\n%s", tc.format, first.String(), again.String())
				}
			}
		})
	}
	if err := LS(&bytes.Buffer{}, "yaml", testBoot(), Options{}); err == nil {
		t.Errorf("LS(yaml) = nil error")
	}
}

func TestLSThreeDigits(t *testing.T) {
	g := &graph.Graph{Phases: []string{"rc2"}}
	for i := 0; i < 120; i++ {
		g.Add(graph.Service{Name: string(rune('a'+i/26)) + string(rune('a'+i%26))})
		if i > 0 {
			g.AddEdge(graph.Edge{From: i, To: i - 1, Kind: graph.RequiredStart})
		}
	}
	var out bytes.Buffer
	LS(&out, "text", Boot{Graph: g, Schedule: graph.Order(g)}, Options{})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "S001 aa" || lines[119] != "S120 ep" {
		t.Errorf("120 waves: first %q last %q, want S001 aa and S120 ep", lines[0], lines[119])
	}
}

func TestFindings(t *testing.T) {
	fs := []graph.Finding{
		{Kind: graph.KindCycle, Severity: graph.Error, Services: []string{"a", "b"}, Message: "loop", Sources: []graph.Pos{{File: "etc/init.d/a", Line: 3}}},
		{Kind: graph.KindNoHeader, Severity: graph.Info, Services: []string{"c"}, Message: "no header"},
	}
	var plain, color, js bytes.Buffer
	Findings(&plain, "text", fs, Options{})
	Findings(&color, "text", fs, Options{Color: true})
	Findings(&js, "json", fs, Options{})
	if want := "etc/init.d/a:3: error: cycle: loop\ninfo: no-header: no header\n"; plain.String() != want {
		t.Errorf("Findings(text) = %q, want %q", plain.String(), want)
	}
	if !strings.Contains(color.String(), "\x1b[31merror\x1b[0m: cycle") || strings.Contains(plain.String(), "\x1b") {
		t.Errorf("colour: %q (and plain %q)", color.String(), plain.String())
	}
	for _, want := range []string{`"kind": "cycle"`, `"severity": "info"`, `"sources": []`, `"line": 3`, `"node": ""`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("Findings(json) lacks %s:\n%s", want, js.String())
		}
	}
	if got := Summary(fs); got != "1 error, 0 warnings, 1 info" {
		t.Errorf("Summary = %q", got)
	}
}
