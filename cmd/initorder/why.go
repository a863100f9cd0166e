package main

import (
	"fmt"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// errNotBefore makes Main exit 1: A does not start before B.
var errNotBefore = fmt.Errorf("not ordered that way: %w", errFindings)

func newWhyCmd(g *globals) *cobra.Command {
	var o struct {
		gl     goal
		layout layoutFlags
	}
	cmd := &cobra.Command{
		Use:   "why A B",
		Short: "Explain why A starts before B, or why not",
		Long: `why explains the order of two services of the boot, by any of their names
(a unit name without a suffix is NAME.service):
  - the shortest chain of directives that orders A before B, one a line
    with its file:line, or, when the chain goes the other way, that B
    starts first and why; with no chain, the phases (rcS before rc2);
  - "A and B are not ordered", the latest services both wait for, and
    whether that is a race (one depends on the other, as check reports);
  - why A (or B) never starts, with the whole chain down to the cause.
A service the root defines but this boot does not start (a script
without an S link, a job whose start on never holds, a unit nothing pulls
in) is "not part of this boot". Two names of one service say so.
It exits 0 when A starts before B, 1 when it does not (B first, not
ordered, one of them not started, or one service), 2 when it cannot run
(bad flags, a name the root does not define).`,
		Example: `  initorder why ssh.service network.target
  initorder why --root trusty s3 s1
  initorder why --root image --target multi-user.target web db --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := loadNode(g, o.gl, o.layout)
			if err != nil {
				return err
			}
			b := l.boot
			b.Schedule = schedule(b)
			var ab [2]int
			for k, name := range args {
				i, ok := b.Graph.FindOutside(name)
				if !ok {
					return fmt.Errorf("%s: no such service in the root (%s)", name, b.Goal)
				}
				ab[k] = i
			}
			x := graph.Why(b.Graph, l.findings, ab[0], ab[1])
			if err := render.Why(cmd.OutOrStdout(), g.format, b, x); err != nil {
				return err
			}
			if x.Verdict != graph.Ordered || x.First != ab[0] {
				return errNotBefore
			}
			return nil
		},
	}
	goalFlags(cmd, &o.gl)
	o.layout.register(cmd, "with --layout, the node whose boot to explain")
	return cmd
}
