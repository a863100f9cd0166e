package main

import (
	"fmt"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// errDiffer makes Main exit 1: the boots differ.
var errDiffer = fmt.Errorf("the boots differ: %w", errFindings)

func newDiffCmd(g *globals) *cobra.Command {
	var o struct {
		gl         goal
		layout     string
		inventory  string
		sequential bool
	}
	cmd := &cobra.Command{
		Use:   "diff ROOT_A ROOT_B | --layout F NODE_A NODE_B",
		Short: "Show what differs at boot between two roots or two nodes of a layout",
		Long: `diff analyses two boots as ls and check do, with the same flags for both,
and prints what differs in what matters at boot, one change a line:

  ~ init sysv -> systemd       the boots' init systems (PID 1) differ
  ~ ssh (sysv) -> ssh.service (systemd)
                               a service both boots start, by another init system
  + S03 foo                    foo starts in the second boot only (wave 3 there)
  - S05 bar                    bar starts in the first boot only (wave 5 there)
  ~ a before b -> a after b    a pair the two boots order otherwise; also
  ~ a before b -> concurrent   "concurrent" for the same wave
  + finding PATH:LINE: ...     a finding of the second boot only (as check)
  - finding PATH:LINE: ...     a finding of the first boot only

Services are matched by name, and across init systems as a layout's roles
name them: a SysV script or upstart job NAME is the unit NAME.service, and
a pair so matched is named as the second boot names it. Only pairs that a
directive orders in one of the boots are compared (After=, Required-Start,
start on, a link number ...), and with --sequential the neighbours of the
sequential order. A
finding is the same when its kind, services and message are: a line that
moves in a file changes no finding.

With --layout, the two arguments are nodes of the layout (with --inventory,
hosts of the inventory), each booting its roles' services from its own
root or --root.

It exits 0 when the boots are alike, 1 when they differ, 2 when it cannot
run.`,
		Example: `  initorder diff golden/ node.tar.gz
  initorder diff --sequential before/ after/
  initorder diff --init systemd --target multi-user.target a/ b/ --format json
  initorder diff --root base.tar --layout fleet.ini web1 web2`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			gl := o.gl
			var sides [2]graph.Side
			for k, arg := range args {
				s, err := diffSide(g, gl, layoutFlags{file: o.layout, inventory: o.inventory}, arg, o.sequential)
				if err != nil {
					return err
				}
				sides[k] = s
			}
			d := graph.Diff(sides[0], sides[1])
			out := cmd.OutOrStdout()
			if err := render.Diff(out, g.format, render.Drift{Drift: d, Stop: o.gl.stop}, options(g, out, false)); err != nil {
				return err
			}
			if !d.Empty() {
				return errDiffer
			}
			return nil
		},
	}
	goalFlags(cmd, &o.gl)
	f := cmd.Flags()
	f.BoolVar(&o.sequential, "sequential", false, "compare the orders of a sequential boot (links in ls order)")
	f.StringVar(&o.layout, "layout", "", "a layout file (INI): the arguments are two of its nodes")
	f.StringVar(&o.inventory, "inventory", "", "with --layout: an Ansible inventory whose hosts are the nodes and whose groups their roles")
	return cmd
}

// diffSide analyses one side of a diff as ls and check do: the root arg,
// or with a layout, the node arg.
func diffSide(g *globals, gl goal, lf layoutFlags, arg string, sequential bool) (graph.Side, error) {
	var l *loaded
	var err error
	if lf.file == "" && lf.inventory != "" {
		return graph.Side{}, errInventoryAlone
	}
	if lf.file != "" {
		lay, _, lerr := readLayout(lf)
		if lerr != nil {
			return graph.Side{}, lerr
		}
		if _, ok := lay.Node(arg); !ok {
			return graph.Side{}, fmt.Errorf("node %s: %s has no such node", arg, lf.file)
		}
		lf.nodes = []string{arg}
		l, err = loadNode(g, gl, lf)
	} else {
		root := *g
		root.root = arg
		if l, err = load(&root, gl); err != nil {
			err = fmt.Errorf("%s: %w", arg, err)
		}
	}
	if err != nil {
		return graph.Side{}, err
	}
	s, err := scheduleFor(l.boot, sequential)
	if err != nil {
		return graph.Side{}, err
	}
	return graph.Side{Graph: l.boot.Graph, Schedule: s, Findings: l.findings, Init: l.boot.Init}, nil
}
