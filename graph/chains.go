package graph

import (
	"fmt"
	"strings"
)

// chainShown is how many links of a never-starts chain a message spells
// out before it skips to the end of the chain: a 10,000-deep chain would
// otherwise make 10,000 messages of up to 10,000 links each, quadratic
// in time and memory. Each service of the chain has a finding of its
// own, so the links skipped are told there.
const chainShown = 8

// chains holds, for the triggered services that never start, the chain
// of first unmet conditions that their messages follow, each link
// resolved once for all of them: O(V + E) time. Each such service waits for at most one
// next one, so the chains form a functional graph: a chain ends at a
// first cause (a missing name, a service not enabled ...) or runs into
// a loop of services waiting for each other.
type chains struct {
	unmet  map[int][]int // service -> the edges of its first unmet condition
	next   map[int]int   // service -> the next one on its chain; absent at the end
	end    map[int]int   // service -> the last service of its chain, whose condition is the first cause
	links  map[int]int   // service -> links to its end, or to the first service of its loop
	entry  map[int]int   // service -> the first service of the loop its chain runs into
	onLoop map[int]bool
	state  map[int]int8 // 0: not resolved, 1: on the walk being resolved, 2: resolved
}

func newChains() *chains {
	return &chains{unmet: map[int][]int{}, next: map[int]int{}, end: map[int]int{}, links: map[int]int{},
		entry: map[int]int{}, onLoop: map[int]bool{}, state: map[int]int8{}}
}

// step finds v's first unmet condition and the next service of its chain.
func (c *chains) step(g *Graph, v int) {
	if _, ok := c.unmet[v]; ok {
		return
	}
	ks := unmet(g, v)
	c.unmet[v] = ks
	if len(ks) == 0 {
		return
	}
	to := &g.Services[g.Edges[ks[0]].To]
	if to.Away == "" && !to.Missing && to.Triggered {
		c.next[v] = g.Edges[ks[0]].To
	}
}

// resolve resolves v's chain and those it passes through, each once.
func (c *chains) resolve(g *Graph, v int) {
	const (
		walking = 1
		done    = 2
	)
	var path []int
	x, more := v, true
	for more && c.state[x] == 0 {
		c.state[x] = walking
		path = append(path, x)
		c.step(g, x)
		x, more = c.next[x]
	}
	if more && c.state[x] == walking { // a loop: from x to the end of path
		at := len(path) - 1
		for path[at] != x {
			at--
		}
		for _, m := range path[at:] {
			c.onLoop[m], c.entry[m], c.links[m], c.state[m] = true, m, len(path)-at, done
		}
		path = path[:at]
	}
	for k := len(path) - 1; k >= 0; k-- {
		p := path[k]
		c.state[p] = done
		n, ok := c.next[p]
		switch {
		case !ok:
			c.end[p] = p
		case c.onLoop[n]:
			c.entry[p], c.links[p] = n, 1
		default:
			if e, ok := c.entry[n]; ok {
				c.entry[p] = e
			} else {
				c.end[p] = c.end[n]
			}
			c.links[p] = c.links[n] + 1
		}
	}
}

// neverStarts explains why triggered service i, which does not start,
// never starts, with the chain down to the first cause.
func neverStarts(g *Graph, i int) (Finding, []int) {
	c := newChains()
	c.resolve(g, i)
	return c.message(g, i)
}

// maxAlternatives is how many of the alternatives a service waits for a
// message names: a start on of 10,000 events or-ed names 8, and counts
// the rest.
const maxAlternatives = 8

// message explains why triggered service i never starts, following the
// first unmet condition from service to service, chainShown links at
// most before it skips to the end of the chain. It returns the loop when
// the chain comes back to a service it passed.
func (c *chains) message(g *Graph, i int) (Finding, []int) {
	f := Finding{Kind: KindNeverStarts, Severity: Error, Services: []string{g.Services[i].Name}}
	var b strings.Builder
	fmt.Fprintf(&b, "%s never starts: ", Short(g.Services[i].Name))
	seen := map[int]int{i: 0}
	path := []int{i}
	for v, shown := i, 1; ; shown++ {
		ks := c.unmet[v]
		if len(ks) == 0 {
			b.WriteString("its condition is never met")
			break
		}
		var alts []string
		for n, k := range ks {
			if n == maxAlternatives {
				alts = append(alts, fmt.Sprintf("%d more", len(ks)-n))
				break
			}
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
			fmt.Fprintf(&b, ", and %s %s", Short(to.Name), to.Away)
			return finish(f, &b), nil
		case to.Missing && to.Note != "":
			fmt.Fprintf(&b, ", and %s %s", Short(to.Name), to.Note)
			return finish(f, &b), nil
		case to.Missing:
			fmt.Fprintf(&b, ", and nothing provides %s", Short(to.Name))
			return finish(f, &b), nil
		case !to.Triggered:
			why := "is not enabled"
			if to.Note != "" {
				why = to.Note
			}
			fmt.Fprintf(&b, ", and %s %s", Short(to.Name), why)
			return finish(f, &b), nil
		}
		if at, ok := seen[next]; ok {
			loop := append([]int(nil), path[at:]...)
			fmt.Fprintf(&b, ", which waits for itself through %s", loopNames(g, loop))
			return finish(f, &b), loop
		}
		seen[next] = len(path)
		path = append(path, next)
		if shown >= chainShown && c.links[next] > 2 {
			if e, ok := c.entry[next]; ok {
				fmt.Fprintf(&b, ", and %s never starts, nor do the %d services it waits for in turn, which run into the start condition loop of %s",
					Short(to.Name), c.links[next]-1, Short(g.Services[e].Name))
				return finish(f, &b), nil
			}
			end := c.end[next]
			fmt.Fprintf(&b, ", and %s never starts, nor do the %d services it waits for in turn, down to %s, which never starts: ",
				Short(to.Name), c.links[next]-1, Short(g.Services[end].Name))
			f.Services = append(f.Services, g.Services[end].Name)
			v = end
			continue
		}
		fmt.Fprintf(&b, ", and %s never starts: ", Short(to.Name))
		v = next
	}
	return finish(f, &b), nil
}

// loops returns each loop the chains run into once, as the first
// service (in increasing order) whose chain reaches it would walk it:
// from the loop's first service on that chain.
func (c *chains) loops(never []int) [][]int {
	var out [][]int
	seen := map[int]bool{}
	for _, i := range never {
		e, ok := c.entry[i]
		if !ok || seen[e] {
			continue
		}
		loop := []int{e}
		seen[e] = true
		for x := c.next[e]; x != e; x = c.next[x] {
			loop = append(loop, x)
			seen[x] = true
		}
		out = append(out, loop)
	}
	return out
}

func finish(f Finding, b *strings.Builder) Finding {
	f.Message = b.String()
	return f
}
