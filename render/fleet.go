package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"

	"github.com/initorder/initorder/graph"
)

// Fleet is what a check found: the findings of no node (the root's, or
// a layout file's own) and, with a layout, those of each group of nodes
// that boot alike, once for the group. A fleet of 10,000 nodes over 50
// role sets holds 50 groups' findings, not 10,000 copies: FleetFindings
// copies them to each node only as it writes them, or, with
// Options.GroupNodes, writes each distinct finding once with the groups
// of nodes it holds on.
type Fleet struct {
	Name     string          // JUnit's suite for the findings of no node: the root, or "layout"
	Services []string        // without a layout, the services the root boots (BootNames)
	Findings []graph.Finding // of no node, sorted (graph.SortFindings)
	Groups   []NodeGroup
}

// NodeGroup is nodes that boot alike: the same root and the same roles
// (graph.Layout.Groups).
type NodeGroup struct {
	Nodes    []string        // sorted
	Roles    []string        // sorted
	Root     string          // the nodes' own root, or "" for the root of the command
	Services []string        // the services they boot (BootNames)
	Findings []graph.Finding // sorted, with no node
}

// FleetFindings writes the findings of f in the given format as Findings
// writes them all, each group's copied to each of its nodes and sorted,
// byte for byte; but node by node as it goes, so that the output of a
// fleet, which can run to gigabytes, is never in memory. JUnit has a
// suite for each node (without a layout, for the root) with a test case
// for each service it boots. With o.GroupNodes it writes the grouped
// form instead (see groupedFindings).
func FleetFindings(w io.Writer, format string, f *Fleet, o Options) error {
	if o.GroupNodes {
		return groupedFindings(w, format, f, o)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	s, err := newNodeSink(bw, format, f, o)
	if err != nil {
		return err
	}
	if len(f.Groups) == 0 || len(f.Findings) > 0 {
		if err := s.suite(f.Name, f.Services, f.Findings); err != nil {
			return err
		}
	}
	for _, n := range fleetNodes(f.Groups) {
		g := &f.Groups[n.group]
		if err := s.suite(n.name, g.Services, graph.PerNode(g.Findings, []string{n.name})); err != nil {
			return err
		}
	}
	if err := s.close(); err != nil {
		return err
	}
	return bw.Flush()
}

// nodeSink writes the findings of one node (or of none) after another,
// as one document.
type nodeSink interface {
	// suite writes the findings fs of the node name, which boots
	// services; fs all have that node, or none.
	suite(name string, services []string, fs []graph.Finding) error
	close() error
}

func newNodeSink(w *bufio.Writer, format string, f *Fleet, o Options) (nodeSink, error) {
	switch format {
	case "text", "":
		return textSink{w, o}, nil
	case "json":
		s, err := newJSONStream(w)
		return findingSink{s.add, s.close}, err
	case "sarif":
		s, err := newSARIFStream(w, fleetKinds(f))
		if err != nil {
			return nil, err
		}
		return findingSink{s.add, s.close}, nil
	case "junit":
		return junitSink{NewJUnit(w)}, nil
	case "codequality":
		c := NewCodeQuality(w)
		return findingSink{c.add, c.Close}, nil
	}
	return nil, fmt.Errorf("unknown format %q for findings (want text, json, sarif, junit or codequality)", format)
}

// textSink writes text as Findings does: a node's findings after a line
// "== node NAME".
type textSink struct {
	w *bufio.Writer
	o Options
}

func (s textSink) suite(_ string, _ []string, fs []graph.Finding) error {
	textFindings(s.w, fs, s.o)
	return nil
}

func (s textSink) close() error { return nil }

// findingSink writes finding by finding.
type findingSink struct {
	add func(graph.Finding) error
	end func() error
}

func (s findingSink) suite(_ string, _ []string, fs []graph.Finding) error {
	for _, f := range fs {
		if err := s.add(f); err != nil {
			return err
		}
	}
	return nil
}

func (s findingSink) close() error { return s.end() }

// junitSink writes a test suite a node.
type junitSink struct{ j *JUnitWriter }

func (s junitSink) suite(name string, services []string, fs []graph.Finding) error {
	return s.j.Suite(Suite{Name: name, Services: services, Findings: fs})
}

func (s junitSink) close() error { return s.j.Close() }

// fleetNode is a node and the index of its group.
type fleetNode struct {
	name  string
	group int
}

// fleetNodes lists every node of the groups, sorted by name.
func fleetNodes(groups []NodeGroup) []fleetNode {
	var nodes []fleetNode
	for k, g := range groups {
		for _, n := range g.Nodes {
			nodes = append(nodes, fleetNode{n, k})
		}
	}
	sort.Slice(nodes, func(a, b int) bool { return nodes[a].name < nodes[b].name })
	return nodes
}

// fleetKinds returns the kinds of f's findings, for SARIF's rules.
func fleetKinds(f *Fleet) map[string]bool {
	kinds := sarifKinds(f.Findings)
	for _, g := range f.Groups {
		for k := range sarifKinds(g.Findings) {
			kinds[k] = true
		}
	}
	return kinds
}

// Counts returns how many findings of each severity f has, those of a
// group counted once for each of its nodes: the numbers of Summary.
func (f *Fleet) Counts() (errors, warnings, infos int) {
	var n [3]int
	add := func(fs []graph.Finding, times int) {
		for _, x := range fs {
			if x.Severity >= graph.Info && x.Severity <= graph.Error {
				n[x.Severity] += times
			}
		}
	}
	add(f.Findings, 1)
	for _, g := range f.Groups {
		add(g.Findings, len(g.Nodes))
	}
	return n[graph.Error], n[graph.Warning], n[graph.Info]
}
