package main

import (
	"errors"
	"fmt"
	"io"

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
	sides := make([]graph.Side, len(groups))
	err = eachGroup(g, gl, lay, groups, func(k int, gr group) error {
		sides[k] = graph.Side{Graph: gr.boot.Graph, Schedule: schedule(gr.boot), Findings: gr.findings, Init: gr.boot.Init}
		return nil
	})
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
