package graph

import "sort"

// Redundant returns, for each edge of g, whether it is an ordering edge
// that other ordering edges already imply: the transitive reduction of
// the ordering, as tred(1) computes it for a picture. An edge that says
// "b starts after a" is redundant when a chain of two or more ordering
// edges says it too, or when an earlier edge says the same of the same
// two services (the first stays). Edges that do not order (Wants=,
// Requires=, Conflicts= ...) and alternatives (upstart "or", Any != 0)
// are never redundant; nor are the edges inside an ordering loop, which
// is drawn as it is. Services that do not start are left as they are.
//
// The reduction runs on the components of the ordering graph. For each
// component, its predecessors are taken from the highest level down,
// and one backward search from them, bounded below by the lowest of
// their levels, marks every predecessor that another one reaches. The
// cost is O(V + E) plus, for each service with more than one
// predecessor, the part of its ancestry above its lowest predecessor:
// near-linear on boot graphs, where a service waits for a few services
// close to it and for basics that every other service waits for too,
// and O(V·E) at worst (tred(1) is O(V·E) always).
func Redundant(g *Graph) []bool {
	n := len(g.Services)
	red := make([]bool, len(g.Edges))
	succ := make([][]int32, n)
	for _, e := range g.Edges {
		if first, then, ok := orders(g, e); ok {
			succ[first] = append(succ[first], int32(then))
		}
	}
	comps := scc(n, succ)
	comp := make([]int32, n)
	for c, members := range comps {
		for _, v := range members {
			comp[v] = int32(c)
		}
	}
	// preds[c]: for each other component before c, its ordering edges
	// into c; level[c]: the longest chain of components before c.
	// scc returns components in reverse topological order, so c's
	// predecessors come after it: levels from the last component down.
	preds := make([]map[int32][]int, len(comps))
	for k, e := range g.Edges {
		first, then, ok := orders(g, e)
		if !ok || comp[first] == comp[then] {
			continue
		}
		c, p := comp[then], comp[first]
		if preds[c] == nil {
			preds[c] = map[int32][]int{}
		}
		preds[c][p] = append(preds[c][p], k)
	}
	level := make([]int, len(comps))
	for c := len(comps) - 1; c >= 0; c-- {
		for p := range preds[c] {
			level[c] = max(level[c], level[p]+1)
		}
	}
	stamp := make([]int, len(comps)) // stamp[x] == c+1: reached while reducing c
	var list []int32
	var stack []int32
	for c := range comps {
		list = list[:0]
		for p, ks := range preds[c] {
			list = append(list, p)
			for _, k := range ks[1:] {
				red[k] = true // the same order said twice
			}
		}
		if len(list) < 2 {
			continue
		}
		sort.Slice(list, func(a, b int) bool {
			if level[list[a]] != level[list[b]] {
				return level[list[a]] > level[list[b]]
			}
			return list[a] < list[b]
		})
		low := level[list[len(list)-1]]
		mark := c + 1
		for _, p := range list {
			if stamp[p] == mark {
				for _, k := range preds[c][p] {
					red[k] = true
				}
				continue
			}
			// Every ancestor of p is above low or not a predecessor of c.
			stack = append(stack[:0], p)
			for len(stack) > 0 {
				x := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for q := range preds[x] {
					if stamp[q] != mark && level[q] >= low {
						stamp[q] = mark
						stack = append(stack, q)
					}
				}
			}
		}
	}
	return red
}

// orders returns the ordering an edge binds alone between two services
// that start: first, then.
func orders(g *Graph, e Edge) (first, then int, ok bool) {
	first, then, ok = e.Ordering()
	if !ok || e.Any != 0 || first == then || !g.Services[first].Started() || !g.Services[then].Started() {
		return 0, 0, false
	}
	return first, then, true
}
