package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// legend is what the colours and marks mean, for a terminal, as
// systemd-analyze dot prints its "Color legend".
const legend = `   Color legend: black      = Requires (LSB Required-Start: black and green)
                 dark blue  = Requisite
                 gold       = BindsTo (dotted: PartOf)
                 grey       = Wants (LSB Should-Start: grey and green)
                 red        = Conflicts
                 green      = After, Before, start on (dark green dotted: link numbers)
   Marks:        dashed = a race or an "or" branch, bold red = an ordering loop,
                 red "NAME | ENOENT" = nothing defines NAME, grey dashed = does not start
`

// cutFlags are graph's ways to draw less than the whole boot.
type cutFlags struct {
	focus    []string
	depth    int
	from, to []string
	reduce   bool
}

func newGraphCmd(g *globals) *cobra.Command {
	var o struct {
		gl     goal
		layout layoutFlags
		cut    cutFlags
		output string
	}
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Draw the boot: DOT, SVG, PNG or JSON",
		Long: `graph draws the boot that ls lists and check checks, as Graphviz DOT
(the default), SVG, PNG or JSON. Arrows go as systemd-analyze dot draws
them, from the service that waits for or depends on another to that
other; services of one wave share a rank, with the wave numbers (S01 ...)
beside them, the first at the top.
  colours   After/Before green, Requires black, Requisite dark blue,
            BindsTo gold, Wants grey, Conflicts red; Required-Start black
            and green (needs, orders), Should-Start grey and green; start on
            green; a link number's order dark green, dotted
  marks     a race dashed; an ordering loop bold red; a name nothing
            defines a red "NAME | ENOENT" box (rcorder -g); a service that
            does not start dashed and grey (its tooltip says why)
  services  sysv a note, upstart a box, systemd a rounded box (targets bold)
--focus NAME --depth N keeps what is at most N edges from NAME, either
way; --from P keeps what services matching the glob P wait for or depend
on, transitively, --to P what waits for or depends on them, both: the
chains from one to the other. --reduce leaves out the ordering edges that
a chain of others implies (a transitive reduction). With --layout, each
node is a cluster. svg and png are made by initorder-render (next to
initorder or on PATH), which links Graphviz so that initorder does not.`,
		Example: `  initorder graph --root / > boot.dot
  initorder graph --format svg -o boot.svg --reduce
  initorder graph --format png --focus ssh.service --depth 2 -o ssh.png
  initorder graph --to 'network*' --format json
  initorder graph --root image.tar --layout fleet.ini --node web1 --node db1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := g.format
			if format == "text" {
				format = "dot"
			}
			if format != "dot" && format != "json" && format != "svg" && format != "png" {
				return fmt.Errorf("unknown format %q for graph (want dot, svg, png or json)", g.format)
			}
			if format == "png" && o.output == "" && isTerminal(cmd.OutOrStdout()) {
				return fmt.Errorf("--format png: not writing a PNG to a terminal: use -o FILE or a pipe")
			}
			ds, err := drawings(g, o.gl, o.layout, o.cut)
			if err != nil {
				return err
			}
			if err := writeOutput(cmd.OutOrStdout(), o.output, func(w io.Writer) error { return picture(w, format, ds) }); err != nil {
				return err
			}
			if format != "json" && isTerminal(cmd.ErrOrStderr()) {
				io.WriteString(cmd.ErrOrStderr(), legend)
			}
			return nil
		},
	}
	f := cmd.Flags()
	goalFlags(cmd, &o.gl)
	o.layout.register(cmd, "with --layout, a node to draw (repeatable; default: every node)")
	f.StringVarP(&o.output, "output", "o", "", "write to FILE instead of standard output")
	f.StringArrayVar(&o.cut.focus, "focus", nil, "draw only what is near this service (any of its names; repeatable)")
	f.IntVar(&o.cut.depth, "depth", 1, "with --focus: how many edges away, either way (-1: no limit)")
	f.StringArrayVar(&o.cut.from, "from", nil, "draw only the chains from services matching this glob (repeatable)")
	f.StringArrayVar(&o.cut.to, "to", nil, "draw only the chains to services matching this glob (repeatable)")
	f.BoolVar(&o.cut.reduce, "reduce", false, "leave out ordering edges that a chain of others implies")
	return cmd
}

// drawings loads the boot, or with --layout the boot of each node
// (every node, or those --node names), and cuts each down as the flags
// say.
func drawings(g *globals, gl goal, lf layoutFlags, cut cutFlags) ([]render.Drawing, error) {
	var ls []*loaded
	if lf.file == "" || len(lf.nodes) == 1 {
		l, err := loadNode(g, gl, lf)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	} else {
		lay, _, err := readLayout(lf)
		if err != nil {
			return nil, err
		}
		for _, group := range lay.Groups(lf.nodes) {
			for _, name := range group {
				l, err := loadNode(g, gl, layoutFlags{file: lf.file, nodes: []string{name}, inventory: lf.inventory})
				if err != nil {
					return nil, err
				}
				ls = append(ls, l)
			}
		}
	}
	var ds []render.Drawing
	for _, l := range ls {
		b := l.boot
		b.Schedule = schedule(b)
		d := render.Drawing{Boot: b, Findings: l.findings, Reduce: cut.reduce}
		var err error
		if d.Only, err = cutDown(b.Graph, cut); err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// cutDown returns the services --focus, --from and --to keep, or nil
// for all of them.
func cutDown(g *graph.Graph, cut cutFlags) ([]bool, error) {
	var keep []bool
	and := func(k []bool) {
		if keep == nil {
			keep = k
			return
		}
		for i := range keep {
			keep[i] = keep[i] && k[i]
		}
	}
	if len(cut.focus) > 0 {
		var roots []int
		for _, name := range cut.focus {
			i, ok := lookupService(g, name)
			if !ok {
				return nil, fmt.Errorf("--focus %s: no such service", name)
			}
			roots = append(roots, i)
		}
		and(graph.Neighbourhood(g, roots, cut.depth))
	}
	if len(cut.from) > 0 || len(cut.to) > 0 {
		from, err := matchAll(g, "--from", cut.from)
		if err != nil {
			return nil, err
		}
		to, err := matchAll(g, "--to", cut.to)
		if err != nil {
			return nil, err
		}
		and(graph.Chains(g, from, to))
	}
	return keep, nil
}

// lookupService finds a service by any of its names (graph.Lookup) or,
// as systemctl does, a name without a suffix as NAME.service.
func lookupService(g *graph.Graph, name string) (int, bool) {
	if i, ok := g.Lookup(name); ok {
		return i, true
	}
	if !strings.Contains(name, ".") {
		return g.Lookup(name + ".service")
	}
	return 0, false
}

// matchAll returns the services matching any of the patterns; a pattern
// that matches nothing is an error, as a typo would draw nothing.
func matchAll(g *graph.Graph, flag string, patterns []string) ([]int, error) {
	var idx []int
	for _, p := range patterns {
		m, err := graph.Match(g, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s %s: no service matches", flag, p)
		}
		idx = append(idx, m...)
	}
	return idx, nil
}

// writeOutput runs write on standard output, or on the file -o names,
// which is only replaced when write succeeds.
func writeOutput(stdout io.Writer, file string, write func(io.Writer) error) error {
	if file == "" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(dirOf(file), ".initorder-*")
	if err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	return nil
}
