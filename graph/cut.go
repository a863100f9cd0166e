package graph

import (
	"fmt"
	"path"
)

// Arrow returns the edge as pictures draw it, the way systemd-analyze dot
// and rcorder -g do: from the service that waits for or depends on the
// other (tail) to that other (head). An ordering edge points at the
// service that starts first, whichever side wrote it (a Before= is
// drawn as the After= it means); any other edge points from From to To.
func (e Edge) Arrow() (tail, head int) {
	if first, then, ok := e.Ordering(); ok {
		return then, first
	}
	return e.From, e.To
}

// Match returns the services whose name or one of whose aliases matches
// the path.Match pattern, by index, in index order. An invalid pattern is
// an error.
func Match(g *Graph, pattern string) ([]int, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	var idx []int
	for i := range g.Services {
		s := &g.Services[i]
		if ok, _ := path.Match(pattern, s.Name); ok {
			idx = append(idx, i)
			continue
		}
		for _, a := range s.Aliases {
			if ok, _ := path.Match(pattern, a); ok {
				idx = append(idx, i)
				break
			}
		}
	}
	return idx, nil
}

// Hubs returns the services that connect much of a boot and say little
// about any one service, by index: systemd targets (Service.Target),
// barriers (Service.Hidden), and the services whose name or one of whose
// aliases matches one of patterns (path.Match), such as "*.slice" or
// upstart's "rc". Cuts stop at them (Neighbourhood's ends) and pictures
// draw them apart. An invalid pattern is an error. O(V) per pattern.
func Hubs(g *Graph, patterns []string) ([]bool, error) {
	hub := make([]bool, len(g.Services))
	for i := range g.Services {
		hub[i] = g.Services[i].Target || g.Services[i].Hidden
	}
	for _, p := range patterns {
		m, err := Match(g, p)
		if err != nil {
			return nil, err
		}
		for _, i := range m {
			hub[i] = true
		}
	}
	return hub, nil
}

// Neighbourhood returns the services at most depth edges away from one
// of roots, following edges of any kind in both directions; depth < 0
// means no limit. A service of ends (if not nil; Hubs) is reached but
// not walked through, unless it is a root: sysinit.target is next to
// nearly every unit, and two steps through it would be the whole boot.
// A hidden service (a barrier) that is not an end costs no step: the
// services it connects count as neighbours. It is a breadth-first search
// with a double-ended queue (0-1 BFS): O(V + E) time.
func Neighbourhood(g *Graph, roots []int, depth int, ends []bool) []bool {
	const far = int(^uint(0) >> 1)
	dist := make([]int, len(g.Services))
	for i := range dist {
		dist[i] = far
	}
	root := make([]bool, len(g.Services))
	var deque []int // front: queue[head:]
	head := 0
	for _, r := range roots {
		root[r] = true
		if dist[r] != 0 {
			dist[r] = 0
			deque = append(deque, r)
		}
	}
	for head < len(deque) {
		u := deque[head]
		head++
		if ends != nil && ends[u] && !root[u] {
			continue
		}
		visit := func(v int) {
			d := dist[u] + 1
			if g.Services[v].Hidden && (ends == nil || !ends[v]) {
				d = dist[u]
			}
			if d >= dist[v] || (depth >= 0 && d > depth) {
				return
			}
			dist[v] = d
			if d == dist[u] && head > 0 {
				head-- // same distance: to the front
				deque[head] = v
				return
			}
			deque = append(deque, v)
		}
		for _, k := range g.Out(u) {
			visit(g.Edges[k].To)
		}
		for _, k := range g.In(u) {
			visit(g.Edges[k].From)
		}
	}
	keep := make([]bool, len(g.Services))
	for i, d := range dist {
		keep[i] = d != far
	}
	return keep
}

// Chains returns the services that lie on a chain of edges, followed the
// way Arrow draws them, from a service of from to a service of to: what
// from's services wait for or depend on, transitively, that depends in
// turn on to's services. With from empty, the chain may start anywhere
// (everything that leads to to); with to empty, it may end anywhere
// (everything from leads to). Two searches: O(V + E) time.
func Chains(g *Graph, from, to []int) []bool {
	n := len(g.Services)
	tails := make([][]int, n) // head -> tails
	heads := make([][]int, n) // tail -> heads
	for _, e := range g.Edges {
		t, h := e.Arrow()
		heads[t] = append(heads[t], h)
		tails[h] = append(tails[h], t)
	}
	reach := func(roots []int, next [][]int) []bool {
		seen := make([]bool, n)
		stack := append([]int(nil), roots...)
		for _, r := range roots {
			seen[r] = true
		}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, v := range next[u] {
				if !seen[v] {
					seen[v] = true
					stack = append(stack, v)
				}
			}
		}
		return seen
	}
	keep := make([]bool, n)
	var down, up []bool
	if len(from) > 0 {
		down = reach(from, heads)
	}
	if len(to) > 0 {
		up = reach(to, tails)
	}
	for i := range keep {
		keep[i] = (down == nil || down[i]) && (up == nil || up[i])
	}
	return keep
}
