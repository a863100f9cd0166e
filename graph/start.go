package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Start decides which Triggered and Pulled services start: a triggered
// service starts once every edge it Needs leads to a started service and
// each of its groups of alternatives has a started member; a pulled
// service starts unless an edge it Needs leads to one that does not;
// other services start or not as their Phase says. The ones that never start
// get Phase NotStarted and a never-starts finding that explains why with
// the whole chain, down to the first cause: a name nothing provides, a
// service that is not enabled, or a loop of services waiting for each
// other (which is also reported as a cycle). This algorithm runs in
// O(V + E) time.
func Start(g *Graph) []Finding {
	n := len(g.Services)
	needs := make([]int, n)           // edges still unmet, Any == 0
	groups := make([]map[int]bool, n) // groups of alternatives: met or not
	var queue []int
	for i := range g.Services {
		s := &g.Services[i]
		if !s.Started() {
			continue
		}
		if !s.Triggered {
			queue = append(queue, i)
		}
	}
	candidate := func(i int) bool { return g.Services[i].Triggered && g.Services[i].Started() }
	for _, e := range g.Edges {
		if !e.Needs() || !candidate(e.From) || e.From == e.To {
			continue
		}
		if e.Any == 0 {
			needs[e.From]++
		} else {
			if groups[e.From] == nil {
				groups[e.From] = map[int]bool{}
			}
			groups[e.From][e.Any] = false
		}
	}
	pendingGroups := func(i int) int {
		k := 0
		for _, met := range groups[i] {
			if !met {
				k++
			}
		}
		return k
	}
	for i := range g.Services {
		if candidate(i) && needs[i] == 0 && pendingGroups(i) == 0 {
			queue = append(queue, i)
		}
	}
	started := make([]bool, n)
	for _, i := range queue {
		started[i] = true
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, k := range g.In(u) {
			e := g.Edges[k]
			v := e.From
			if !e.Needs() || !candidate(v) || started[v] || v == u {
				continue
			}
			if e.Any == 0 {
				needs[v]--
			} else if !groups[v][e.Any] {
				groups[v][e.Any] = true
			} else {
				continue
			}
			if needs[v] == 0 && pendingGroups(v) == 0 {
				started[v] = true
				queue = append(queue, v)
			}
		}
	}
	var never []int
	for i := range g.Services {
		if candidate(i) && !started[i] {
			never = append(never, i)
		}
	}
	for _, i := range never {
		g.Services[i].Phase = NotStarted
	}
	fs := fail(g)
	c := newChains()
	for _, i := range never {
		c.resolve(g, i)
	}
	loops := c.loops(never)
	for _, i := range never {
		f, _ := c.message(g, i)
		fs = append(fs, f)
		// A loop is reported after the first message whose chain runs
		// into it.
		if e, ok := c.entry[i]; ok && len(loops) > 0 && e == loops[0][0] {
			fs = append(fs, loopFinding(g, loops[0]))
			loops = loops[1:]
		}
	}
	return fs
}

// unmet returns the edges of the first condition of i that no started
// service meets: one edge, or every edge of a group of alternatives.
func unmet(g *Graph, i int) []int {
	byGroup := map[int][]int{}
	metGroup := map[int]bool{}
	var anys []int
	for _, k := range g.Out(i) {
		e := g.Edges[k]
		if !e.Needs() || e.To == i {
			continue
		}
		if e.Any == 0 {
			if !g.Services[e.To].Started() {
				return []int{k}
			}
			continue
		}
		if _, seen := byGroup[e.Any]; !seen {
			anys = append(anys, e.Any)
		}
		byGroup[e.Any] = append(byGroup[e.Any], k)
		if g.Services[e.To].Started() {
			metGroup[e.Any] = true
		}
	}
	sort.Ints(anys)
	for _, a := range anys {
		if !metGroup[a] {
			return byGroup[a]
		}
	}
	return nil
}

