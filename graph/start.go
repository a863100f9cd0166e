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
	loops := map[string]bool{}
	for _, i := range never {
		f, loop := neverStarts(g, i)
		fs = append(fs, f)
		if loop != nil {
			key := strings.Join(sortedNames(g, loop), " ")
			if !loops[key] {
				loops[key] = true
				fs = append(fs, loopFinding(g, loop))
			}
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

// neverStarts explains why triggered service i never starts, following
// the first unmet condition from service to service. It returns the loop
// when the chain comes back to a service it passed.
func neverStarts(g *Graph, i int) (Finding, []int) {
	f := Finding{Kind: KindNeverStarts, Severity: Error, Services: []string{g.Services[i].Name}}
	var b strings.Builder
	fmt.Fprintf(&b, "%s never starts: ", g.Services[i].Name)
	seen := map[int]int{i: 0}
	path := []int{i}
	for v := i; ; {
		ks := unmet(g, v)
		if len(ks) == 0 {
			b.WriteString("its condition is never met")
			break
		}
		var alts []string
		for _, k := range ks {
			e := g.Edges[k]
			alts = append(alts, fmt.Sprintf("%s %s (%s)", e.Kind, edgeTarget(g, e), e.Pos))
			f.Sources = append(f.Sources, e.Pos)
		}
		b.WriteString("it waits for " + strings.Join(alts, " or "))
		// Follow the first alternative that is itself explainable.
		next := g.Edges[ks[0]].To
		to := &g.Services[next]
		f.Services = append(f.Services, to.Name)
		switch {
		case to.Away != "":
			fmt.Fprintf(&b, ", and %s %s", to.Name, to.Away)
			return finish(f, &b), nil
		case to.Missing && to.Note != "":
			fmt.Fprintf(&b, ", and %s %s", to.Name, to.Note)
			return finish(f, &b), nil
		case to.Missing:
			fmt.Fprintf(&b, ", and nothing provides %s", to.Name)
			return finish(f, &b), nil
		case !to.Triggered:
			why := "is not enabled"
			if to.Note != "" {
				why = to.Note
			}
			fmt.Fprintf(&b, ", and %s %s", to.Name, why)
			return finish(f, &b), nil
		}
		if at, ok := seen[next]; ok {
			loop := append([]int(nil), path[at:]...)
			fmt.Fprintf(&b, ", which waits for itself through %s", loopNames(g, loop))
			return finish(f, &b), loop
		}
		seen[next] = len(path)
		path = append(path, next)
		fmt.Fprintf(&b, ", and %s never starts: ", to.Name)
		v = next
	}
	return finish(f, &b), nil
}

func finish(f Finding, b *strings.Builder) Finding {
	f.Message = b.String()
	return f
}

func loopNames(g *Graph, loop []int) string {
	names := make([]string, 0, len(loop)+1)
	for _, v := range loop {
		names = append(names, g.Services[v].Name)
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
		fmt.Fprintf(&b, "%s never starts", g.Services[i].Name)
		for v := i; cause[v] >= 0; {
			e := g.Edges[cause[v]]
			to := &g.Services[e.To]
			fmt.Fprintf(&b, ": it needs %s %s (%s)", e.Kind, edgeTarget(g, e), e.Pos)
			f.Sources = append(f.Sources, e.Pos)
			f.Services = append(f.Services, to.Name)
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
				fmt.Fprintf(&b, ", and %s %s", to.Name, why)
				break
			}
			fmt.Fprintf(&b, ", and %s never starts", to.Name)
			v = e.To
		}
		f.Message = b.String()
		fs = append(fs, f)
	}
	return fs
}
