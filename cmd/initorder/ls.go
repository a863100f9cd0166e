package main

import (
	"fmt"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

func newLSCmd(g *globals) *cobra.Command {
	var o struct {
		gl         goal
		sequential bool
		long       bool
		layout     layoutFlags
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
upstart, what telinit 0 (or --runlevel 6) does: the jobs that stop, the
jobs that start (rc, which runs the K links), -l saying which; for
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
			l, err := loadNode(g, o.gl, o.layout)
			if err != nil {
				return err
			}
			b := l.boot
			if b.Schedule, err = scheduleFor(b, o.sequential); err != nil {
				return err
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
	goalFlags(cmd, &o.gl)
	f := cmd.Flags()
	f.BoolVar(&o.sequential, "sequential", false, "print the order of a sequential boot (links in ls order)")
	f.BoolVarP(&o.long, "long", "l", false, "also print init system, source file and notes")
	o.layout.register(cmd, "with --layout, the node to list: its roles' services and the base image")
	return cmd
}

// scheduleFor is the order ls prints for b: concurrent (schedule), or
// sequential. A sequential boot (sysv-rc with CONCURRENCY=none: the S
// links in ls order) exists for SysV only; upstart and systemd start what
// they can at once.
func scheduleFor(b render.Boot, sequential bool) (graph.Schedule, error) {
	switch {
	case sequential && b.Init != "sysv":
		return graph.Schedule{}, fmt.Errorf("--sequential: a sequential boot is SysV's (CONCURRENCY=none); %s starts every service once what it waits for has started", b.Init)
	case sequential:
		return graph.Sequential(b.Graph), nil
	}
	return schedule(b), nil
}

// schedule is the concurrent order of b, and for a systemd shutdown the
// start order reversed, as the manager stops units.
func schedule(b render.Boot) graph.Schedule {
	if b.Stop && b.Init == "systemd" {
		return graph.Reverse(b.Graph, graph.Order(b.Graph))
	}
	return graph.Order(b.Graph)
}
