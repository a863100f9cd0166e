package systemd

import (
	"fmt"

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
			victim := -1
			for _, v := range c.Services {
				if !matters[v] {
					victim = v
					break
				}
			}
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
	matters := b.matters()
	needs := map[[2]int]bool{}
	for _, e := range g.Edges {
		if e.Kind.Needs() {
			needs[[2]int{e.From, e.To}] = true
		}
	}
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
