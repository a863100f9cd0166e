package graph

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Cycle is an ordering loop among started services: Services[0] must
// start after Services[1] ... which must start after Services[0] again.
// Edges[k] is the directive that orders Services[k] and Services[k+1]
// (the last one closes the loop).
type Cycle struct {
	Services []int
	Edges    []int // indexes into Graph.Edges
}

// Cycles returns one loop for every set of started services that order
// each other in a circle (a strongly connected component), starting at
// the member whose name sorts first and following the shortest way back.
// The result is sorted by that first name. This algorithm runs in
// O(V + E) time.
func Cycles(g *Graph) []Cycle {
	succ, _ := orderingEdges(g)
	var cycles []Cycle
	for _, comp := range scc(len(g.Services), succ) {
		if len(comp) < 2 {
			continue
		}
		cycles = append(cycles, loop(g, comp))
	}
	sort.Slice(cycles, func(i, j int) bool {
		return g.Services[cycles[i].Services[0]].Name < g.Services[cycles[j].Services[0]].Name
	})
	return cycles
}

// loop finds the shortest loop through the component's first-named
// member by breadth-first search along "must start after" edges, so the
// loop reads in the direction users write dependencies.
func loop(g *Graph, comp []int32) Cycle {
	in := make(map[int]bool, len(comp))
	start := int(comp[0])
	for _, v := range comp {
		in[int(v)] = true
		if g.Services[v].Name < g.Services[start].Name {
			start = int(v)
		}
	}
	// after[v] lists (edge, w): v must start after w.
	after := make(map[int][][2]int, len(comp))
	for _, v := range comp {
		for _, k := range g.Out(int(v)) {
			first, then, ok := g.Edges[k].Ordering()
			if ok && g.Edges[k].Any == 0 && first != then && in[first] && in[then] {
				after[then] = append(after[then], [2]int{k, first})
			}
		}
	}
	for v := range after {
		sort.SliceStable(after[v], func(i, j int) bool {
			a, b := after[v][i], after[v][j]
			if na, nb := g.Services[a[1]].Name, g.Services[b[1]].Name; na != nb {
				return na < nb
			}
			return a[0] < b[0]
		})
	}
	prevEdge := map[int]int{}
	prev := map[int]int{}
	queue := []int{start}
	seen := map[int]bool{start: true}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, ew := range after[v] {
			k, w := ew[0], ew[1]
			if w == start {
				// Walk back from v to start.
				var c Cycle
				for x := v; ; x = prev[x] {
					c.Services = append(c.Services, x)
					if x == start {
						break
					}
					c.Edges = append(c.Edges, prevEdge[x])
				}
				reverse(c.Services)
				reverse(c.Edges)
				c.Edges = append(c.Edges, k)
				return c
			}
			if !seen[w] {
				seen[w] = true
				prev[w], prevEdge[w] = v, k
				queue = append(queue, w)
			}
		}
	}
	return Cycle{Services: []int{start}} // unreachable for a real component
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Finding describes the cycle: the loop by name and every directive in it.
func (c Cycle) Finding(g *Graph) Finding {
	f := Finding{Kind: KindCycle, Severity: Error}
	var b strings.Builder
	for k, v := range c.Services {
		f.Services = append(f.Services, g.Services[v].Name)
		if k < len(c.Edges) {
			e := g.Edges[c.Edges[k]]
			f.Sources = append(f.Sources, e.Pos)
			fmt.Fprintf(&b, "%s %s %s (%s); ", Short(g.Services[e.From].Name), e.Kind, edgeTarget(g, e), e.Pos)
		}
	}
	loop := append(append([]string(nil), f.Services...), f.Services[0])
	f.Message = "ordering loop " + strings.Join(loop, " -> ") + ": " + strings.TrimSuffix(b.String(), "; ")
	return f
}

// edgeTarget is what an edge's directive wrote, and the service it
// stands for when the text does not name it: "$remote_fs (mountnfs)",
// "started s1".
func edgeTarget(g *Graph, e Edge) string {
	name := g.Services[e.To].Name
	if e.Via == "" || e.Via == name {
		return Short(name)
	}
	if slices.Contains(strings.Fields(e.Via), name) || strings.HasSuffix(name, e.Via) {
		return Short(e.Via)
	}
	return Short(e.Via) + " (" + Short(name) + ")"
}
