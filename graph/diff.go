package graph

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Side is one of the boots Diff compares: a graph, the schedule to
// compare (Order, Sequential or its Reverse) and the findings of
// reading and analysing it.
type Side struct {
	Graph    *Graph
	Schedule Schedule
	Findings []Finding
}

// Relation is when a service starts relative to another in a schedule.
type Relation int8

const (
	Concurrent Relation = iota // in the same wave
	Earlier                    // in an earlier wave
	Later                      // in a later wave
)

func (r Relation) String() string {
	switch r {
	case Earlier:
		return "before"
	case Later:
		return "after"
	}
	return "concurrent"
}

// Listed is a service of a schedule and its wave.
type Listed struct {
	Name string
	Wave int
}

// Reorder is a pair of services that both boots start but order
// otherwise: Was is A's relation to B in the first boot, Now in the
// second. A is the one that starts first in the first boot that orders
// them, so Was and Now are (Earlier, Later), (Earlier, Concurrent) or
// (Concurrent, Earlier).
type Reorder struct {
	A, B     string
	Was, Now Relation
}

// Drift is what differs between two boots, in what matters at boot.
type Drift struct {
	Added   []Listed  // started by the second boot only, with its wave there; in schedule order
	Removed []Listed  // started by the first boot only, with its wave there; in schedule order
	Order   []Reorder // sorted by A, then B
	New     []Finding // findings of the second boot only, sorted
	Gone    []Finding // findings of the first boot only, sorted
	Waves   int       // the highest wave of either schedule
}

// Empty reports whether the two boots start the same services in the
// same order with the same findings.
func (d Drift) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Order) == 0 && len(d.New) == 0 && len(d.Gone) == 0
}

// Diff returns what differs between boots a and b:
//
//   - the services one schedule lists and the other does not; services
//     are matched by name (not by alias, nor across init systems);
//   - the pairs of services both list whose relation (before, after,
//     concurrent) differs. Only pairs that an ordering edge of either
//     graph orders are compared, never all pairs: an edge through a
//     hidden service (a barrier) stands for the pairs of its visible
//     neighbours, one hop on each side; a schedule that is a chain (one
//     service a wave: a sequential boot) orders each service after the
//     one before it, and those pairs count too. A relation is read from
//     the waves of the two schedules, not from the edge: a pair whose
//     edge is gone but that a longer chain still orders is no change;
//   - the findings of one side that the other does not have. A finding
//     is known by its kind, its services and its message with the lines
//     of its own sources taken out ("etc/init/s2.conf:2" reads
//     "etc/init/s2.conf"): a line that moves in a file changes no
//     finding, a file that moves does. Severity, node and sources are not
//     part of it, so two nodes of a layout compare; each finding counts
//     as often as it occurs.
//
// The result is deterministic. It runs in O(V + E + F) time (F
// findings) plus the sort of what changed, and, for each hidden service,
// the product of its visible predecessors and successors (for SysV link
// numbers: the scripts of one number times the headerless scripts of
// the next).
func Diff(a, b Side) Drift {
	wa, wb := listed(a.Schedule, a.Graph), listed(b.Schedule, b.Graph)
	d := Drift{Waves: max(a.Schedule.Waves, b.Schedule.Waves)}
	d.Added = only(b, wa)
	d.Removed = only(a, wb)

	d.Order = append(reorders(a, wb, false), reorders(b, wa, true)...)
	sort.Slice(d.Order, func(i, j int) bool {
		if d.Order[i].A != d.Order[j].A {
			return d.Order[i].A < d.Order[j].A
		}
		return d.Order[i].B < d.Order[j].B
	})
	d.Order = slices.Compact(d.Order) // a pair both sides order

	d.New = unmatched(b.Findings, a.Findings)
	d.Gone = unmatched(a.Findings, b.Findings)
	return d
}

// listed returns the wave of each service that s lists, by name.
func listed(s Schedule, g *Graph) map[string]int {
	w := make(map[string]int, len(s.Steps))
	for _, st := range s.Steps {
		w[g.Services[st.Service].Name] = st.Wave
	}
	return w
}

// only returns the services that s lists and other does not.
func only(s Side, other map[string]int) []Listed {
	var out []Listed
	for _, st := range s.Schedule.Steps {
		name := s.Graph.Services[st.Service].Name
		if _, ok := other[name]; !ok {
			out = append(out, Listed{Name: name, Wave: st.Wave})
		}
	}
	return out
}

