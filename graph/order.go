package graph

import "sort"

// Step is one started service in a boot order.
type Step struct {
	Service int  // index into Graph.Services
	Wave    int  // 1-based; services of the same wave start together
	Cyclic  bool // the service is on an ordering cycle: its wave is a guess
}

// Schedule is a boot order: the started services by wave, then by name.
type Schedule struct {
	Steps []Step
	Waves int // the highest wave
}

// orderingEdges returns, for every started service, the services that
// must start after it within its own phase, split into the edges that
// bind alone (succ) and the alternatives (alts: the service waits for the
// first of each group). Edges between phases are settled by the phases
// themselves (or reported by Unsatisfied); a service ordered against
// itself is ignored.
func orderingEdges(g *Graph) (succ [][]int32, alts []alt) {
	succ = make([][]int32, len(g.Services))
	for _, e := range g.Edges {
		first, then, ok := e.Ordering()
		if !ok || first == then {
			continue
		}
		a, b := &g.Services[first], &g.Services[then]
		if !a.Started() || a.Phase != b.Phase {
			continue
		}
		if e.Any != 0 {
			alts = append(alts, alt{first: int32(first), then: int32(then), group: e.Any})
			continue
		}
		succ[first] = append(succ[first], int32(then))
	}
	return succ, alts
}

// alt is an ordering edge that is one of several alternatives: then
// starts after the first of the services of its group.
type alt struct {
	first, then int32
	group       int
}

// Order returns the concurrent boot order of g: a service's wave is one
// more than the highest wave of the services it must start after, and,
// for each group of alternatives (upstart's "or"), one more than the
// earliest of them; every phase starts after the last wave of the one
// before. Services on an ordering cycle share one wave, marked Cyclic,
// and the order goes on around them (as gonum's topo.Sort returns what it
// can with Unorderable). It is Knuth's generalisation of Dijkstra's
// algorithm to and/or graphs, on the components of the ordering graph,
// with a bucket queue: O(V + E) time.
//
// It runs in three passes: levels within each phase (levels), what a
// deadlock leaves last (settle), then waves numbered across the phases
// (schedule).
func Order(g *Graph) Schedule {
	o := newOrdering(g)
	o.levels()
	o.settle()
	return o.schedule()
}

// ordering is the state Order's passes share, per component of the
// ordering graph.
type ordering struct {
	g        *Graph
	succ     [][]int32 // the ordering edges that bind alone (orderingEdges)
	comps    [][]int32 // the strongly connected components of succ
	comp     []int32   // service -> its component
	pending  []int     // what a component still waits for: edges from other components, groups of alternatives not met
	altsFrom map[int32][]alt
	met      map[groupKey]bool // a group of alternatives: false pending, true met
	level    []int             // a component's level in its phase
	cyclic   []bool            // a component on an ordering cycle, or stuck in a deadlock
	phaseMax []int             // per phase, its highest level
}

// groupKey names a group of alternatives: the service that waits for the
// first of them, and the group.
type groupKey struct {
	then  int32
	group int
}

// newOrdering finds the components of the ordering graph of g and counts
// what each waits for.
func newOrdering(g *Graph) *ordering {
	succ, alts := orderingEdges(g)
	o := &ordering{g: g, succ: succ, comps: scc(len(g.Services), succ), comp: make([]int32, len(g.Services))}
	for c, members := range o.comps {
		for _, v := range members {
			o.comp[v] = int32(c)
		}
	}
	o.pending = make([]int, len(o.comps))
	for v := range succ {
		for _, w := range succ[v] {
			if o.comp[w] != o.comp[v] {
				o.pending[o.comp[w]]++
			}
		}
	}
	o.met = map[groupKey]bool{}
	o.altsFrom = make(map[int32][]alt)
	for _, a := range alts {
		if o.comp[a.first] == o.comp[a.then] {
			continue // an alternative that waits for its own loop never comes first
		}
		k := groupKey{a.then, a.group}
		if _, seen := o.met[k]; !seen {
			o.met[k] = false
			o.pending[o.comp[a.then]]++
		}
		o.altsFrom[a.first] = append(o.altsFrom[a.first], a)
	}
	return o
}

// width is how many levels component c takes: a hidden service (a
// barrier) takes none, its level is that of the latest service before it.
func (o *ordering) width(c int32) int {
	if len(o.comps[c]) == 1 && o.g.Services[o.comps[c][0]].Hidden {
		return 0
	}
	return 1
}

// levels gives each component that can start its level: one more than
// the highest level of the components it waits for, and for each group
// of alternatives, than the earliest of them. Components are taken level
// by level from a bucket queue.
func (o *ordering) levels() {
	o.level = make([]int, len(o.comps))
	var buckets [][]int32 // buckets[l]: components whose level is l
	push := func(c int32, l int) {
		for len(buckets) <= l {
			buckets = append(buckets, nil)
		}
		buckets[l] = append(buckets[l], c)
	}
	// reach lowers what component d waits for by one, now that something
	// of level l it waits for has started.
	reach := func(d int32, l int) {
		o.level[d] = max(o.level[d], l+o.width(d))
		if o.pending[d]--; o.pending[d] == 0 {
			push(d, o.level[d])
		}
	}
	for c := range o.comps {
		if o.pending[c] == 0 && o.g.Services[o.comps[c][0]].Started() {
			o.level[c] = o.width(int32(c))
			push(int32(c), o.level[c])
		}
	}
	for l := 0; l < len(buckets); l++ {
		for k := 0; k < len(buckets[l]); k++ { // a barrier may join the bucket being walked
			c := buckets[l][k]
			for _, v := range o.comps[c] {
				for _, w := range o.succ[v] {
					if d := o.comp[w]; d != c {
						reach(d, l)
					}
				}
				for _, a := range o.altsFrom[v] {
					k := groupKey{a.then, a.group}
					if o.met[k] {
						continue
					}
					o.met[k] = true
					reach(o.comp[a.then], l)
				}
			}
		}
	}
}

