package main

import (
	"fmt"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

func newCheckCmd(g *globals) *cobra.Command {
	var o struct {
		runlevel, failOn string
		events           []string
		stop             bool
	}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report ordering loops, missing dependencies and other findings",
		Long: `check reads the root and reports, one a line as
"path:line: severity: kind: message":

  cycle               services that must start after each other in a loop
  never-starts        an upstart job whose start on can never be met, with
                      the chain down to the first cause
  missing-dependency  Required-Start on a name nothing provides, or on a
                      script not enabled in that runlevel
  race                a job that depends on another that nothing orders
                      before it (an "or" branch)
  duplicate-provides  two scripts that provide the same name
  order-conflict      S numbers that contradict the headers
  dangling-link       an rc link that leads nowhere
  parse-error         a file or stanza that cannot be read
  no-header           (info) a script ordered by its number only

It exits 1 when a finding is at or above --fail-on (default error).`,
		Example: `  initorder check
  initorder check --root image.tar --fail-on warning --format json
  initorder check --root trusty --init upstart --event static-network-up`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			failOn, err := graph.ParseSeverity(o.failOn)
			if err != nil {
				return fmt.Errorf("--fail-on: %w", err)
			}
			l, err := load(g, goal{runlevel: o.runlevel, stop: o.stop, events: o.events})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if err := render.Findings(out, g.format, l.findings, options(g, out, false)); err != nil {
				return err
			}
			if g.format != "json" {
				fmt.Fprintln(cmd.ErrOrStderr(), render.Summary(l.findings))
			}
			for _, f := range l.findings {
				if f.Severity >= failOn {
					return errFindings
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.runlevel, "runlevel", "", "runlevel to check: S or 0-6 (default: inittab's initdefault, else 2)")
	f.StringArrayVar(&o.events, "event", nil, "an upstart event the outside world emits (repeatable)")
	f.BoolVar(&o.stop, "stop", false, "check the shutdown order (K links) instead")
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 on findings at or above: error, warning or info")
	return cmd
}
