package graph

import "fmt"

// OrderConflicts returns an order-conflict finding for every declared
// ordering between two started services of the same phase that their
// places in a sequential boot contradict (SPEC §3.1: "A requires B but
// S(A) <= S(B)"; with the same number, the link names decide, as the
// shell's glob sorts them). Edges that come from the
// numbers themselves are not checked, nor edges inside an ordering loop
// (Cycles reports those). This algorithm runs in O(V + E) time.
func OrderConflicts(g *Graph) []Finding {
	comp := make([]int, len(g.Services))
	succ, _ := orderingEdges(g)
	for c, members := range scc(len(g.Services), succ) {
		for _, v := range members {
			comp[v] = c
		}
	}
	var fs []Finding
	for _, e := range g.Edges {
		if e.Kind == Sequence {
			continue
		}
		first, then, ok := e.Ordering()
		if !ok || first == then || comp[first] == comp[then] {
			continue
		}
		a, b := &g.Services[first], &g.Services[then]
		if !a.Started() || a.Phase != b.Phase || a.Step == 0 || b.Step == 0 || a.Step < b.Step {
			continue
		}
		fs = append(fs, Finding{
			Kind:     KindOrderConflict,
			Severity: Warning,
			Services: []string{b.Name, a.Name},
			Message: fmt.Sprintf("%s %s %s, but %s does not sort after %s: a sequential boot runs them the other way round",
				Short(g.Services[e.From].Name), e.Kind, edgeTarget(g, e), linkName(b), linkName(a)),
			Sources: []Pos{e.Pos},
		})
	}
	return fs
}

func linkName(s *Service) string {
	if s.Link != "" {
		return Short(s.Link)
	}
	return Short(s.Name)
}