// settle puts what is still pending, waiting for alternatives that all
// come after it (a deadlock), last in its phase, marked as on a loop, and
// finds the highest level of each phase.
func (o *ordering) settle() {
	g := o.g
	o.phaseMax = make([]int, len(g.Phases))
	var stuck []int32
	for c, members := range o.comps {
		sv := &g.Services[members[0]]
		if !sv.Started() || sv.Phase >= len(g.Phases) || o.width(int32(c)) == 0 {
			continue
		}
		if o.pending[c] > 0 {
			stuck = append(stuck, int32(c))
			continue
		}
		o.phaseMax[sv.Phase] = max(o.phaseMax[sv.Phase], o.level[c])
	}
	o.cyclic = make([]bool, len(o.comps))
	for c, members := range o.comps {
		o.cyclic[c] = len(members) > 1
	}
	for _, c := range stuck {
		p := g.Services[o.comps[c][0]].Phase
		o.level[c] = o.phaseMax[p] + 1
		o.cyclic[c] = true
	}
	for _, c := range stuck {
		p := g.Services[o.comps[c][0]].Phase
		o.phaseMax[p] = max(o.phaseMax[p], o.level[c])
	}
}

// schedule numbers the waves, the levels of the phases one after the
// other. A service that starts alone takes a wave of its own at its
// level; the others of that level and every later level move up
// (startpar runs an interactive script with nothing beside it).
func (o *ordering) schedule() Schedule {
	g, level, cyclic := o.g, o.level, o.cyclic
	alone := make([][]int, len(g.Phases))   // per phase and level: how many start alone
	others := make([][]bool, len(g.Phases)) // per phase and level: whether others start
	for p := range g.Phases {
		alone[p] = make([]int, o.phaseMax[p]+1)
		others[p] = make([]bool, o.phaseMax[p]+1)
	}
	for c, members := range o.comps {
		for _, v := range members {
			sv := &g.Services[v]
			if !sv.Started() || sv.Phase >= len(g.Phases) || sv.Hidden {
				continue
			}
			if sv.Alone && !cyclic[c] {
				alone[sv.Phase][level[c]]++
			} else {
				others[sv.Phase][level[c]] = true
			}
		}
	}
	// start[p][l] is the last wave before level l of phase p.
	start := make([][]int, len(g.Phases))
	w := 0
	for p := range g.Phases {
		start[p] = make([]int, o.phaseMax[p]+1)
		for l := 1; l <= o.phaseMax[p]; l++ {
			start[p][l] = w
			w += alone[p][l]
			if others[p][l] {
				w++
			}
		}
	}
	var s Schedule
	var lone []Step // the services that start alone, waves given below
	for c, members := range o.comps {
		cyclic := cyclic[c]
		for _, v := range members {
			sv := &g.Services[v]
			if !sv.Started() || sv.Phase >= len(g.Phases) || sv.Hidden {
				continue
			}
			st := Step{Service: int(v), Wave: level[c], Cyclic: cyclic}
			if sv.Alone && !cyclic {
				lone = append(lone, st)
				continue
			}
			st.Wave = start[sv.Phase][level[c]] + alone[sv.Phase][level[c]] + 1
			s.Steps = append(s.Steps, st)
		}
	}
	// Alone services of one level take the waves before the others, by name.
	sortSteps(g, lone)
	seen := map[[2]int]int{}
	for _, st := range lone {
		sv := &g.Services[st.Service]
		key := [2]int{sv.Phase, st.Wave}
		st.Wave = start[sv.Phase][st.Wave] + seen[key] + 1
		seen[key]++
		s.Steps = append(s.Steps, st)
	}
	for _, st := range s.Steps {
		if st.Wave > s.Waves {
			s.Waves = st.Wave
		}
	}
	sortSteps(g, s.Steps)
	return s
}

// Sequential returns the order in which a sequential init (sysv-rc with
// CONCURRENCY=none) runs the started services: by Step, one at a time
// (services without a Step last, by name).
func Sequential(g *Graph) Schedule {
	var idx []int
	for i := range g.Services {
		if g.Services[i].Started() && !g.Services[i].Hidden {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool {
		x, y := &g.Services[idx[a]], &g.Services[idx[b]]
		if (x.Step == 0) != (y.Step == 0) {
			return y.Step == 0
		}
		if x.Step != y.Step {
			return x.Step < y.Step
		}
		return x.Name < y.Name
	})
	s := Schedule{Waves: len(idx)}
	for k, i := range idx {
		s.Steps = append(s.Steps, Step{Service: i, Wave: k + 1})
	}
	return s
}

func sortSteps(g *Graph, steps []Step) {
	sort.Slice(steps, func(a, b int) bool {
		if steps[a].Wave != steps[b].Wave {
			return steps[a].Wave < steps[b].Wave
		}
		return g.Services[steps[a].Service].Name < g.Services[steps[b].Service].Name
	})
}

// Reverse returns the schedule the other way round: the last wave first.
// systemd stops units in the reverse of the order it starts them
// (systemd.unit(5) "Before=, After=": "the ordering is reversed on
// shutdown"), so this is its shutdown order.
func Reverse(g *Graph, s Schedule) Schedule {
	r := Schedule{Waves: s.Waves}
	for _, st := range s.Steps {
		st.Wave = s.Waves - st.Wave + 1
		r.Steps = append(r.Steps, st)
	}
	sortSteps(g, r.Steps)
	return r
}
