package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Verdict is what Why finds about two services.
type Verdict int

const (
	Ordered   Verdict = iota // a chain of directives, or the phases, orders one before the other
	NoOrder                  // both start and nothing orders them either way
	NotBooted                // one of them (or both) does not start
	Same                     // both names are one service
)

func (v Verdict) String() string {
	switch v {
	case Ordered:
		return "ordered"
	case NoOrder:
		return "unordered"
	case NotBooted:
		return "not-started"
	case Same:
		return "same-service"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// Explanation says why service A starts before service B, or why not.
type Explanation struct {
	A, B    int
	Verdict Verdict
	// Ordered: First is the one that starts first (A or B) and Chain the
	// shortest chain of directives from it to the other: Edges[Chain[0]]
	// orders First before a next service, and so on to the other one.
	// With no chain, ByPhase: First's phase ends before the other's
	// starts.
	First   int
	Chain   []int
	ByPhase bool
	// NoOrder: Shared are the latest services both wait for (none of
	// them waits for another of them), by name; Race is the race finding
	// about the two, if one depends on the other.
	Shared []int
	Race   *Finding
	// NotBooted: why each of the two that does not start does not, A
	// first: its never-starts (or missing-dependency, masked,
	// cross-node) finding, or one made of what the graph says.
	Why []Finding
}

// Why explains the order of services a and b in g, after Start, given
// (two names of one service, a == b, are Same)
// the findings of the analyses fs: the shortest chain of
// ordering directives (Edge.Ordering, alternatives excluded) from one
// to the other, found by breadth-first search both ways; else the
// phases; else, when both start, what they share and whether they race;
// and why a service that does not start does not. This algorithm runs
// in O(V + E) time.
func Why(g *Graph, fs []Finding, a, b int) Explanation {
	x := Explanation{A: a, B: b, First: -1}
	if a == b {
		x.Verdict = Same
		return x
	}
	for _, i := range []int{a, b} {
		if !g.Services[i].Started() {
			x.Verdict = NotBooted
			x.Why = append(x.Why, whyNot(g, fs, i))
		}
	}
	if x.Verdict == NotBooted {
		return x
	}
	if chain := orderChain(g, a, b); chain != nil {
		x.First, x.Chain = a, chain
		return x
	}
	if chain := orderChain(g, b, a); chain != nil {
		x.First, x.Chain = b, chain
		return x
	}
	if pa, pb := g.Services[a].Phase, g.Services[b].Phase; pa != pb {
		x.First, x.ByPhase = a, true
		if pb < pa {
			x.First = b
		}
		return x
	}
	x.Verdict = NoOrder
	x.Shared = shared(g, a, b)
	for k := range fs {
		f := &fs[k]
		if f.Kind == KindRace && len(f.Services) == 2 && (f.Services[0] == g.Services[a].Name && f.Services[1] == g.Services[b].Name || f.Services[0] == g.Services[b].Name && f.Services[1] == g.Services[a].Name) {
			x.Race = f
			break
		}
	}
	return x
}

// orderingSteps calls f for every edge that orders u before another
// service (u first), with that service.
func orderingSteps(g *Graph, u int, f func(k, then int)) {
	for _, ks := range [][]int{g.Out(u), g.In(u)} {
		for _, k := range ks {
			e := g.Edges[k]
			first, then, ok := e.Ordering()
			if ok && e.Any == 0 && first == u && then != u && g.Services[then].Started() {
				f(k, then)
			}
		}
	}
}

// orderChain returns the fewest edges that order a before b, from a, or
// nil.
func orderChain(g *Graph, a, b int) []int {
	via := map[int]int{a: -1} // service -> the edge it was reached through
	queue := []int{a}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		found := false
		orderingSteps(g, u, func(k, then int) {
			if _, seen := via[then]; seen || found {
				return
			}
			via[then] = k
			if then == b {
				found = true
				return
			}
			queue = append(queue, then)
		})
		if found {
			var chain []int
			for v := b; v != a; {
				k := via[v]
				chain = append(chain, k)
				first, _, _ := g.Edges[k].Ordering()
				v = first
			}
			reverse(chain)
			return chain
		}
	}
	return nil
}

// shared returns the latest services that both a and b wait for: the
// common ancestors in the ordering that no other common ancestor waits
// for, sorted by name.
func shared(g *Graph, a, b int) []int {
	up := func(v int) map[int]bool {
		seen := map[int]bool{}
		stack := []int{v}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, ks := range [][]int{g.Out(u), g.In(u)} {
				for _, k := range ks {
					e := g.Edges[k]
					first, then, ok := e.Ordering()
					if ok && e.Any == 0 && then == u && first != u && !seen[first] && g.Services[first].Started() {
						seen[first] = true
						stack = append(stack, first)
					}
				}
			}
		}
		return seen
	}
	ua, ub := up(a), up(b)
	var out []int
	for c := range ua {
		if !ub[c] {
			continue
		}
		latest := true
		orderingSteps(g, c, func(_, then int) {
			if ua[then] && ub[then] {
				latest = false
			}
		})
		if latest {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return g.Services[out[i]].Name < g.Services[out[j]].Name })
	return out
}

// whyNot returns the finding that says why service i does not start, or
// one made of what the graph knows of it.
func whyNot(g *Graph, fs []Finding, i int) Finding {
	s := &g.Services[i]
	for _, f := range fs {
		if len(f.Services) > 0 && f.Services[0] == s.Name {
			switch f.Kind {
			case KindNeverStarts, KindMissingDependency, KindMasked, KindCrossNode:
				return f
			}
		}
	}
	f := Finding{Kind: KindNeverStarts, Severity: Info, Services: []string{s.Name}}
	if s.Source.File != "" {
		f.Sources = []Pos{s.Source}
	}
	switch {
	case s.Missing && s.Note != "":
		f.Message = s.Name + " " + s.Note
	case s.Missing:
		f.Message = s.Name + " is not defined: nothing provides it"
	case s.Away != "":
		f.Message = s.Name + " " + s.Away
	case s.Masked:
		f.Message = s.Name + " is masked"
	case strings.HasPrefix(s.Note, "is ") || strings.HasPrefix(s.Note, "has "):
		f.Message = s.Name + " is not part of this boot: it " + s.Note
	case s.Note != "":
		f.Message = s.Name + " is not part of this boot: " + s.Note
	default:
		f.Message = s.Name + " is not part of this boot: nothing enables it or pulls it in"
	}
	return f
}