func relation(x, y int) Relation {
	switch {
	case x < y:
		return Earlier
	case x > y:
		return Later
	}
	return Concurrent
}

func invert(r Relation) Relation {
	switch r {
	case Earlier:
		return Later
	case Later:
		return Earlier
	}
	return Concurrent
}

// reorders returns the pairs that an ordering edge of s orders (see
// orderPairs) and that the other boot, whose waves are other, orders
// otherwise. second says that s is the second boot of the Diff.
func reorders(s Side, other map[string]int, second bool) []Reorder {
	g := s.Graph
	// The waves of each service here and there, 0 when not listed, so
	// that a pair costs no lookup by name.
	here := make([]int, len(g.Services))
	there := make([]int, len(g.Services))
	for _, st := range s.Schedule.Steps {
		here[st.Service] = st.Wave
		there[st.Service] = other[g.Services[st.Service].Name]
	}
	var out []Reorder
	orderPairs(s, func(i int) bool { return here[i] > 0 }, func(x, y int) {
		if there[x] == 0 || there[y] == 0 {
			return
		}
		was, now := relation(here[x], here[y]), relation(there[x], there[y])
		if second {
			was, now = now, was
		}
		if was == now {
			return
		}
		a, b := g.Services[x].Name, g.Services[y].Name
		if was == Later || (was == Concurrent && now == Later) {
			a, b, was, now = b, a, invert(was), invert(now)
		}
		out = append(out, Reorder{A: a, B: b, Was: was, Now: now})
	})
	return out
}

// orderPairs calls pair(first, then) for each pair of listed services
// (as listed says) that an ordering edge of s orders: directly, through
// one hidden service, or, when the schedule is a chain, as neighbours in
// it. A pair may come more than once.
func orderPairs(s Side, listed func(i int) bool, pair func(first, then int)) {
	g := s.Graph
	visible := func(i int) bool { return listed(i) && !g.Services[i].Hidden }
	before := map[int][]int{} // hidden service: the visible services it waits for
	after := map[int][]int{}  // hidden service: the visible services that wait for it
	var hidden []int          // in the order of their first edge
	note := func(h int) {
		if before[h] == nil && after[h] == nil {
			hidden = append(hidden, h)
		}
	}
	for _, e := range g.Edges {
		first, then, ok := e.Ordering()
		if !ok || first == then {
			continue
		}
		switch {
		case visible(first) && visible(then):
			pair(first, then)
		case g.Services[first].Hidden && visible(then):
			note(first)
			after[first] = append(after[first], then)
		case g.Services[then].Hidden && visible(first):
			note(then)
			before[then] = append(before[then], first)
		}
	}
	for _, h := range hidden {
		for _, x := range before[h] {
			for _, y := range after[h] {
				pair(x, y)
			}
		}
	}
	steps := s.Schedule.Steps
	for k := 1; k < len(steps); k++ {
		if steps[k].Wave == steps[k-1].Wave {
			return // not a chain
		}
	}
	for k := 1; k < len(steps); k++ {
		pair(steps[k-1].Service, steps[k].Service)
	}
}

// unmatched returns the findings of fs that other does not have, counted
// by findingKey, in their order.
func unmatched(fs, other []Finding) []Finding {
	count := make(map[string]int, len(other))
	for _, f := range other {
		count[findingKey(f)]++
	}
	var out []Finding
	for _, f := range fs {
		k := findingKey(f)
		if count[k] > 0 {
			count[k]--
			continue
		}
		out = append(out, f)
	}
	SortFindings(out)
	return out
}

// findingKey is what makes two findings the same finding in Diff: kind,
// services and message, with "file:line" of the finding's own sources
// read as "file".
func findingKey(f Finding) string {
	msg := f.Message
	for _, p := range f.Sources {
		if p.Line > 0 {
			msg = dropLine(msg, p)
		}
	}
	return f.Kind + "\x00" + strings.Join(f.Services, "\x01") + "\x00" + msg
}

// dropLine replaces each "file:line" of p in msg, not followed by
// another digit, with "file".
func dropLine(msg string, p Pos) string {
	pat := p.File + ":" + strconv.Itoa(p.Line)
	var b strings.Builder
	for {
		i := strings.Index(msg, pat)
		if i < 0 {
			break
		}
		end := i + len(pat)
		if end < len(msg) && msg[end] >= '0' && msg[end] <= '9' {
			b.WriteString(msg[:end])
		} else {
			b.WriteString(msg[:i] + p.File)
		}
		msg = msg[end:]
	}
	b.WriteString(msg)
	return b.String()
}
