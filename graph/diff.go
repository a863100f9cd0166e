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
	Init     string // the init system that is PID 1 ("sysv", "upstart", "systemd"), if known
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

// Switch is a service that both boots start, each with another init
// system: Was names it in the first boot and Now in the second (a SysV
// script ssh and the unit ssh.service; an upstart job and the script of
// its name).
type Switch struct {
	Was, Now         string
	WasInit, NowInit string
}

// Drift is what differs between two boots, in what matters at boot.
type Drift struct {
	WasInit, NowInit string    // the Init of each side
	Switched         []Switch  // in the first boot's schedule order
	Added            []Listed  // started by the second boot only, with its wave there; in schedule order
	Removed          []Listed  // started by the first boot only, with its wave there; in schedule order
	Order            []Reorder // sorted by A, then B
	New              []Finding // findings of the second boot only, sorted
	Gone             []Finding // findings of the first boot only, sorted
	Waves            int       // the highest wave of either schedule
}

// Empty reports whether the two boots start the same services with the
// same init systems in the same order with the same findings.
func (d Drift) Empty() bool {
	return d.WasInit == d.NowInit && len(d.Switched) == 0 && len(d.Added) == 0 && len(d.Removed) == 0 &&
		len(d.Order) == 0 && len(d.New) == 0 && len(d.Gone) == 0
}

// Diff returns what differs between boots a and b:
//
//   - the services one schedule lists and the other does not. Services
//     are matched by name; one that neither matches so is matched with
//     a service of another init system that the other graph's Find
//     gives for its name, as a layout's roles name services (a SysV
//     script or upstart job ssh is the unit ssh.service): Switched lists
//     the pairs whose init systems differ, and the second boot's name
//     stands for the pair in Order;
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
	m := match(a, b)
	d := Drift{WasInit: a.Init, NowInit: b.Init, Waves: max(a.Schedule.Waves, b.Schedule.Waves)}
	d.Added = m.only(1)
	d.Removed = m.only(0)
	for _, st := range a.Schedule.Steps {
		if j := m.to[0][st.Service]; j >= 0 {
			was, now := &a.Graph.Services[st.Service], &b.Graph.Services[j]
			if was.Init != now.Init {
				d.Switched = append(d.Switched, Switch{Was: was.Name, Now: now.Name, WasInit: was.Init, NowInit: now.Init})
			}
		}
	}

	d.Order = append(m.reorders(0), m.reorders(1)...)
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

// matching pairs the services the two schedules of a Diff list.
type matching struct {
	sides [2]Side
	wave  [2][]int // the wave of each service of each side, 0 when not listed
	to    [2][]int // the service of the other side each is matched with, -1 for none
}

// match pairs the services a and b list: by name, then each left alone
// with the service of another init system the other graph's Find gives
// for its name (ssh: ssh.service), when that one is left alone too.
func match(a, b Side) *matching {
	m := &matching{sides: [2]Side{a, b}}
	for k, s := range m.sides {
		m.wave[k] = make([]int, len(s.Graph.Services))
		m.to[k] = make([]int, len(s.Graph.Services))
		for i := range m.to[k] {
			m.to[k][i] = -1
		}
		for _, st := range s.Schedule.Steps {
			m.wave[k][st.Service] = st.Wave
		}
	}
	byName := make(map[string]int, len(b.Schedule.Steps))
	for _, st := range b.Schedule.Steps {
		byName[b.Graph.Services[st.Service].Name] = st.Service
	}
	for _, st := range a.Schedule.Steps {
		if j, ok := byName[a.Graph.Services[st.Service].Name]; ok {
			m.to[0][st.Service], m.to[1][j] = j, st.Service
		}
	}
	for k, s := range m.sides {
		o := m.sides[1-k]
		for _, st := range s.Schedule.Steps {
			i := st.Service
			svc := &s.Graph.Services[i]
			if m.to[k][i] >= 0 || svc.Hidden {
				continue
			}
			j, ok := o.Graph.Find(svc.Name)
			if !ok || m.wave[1-k][j] == 0 || m.to[1-k][j] >= 0 || o.Graph.Services[j].Hidden || o.Graph.Services[j].Init == svc.Init {
				continue
			}
			m.to[k][i], m.to[1-k][j] = j, i
		}
	}
	return m
}

// only returns the services that side k lists and the other does not
// match, in schedule order.
func (m *matching) only(k int) []Listed {
	s := m.sides[k]
	var out []Listed
	for _, st := range s.Schedule.Steps {
		if m.to[k][st.Service] < 0 {
			out = append(out, Listed{Name: s.Graph.Services[st.Service].Name, Wave: st.Wave})
		}
	}
	return out
}

// name is the name service i of side k has in a Reorder: the second
// boot's name of the pair.
func (m *matching) name(k, i int) string {
	if k == 0 && m.to[0][i] >= 0 {
		return m.sides[1].Graph.Services[m.to[0][i]].Name
	}
	return m.sides[k].Graph.Services[i].Name
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

// reorders returns the pairs that an ordering edge of side k orders
// (see orderPairs) and that the other boot orders otherwise.
func (m *matching) reorders(k int) []Reorder {
	s := m.sides[k]
	here, there := m.wave[k], m.wave[1-k]
	at := func(i int) int { // the wave of i's match there, 0 for none
		if j := m.to[k][i]; j >= 0 {
			return there[j]
		}
		return 0
	}
	var out []Reorder
	orderPairs(s, func(i int) bool { return here[i] > 0 }, func(x, y int) {
		tx, ty := at(x), at(y)
		if tx == 0 || ty == 0 {
			return
		}
		was, now := relation(here[x], here[y]), relation(tx, ty)
		if k == 1 {
			was, now = now, was
		}
		if was == now {
			return
		}
		a, b := m.name(k, x), m.name(k, y)
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
