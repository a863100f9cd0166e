package graph

import (
	"fmt"
	"slices"
	"strings"
)

// Races returns a race finding for every pair of started services of one
// phase where the first depends on the second but nothing guarantees
// which starts first (SPEC §4): the dependency is one alternative of
// several (upstart "start on started a or started b": the job may start
// after b, before a), or a directive that does not order (systemd
// Wants=, Requires= ...), and no chain of ordering edges that bind alone
// orders the two either way, nor the first after a socket that activates
// the second, nor when every other alternative of its group comes only
// after the first has started (it is then the one way in). The message names the service that may start too early:
// the one that waits (for upstart's "start on starting J", J, which the
// job is meant to run before). A group of alternatives that is one event
// several services emit (one match, one place) is said so, not as an
// "or" nobody wrote.
//
// Reachability comes from one Reach index, so that the cost stays
// near-linear in services and edges, also on wide fan-ins and deep chains.
func Races(g *Graph) []Finding {
	r := NewReach(g)
	groups := alternativeGroups(g)
	type race struct {
		edge int // its index in g.Edges: races are told in edge order
		f    Finding
	}
	var found []race
	// The first edge of each pair of services is the one looked at: the
	// edges of each service in order, and seen[to] is from+1 once the
	// pair is.
	seen := make([]int, len(g.Services))
	for from := range g.Services {
		a := &g.Services[from]
		if !a.Started() || a.Hidden || a.Target {
			continue
		}
		for _, k := range g.Out(from) {
			e := g.Edges[k]
			if e.Any == 0 && !e.Kind.Depends() || e.Soft && e.Any != 0 {
				continue // an order alone, or one that only places a service (Soft)
			}
			b := &g.Services[e.To]
			if e.From == e.To || !b.Started() || b.Hidden || a.Phase != b.Phase || seen[e.To] == from+1 {
				continue
			}
			seen[e.To] = from + 1
			if f, ok := race1(g, r, groups, e); ok {
				found = append(found, race{k, f})
			}
		}
	}
	slices.SortFunc(found, func(x, y race) int { return x.edge - y.edge })
	fs := make([]Finding, len(found))
	for i, x := range found {
		fs[i] = x.f
	}
	return fs
}

// race1 is the race finding of the edge e, the first of its pair of
// services, if nothing orders them.
func race1(g *Graph, r *Reach, groups map[[2]int]*altGroup, e Edge) (Finding, bool) {
	a, b := &g.Services[e.From], &g.Services[e.To]
	if r.Ordered(e.To, e.From) || r.Ordered(e.From, e.To) || throughSocket(g, r, e.From, e.To) {
		return Finding{}, false
	}
	if e.Any != 0 && onlyFirst(g, r, groups[[2]int{e.From, e.Any}], e) {
		return Finding{}, false
	}
	why := "nothing orders them"
	if e.Any != 0 {
		why = "it is one of several alternatives, so nothing orders them"
		if gr := groups[[2]int{e.From, e.Any}]; gr != nil && gr.oneMatch && len(gr.edges) > 1 {
			// One event several jobs emit: no "or" was written.
			var to []int
			for _, f := range gr.edges {
				to = append(to, f.To)
			}
			why = fmt.Sprintf("%s has %d emitters (%s) and the first will do, so nothing orders them", Short(e.Via), len(to), strings.Join(sortedNames(g, to), ", "))
		}
	}
	// The one that may start too early: the service meant to wait
	// (for "start on starting J", J, which the job is meant to run
	// before).
	first := Short(a.Name)
	if _, then, ok := e.Ordering(); ok {
		first = Short(g.Services[then].Name)
	}
	return Finding{
		Kind: KindRace, Severity: Warning, Services: []string{a.Name, b.Name},
		Message: fmt.Sprintf("%s %s %s, but %s: %s may start first", Short(a.Name), e.Kind, edgeTarget(g, e), why, first),
		Sources: []Pos{e.Pos},
	}, true
}

// altGroup is a group of alternatives of one service: where its edges
// lead, and whether they all come from one event match (one Via at one
// Pos: an event that several services emit, not an "or").
type altGroup struct {
	edges    []Edge
	oneMatch bool
}

// onlyFirst reports whether e is the one alternative of its group that
// can come first: every other one that starts comes only after e.From
// has started (raspbmc's portmap, which portmap-wait also starts, but
// only after what waits for portmap).
func onlyFirst(g *Graph, r *Reach, gr *altGroup, e Edge) bool {
	if gr == nil {
		return false
	}
	for _, f := range gr.edges {
		switch {
		case f.To == e.To || !g.Services[f.To].Started():
		case f.Kind.Direction() != After || !r.Ordered(e.From, f.To):
			// A starting event comes as its job starts, whatever waits.
			return false
		}
	}
	return true
}

// alternativeGroups returns the groups of alternatives of g by service
// and group number. This algorithm runs in O(E) time.
func alternativeGroups(g *Graph) map[[2]int]*altGroup {
	groups := map[[2]int]*altGroup{}
	first := map[[2]int]Edge{}
	for _, e := range g.Edges {
		if e.Any == 0 {
			continue
		}
		k := [2]int{e.From, e.Any}
		gr := groups[k]
		if gr == nil {
			gr = &altGroup{oneMatch: true}
			groups[k], first[k] = gr, e
		} else if f := first[k]; f.Via != e.Via || f.Pos != e.Pos || f.Kind != e.Kind {
			gr.oneMatch = false
		}
		gr.edges = append(gr.edges, e)
	}
	return groups
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
