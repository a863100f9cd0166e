package main

import (
	"fmt"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

func newLSCmd(g *globals) *cobra.Command {
	var o struct {
		runlevel         string
		events           []string
		target           string
		stop, sequential bool
		long             bool
		layout           layoutFlags
	}
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "Print the boot order, one service a line, like ls /etc/rc2.d",
		Long: `ls prints the services of a boot in the order they start, one a line as
"S01 name". Services with the same number start at the same time (insserv
and startpar's concurrent boot: a script starts once the scripts it
Required-Start or Should-Start have started; rcS runs before rcN).

--sequential prints the order of a sequential boot (CONCURRENCY=none):
the S links as ls sorts them, one at a time. --stop prints the shutdown
order of the K links (runlevel 0 unless --runlevel is given); for
systemd, the reverse of the start order, as the manager stops units.

--layout F --node N lists the boot of node N of a layout: the services no
role names and those of N's roles, from N's own root if it has one.`,
		Example: `  initorder ls
  initorder ls --runlevel 3 -l
  initorder ls --sequential --root /srv/image
  initorder ls --stop --format json
  initorder ls --layout fleet.ini --node web1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := loadNode(g, goal{runlevel: o.runlevel, target: o.target, stop: o.stop, events: o.events}, o.layout)
			if err != nil {
				return err
			}
			b := l.boot
			b.Schedule = graph.Order(b.Graph)
			switch {
			case o.sequential:
				b.Schedule = graph.Sequential(b.Graph)
			case o.stop && b.Init == "systemd":
				b.Schedule = graph.Reverse(b.Graph, b.Schedule) // systemd stops in reverse start order
			}
			out := cmd.OutOrStdout()
			if err := render.LS(out, g.format, b, options(g, out, o.long)); err != nil {
				return err
			}
			if isTerminal(cmd.ErrOrStderr()) {
				if l.note != "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "(%s)\n", l.note)
				}
				if len(l.findings) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "(%s: run initorder check)\n", render.Summary(l.findings))
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.runlevel, "runlevel", "", "runlevel to boot into: S or 0-6 (default: inittab's initdefault, else 2)")
	f.StringArrayVar(&o.events, "event", nil, "an upstart event the outside world emits (repeatable)")
	f.StringVar(&o.target, "target", "", "systemd target to boot into (default: the default.target link, else graphical.target)")
	f.BoolVar(&o.stop, "stop", false, "print the shutdown order (SysV K links; systemd: the start order reversed)")
	f.BoolVar(&o.sequential, "sequential", false, "print the order of a sequential boot (links in ls order)")
	f.BoolVarP(&o.long, "long", "l", false, "also print init system, source file and notes")
	o.layout.register(cmd, "with --layout, the node to list: its roles' services and the base image")
	return cmd
}
