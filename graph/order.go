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
// must start before it within its own phase. Edges between phases are
// settled by the phases themselves (or reported by Unsatisfied); a
// service ordered against itself is ignored.
func orderingEdges(g *Graph) (succ [][]int32) {
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
		succ[first] = append(succ[first], int32(then))
	}
	return succ
}

// Order returns the concurrent boot order of g: a service's wave is one
// more than the highest wave of the services it must start after, and
// every phase starts after the last wave of the one before. Services on
// an ordering cycle share one wave, marked Cyclic, and the order goes on
// around them (as gonum's topo.Sort returns what it can with
// Unorderable). This algorithm runs in O(V + E) time.
func Order(g *Graph) Schedule {
	succ := orderingEdges(g)
	comps := scc(len(g.Services), succ)
	comp := make([]int32, len(g.Services))
	for c, members := range comps {
		for _, v := range members {
			comp[v] = int32(c)
		}
	}
	// Tarjan emits components in reverse topological order.
	level := make([]int, len(comps))
	phaseMax := make([]int, len(g.Phases))
	for c := len(comps) - 1; c >= 0; c-- {
		v := comps[c][0]
		if !g.Services[v].Started() {
			continue
		}
		if level[c] == 0 {
			level[c] = 1
		}
		if p := g.Services[v].Phase; p < len(phaseMax) && level[c] > phaseMax[p] {
			phaseMax[p] = level[c]
		}
		for _, v := range comps[c] {
			for _, w := range succ[v] {
				if d := comp[w]; d != int32(c) && level[d] < level[c]+1 {
					level[d] = level[c] + 1
				}
			}
		}
	}
	// A service that starts alone takes a wave of its own at its level;
	// the others of that level and every later level move up (startpar
	// runs an interactive script with nothing beside it).
	alone := make([][]int, len(g.Phases))   // per phase and level: how many start alone
	others := make([][]bool, len(g.Phases)) // per phase and level: whether others start
	for p := range g.Phases {
		alone[p] = make([]int, phaseMax[p]+1)
		others[p] = make([]bool, phaseMax[p]+1)
	}
	for c, members := range comps {
		for _, v := range members {
			sv := &g.Services[v]
			if !sv.Started() || sv.Phase >= len(g.Phases) {
				continue
			}
			if sv.Alone && len(members) == 1 {
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
		start[p] = make([]int, phaseMax[p]+1)
		for l := 1; l <= phaseMax[p]; l++ {
			start[p][l] = w
			w += alone[p][l]
			if others[p][l] {
				w++
			}
		}
	}
	var s Schedule
	var lone []Step // the services that start alone, waves given below
	for c, members := range comps {
		cyclic := len(members) > 1
		for _, v := range members {
			sv := &g.Services[v]
			if !sv.Started() || sv.Phase >= len(g.Phases) {
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
// CONCURRENCY=none) runs the started services: phase by phase, by link
// number, then by link name, one at a time.
func Sequential(g *Graph) Schedule {
	var idx []int
	for i := range g.Services {
		if g.Services[i].Started() {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool {
		x, y := &g.Services[idx[a]], &g.Services[idx[b]]
		if x.Phase != y.Phase {
			return x.Phase < y.Phase
		}
		if x.Number != y.Number {
			return x.Number < y.Number
		}
		if x.Link != y.Link {
			return x.Link < y.Link
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
