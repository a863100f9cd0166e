package render

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
)

// The grouped form of a fleet's findings (check --group-nodes): each
// distinct finding once, with the groups of nodes it holds on, so that
// the output of a fleet costs what its role sets cost, not nodes ×
// findings. A group is nodes that boot alike (the same root and roles),
// named g1, g2, … in the order of their first node; every node is
// listed once, in its group. Findings alike in all but their node are
// one finding; those of no node (a layout file's own) stay apart.

// grouped is a fleet's findings in the grouped form.
type grouped struct {
	groups   []NodeGroup // sorted by first node: group k is g<k+1>
	findings []groupedFinding
	nodes    int // in all groups
}

// groupedFinding is a distinct finding, with no node, and the groups it
// holds on: none for a finding of no node.
type groupedFinding struct {
	graph.Finding
	groups []int // sorted
	nodes  int   // in those groups
}

// groupFleet returns the grouped form of f: the findings of no node
// first, then each distinct finding of the groups, sorted as
// graph.SortFindings sorts (findings that tie there stay in the order of
// their first group). It runs in O(F log F) time for the F findings of
// f's groups, whatever the number of nodes.
func groupFleet(f *Fleet) *grouped {
	gr := &grouped{groups: slices.Clone(f.Groups)}
	sort.SliceStable(gr.groups, func(a, b int) bool { return firstNode(gr.groups[a]) < firstNode(gr.groups[b]) })
	for _, x := range f.Findings {
		gr.findings = append(gr.findings, groupedFinding{Finding: x})
	}
	seen := map[string]*groupedFinding{}
	var distinct []graph.Finding
	for k, g := range gr.groups {
		gr.nodes += len(g.Nodes)
		for _, x := range g.Findings {
			x.Node = ""
			key := findingKey(x)
			gf := seen[key]
			if gf == nil {
				gf = &groupedFinding{Finding: x}
				seen[key] = gf
				distinct = append(distinct, x)
			}
			if len(gf.groups) == 0 || gf.groups[len(gf.groups)-1] != k {
				gf.groups = append(gf.groups, k)
				gf.nodes += len(g.Nodes)
			}
		}
	}
	graph.SortFindings(distinct)
	for _, x := range distinct {
		gr.findings = append(gr.findings, *seen[findingKey(x)])
	}
	return gr
}

func firstNode(g NodeGroup) string {
	if len(g.Nodes) == 0 {
		return ""
	}
	return g.Nodes[0]
}

// findingKey is what makes a finding distinct: all but its node.
func findingKey(f graph.Finding) string {
	var b strings.Builder
	b.WriteString(f.Kind)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(int(f.Severity)))
	for _, s := range f.Services {
		b.WriteByte(1)
		b.WriteString(s)
	}
	b.WriteByte(0)
	b.WriteString(f.Message)
	for _, p := range f.Sources {
		b.WriteByte(1)
		b.WriteString(p.File)
		b.WriteByte(2)
		b.WriteString(strconv.Itoa(p.Line))
	}
	return b.String()
}

