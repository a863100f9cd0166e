package graph

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func kept(g *Graph, keep []bool) string {
	var names []string
	for i, k := range keep {
		if k {
			names = append(names, g.Services[i].Name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func TestNeighbourhood(t *testing.T) {
	const chain = "phase rc2: a b c d e x\na needs b\nb needs c\nc needs d\nd needs e\nx after c"
	// A hub h that every service waits for: two steps through it would
	// be everything.
	const hub = "phase rc2: h a b c d\na needs h\nb needs h\nc needs h\nd needs c\nb needs a"
	tests := []struct {
		name, scenario, root string
		depth                int
		hubs                 string // names, with --hubs off
		want                 string
	}{
		{"depth 0", chain, "c", 0, "", "c"},
		{"depth 1 both ways", chain, "c", 1, "", "b c d x"},
		{"depth 2", chain, "c", 2, "", "a b c d e x"},
		{"unlimited", chain, "a", -1, "", "a b c d e x"},
		{"barrier costs nothing", "phase rc2: a h b c\nhidden: h\na needs h\nh needs b\nb needs c", "a", 1, "", "a b h"},
		{"isolated", "phase rc2: a b", "a", 3, "", "a"},
		{"through a hub", hub, "d", 3, "", "a b c d h"},
		{"a hub is an end", hub, "d", 3, "h", "c d h"},
		{"a hub is an end at any depth", hub, "a", -1, "h", "a b h"},
		{"a hub as the root", hub, "h", 1, "h", "a b c h"},
		{"a barrier hub is an end", "phase rc2: a h b c\nhidden: h\na needs h\nh needs b\nb needs c", "a", 1, "h", "a h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var ends []bool
			if tc.hubs != "" {
				ends = make([]bool, len(g.Services))
				for _, name := range strings.Fields(tc.hubs) {
					ends[lookup(t, g, name)] = true
				}
			}
			got := kept(g, Neighbourhood(g, []int{lookup(t, g, tc.root)}, tc.depth, ends))
			if got != tc.want {
				t.Errorf("Neighbourhood(%s, %d, hubs %q) = %s, want %s", tc.root, tc.depth, tc.hubs, got, tc.want)
			}
		})
	}
}

func TestHubs(t *testing.T) {
	g := &Graph{}
	g.Add(Service{Name: "sysinit.target", Target: true})
	g.Add(Service{Name: "system.slice"})
	g.Add(Service{Name: "(rcS done)", Hidden: true})
	g.Add(Service{Name: "ssh.service"})
	rc := g.Add(Service{Name: "rc-job"})
	g.Alias(rc, "rc")
	for _, tc := range []struct {
		patterns []string
		want     string
	}{
		{nil, "(rcS done) sysinit.target"},
		{[]string{"*.slice", "rc"}, "(rcS done) rc-job sysinit.target system.slice"},
	} {
		hubs, err := Hubs(g, tc.patterns)
		if err != nil {
			t.Fatal(err)
		}
		if got := kept(g, hubs); got != tc.want {
			t.Errorf("Hubs(%q) = %s, want %s", tc.patterns, got, tc.want)
		}
	}
	if _, err := Hubs(g, []string{"[a"}); err == nil {
		t.Errorf("Hubs([a) = nil error, want a pattern error")
	}
}

func TestChains(t *testing.T) {
	// a waits for b, b for c; x waits for c; y is before a (drawn a -> y).
	g := build(t, "phase rc2: a b c x y\na needs b\nb needs c\nx after c\ny before a")
	idx := func(names ...string) []int {
		var out []int
		for _, n := range names {
			out = append(out, lookup(t, g, n))
		}
		return out
	}
	tests := []struct {
		from, to []string
		want     string
	}{
		{[]string{"a"}, nil, "a b c y"},
		{nil, []string{"c"}, "a b c x"},
		{[]string{"a"}, []string{"c"}, "a b c"},
		{[]string{"x"}, []string{"b"}, ""},
	}
	for _, tc := range tests {
		got := kept(g, Chains(g, idx(tc.from...), idx(tc.to...)))
		if got != tc.want {
			t.Errorf("Chains(%v, %v) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	g := &Graph{}
	a := g.Add(Service{Name: "ssh.service"})
	g.Add(Service{Name: "sshd-keygen.service"})
	g.Add(Service{Name: "cron.service"})
	g.Alias(a, "sshd.service")
	for _, tc := range []struct{ pattern, want string }{
		{"ssh*", "[0 1]"},
		{"sshd.service", "[0]"},
		{"*.service", "[0 1 2]"},
		{"nothing", "[]"},
	} {
		got, err := Match(g, tc.pattern)
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("Match(%q) = %v, %v, want %s", tc.pattern, got, err, tc.want)
		}
	}
	if _, err := Match(g, "[a"); err == nil {
		t.Errorf("Match([a) = nil error")
	}
}

// redundantEdges prints the redundant edges as "from kind to" by line.
func redundantEdges(g *Graph, red []bool) string {
	var out []string
	for k, r := range red {
		if r {
			e := g.Edges[k]
			out = append(out, fmt.Sprintf("%d:%s-%s", e.Pos.Line, g.Services[e.From].Name, g.Services[e.To].Name))
		}
	}
	return strings.Join(out, " ")
}

func TestRedundant(t *testing.T) {
	tests := []struct{ name, scenario, want string }{
		{"triangle", "phase rc2: a b c\na needs b\nb needs c\na needs c", "4:a-c"},
		{"long way round", "phase rc2: a b c d e\na needs b\nb needs c\nc needs d\na needs d\na after e\ne needs d", "5:a-d"},
		{"said twice", "phase rc2: a b\na needs b\na after b", "3:a-b"},
		{"before counts as after", "phase rc2: a b c\na needs b\nc before b\na needs c", "4:a-c"},
		{"diamond stays", "phase rc2: a b c d\na needs b\na needs c\nb needs d\nc needs d", ""},
		{"loop stays", "phase rc2: a b c\na needs b\nb needs a\nc needs a\nc needs b", "5:c-b"},
		{"alternatives stay", "phase rc2: a b c\na or1 b\na or1 c\nb needs c", ""},
		{"not started stays", "phase rc2: a b\noff: c\na needs b\nb needs c\na needs c", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			if got := redundantEdges(g, Redundant(g)); got != tc.want {
				t.Errorf("Redundant(%q) = %q, want %q", tc.scenario, got, tc.want)
			}
		})
	}
}

// TestRedundantMatchesClosure checks Redundant against the definition
// on random graphs: an ordering edge is redundant when the order holds
// without it (or an earlier edge says the same).
func TestRedundantMatchesClosure(t *testing.T) {
	g := synthetic(300)
	red := Redundant(g)
	n := len(g.Services)
	// reach[v]: what v starts after, through the edges that stay.
	after := make([][]int, n)
	for k, e := range g.Edges {
		if first, then, ok := orders(g, e); ok && !red[k] {
			after[then] = append(after[then], first)
		}
	}
	// Services of synthetic(n) only wait for lower indexes: closure in index order.
	reach := make([]map[int]bool, n)
	for v := 0; v < n; v++ {
		reach[v] = map[int]bool{}
		for _, u := range after[v] {
			reach[v][u] = true
			for w := range reach[u] {
				reach[v][w] = true
			}
		}
	}
	for k, e := range g.Edges {
		first, then, ok := orders(g, e)
		if !ok {
			continue
		}
		if !reach[then][first] {
			t.Fatalf("edge %d %s -> %s dropped, but the order no longer holds", k, g.Services[then].Name, g.Services[first].Name)
		}
		if red[k] {
			continue
		}
		// A kept edge must not be implied by the other kept ones.
		for _, u := range after[then] {
			if u != first && reach[u][first] {
				t.Fatalf("edge %d %s -> %s kept, but %s implies it", k, g.Services[then].Name, g.Services[first].Name, g.Services[u].Name)
			}
		}
	}
}
