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
		if err := s.node(n.name, n.group); err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress()
		}
	}
	if err := s.close(); err != nil {
		return err
	}
	return bw.Flush()
}

// findingWriter writes findings, those of one node or none after
// another, as one document.
type findingWriter interface {
	// suite writes fs, findings of the node or root name, which boots
	// services; fs all have that node, or none.
	suite(name string, services []string, fs []graph.Finding) error
	close() error
}

// nodeSink is a findingWriter that also writes the findings of a node
// of the fleet.
type nodeSink interface {
	findingWriter
	// node writes the findings of the node name, of group k.
	node(name string, k int) error
}

func newNodeSink(w *bufio.Writer, format string, f *Fleet, o Options) (nodeSink, error) {
	var s findingWriter
	switch format {
	case "text", "":
		s = textSink{w, o}
	case "json":
		js, err := newJSONStream(w)
		if err != nil {
			return nil, err
		}
		s = findingSink{js.add, js.close}
	case "sarif":
		ss, err := newSARIFStream(w, fleetKinds(f))
		if err != nil {
			return nil, err
		}
		s = findingSink{ss.add, ss.close}
	case "junit":
		return &junitSink{j: NewJUnit(w), groups: f.Groups, tmpl: map[int]suiteTemplate{}}, nil
	case "codequality":
		c := NewCodeQuality(w)
		s = findingSink{c.add, c.Close}
	default:
		return nil, fmt.Errorf("unknown format %q for findings (want text, json, sarif, junit or codequality)", format)
	}
	return perNode{s, f.Groups}, nil
}

// perNode gives a sink each node's copy of its group's findings.
type perNode struct {
	findingWriter
	groups []NodeGroup
}

func (p perNode) node(name string, k int) error {
	g := &p.groups[k]
	return p.suite(name, g.Services, graph.PerNode(g.Findings, []string{name}))
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

// junitSink writes a test suite a node. The suites of a group's nodes
// differ only by name: each is a copy of the bytes of the group's first,
// with its name (a test case for each of 10,000 services on each of
// 10,000 nodes is 100 million test cases to encode, else). The copies
// kept are bounded by maxTemplates bytes; past it, a suite is made anew.
type junitSink struct {
	j      *JUnitWriter
	groups []NodeGroup
	tmpl   map[int]suiteTemplate // by group
	size   int
}

// maxTemplates bounds the bytes of the suites junitSink keeps.
const maxTemplates = 64 << 20

func (s *junitSink) suite(name string, services []string, fs []graph.Finding) error {
	return s.j.Suite(Suite{Name: name, Services: services, Findings: fs})
}

func (s *junitSink) node(name string, k int) error {
	g := &s.groups[k]
	t, ok := s.tmpl[k]
	if !ok {
		t = s.j.template(Suite{Services: g.Services, Findings: g.Findings})
		if n := t.size(); s.size+n <= maxTemplates {
			s.tmpl[k] = t
			s.size += n
		}
	}
	if t == nil {
		return s.suite(name, g.Services, graph.PerNode(g.Findings, []string{name}))
	}
	return s.j.suiteAs(t, name)
}

func (s *junitSink) close() error { return s.j.Close() }

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
