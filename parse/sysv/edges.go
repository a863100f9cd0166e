package sysv

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// addEdges turns the header keywords of every script into edges:
// Required-Start, Should-Start and X-Start-Before for a start, their
// -Stop counterparts for a stop. A facility stands for its members; a
// member written "+name" is optional: its edge keeps the keyword it was
// written with but is Soft, so it orders without being needed.
func (b *builder) addEdges(stop bool) {
	g := b.sv.Graph
	type fieldKind struct {
		f    Field
		kind graph.Kind
	}
	for i := range g.Services {
		s := b.sv.Scripts[g.Services[i].Name]
		if s == nil || s.Header == nil {
			continue
		}
		h := s.Header
		fields := []fieldKind{{h.Field("Required-Start"), graph.RequiredStart}, {h.Field("Should-Start"), graph.ShouldStart}, {h.Field("X-Start-Before"), graph.StartBefore}}
		if stop {
			fields = []fieldKind{{h.Field("Required-Stop"), graph.RequiredStop}, {h.Field("Should-Stop"), graph.ShouldStop}, {h.Field("X-Stop-After"), graph.StopAfter}}
		}
		seen := map[[2]int]int{} // (to, kind) -> index of the edge in g.Edges
		for _, fk := range fields {
			for _, name := range fk.f.Values {
				if name == "$all" {
					continue // a phase of its own, see enable
				}
				// insserv accepts a Required-Stop on a script that does not
				// stop in that runlevel: a stop dependency only orders.
				required := fk.kind.Needs() && !stop
				unknown, loops := b.resolve(name, required, nil, func(to int, req bool) {
					key := [2]int{to, int(fk.kind)}
					soft := fk.kind.Needs() && !req
					if k, dup := seen[key]; dup || to == i {
						if dup && !soft {
							g.Edges[k].Soft = false // needed after all, through another name
						}
						return
					}
					via := ""
					if name != g.Services[to].Name {
						via = name
					}
					e := graph.Edge{From: i, To: to, Kind: fk.kind, Pos: fk.f.Pos, Via: via, Soft: soft}
					if b.dependsOnAll(e) {
						return
					}
					seen[key] = len(g.Edges)
					g.AddEdge(e)
				})
				for _, loop := range loops {
					fac := b.sv.Facilities[loop[0]]
					b.sv.Findings = append(b.sv.Findings, graph.Finding{
						Kind: graph.KindCycle, Severity: graph.Error, Services: loop,
						Message: fmt.Sprintf("facility loop %s -> %s (insserv: Loop detected during expanding system facilities)", strings.Join(loop, " -> "), loop[0]),
						Sources: []graph.Pos{fac.Pos},
					})
				}
				// insserv 1.24 warns "could not find all dependencies"
				// for a Required-Start or Required-Stop facility only;
				// an undefined one in Should-Start, Should-Stop,
				// X-Start-Before or X-Stop-After is silently nothing
				// (experiment: Raspbian's bootlogs, Should-Start:
				// $x-display-manager; mountnfs.sh, Should-Start: $portmap).
				if !fk.kind.Needs() {
					unknown = nil
				}
				for _, fac := range unknown {
					b.sv.Findings = append(b.sv.Findings, graph.Finding{
						Kind: graph.KindMissingDependency, Severity: graph.Warning,
						Services: []string{g.Services[i].Name, fac},
						Message: fmt.Sprintf("%s %s %s: no insserv.conf line defines %s, so it orders nothing (insserv: could not find all dependencies)",
							g.Services[i].Name, fk.kind, name, fac),
						Sources: []graph.Pos{fk.f.Pos},
					})
				}
			}
		}
	}
}

// resolve calls add for every service that name stands for: the script
// that provides it, or the members of the facility it names. A required
// name that nothing provides becomes a missing service, so that the
// analyses can say so. It returns the facilities that nothing defines
// (insserv only warns about those) and the facility loops it met (path:
// the facilities being expanded).
func (b *builder) resolve(name string, required bool, path []string, add func(to int, required bool)) (unknown []string, loops [][]string) {
	if i, ok := b.providerOf(name); ok {
		add(i, required)
		return nil, nil
	}
	if fac := b.sv.Facilities[name]; fac != nil {
		if k := slices.Index(path, name); k >= 0 {
			if !b.loopSeen[name] {
				b.loopSeen[name] = true
				return nil, [][]string{slices.Clone(path[k:])}
			}
			return nil, nil
		}
		path = append(path, name)
		for _, m := range fac.Members {
			u, l := b.resolve(m.Name, required && !m.Optional, path, add)
			unknown, loops = append(unknown, u...), append(loops, l...)
		}
		return unknown, loops
	}
	if strings.HasPrefix(name, "$") {
		return []string{name}, nil
	}
	if !required {
		return nil, nil
	}
	add(b.missing(name), true)
	return nil, nil
}

// missing returns the service standing for a name nothing provides. insserv
// resolves names through Provides only: a script's file name is not one,
// so where a script has that name the stand-in says so.
func (b *builder) missing(name string) int {
	g := b.sv.Graph
	s := graph.Service{Name: name, Init: "sysv", Phase: graph.NotStarted, Missing: true}
	if i, ok := g.Lookup(name); ok && g.Services[i].Missing {
		return i
	} else if ok {
		s.Name = name + " (not provided)"
		s.Note = name + " is a script's file name, which no script provides (insserv resolves names through Provides only)"
	}
	if i, ok := g.Lookup(s.Name); ok {
		return i
	}
	return g.Add(s)
}

