package graph

import "fmt"

// Races returns a race finding for every pair of started services of one
// phase where the first depends on the second but nothing guarantees
// which starts first (SPEC §4): the dependency is one alternative of
// several (upstart "start on started a or started b": the job may start
// after b, before a), or a directive that does not order (systemd
// Wants=, Requires= ...), and no chain of ordering edges that bind alone
// orders the two either way, nor the first after a socket that activates
// the second.
//
// Each query searches back from the dependent only through services of
// a higher wave than the dependency (an ordering chain climbs waves), so
// the cost stays near-linear on real graphs.
func Races(g *Graph, s Schedule) []Finding {
	wave := make([]int, len(g.Services))
	for _, st := range s.Steps {
		wave[st.Service] = st.Wave
	}
	succ, _ := orderingEdges(g)
	pred := make([][]int32, len(g.Services))
	for v, ws := range succ {
		for _, w := range ws {
			pred[w] = append(pred[w], int32(v))
		}
	}
	var fs []Finding
	seen := map[[2]int]bool{}
	for _, e := range g.Edges {
		if e.Any == 0 && !e.Kind.Depends() {
			continue
		}
		a, b := &g.Services[e.From], &g.Services[e.To]
		if e.From == e.To || !a.Started() || !b.Started() || a.Hidden || b.Hidden || a.Target || a.Phase != b.Phase || seen[[2]int{e.From, e.To}] {
			continue
		}
		seen[[2]int{e.From, e.To}] = true
		if orderedAfter(pred, wave, e.From, e.To) || orderedAfter(pred, wave, e.To, e.From) || throughSocket(g, pred, wave, e.From, e.To) {
			continue
		}
		why := "nothing orders them"
		if e.Any != 0 {
			why = "it is one of several alternatives, so nothing orders them"
		}
		fs = append(fs, Finding{
			Kind: KindRace, Severity: Warning, Services: []string{a.Name, b.Name},
			Message: fmt.Sprintf("%s %s %s, but %s: %s may start first", a.Name, e.Kind, edgeTarget(g, e), why, a.Name),
			Sources: []Pos{e.Pos},
		})
	}
	return fs
}

// throughSocket reports whether a starts after a socket that activates
// b: a reaches b through the socket, which holds a's connection until b
// runs (systemd-udev-trigger.service wants systemd-udevd.service and is
// ordered after its sockets only).
func throughSocket(g *Graph, pred [][]int32, wave []int, a, b int) bool {
	for _, k := range g.In(b) {
		if e := g.Edges[k]; e.Kind == Activates && g.Services[e.From].Started() && orderedAfter(pred, wave, a, e.From) {
			return true
		}
	}
	return false
}

// orderedAfter reports whether a chain of binding ordering edges makes v
// start after u.
func orderedAfter(pred [][]int32, wave []int, v, u int) bool {
	if wave[v] <= wave[u] {
		return false
	}
	stack := []int32{int32(v)}
	seen := map[int32]bool{int32(v): true}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range pred[x] {
			if int(p) == u {
				return true
			}
			if !seen[p] && wave[p] > wave[u] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return false
}
