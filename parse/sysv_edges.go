package parse

import (
	"fmt"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// addEdges turns the header keywords of every script into edges:
// Required-Start, Should-Start and X-Start-Before for a start, their
// -Stop counterparts for a stop. A facility stands for its members; a
// member written "+name" is optional: its edge keeps the keyword it was
// written with but is Soft, so it orders without being needed.
func (b *sysvBuilder) addEdges(stop bool) {
	g := b.sv.Graph
	type fieldKind struct {
		f    *Field
		kind graph.Kind
	}
	for i := range g.Services {
		s := b.sv.Scripts[g.Services[i].Name]
		if s == nil || s.Header == nil {
			continue
		}
		h := s.Header
		fields := []fieldKind{{&h.RequiredStart, graph.RequiredStart}, {&h.ShouldStart, graph.ShouldStart}, {&h.XStartBefore, graph.StartBefore}}
		if stop {
			fields = []fieldKind{{&h.RequiredStop, graph.RequiredStop}, {&h.ShouldStop, graph.ShouldStop}, {&h.XStopAfter, graph.StopAfter}}
		}
		seen := map[[2]int]int{} // (to, kind) -> index of the edge in g.Edges
		for _, fk := range fields {
			for _, name := range fk.f.Values {
				if name == "$all" {
					continue // a phase of its own, see enable
				}
				required := fk.kind.Needs()
				unknown := b.resolve(name, required, map[string]bool{}, func(to int, req bool) {
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
// analyses can say so. It returns the facilities that nothing defines:
// insserv only warns about those.
func (b *sysvBuilder) resolve(name string, required bool, visiting map[string]bool, add func(to int, required bool)) (unknown []string) {
	if i, ok := b.provider[name]; ok {
		add(i, required)
		return nil
	}
	if fac := b.sv.Facilities[name]; fac != nil {
		if visiting[name] {
			return nil
		}
		visiting[name] = true
		for _, m := range fac.Members {
			unknown = append(unknown, b.resolve(m.Name, required && !m.Optional, visiting, add)...)
		}
		return unknown
	}
	if strings.HasPrefix(name, "$") {
		return []string{name}
	}
	if !required {
		return nil
	}
	g := b.sv.Graph
	i, ok := g.Lookup(name)
	if !ok {
		i = g.Add(graph.Service{Name: name, Init: "sysv", Phase: graph.NotStarted, Missing: true})
	}
	add(i, true)
	return nil
}

// dependsOnAll reports, as a cycle, an edge that makes a script wait for
// one that needs $all in the same runlevel: insserv refuses it ("depends
// on b and therefore on system facility $all which can not be true!").
func (b *sysvBuilder) dependsOnAll(e graph.Edge) bool {
	first, then, ok := e.Ordering()
	g := b.sv.Graph
	if !ok || !b.hasAll[first] || b.hasAll[then] {
		return false
	}
	f, t := &g.Services[first], &g.Services[then]
	if !t.Started() || b.allPhase[t.Phase] != f.Phase {
		return false
	}
	b.sv.Findings = append(b.sv.Findings, graph.Finding{
		Kind: graph.KindCycle, Severity: graph.Error, Services: []string{t.Name, f.Name},
		Message: fmt.Sprintf("%s %s %s, which needs $all: it would wait for itself (insserv: loop)", g.Services[e.From].Name, e.Kind, g.Services[e.To].Name),
		Sources: []graph.Pos{e.Pos},
	})
	return true
}

// orderHeaderless orders the started scripts that have no LSB header by
// their link number, the only order they have: each starts after every
// script of its phase with a lower number. To stay linear, a headerless
// script is ordered after the scripts since the previous headerless one,
// and after that one. Scripts with headers keep their own dependencies.
func (b *sysvBuilder) orderHeaderless() {
	g := b.sv.Graph
	byPhase := map[int][]int{}
	for i := range g.Services {
		if s := &g.Services[i]; s.Started() && !s.Missing {
			byPhase[s.Phase] = append(byPhase[s.Phase], i)
		}
	}
	for _, idx := range byPhase {
		sort.Slice(idx, func(a, c int) bool {
			x, y := &g.Services[idx[a]], &g.Services[idx[c]]
			if x.Number != y.Number {
				return x.Number < y.Number
			}
			return x.Link < y.Link
		})
		var pending, lastHeaderless []int
		for start := 0; start < len(idx); {
			end := start
			for end < len(idx) && g.Services[idx[end]].Number == g.Services[idx[start]].Number {
				end++
			}
			var headerless, headered []int
			for _, i := range idx[start:end] {
				if s := b.sv.Scripts[g.Services[i].Name]; s != nil && s.Header == nil {
					headerless = append(headerless, i)
				} else {
					headered = append(headered, i)
				}
			}
			for _, x := range headerless {
				g.Services[x].Note = "no LSB header: ordered by its link number"
				b.sv.Findings = append(b.sv.Findings, graph.Finding{
					Kind: graph.KindNoHeader, Severity: graph.Info, Services: []string{g.Services[x].Name},
					Message: g.Services[x].Name + " has no LSB header: it is ordered by its link number " + g.Services[x].Link,
					Sources: []graph.Pos{{File: g.Services[x].Source.File}},
				})
				for _, y := range append(append([]int(nil), pending...), lastHeaderless...) {
					g.AddEdge(graph.Edge{From: x, To: y, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[x].Link}})
				}
			}
			if len(headerless) > 0 {
				pending, lastHeaderless = headered, headerless
			} else {
				pending = append(pending, headered...)
			}
			start = end
		}
	}
}