// groupID names group k.
func groupID(k int) string { return "g" + strconv.Itoa(k+1) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// nodesOf says which nodes a finding holds on, for the formats whose
// viewers show only its text: "node db1", "nodes web1, web2",
// "nodes web1, web2, web3 and 197 more", or "all 10000 nodes".
func (gr *grouped) nodesOf(gf groupedFinding) string {
	if len(gf.groups) == len(gr.groups) && gf.nodes > 3 {
		return "all " + strconv.Itoa(gf.nodes) + " nodes"
	}
	var first []string
	for _, k := range gf.groups {
		ns := gr.groups[k].Nodes
		first = append(first, ns[:min(3, len(ns))]...)
	}
	slices.Sort(first)
	first = first[:min(3, len(first))]
	s := "nodes " + strings.Join(first, ", ")
	if gf.nodes == 1 {
		s = "node " + first[0]
	}
	if more := gf.nodes - len(first); more > 0 {
		s += " and " + strconv.Itoa(more) + " more"
	}
	return s
}

// groupedFindings writes the grouped form of f in the given format:
//
//	text         the findings of no node, a line "== group g1 (2 nodes,
//	             roles web): web1 web2" for each group, then the findings
//	             under a line "== on g1 g3 (400 nodes)", "== on every
//	             node (10000 nodes)" or "== on every node but g1 (9800
//	             nodes)" for the groups they hold on, the widest first
//	json         {"nodeGroups": [{"id", "nodes", "roles", "root"}],
//	             "findings": [...]}, each finding as in the per-node
//	             document but with "nodeGroups" (ids) and "nodeCount"
//	             for "node"
//	sarif        one result per finding, its message after the nodes it
//	             holds on (nodesOf), "nodeGroups" and "nodeCount" in its
//	             properties, the groups in the run's properties
//	junit        a test suite per group, the nodes in its properties
//	codequality  an issue per finding, its description after the nodes
func groupedFindings(w io.Writer, format string, f *Fleet, o Options) error {
	gr := groupFleet(f)
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch format {
	case "text", "":
		gr.text(bw, o)
	case "json":
		err = gr.json(bw)
	case "sarif":
		err = gr.sarif(bw)
	case "junit":
		err = gr.junit(bw, f)
	case "codequality":
		c := NewCodeQuality(bw)
		for _, gf := range gr.findings {
			desc := gf.Message
			if len(gf.groups) > 0 {
				desc = gr.nodesOf(gf) + ": " + desc
			}
			c.issue(gf.Finding, desc)
		}
		err = c.Close()
	default:
		return fmt.Errorf("unknown format %q for findings (want text, json, sarif, junit or codequality)", format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// describe is a group's line in text: "g2 (2 nodes, roles web): web1 web2".
func describe(k int, g NodeGroup) string {
	var b strings.Builder
	b.WriteString(groupID(k) + " (" + plural(len(g.Nodes), "node"))
	if len(g.Roles) == 0 {
		b.WriteString(", no roles")
	} else {
		b.WriteString(", roles " + strings.Join(g.Roles, " "))
	}
	if g.Root != "" {
		b.WriteString(", root " + g.Root)
	}
	b.WriteString("): " + strings.Join(g.Nodes, " "))
	return printable(b.String())
}

func (gr *grouped) text(bw *bufio.Writer, o Options) {
	var sets [][]groupedFinding
	bySet := map[string]int{}
	for _, gf := range gr.findings {
		if len(gf.groups) == 0 {
			textFindings(bw, []graph.Finding{gf.Finding}, o)
			continue
		}
		key := fmt.Sprint(gf.groups)
		k, ok := bySet[key]
		if !ok {
			k = len(sets)
			bySet[key] = k
			sets = append(sets, nil)
		}
		sets[k] = append(sets[k], gf)
	}
	for k, g := range gr.groups {
		bw.WriteString("== group " + describe(k, g) + "\n")
	}
	sort.SliceStable(sets, func(a, b int) bool {
		ga, gb := sets[a][0], sets[b][0]
		if ga.nodes != gb.nodes {
			return ga.nodes > gb.nodes
		}
		return slices.Compare(ga.groups, gb.groups) < 0
	})
	for _, set := range sets {
		gf := set[0]
		bw.WriteString("== on " + gr.on(gf.groups) + " (" + plural(gf.nodes, "node") + ")\n")
		for _, gf := range set {
			textFindings(bw, []graph.Finding{gf.Finding}, o)
		}
	}
}

// on names a set of groups in text: "g1 g3", "every node", or, for more
// than half of them, "every node but g1 g5".
func (gr *grouped) on(set []int) string {
	in := make([]bool, len(gr.groups))
	for _, k := range set {
		in[k] = true
	}
	var ids, others []string
	for k := range gr.groups {
		if in[k] {
			ids = append(ids, groupID(k))
		} else {
			others = append(others, groupID(k))
		}
	}
	switch {
	case len(others) == 0:
		return "every node"
	case len(others) < len(ids):
		return "every node but " + strings.Join(others, " ")
	}
	return strings.Join(ids, " ")
}

type groupedDoc struct {
	NodeGroups []nodeGroupJSON      `json:"nodeGroups"`
	Findings   []groupedFindingJSON `json:"findings"`
}

type nodeGroupJSON struct {
	ID    string   `json:"id"`
	Nodes []string `json:"nodes"`
	Roles []string `json:"roles"`
	Root  string   `json:"root"`
}

type groupedFindingJSON struct {
	Kind       string       `json:"kind"`
	Severity   string       `json:"severity"`
	NodeGroups []string     `json:"nodeGroups"`
	NodeCount  int          `json:"nodeCount"`
	Services   []string     `json:"services"`
	Message    string       `json:"message"`
	Sources    []sourceJSON `json:"sources"`
}

// groupsJSON lists the groups as JSON.
func (gr *grouped) groupsJSON() []nodeGroupJSON {
	out := []nodeGroupJSON{}
	for k, g := range gr.groups {
		out = append(out, nodeGroupJSON{ID: groupID(k), Nodes: append([]string{}, g.Nodes...), Roles: append([]string{}, g.Roles...), Root: g.Root})
	}
	return out
}

// ids are the ids of the groups gf holds on.
func (gf groupedFinding) ids() []string {
	ids := []string{}
	for _, k := range gf.groups {
		ids = append(ids, groupID(k))
	}
	return ids
}

func (gr *grouped) json(w io.Writer) error {
	doc := groupedDoc{NodeGroups: gr.groupsJSON(), Findings: []groupedFindingJSON{}}
	for _, gf := range gr.findings {
		fj := findingOf(gf.Finding)
		doc.Findings = append(doc.Findings, groupedFindingJSON{
			Kind: fj.Kind, Severity: fj.Severity, NodeGroups: gf.ids(), NodeCount: gf.nodes,
			Services: fj.Services, Message: fj.Message, Sources: fj.Sources,
		})
	}
	return writeJSON(w, doc)
}

type sarifGroupedProps struct {
	NodeGroups []string `json:"nodeGroups"`
	NodeCount  int      `json:"nodeCount"`
	Services   []string `json:"services"`
}

type sarifRunProps struct {
	NodeGroups []nodeGroupJSON `json:"nodeGroups"`
}

func (gr *grouped) sarif(w io.Writer) error {
	kinds := map[string]bool{}
	for _, gf := range gr.findings {
		kinds[gf.Kind] = true
	}
	s, err := newSARIFStreamProps(w, kinds, sarifRunProps{NodeGroups: gr.groupsJSON()})
	if err != nil {
		return err
	}
	for _, gf := range gr.findings {
		res := s.result(gf.Finding)
		if len(gf.groups) > 0 {
			res.Message.Text = gr.nodesOf(gf) + ": " + res.Message.Text
		}
		res.Properties = sarifGroupedProps{NodeGroups: gf.ids(), NodeCount: gf.nodes, Services: append([]string{}, gf.Services...)}
		if err := s.results.add(res); err != nil {
			return err
		}
	}
	return s.close()
}

// junit writes a suite for the findings of no node, when there are some
// (or when there is no group: the root's), and one for each group, named
// after its id and first nodes, with every node in its properties.
func (gr *grouped) junit(w io.Writer, f *Fleet) error {
	j := NewJUnit(w)
	if len(gr.groups) == 0 || len(f.Findings) > 0 {
		j.Suite(Suite{Name: f.Name, Services: f.Services, Findings: f.Findings})
	}
	for k, g := range gr.groups {
		name := groupID(k) + ": " + strings.Join(g.Nodes[:min(3, len(g.Nodes))], ", ")
		if more := len(g.Nodes) - 3; more > 0 {
			name += " and " + strconv.Itoa(more) + " more"
		}
		props := []Property{{"nodes", strings.Join(g.Nodes, " ")}, {"roles", strings.Join(g.Roles, " ")}}
		if g.Root != "" {
			props = append(props, Property{"root", g.Root})
		}
		j.Suite(Suite{Name: name, Services: g.Services, Findings: g.Findings, Properties: props})
	}
	return j.Close()
}
