package main

import (
	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
)

// fleet holds the findings of a check (render.Fleet): those of the root
// (or of the layout file itself), and with --layout those of each group
// of nodes that boot alike, once for the group. They are copied node by
// node only as they are written (render.FleetFindings): 10,000 nodes
// with a few hundred findings each would otherwise hold millions of
// copies.
type fleet struct{ render.Fleet }

// summary is render.Summary of every node's findings.
func (f *fleet) summary() string {
	return render.SummaryOf(f.Counts())
}

// reaches reports whether some finding is at or above sev.
func (f *fleet) reaches(sev graph.Severity) bool {
	var n [3]int
	n[graph.Error], n[graph.Warning], n[graph.Info] = f.Counts()
	for s := sev; s <= graph.Error; s++ {
		if s >= graph.Info && n[s] > 0 {
			return true
		}
	}
	return false
}
