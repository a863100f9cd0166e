package main

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
)

// errNotCongruent makes Main exit 1: a role's nodes boot otherwise.
var errNotCongruent = fmt.Errorf("some role is not congruent: %w", errFindings)

// congruent writes, for each role of the layout, the nodes whose boot
// differs from the role's reference node (graph.Congruent), to out, and
// a count of the roles on stderr, which is errOut.
func congruent(out, errOut io.Writer, g *globals, gl goal, lf layoutFlags) error {
	if lf.file == "" {
		return errors.New("--congruent: name the layout with --layout")
	}
	if g.format != "text" && g.format != "json" {
		return fmt.Errorf("--congruent: unknown format %q (want text or json)", g.format)
	}
	lay, _, err := readLayout(lf)
	if err != nil {
		return err
	}
	groups := lay.Groups(lf.nodes)
	sides, err := groupSides(g, gl, lay, groups)
	if err != nil {
		return err
	}
	cs := graph.Congruent(lay, groups, sides)
	if err := render.Congruence(out, g.format, cs, gl.stop, options(g, out, false)); err != nil {
		return err
	}
	bad := 0
	for _, c := range cs {
		if len(c.Differ) > 0 {
			bad++
		}
	}
	if g.format == "text" {
		fmt.Fprintf(errOut, "%d of %d roles not congruent\n", bad, len(cs))
	}
	if bad > 0 {
		return errNotCongruent
	}
	return nil
}

// groupSides analyses the boot of each group of nodes as check does,
// reading each root once.
func groupSides(g *globals, gl goal, lay *graph.Layout, groups [][]string) ([]graph.Side, error) {
	rootOf := func(k int) string { n, _ := lay.Node(groups[k][0]); return nodeRoot(g, n) }
	byRoot := make([]int, len(groups))
	for k := range byRoot {
		byRoot[k] = k
	}
	sort.SliceStable(byRoot, func(a, b int) bool { return rootOf(byRoot[a]) < rootOf(byRoot[b]) })
	sides := make([]graph.Side, len(groups))
	var l *loaded
	lastRoot := ""
	for _, k := range byRoot {
		if root := rootOf(k); l == nil || root != lastRoot {
			var err error
			if l, err = read(g, root, gl); err != nil {
				return nil, fmt.Errorf("node %s: %w", groups[k][0], err)
			}
			lastRoot = root
		}
		p, found := graph.Place(l.boot.Graph, l.findings, lay, groups[k][0])
		found = append(found, graph.Check(p)...)
		graph.SortFindings(found)
		b := l.boot
		b.Graph = p
		sides[k] = graph.Side{Graph: p, Schedule: schedule(b), Findings: found}
	}
	return sides, nil
}
