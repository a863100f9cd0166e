package systemd

import (
	"fmt"
	"slices"

	"github.com/initorder/initorder/graph"
)

// orderByPriority makes the orders of systemd-sysv-generator's fix_order
// that generateSysV left out (sysvUnit.orderLater) among the scripts'
// units in the transaction: a script starts after every script of a lower
// link number unless both have an LSB header. They go through hidden
// barriers, two a link number, so that k scripts of one number after m of
// the number before are k+m edges, not k×m:
//
//   - "(sysv priority below NN)" comes after every script of the number
//     before NN and that number's barrier; a script without a header
//     comes after the barrier of its number;
//   - "(headerless sysv priority below NN)" comes after the scripts
//     without a header of the number before NN and that number's barrier
//     of its kind; a script with a header comes after it.
//
// Orders on units outside the transaction have no effect, so barriers
// join only what is in it. Each edge is at the rc link that gave the
// script its number.
func (b *builder) orderByPriority() {
	us, g := b.boot.Units, b.boot.Graph
	levels := map[int][]int{} // priority -> services
	for i := range g.Services {
		if su := us.sysv[g.Services[i].Name]; su != nil && su.orderLater {
			levels[su.priority] = append(levels[su.priority], i)
		}
	}
	if len(levels) < 2 {
		return
	}
	prios := slices.Sorted(func(yield func(int) bool) {
		for p := range levels {
			if !yield(p) {
				return
			}
		}
	})
	unit := func(i int) *sysvUnit { return us.sysv[g.Services[i].Name] }
	after := func(from, to int, pos string) {
		g.AddEdge(graph.Edge{From: from, To: to, Kind: graph.SystemdAfter, Pos: graph.Pos{File: pos}})
	}
	barrier := func(name, pos string) int {
		i := g.Add(graph.Service{Name: name, Init: "sysv", Hidden: true, Pulled: true, Source: graph.Pos{File: pos}})
		b.index[name] = i
		return i
	}
	all, headerless := -1, -1 // the barriers of the number before
	for k := 1; k < len(prios); k++ {
		below := levels[prios[k-1]]
		pos := unit(levels[prios[k]][0]).prioLink
		a := barrier(fmt.Sprintf("(sysv priority below %02d)", prios[k]), pos)
		if all >= 0 {
			after(a, all, pos)
		}
		h := barrier(fmt.Sprintf("(headerless sysv priority below %02d)", prios[k]), pos)
		if headerless >= 0 {
			after(h, headerless, pos)
		}
		for _, x := range below {
			after(a, x, unit(x).prioLink)
			if !unit(x).lsb {
				after(h, x, unit(x).prioLink)
			}
		}
		for _, y := range levels[prios[k]] {
			if unit(y).lsb {
				after(y, h, unit(y).prioLink)
			} else {
				after(y, a, unit(y).prioLink)
			}
		}
		all, headerless = a, h
	}
}
