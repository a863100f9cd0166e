package graph

import (
	"fmt"
	"strings"
	"testing"
)

func TestCongruent(t *testing.T) {
	base := concurrent(t, "phase rc2: a b\nb needs a")
	other := concurrent(t, "phase rc2: a b")
	more := concurrent(t, "phase rc2: a b c\nb needs a")
	tests := []struct {
		name   string
		layout string
		groups [][]string
		sides  []Side
		want   string
	}{
		{"congruent",
			"role web: a\nnode web1: web\nnode web2: web",
			[][]string{{"web1", "web2"}}, []Side{base},
			"web [web1 web2] ref web1"},
		{"the odd one first",
			"role web: a\nnode web1@x: web\nnode web2: web\nnode web3: web",
			[][]string{{"web1"}, {"web2", "web3"}}, []Side{other, base},
			"web [web1 web2 web3] ref web2: web1 (~ a before b -> concurrent)"},
		{"a tie: the first node",
			"role web: a\nnode web1@x: web\nnode web2: web",
			[][]string{{"web1"}, {"web2"}}, []Side{other, base},
			"web [web1 web2] ref web1: web2 (~ concurrent -> a before b)"},
		{"alike roots",
			"role web: a\nnode web1@x: web\nnode web2: web",
			[][]string{{"web1"}, {"web2"}}, []Side{base, concurrent(t, "phase rc2: b a\nb needs a")},
			"web [web1 web2] ref web1"},
		{"more roles",
			"role web: a\nrole cache: c\nnode web1: web\nnode web2: web cache\nnode web3: web\nnode c1: cache",
			[][]string{{"c1"}, {"web1", "web3"}, {"web2"}}, []Side{more, base, more},
			"cache [c1 web2] ref c1\nweb [web1 web2 web3] ref web1: web2 (+ 1 c)"},
		{"only the nodes asked for",
			"role web: a\nnode web1@x: web\nnode web2: web\nnode web3: web",
			[][]string{{"web1"}}, []Side{other},
			"web [web1] ref web1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			for _, c := range Congruent(layoutOf(t, tc.layout), tc.groups, tc.sides) {
				line := fmt.Sprintf("%s %v ref %s", c.Role, c.Nodes, c.Reference)
				for k, nd := range c.Differ {
					sep := ", "
					if k == 0 {
						sep = ": "
					}
					line += sep + nd.Node + " (" + strings.ReplaceAll(dump(nd.Drift), "\n", "; ") + ")"
				}
				lines = append(lines, line)
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("Congruent =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestCongruentNodes(t *testing.T) {
	g := build(t, "phase rc2: a")
	f := Finding{Kind: KindRace, Message: "m"}
	a := Side{Graph: g, Schedule: Order(g)}
	b := Side{Graph: g, Schedule: Order(g), Findings: []Finding{f}}
	cs := Congruent(layoutOf(t, "role web: a\nnode web1@x: web\nnode web2: web"), [][]string{{"web1"}, {"web2"}}, []Side{a, b})
	if len(cs) != 1 || len(cs[0].Differ) != 1 || cs[0].Differ[0].Drift.New[0].Node != "web2" {
		t.Fatalf("Congruent = %+v, want web2 with a new finding on web2", cs)
	}
	if b.Findings[0].Node != "" {
		t.Errorf("Congruent set the node of its input's findings")
	}
}
