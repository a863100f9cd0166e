package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// layoutFlags are --layout and --node: which nodes of a layout to analyse.
type layoutFlags struct {
	file      string
	nodes     []string
	inventory string
}

func (lf *layoutFlags) register(cmd *cobra.Command, nodeHelp string) {
	cmd.Flags().StringVar(&lf.file, "layout", "", "a layout file (INI) that places services on nodes")
	cmd.Flags().StringArrayVar(&lf.nodes, "node", nil, nodeHelp)
	cmd.Flags().StringVar(&lf.inventory, "inventory", "", "with --layout: an Ansible inventory (INI or YAML) whose hosts are the nodes and whose groups their roles")
}

// errInventoryAlone is --inventory without --layout: the inventory gives
// the nodes and their roles, the layout file the services of the roles.
var errInventoryAlone = errors.New("--inventory: name the layout file, whose roles say which services each group runs, with --layout")

// checkFindings returns the findings of the root, or with --layout those
// of its nodes (every node when no --node is given). Nodes that boot the
// same graph (the same root and roles) are analysed once, as a group
// (eachGroup); the fleet copies the group's findings to each node as it
// writes them. The layout's own warnings come first, with no node.
func checkFindings(g *globals, gl goal, lf layoutFlags) (*fleet, error) {
	if lf.file == "" {
		if len(lf.nodes) > 0 {
			return nil, errors.New("--node: name the layout with --layout")
		}
		if lf.inventory != "" {
			return nil, errInventoryAlone
		}
		l, err := load(g, gl)
		if err != nil {
			return nil, err
		}
		return &fleet{render.Fleet{Name: g.root, Services: render.BootNames(l.boot.Graph), Findings: l.findings}}, nil
	}
	lay, fs, err := readLayout(lf)
	if err != nil {
		return nil, err
	}
	graph.SortFindings(fs)
	f := &fleet{render.Fleet{Name: "layout", Findings: fs}}
	err = eachGroup(g, gl, lay, lay.Groups(lf.nodes), func(_ int, gr group) error {
		n, _ := lay.Node(gr.nodes[0])
		f.Groups = append(f.Groups, render.NodeGroup{
			Nodes: gr.nodes, Roles: slices.Compact(slices.Sorted(slices.Values(n.Roles))), Root: n.Root,
			Services: render.BootNames(gr.boot.Graph), Findings: gr.findings,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// loadNode loads the root, or with --layout the boot of the one node
// --node names.
func loadNode(g *globals, gl goal, lf layoutFlags) (*loaded, error) {
	if lf.file == "" {
		if len(lf.nodes) > 0 {
			return nil, errors.New("--node: name the layout with --layout")
		}
		if lf.inventory != "" {
			return nil, errInventoryAlone
		}
		return load(g, gl)
	}
	if len(lf.nodes) != 1 {
		return nil, errors.New("--layout: name the one node to list with --node")
	}
	lay, fs, err := readLayout(lf)
	if err != nil {
		return nil, err
	}
	var l *loaded
	err = eachGroup(g, gl, lay, [][]string{lf.nodes}, func(_ int, gr group) error {
		l = gr.node(lf.nodes[0], fs)
		return nil
	})
	return l, err
}

// group is the boot of a group of nodes that boot alike (the same root
// and roles): the root's graph with the group's roles placed on it
// (graph.Place), and the findings of reading, placing and Check, sorted,
// with no node.
type group struct {
	nodes []string
	loaded
}

// eachGroup analyses the boot of each group of nodes of the layout
// (Layout.Groups) as check does, and calls f with each; k is the
// group's index in groups. It goes through the groups by root, reading
// each root once and holding one in memory at a time: f must not keep
// what it is given past the next root unless it means to.
func eachGroup(g *globals, gl goal, lay *graph.Layout, groups [][]string, f func(k int, gr group) error) error {
	rootOf := func(k int) string { n, _ := lay.Node(groups[k][0]); return nodeRoot(g, n) }
	byRoot := make([]int, len(groups))
	for k := range byRoot {
		byRoot[k] = k
	}
	sort.SliceStable(byRoot, func(a, b int) bool { return rootOf(byRoot[a]) < rootOf(byRoot[b]) })
	var l *loaded
	lastRoot := ""
	for done, k := range byRoot {
		if root := rootOf(k); l == nil || root != lastRoot {
			var err error
			if l, err = read(g, root, gl); err != nil {
				return fmt.Errorf("node %s: %w", groups[k][0], err)
			}
			lastRoot = root
			g.progress.step(fmt.Sprintf("analysing %d groups of nodes", len(groups)), len(groups))
			g.progress.add(done)
		}
		gr := group{nodes: groups[k], loaded: *l}
		gr.boot.Graph, gr.findings = graph.Place(l.boot.Graph, l.findings, lay, groups[k][0])
		gr.findings = append(gr.findings, graph.Check(gr.boot.Graph)...)
		graph.SortFindings(gr.findings)
		gr.findings = graph.LimitPerLine(gr.findings)
		if err := f(k, gr); err != nil {
			return err
		}
		g.progress.add(1)
	}
	return nil
}

// node returns the boot of one node of the group, its findings with the
// node's name, after the layout's (layoutFindings), sorted.
func (gr group) node(name string, layoutFindings []graph.Finding) *loaded {
	l := gr.loaded
	l.boot.Node = name
	l.findings = append(slices.Clip(layoutFindings), graph.PerNode(gr.findings, []string{name})...)
	graph.SortFindings(l.findings)
	return &l
}

// readLayout reads the layout file and checks that the nodes named
// exist. Its warnings come back as findings; a layout with errors is an
// error that lists them all, one a line.
func readLayout(lf layoutFlags) (*graph.Layout, []graph.Finding, error) {
	data, err := readSmall(lf.file, maxLayoutSize)
	if err != nil {
		return nil, nil, fmt.Errorf("--layout: %w", err)
	}
	lay, diags := parse.Layout(data, lf.file)
	if lf.inventory != "" {
		inv, err := readSmall(lf.inventory, maxLayoutSize)
		if err != nil {
			return nil, nil, fmt.Errorf("--inventory: %w", err)
		}
		lay, diags = parse.InventoryLayout(data, lf.file, inv, lf.inventory)
	}
	if lay == nil { // the errors, with the warnings that may explain them
		var errs []error
		for _, e := range diags {
			if e.Warning {
				errs = append(errs, fmt.Errorf("%s (a warning)", e))
			} else {
				errs = append(errs, e)
			}
		}
		return nil, nil, errors.Join(errs...)
	}
	for _, name := range lf.nodes {
		if _, ok := lay.Node(name); !ok {
			return nil, nil, fmt.Errorf("--node %s: %s has no such node", name, lf.file)
		}
	}
	return lay, diags.Findings(), nil
}

// nodeRoot is the root a node boots from: its own, else --root.
func nodeRoot(g *globals, n graph.Node) string {
	if n.Root != "" {
		return n.Root
	}
	return g.root
}

// maxLayoutSize is the largest layout file read: 16 MiB holds a fleet of
// a million nodes.
const maxLayoutSize = 16 << 20

// readSmall reads the file name, or fails when it holds more than max
// bytes, without reading more than that.
func readSmall(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d MiB, not read", name, max>>20)
	}
	return data, nil
}
