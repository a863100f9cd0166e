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
// Reachability comes from one Reach index, so that the cost stays
// near-linear in services and edges, also on wide fan-ins and deep chains.
func Races(g *Graph) []Finding {
	r := NewReach(g)
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
		if r.Ordered(e.To, e.From) || r.Ordered(e.From, e.To) || throughSocket(g, r, e.From, e.To) {
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
func throughSocket(g *Graph, r *Reach, a, b int) bool {
	for _, k := range g.In(b) {
		if e := g.Edges[k]; e.Kind == Activates && g.Services[e.From].Started() && r.Ordered(e.From, a) {
			return true
		}
	}
	return false
}