func loopNames(g *Graph, loop []int) string {
	names := make([]string, 0, len(loop)+1)
	for _, v := range loop {
		names = append(names, Short(g.Services[v].Name))
	}
	return strings.Join(append(names, names[0]), " -> ")
}

// loopFinding reports services that wait for each other to start.
func loopFinding(g *Graph, loop []int) Finding {
	f := Finding{Kind: KindCycle, Severity: Error, Message: "start condition loop " + loopNames(g, loop) + ": none of them ever starts"}
	for k, v := range loop {
		f.Services = append(f.Services, g.Services[v].Name)
		next := loop[(k+1)%len(loop)]
		for _, ek := range g.Out(v) {
			if e := g.Edges[ek]; e.To == next && e.Needs() {
				f.Sources = append(f.Sources, e.Pos)
				break
			}
		}
	}
	return f
}

// fail stops every Pulled service that needs one that does not start,
// transitively, and explains each with the chain down to the first cause.
// This algorithm runs in O(V + E) time.
func fail(g *Graph) []Finding {
	cause := make([]int, len(g.Services)) // the edge through which a service failed, or -1
	var queue []int
	for i := range g.Services {
		cause[i] = -1
		if !g.Services[i].Started() {
			queue = append(queue, i)
		}
	}
	var failed []int
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, k := range g.In(u) {
			e := g.Edges[k]
			v := &g.Services[e.From]
			if !e.Needs() || e.Any != 0 || !v.Pulled || !v.Started() || e.From == u {
				continue
			}
			v.Phase = NotStarted
			cause[e.From] = k
			failed = append(failed, e.From)
			queue = append(queue, e.From)
		}
	}
	// The end of each chain (the service whose need is the first cause)
	// and its length: failed is in the order the failure spread, so what
	// a service needs is settled before it.
	end := make(map[int]int, len(failed))
	links := make(map[int]int, len(failed))
	for _, i := range failed {
		to := g.Edges[cause[i]].To
		if cause[to] < 0 {
			end[i] = i
		} else {
			end[i], links[i] = end[to], links[to]+1
		}
	}
	var fs []Finding
	for _, i := range failed {
		// The service that needs a missing or masked one directly is told
		// so by kind; the ones further up never start.
		kind := KindNeverStarts
		if k := cause[i]; k >= 0 && cause[g.Edges[k].To] < 0 {
			switch to := &g.Services[g.Edges[k].To]; {
			case to.Missing:
				kind = KindMissingDependency
			case to.Masked:
				kind = KindMasked
			}
		}
		f := Finding{Kind: kind, Severity: Error, Services: []string{g.Services[i].Name}}
		var b strings.Builder
		fmt.Fprintf(&b, "%s never starts", Short(g.Services[i].Name))
		for v, shown := i, 1; cause[v] >= 0; shown++ {
			e := g.Edges[cause[v]]
			to := &g.Services[e.To]
			fmt.Fprintf(&b, ": it needs %s %s (%s)", e.Kind, edgeTarget(g, e), e.Pos)
			f.Sources = append(f.Sources, e.Pos)
			f.Services = append(f.Services, to.Name)
			if cause[e.To] >= 0 && shown >= chainShown && links[e.To] > 2 {
				// A deep chain: skip to its end (see chainShown).
				last := end[e.To]
				fmt.Fprintf(&b, ", and %s never starts, nor do the %d units it needs in turn, down to %s, which never starts",
					Short(to.Name), links[e.To]-1, Short(g.Services[last].Name))
				f.Services = append(f.Services, g.Services[last].Name)
				v = last
				continue
			}
			if cause[e.To] < 0 {
				why := to.Note
				switch {
				case to.Away != "":
					why = to.Away
				case why == "" && to.Missing:
					why = "is not found"
				case why == "":
					why = "does not start"
				}
				fmt.Fprintf(&b, ", and %s %s", Short(to.Name), why)
				break
			}
			fmt.Fprintf(&b, ", and %s never starts", Short(to.Name))
			v = e.To
		}
		f.Message = b.String()
		fs = append(fs, f)
	}
	return fs
}
