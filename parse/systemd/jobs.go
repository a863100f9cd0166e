package systemd

import (
	"fmt"
	"slices"
	"sort"

	"github.com/initorder/initorder/graph"
)

// What the manager decides about the jobs of a transaction once it is
// built: which start jobs Conflicts= drops, which one it deletes to break
// an ordering cycle, and what cannot hold together.

// breakCycles breaks each ordering cycle as the manager does
// (transaction_verify_order_one): it deletes the start job of a unit of
// the cycle that does not matter to the target — one nothing on the way
// from the target Requires or BindsTo — and says which. A cycle of units
// that all matter makes the transaction fail; it is reported as such.
func (b *builder) breakCycles() {
	g := b.boot.Graph
	matters := b.matters()
	for round := 0; round < 100; round++ {
		cycles := graph.Cycles(g)
		if len(cycles) == 0 {
			return
		}
		for _, c := range cycles {
			f := c.Finding(g)
			victim := b.cycleVictim(c, matters)
			if victim < 0 {
				f.Message += ": every unit of it matters to " + b.boot.Target + ", so the transaction fails"
				b.boot.Findings = append(b.boot.Findings, f)
				for _, v := range c.Services {
					g.Services[v].Phase, g.Services[v].Pulled = graph.NotStarted, false
					g.Services[v].Note = "is on an ordering cycle the manager cannot break"
				}
				continue
			}
			f.Message += fmt.Sprintf(": systemd deletes the start job of %s to break it", g.Services[victim].Name)
			b.boot.Findings = append(b.boot.Findings, f)
			s := &g.Services[victim]
			s.Phase, s.Pulled, s.Note = graph.NotStarted, false, "has its start job deleted to break an ordering cycle"
		}
		// What needed a deleted job does not start either.
		b.boot.Findings = append(b.boot.Findings, graph.Start(g)...)
	}
}

// cycleVictim picks the unit of the loop c whose start job goes: one
// that does not matter to the target (transaction_verify_order_one,
// src/core/transaction.c:379-388, deletes the first such job on the loop
// it walks, in an order that depends on hash tables). initorder prefers
// a unit without which no loop is left among the units of c's component
// (one deletion, where a peripheral unit of the loop would take several
// rounds), a unit that is not a target over a target, and otherwise the
// loop's order. -1 when every unit of the loop matters.
func (b *builder) cycleVictim(c graph.Cycle, matters []bool) int {
	g := b.boot.Graph
	var candidates []int
	for _, v := range c.Services {
		if !matters[v] && !g.Services[v].Hidden { // a barrier has no job
			candidates = append(candidates, v)
		}
	}
	if len(candidates) == 0 {
		return -1
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		return !g.Services[candidates[i]].Target && g.Services[candidates[j]].Target
	})
	for k, v := range candidates {
		if k == 8 {
			break // each try costs a search of the whole graph
		}
		s := &g.Services[v]
		phase := s.Phase
		s.Phase = graph.NotStarted
		still := false
		for _, other := range graph.Cycles(g) {
			if slices.ContainsFunc(other.Services, func(w int) bool { return slices.Contains(c.Services, w) }) {
				still = true
				break
			}
		}
		s.Phase = phase
		if !still {
			return v
		}
	}
	return candidates[0]
}

// matters returns the units the target needs: reachable from it through
// Requires=, BindsTo= and Requisite= (job_matters_to_anchor).
func (b *builder) matters() []bool {
	g := b.boot.Graph
	m := make([]bool, len(g.Services))
	start, ok := b.lookup(b.boot.Target)
	if !ok {
		return m
	}
	m[start] = true
	stack := []int{start}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range g.Out(v) {
			e := g.Edges[k]
			if e.Kind.Needs() && !m[e.To] {
				m[e.To] = true
				stack = append(stack, e.To)
			}
		}
	}
	return m
}

