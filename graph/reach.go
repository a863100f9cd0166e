package graph

import "slices"

// Reach answers whether a chain of binding ordering edges makes one
// started service start after another of its phase: the question of
// races (SPEC §4) and of systemd's Requisite=. It is built once, in
// O(V + E) time, on the components of the ordering graph (services on an
// ordering cycle are one component, ordered with each other both ways),
// with two labels that settle most queries without a search:
//
//   - a level: a component is at least one level above every component
//     that must start before it, so a chain can only climb levels;
//   - two interval labels (GRAIL, Yildirim, Chaoji and Zaki, VLDB 2010):
//     the post-order rank of a component in a depth-first walk and the
//     least rank below it. A component reachable from another has its
//     interval inside the other's, in every walk; the two walks visit
//     children in opposite orders, so that few unordered pairs pass both.
//
// A query the labels do not settle looks for a direct edge (a binary
// search), then searches from the end with fewer edges, only through
// components whose labels still allow the other one: a target that every
// unit is after is a hub one way only. On wide fan-ins, hubs and
// 10,000-deep chains a query costs O(log E) (BenchmarkRaces); a search
// never costs more than O(V + E).
type Reach struct {
	comp  []int32   // service -> component
	multi []bool    // component -> has more than one service (a cycle)
	succ  [][]int32 // component -> components that must start after it, sorted
	pred  [][]int32 // component -> components that must start before it, sorted
	level []int32
	rank  [2][]int32 // post-order rank in each walk
	low   [2][]int32 // least rank among the component and what follows it
	mark  []uint32   // search marks, by epoch
	epoch uint32
	stack []int32
}

// NewReach builds the reachability index of g's binding ordering edges
// (those Order and Races follow: between started services of one phase,
// not alternatives).
func NewReach(g *Graph) *Reach {
	succ, _ := orderingEdges(g)
	comps := scc(len(g.Services), succ)
	r := &Reach{
		comp:  make([]int32, len(g.Services)),
		multi: make([]bool, len(comps)),
		succ:  make([][]int32, len(comps)),
		pred:  make([][]int32, len(comps)),
		level: make([]int32, len(comps)),
		mark:  make([]uint32, len(comps)),
	}
	for c, members := range comps {
		r.multi[c] = len(members) > 1
		for _, v := range members {
			r.comp[v] = int32(c)
		}
	}
	last := make([]int32, len(comps)) // dedup: the component that last added d, plus one
	for c, members := range comps {
		for _, v := range members {
			for _, w := range succ[v] {
				if d := r.comp[w]; d != int32(c) && last[d] != int32(c)+1 {
					last[d] = int32(c) + 1
					r.succ[c] = append(r.succ[c], d)
				}
			}
		}
	}
	for c := range r.succ {
		slices.Sort(r.succ[c])
		for _, d := range r.succ[c] {
			r.pred[d] = append(r.pred[d], int32(c)) // sorted: c grows
		}
	}
	// scc lists a component after every component it must start before:
	// walking from the last one, each is final when reached.
	for c := len(comps) - 1; c >= 0; c-- {
		for _, d := range r.succ[c] {
			r.level[d] = max(r.level[d], r.level[c]+1)
		}
	}
	for walk := range r.rank {
		r.label(walk)
	}
	return r
}

// label gives every component its post-order rank and low in one
// iterative depth-first walk: walk 0 takes roots and children in
// order, walk 1 in reverse.
func (r *Reach) label(walk int) {
	n := len(r.succ)
	rank, low := make([]int32, n), make([]int32, n)
	for c := range rank {
		rank[c] = -1
	}
	type frame struct{ c, next int32 }
	var stack []frame
	next := int32(0)
	child := func(c int32, k int32) int32 {
		if walk == 1 {
			return r.succ[c][len(r.succ[c])-1-int(k)]
		}
		return r.succ[c][k]
	}
	for k := 0; k < n; k++ {
		root := int32(k)
		if walk == 1 {
			root = int32(n - 1 - k)
		}
		if rank[root] >= 0 {
			continue
		}
		rank[root] = -2 // on the stack
		low[root] = int32(n)
		stack = append(stack, frame{c: root})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if int(f.next) < len(r.succ[f.c]) {
				d := child(f.c, f.next)
				f.next++
				switch {
				case rank[d] == -1:
					rank[d] = -2
					low[d] = int32(n)
					stack = append(stack, frame{c: d})
				case rank[d] >= 0:
					low[f.c] = min(low[f.c], low[d])
				}
				continue
			}
			c := f.c
			stack = stack[:len(stack)-1]
			rank[c] = next
			next++
			low[c] = min(low[c], rank[c])
			if len(stack) > 0 {
				p := stack[len(stack)-1].c
				low[p] = min(low[p], low[c])
			}
		}
	}
	r.rank[walk], r.low[walk] = rank, low
}

// may reports whether the labels allow component d to be reachable from c.
func (r *Reach) may(c, d int32) bool {
	if r.level[c] >= r.level[d] {
		return false
	}
	for w := range r.rank {
		if r.rank[w][d] > r.rank[w][c] || r.low[w][d] < r.low[w][c] {
			return false
		}
	}
	return true
}

// Ordered reports whether a chain of binding ordering edges makes service
// then start after service first. Two services of one ordering cycle are
// ordered (each after the other: Cycles reports it); a service is not
// ordered after itself.
func (r *Reach) Ordered(first, then int) bool {
	c, d := r.comp[first], r.comp[then]
	if c == d {
		return first != then && r.multi[c]
	}
	if !r.may(c, d) {
		return false
	}
	if _, ok := slices.BinarySearch(r.succ[c], d); ok {
		return true
	}
	// Search from the end with fewer edges: forward from first through
	// what may still lead to then, or back from then through what first
	// may reach. A target that thousands of units are after is a hub
	// only one way.
	forward := len(r.succ[c]) <= len(r.pred[d])
	from, to, adj := c, d, r.succ
	if !forward {
		from, to, adj = d, c, r.pred
	}
	r.epoch++
	if r.epoch == 0 { // wrapped: forget every mark
		clear(r.mark)
		r.epoch = 1
	}
	r.stack = append(r.stack[:0], from)
	r.mark[from] = r.epoch
	for len(r.stack) > 0 {
		x := r.stack[len(r.stack)-1]
		r.stack = r.stack[:len(r.stack)-1]
		for _, y := range adj[x] {
			if y == to {
				return true
			}
			if r.mark[y] == r.epoch {
				continue
			}
			r.mark[y] = r.epoch
			if forward && r.may(y, d) || !forward && r.may(c, y) {
				r.stack = append(r.stack, y)
			}
		}
	}
	return false
}