// dependsOnAll drops an edge that makes a script wait for one that must
// come after it because of $all, and reports it: insserv refuses a script
// that depends on a $all script as a loop ("depends on b and therefore on
// system facility $all which can not be true!"), and drops the edge
// between two $all scripts (they are not ordered among themselves).
func (b *builder) dependsOnAll(e graph.Edge) bool {
	first, then, ok := e.Ordering()
	g := b.sv.Graph
	f, t := &g.Services[first], &g.Services[then]
	if !ok || !f.Started() || !t.Started() || (!b.hasAll[first] && !b.hasAll[then]) {
		return false
	}
	if b.allPhase[f.Phase] != b.allPhase[t.Phase] {
		return false // different runlevels: the phases order them
	}
	from, to := g.Services[e.From].Name, g.Services[e.To].Name
	switch {
	case b.hasAll[first] && b.hasAll[then]:
		b.sv.Findings = append(b.sv.Findings, graph.Finding{
			Kind: graph.KindCycle, Severity: graph.Warning, Services: []string{from, to},
			Message: fmt.Sprintf("%s %s %s, but both need $all: insserv drops this order and starts them together", from, e.Kind, to),
			Sources: []graph.Pos{e.Pos},
		})
		return true
	case f.Phase > t.Phase: // first comes in a later phase than then
		withAll := f.Name
		if b.hasAll[then] {
			withAll = t.Name
		}
		b.sv.Findings = append(b.sv.Findings, graph.Finding{
			Kind: graph.KindCycle, Severity: graph.Error, Services: []string{t.Name, f.Name},
			Message: fmt.Sprintf("%s %s %s, but %s needs $all: it would wait for itself (insserv: loop)", from, e.Kind, to, withAll),
			Sources: []graph.Pos{e.Pos},
		})
		return true
	}
	return false
}

// orderHeaderless orders the started scripts that have no LSB header by
// their link number, the only order they have: each starts after every
// script of its phase with a lower number. Scripts with headers keep
// their own dependencies. To stay linear, the order goes through one
// hidden barrier per link number: the barrier of a number comes after
// every script of the number before it and after that number's barrier.
func (b *builder) orderHeaderless() {
	g := b.sv.Graph
	byPhase := map[int][]int{}
	for i := range g.Services {
		if s := &g.Services[i]; s.Started() && !s.Missing && !s.Hidden {
			byPhase[s.Phase] = append(byPhase[s.Phase], i)
		}
	}
	phases := make([]int, 0, len(byPhase))
	for p := range byPhase {
		phases = append(phases, p)
	}
	sort.Ints(phases)
	for _, p := range phases {
		idx := byPhase[p]
		sort.Slice(idx, func(a, c int) bool {
			x, y := &g.Services[idx[a]], &g.Services[idx[c]]
			if x.Number != y.Number {
				return x.Number < y.Number
			}
			return x.Link < y.Link
		})
		var groups [][]int
		last := -1 // the last group with a headerless script
		for k, i := range idx {
			if k == 0 || g.Services[i].Number != g.Services[idx[k-1]].Number {
				groups = append(groups, nil)
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], i)
			if s := b.sv.Scripts[g.Services[i].Name]; s != nil && s.Header == nil {
				last = len(groups) - 1
			}
		}
		barrier := -1
		for k := 1; k <= last; k++ {
			prev := barrier
			barrier = g.Add(graph.Service{
				Name: fmt.Sprintf("(%s links below %02d)", g.Phases[p], g.Services[groups[k][0]].Number),
				Init: "sysv", Phase: p, Hidden: true,
			})
			pos := graph.Pos{File: g.Services[groups[k][0]].Link}
			if prev >= 0 {
				g.AddEdge(graph.Edge{From: barrier, To: prev, Kind: graph.Sequence, Pos: pos})
			}
			for _, y := range groups[k-1] {
				g.AddEdge(graph.Edge{From: barrier, To: y, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[y].Link}})
			}
			for _, x := range groups[k] {
				if s := b.sv.Scripts[g.Services[x].Name]; s != nil && s.Header == nil {
					g.AddEdge(graph.Edge{From: x, To: barrier, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[x].Link}})
				}
			}
		}
		for _, i := range idx {
			s := b.sv.Scripts[g.Services[i].Name]
			if s == nil || s.Header != nil {
				continue
			}
			sv := &g.Services[i]
			if s.Unread {
				sv.Note = "unreadable: ordered by its link number"
				continue
			}
			sv.Note = "no LSB header: ordered by its link number"
			b.sv.Findings = append(b.sv.Findings, graph.Finding{
				Kind: graph.KindNoHeader, Severity: graph.Info, Services: []string{sv.Name},
				Message: sv.Name + " has no LSB header: it is ordered by its link number " + sv.Link,
				Sources: []graph.Pos{{File: sv.Source.File}},
			})
		}
	}
}