// resolveConflicts does what the manager does when two units of the
// transaction conflict: the start job of the one that does not matter to
// the target is dropped (lightdm Conflicts=plymouth-quit.service: the
// plymouth-quit a target only wants does not start); when both matter,
// the transaction fails.
func (b *builder) resolveConflicts() {
	g := b.boot.Graph
	conflicts := map[[2]int]bool{}
	for _, e := range g.Edges {
		if e.Kind == graph.Conflicts {
			conflicts[[2]int{e.From, e.To}] = true
		}
	}
	if len(conflicts) == 0 {
		return
	}
	needs := map[[2]int]bool{} // of the pairs that conflict
	for _, e := range g.Edges {
		if e.Kind.Needs() && conflicts[[2]int{e.From, e.To}] {
			needs[[2]int{e.From, e.To}] = true
		}
	}
	matters := b.matters()
	for _, e := range g.Edges {
		if e.Kind != graph.Conflicts {
			continue
		}
		a, c := &g.Services[e.From], &g.Services[e.To]
		if !a.Started() || !c.Started() {
			continue
		}
		if needs[[2]int{e.From, e.To}] {
			// A start job and a stop job for the same unit: the
			// transaction cannot hold a's jobs.
			b.boot.Findings = append(b.boot.Findings, graph.Finding{
				Kind: graph.KindOrderConflict, Severity: graph.Error, Services: []string{a.Name, c.Name},
				Message: fmt.Sprintf("%s both needs and Conflicts= %s: the transaction cannot hold both, and %s does not start", a.Name, c.Name, a.Name),
				Sources: []graph.Pos{e.Pos},
			})
			a.Phase, a.Pulled, a.Note = graph.NotStarted, false, "needs and conflicts with "+c.Name
			continue
		}
		drop, keep := c, a
		if matters[e.To] && !matters[e.From] {
			drop, keep = a, c
		}
		f := graph.Finding{Kind: graph.KindOrderConflict, Severity: graph.Info, Services: []string{drop.Name, keep.Name}, Sources: []graph.Pos{e.Pos}}
		if matters[e.From] && matters[e.To] {
			f.Severity = graph.Error
			f.Message = fmt.Sprintf("%s Conflicts=%s, and %s needs both: the transaction fails", a.Name, c.Name, b.boot.Target)
		} else if !matters[e.From] && !matters[e.To] && conflicts[[2]int{e.To, e.From}] {
			if e.From > e.To {
				continue // the pair is told once
			}
			// Each conflicts with the other and neither matters: each
			// unit has a start and a stop job, and which start job
			// delete_one_unmergeable_job (src/core/transaction.c)
			// drops depends on the order it meets them in its hash
			// tables (tuned and power-profiles-daemon went both ways
			// in ten runs). One-way, the conflicted unit's start job
			// goes, always (below).
			f.Severity = graph.Warning
			f.Message = fmt.Sprintf("%s Conflicts=%s, and %s only wants both: systemd drops the start job of one of them, and which one varies from boot to boot (listed here: %s dropped)", a.Name, c.Name, b.boot.Target, drop.Name)
			drop.Phase, drop.Pulled, drop.Note = graph.NotStarted, false, "may be dropped from the transaction: "+a.Name+" Conflicts= it, and systemd drops one of the two"
		} else {
			f.Message = fmt.Sprintf("%s Conflicts=%s: systemd drops the start job of %s, which %s only wants", a.Name, c.Name, drop.Name, b.boot.Target)
			drop.Phase, drop.Pulled, drop.Note = graph.NotStarted, false, "is dropped from the transaction: "+a.Name+" Conflicts= it"
		}
		b.boot.Findings = append(b.boot.Findings, f)
	}
}

// contradictions reports a Requisite= on a unit that is not ordered
// before: the requisite may not be active yet. One reachability index
// answers every Requisite=, so the cost stays linear.
func (b *builder) contradictions() []graph.Finding {
	g := b.boot.Graph
	var fs []graph.Finding
	var reach *graph.Reach
	for _, e := range g.Edges {
		from, to := &g.Services[e.From], &g.Services[e.To]
		if !from.Started() || !to.Started() {
			continue
		}
		switch e.Kind {
		case graph.Requisite:
			if reach == nil {
				reach = graph.NewReach(g)
			}
			if reach.Ordered(e.To, e.From) {
				continue
			}
			fs = append(fs, graph.Finding{
				Kind: graph.KindRace, Severity: graph.Warning, Services: []string{from.Name, to.Name},
				Message: fmt.Sprintf("%s Requisite=%s, but nothing orders %s before it: %s fails when %s is not active yet", from.Name, to.Name, to.Name, from.Name, to.Name),
				Sources: []graph.Pos{e.Pos},
			})
		}
	}
	return fs
}
