package main

import (
	"fmt"
	"os"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

func newCheckCmd(g *globals) *cobra.Command {
	var o struct {
		gl        goal
		failOn    string
		layout    layoutFlags
		congruent bool
		group     bool
	}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report ordering loops, missing dependencies and other findings",
		Long: `check reads the root and reports, one a line as
"path:line: severity: kind: message", on every init system:

  empty-boot          (error) the boot starts nothing: why (no rc links,
                      no job whose start on holds, a target that pulls
                      nothing in) and the flag that reads it otherwise
  cycle               services that must start after each other in a loop
  never-starts        a service that can never start, with the chain down
                      to the first cause: a job whose start on never holds,
                      a unit whose Requires= fails, an rc link to a file
                      that is not run
  missing-dependency  a dependency on a name nothing provides, or on a
                      script not enabled in that runlevel
  masked              a dependency on a masked unit (a link to /dev/null)
  race                one service depends on another and nothing orders
                      them: Wants= without After=, Should-Start under
                      startpar, an upstart "or" branch
  no-effect-order     After= on a unit nothing pulls into the boot
  duplicate-provides  two scripts (or units) that provide one name
  order-conflict      S numbers that contradict the headers
  dangling-link       a link whose target does not exist
  parse-error         a file or line that cannot be read
  no-header           (info) a script ordered by its number only
  orphan-override     (info) an upstart .override without its .conf
  not-emulated        a systemd generator of the root that initorder does
                      not emulate: the units it would make are missing

With --layout, check analyses the boot of each node of the
layout (or of each --node): a service that roles of other nodes only name
does not start there, and

  cross-node          a hard dependency on a service that runs only on
                      other nodes: no init system orders across machines
  never-starts        what waits for such a service, with the chain
  unknown-service     (warning) a name in a role that matches no service

Each node's findings come after a line "== node NAME"; nodes with the
same root and roles are analysed once. --format sarif writes SARIF 2.1.0,
with the node in each result's properties; --format junit writes JUnit
XML (a test suite per node, a test case per service it boots, a failure
per error finding) and --format codequality GitLab's Code Quality JSON
(an issue per finding, with a fingerprint stable from run to run).

--group-nodes writes each distinct finding once instead of once a node,
with the nodes it holds on: nodes that boot alike (the same root and
roles) form a group, g1, g2, ... in the order of their first node, and
a finding names its groups. In text, each group is listed on a line
"== group g1 (2 nodes, roles web): web1 web2" and the findings follow
a line "== on g1 g3 (400 nodes)" or "== on every node (10000 nodes)";
JSON has "nodeGroups" and, in each finding, "nodeGroups" and
"nodeCount" instead of "node"; SARIF and Code Quality have a result or
issue per finding whose text starts with the nodes ("nodes web1, web2
and 198 more: ..."), SARIF the groups in its properties; JUnit has a
suite per group. The output of a fleet then grows with its role sets,
not with nodes × findings. Exit code and summary are the same.

--congruent compares instead the nodes of each role: a node whose boot
differs from the one most of the role's nodes have (on a tie, the first
node's) is listed after "== role R: NODE differs from REF", with the
changes as diff prints them; it exits 1 when some role is not congruent.

It exits 1 when a finding is at or above --fail-on (default error), and 2
when it cannot run: bad flags, an unreadable root, a bad layout file.`,
		Example: `  initorder check
  initorder check --root image.tar --fail-on warning --format json
  initorder check --root base.tar --layout fleet.ini --node web1 --format sarif
  initorder check --root oci:image:v1 --layout fleet.ini --format junit > junit.xml
  initorder check --root base.tar --layout fleet.ini --group-nodes --format sarif > initorder.sarif
  initorder check --root trusty --init upstart --event static-network-up`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			failOn, err := graph.ParseSeverity(o.failOn)
			if err != nil {
				return fmt.Errorf("--fail-on: %w", err)
			}
			g.progress = newProgress(cmd.ErrOrStderr(), os.Getenv, "check")
			defer g.progress.end()
			if o.congruent {
				return congruent(cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o.gl, o.layout)
			}
			fs, err := checkFindings(g, o.gl, o.layout)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			ro := options(g, out, false)
			ro.GroupNodes = o.group
			g.progress.writing(out, &fs.Fleet, &ro)
			if err := render.FleetFindings(out, g.format, &fs.Fleet, ro); err != nil {
				return err
			}
			if g.format == "text" {
				fmt.Fprintln(cmd.ErrOrStderr(), fs.summary())
			}
			if fs.reaches(failOn) {
				return errFindings
			}
			return nil
		},
	}
	goalFlags(cmd, &o.gl)
	f := cmd.Flags()
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 on findings at or above: error, warning or info")
	o.layout.register(cmd, "a node of the layout to check (repeatable; default: every node)")
	f.BoolVar(&o.group, "group-nodes", false, "with --layout: each distinct finding once, with the groups of nodes it holds on, instead of once a node")
	f.BoolVar(&o.congruent, "congruent", false, "with --layout: list the nodes of each role that boot otherwise than the others (see diff)")
	return cmd
}
