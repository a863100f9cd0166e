package main

import (
	"fmt"
	"io"
	"os"

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
                 red "NAME | ENOENT" = nothing defines NAME, grey dashed = does not start,
                 bold box in the ruler = a rail: a hub whose edges are not drawn (--hubs)
`

// cutFlags are graph's ways to draw less than the whole boot.
type cutFlags struct {
	focus    []string
	depth    int
	from, to []string
	reduce   bool
	noReduce bool
	hubs     bool // walk through hubs and draw them as any other service
	picture  bool // a picture (not JSON): reduced and with rails unless the flags say otherwise
}

// hubNames are the services that, besides systemd targets and barriers,
// connect much of a boot (graph.Hubs): slices; the journal's socket, which
// every service that logs is ordered after; upstart's rc and rc-sysinit
// jobs, its startup event and mountall, whose filesystem events most jobs
// wait for.
var hubNames = []string{"*.slice", "systemd-journald.socket", "rc", "rc-sysinit", "startup", "mountall"}

func newGraphCmd(g *globals) *cobra.Command {
	var o struct {
		gl     goal
		layout layoutFlags
		cut    cutFlags
		output string
	}
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Draw the boot: a map to explore, DOT, SVG, PNG, a chart of the waves, or JSON",
		Long: `graph draws the boot that ls lists and check checks: as a map to explore
in a browser (html: one file that fetches nothing; search, a click shows
what a service waits for and what waits for it, the findings, why A
before B, the waves), as Graphviz DOT (the default), SVG or PNG, as a
chart of its waves (plot: SVG, one row a service, like systemd-analyze
plot but predicted), or as JSON. Arrows go as systemd-analyze dot draws
them, from the service that waits for or depends on another to that
other; services of one wave share a rank, with the wave numbers (S01 ...)
beside them, the first at the top.
  colours   After/Before green, Requires black, Requisite dark blue,
            BindsTo gold, Wants grey, Conflicts red; Required-Start black
            and green (needs, orders), Should-Start grey and green; start on
            green; a link number's order dark green, dotted
  marks     a race dashed; an ordering loop bold red; a name check reports
            missing a red "NAME | ENOENT" box (rcorder -g); a service that
            does not start dashed and grey (its tooltip says why)
  services  sysv a note, upstart a box, systemd a rounded box (targets bold)
  hubs      systemd targets and slices, the journal's socket; upstart's rc,
            rc-sysinit, startup and mountall. A hub with more than 12
            edges in the picture is a rail: a bold box in the ruler, its
            edges not drawn. --hubs draws hubs as any service.
Pictures leave out the ordering edges that a chain of others implies (a
transitive reduction; --no-reduce keeps them; json keeps them unless
--reduce). --focus NAME --depth N keeps what is at most N edges from
NAME, either way, without walking through hubs: those it reaches are drawn
as ends (--hubs walks through them). --from P keeps what services matching
the glob P wait for or depend on, transitively, --to P what waits for or
depends on them, both: the chains from one to the other. With --layout,
each node is a cluster. svg, png and html are made with initorder-render
(next to initorder or on PATH), which links Graphviz so that initorder
does not.`,
		Example: `  initorder graph --format html -o boot.html
  initorder graph --root / > boot.dot
  initorder graph --format svg -o boot.svg
  initorder graph --format png --focus ssh.service --depth 2 -o ssh.png
  initorder graph --format plot -o waves.svg
  initorder graph --to 'network*' --format json
  initorder graph --root image.tar --layout fleet.ini --node web1 --node db1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := g.format
			if format == "text" {
				format = "dot"
			}
			if format != "dot" && format != "json" && format != "svg" && format != "png" && format != "plot" && format != "html" {
				return fmt.Errorf("unknown format %q for graph (want dot, svg, png, html, plot or json)", g.format)
			}
			if o.cut.reduce && o.cut.noReduce {
				return fmt.Errorf("--reduce and --no-reduce: give one")
			}
			o.cut.picture = format != "json"
			if cmd.Flags().Changed("depth") && len(o.cut.focus) == 0 {
				return fmt.Errorf("--depth: counts edges from --focus, and there is none")
			}
			if format == "png" && o.output == "" && isTerminal(cmd.OutOrStdout()) {
				return fmt.Errorf("--format png: not writing a PNG to a terminal: use -o FILE or a pipe")
			}
			g.progress = newProgress(cmd.ErrOrStderr(), os.Getenv, "graph")
			defer g.progress.end()
			ds, err := drawings(g, o.gl, o.layout, o.cut)
			if err != nil {
				return err
			}
			g.progress.drawing(cmd.OutOrStdout(), o.output, ds)
			if err := writeOutput(cmd.OutOrStdout(), o.output, func(w io.Writer) error { return picture(w, format, ds) }); err != nil {
				return err
			}
			g.progress.end()
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
	f.BoolVar(&o.cut.reduce, "reduce", false, "leave out ordering edges that a chain of others implies (the default but for json)")
	f.BoolVar(&o.cut.noReduce, "no-reduce", false, "draw every edge, even those a chain of others implies")
	f.BoolVar(&o.cut.hubs, "hubs", false, "treat hubs (targets, slices, barriers) as any service: --focus walks through them, no rails")
	return cmd
}

// drawings loads the boot, or with --layout the boot of each node
// (every node, or those --node names), and cuts each down as the flags
// say. The nodes of a group share its analysis (eachGroup).
func drawings(g *globals, gl goal, lf layoutFlags, cut cutFlags) ([]render.Drawing, error) {
	var ls []*loaded
	if lf.file == "" || len(lf.nodes) == 1 {
		l, err := loadNode(g, gl, lf)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	} else {
		lay, fs, err := readLayout(lf)
		if err != nil {
			return nil, err
		}
		groups := lay.Groups(lf.nodes)
		byGroup := make([][]*loaded, len(groups))
		err = eachGroup(g, gl, lay, groups, func(k int, gr group) error {
			for _, name := range gr.nodes {
				byGroup[k] = append(byGroup[k], gr.node(name, fs))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, nodes := range byGroup {
			ls = append(ls, nodes...)
		}
	}
	var ds []render.Drawing
	for _, l := range ls {
		b := l.boot
		b.Schedule = schedule(b)
		d := render.Drawing{Boot: b, Findings: l.findings, Reduce: cut.reduce || cut.picture && !cut.noReduce}
		var err error
		if d.Only, err = cutDown(b.Graph, cut); err != nil {
			return nil, err
		}
		if cut.picture && !cut.hubs {
			d.Hubs = railHubs(b.Graph, cut.focus)
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
			i, ok := g.Find(name)
			if !ok {
				return nil, fmt.Errorf("--focus %s: no such service", name)
			}
			roots = append(roots, i)
		}
		var ends []bool
		if !cut.hubs {
			ends, _ = graph.Hubs(g, hubNames)
		}
		and(graph.Neighbourhood(g, roots, cut.depth, ends))
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

// railHubs returns the hubs a picture may draw as rails: not those
// --focus names.
func railHubs(g *graph.Graph, focus []string) []bool {
	hubs, _ := graph.Hubs(g, hubNames)
	for _, name := range focus {
		if i, ok := g.Find(name); ok {
			hubs[i] = false
		}
	}
	return hubs
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
