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
	base     []graph.Finding // sorted, no node
	root     string          // without a layout: the root, and the services it boots
	services []string
	groups   []fleetGroup
}

// fleetGroup is a group of nodes and their findings, sorted, with no
// node, and the services they boot (for JUnit's test cases).
type fleetGroup struct {
	nodes    []string
	fs       []graph.Finding
	services []string
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
// node by node, as they go. JUnit has a suite for each node (without a
// layout, for the root) with a test case for each service it boots.
func (f *fleet) write(w io.Writer, format string, o render.Options) error {
	if format == "junit" {
		return f.writeJUnit(w)
	}
	if format != "text" && format != "codequality" || len(f.groups) == 0 {
		return render.Findings(w, format, f.all(), o)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var cq *render.CodeQualityWriter
	write := func(fs []graph.Finding) error { return render.Findings(bw, format, fs, o) }
	if format == "codequality" {
		cq = render.NewCodeQuality(bw)
		write = cq.Findings
	}
	if err := write(f.base); err != nil {
		return err
	}
	for _, n := range f.nodes() {
		if err := write(graph.PerNode(f.groups[n.group].fs, []string{n.name})); err != nil {
			return err
		}
	}
	if cq != nil {
		if err := cq.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeJUnit writes a JUnit suite for the root, or for the layout file's
// own findings (if any) and then each node, as they go.
func (f *fleet) writeJUnit(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	j := render.NewJUnit(bw)
	if len(f.groups) == 0 || len(f.base) > 0 {
		name := f.root
		if len(f.groups) > 0 {
			name = "layout"
		}
		j.Suite(render.Suite{Name: name, Services: f.services, Findings: f.base})
	}
	for _, n := range f.nodes() {
		g := f.groups[n.group]
		j.Suite(render.Suite{Name: n.name, Services: g.services, Findings: graph.PerNode(g.fs, []string{n.name})})
	}
	if err := j.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// fleetNode is a node and the index of its group.
type fleetNode struct {
	name  string
	group int
}

// nodes lists every node of the groups, sorted by name.
func (f *fleet) nodes() []fleetNode {
	var nodes []fleetNode
	for k, g := range f.groups {
		for _, n := range g.nodes {
			nodes = append(nodes, fleetNode{n, k})
		}
	}
	sort.Slice(nodes, func(a, b int) bool { return nodes[a].name < nodes[b].name })
	return nodes
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
