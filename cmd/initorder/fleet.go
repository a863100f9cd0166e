package main

import (
	"bufio"
	"io"
	"sort"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
)

// fleet holds the findings of a check: those of the root (or of the
// layout file itself), and with --layout those of each group of nodes
// that boot alike, once for the group. They are copied node by node only
// as they are written: 10,000 nodes with a few thousand findings each
// would otherwise hold tens of millions of copies.
type fleet struct {
	base   []graph.Finding // sorted, no node
	groups []fleetGroup
}

// fleetGroup is a group of nodes and their findings, sorted, with no node.
type fleetGroup struct {
	nodes []string
	fs    []graph.Finding
}

// all returns every finding, each group's copied for each of its nodes,
// sorted (graph.SortFindings).
func (f *fleet) all() []graph.Finding {
	out := append([]graph.Finding(nil), f.base...)
	for _, g := range f.groups {
		out = append(out, graph.PerNode(g.fs, g.nodes)...)
	}
	graph.SortFindings(out)
	return out
}

// write renders the findings as render.Findings renders all(); in text,
// node by node, as they go.
func (f *fleet) write(w io.Writer, format string, o render.Options) error {
	if format != "text" || len(f.groups) == 0 {
		return render.Findings(w, format, f.all(), o)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := render.Findings(bw, format, f.base, o); err != nil {
		return err
	}
	type node struct {
		name  string
		group int
	}
	var nodes []node
	for k, g := range f.groups {
		for _, n := range g.nodes {
			nodes = append(nodes, node{n, k})
		}
	}
	sort.Slice(nodes, func(a, b int) bool { return nodes[a].name < nodes[b].name })
	for _, n := range nodes {
		if err := render.Findings(bw, format, graph.PerNode(f.groups[n.group].fs, []string{n.name}), o); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// counts returns how many findings there are of each severity, each
// group's counted once for each of its nodes.
func (f *fleet) counts() (n [3]int) {
	add := func(fs []graph.Finding, times int) {
		for _, x := range fs {
			if x.Severity >= graph.Info && x.Severity <= graph.Error {
				n[x.Severity] += times
			}
		}
	}
	add(f.base, 1)
	for _, g := range f.groups {
		add(g.fs, len(g.nodes))
	}
	return n
}

// summary is render.Summary of all().
func (f *fleet) summary() string {
	n := f.counts()
	return render.SummaryOf(n[graph.Error], n[graph.Warning], n[graph.Info])
}

// reaches reports whether some finding is at or above sev.
func (f *fleet) reaches(sev graph.Severity) bool {
	n := f.counts()
	for s := sev; s <= graph.Error; s++ {
		if s >= graph.Info && n[s] > 0 {
			return true
		}
	}
	return false
}
