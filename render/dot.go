package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// DOT writes the drawings as one Graphviz digraph, the single source of
// every picture (svg and png are laid out from it). It draws as
// systemd-analyze dot and FreeBSD's rcorder -g do: rankdir=BT, an arrow
// from the service that waits for or depends on another to that other
// (graph.Edge.Arrow), so the boot reads from the top down. Services of one
// wave share a rank, next to a ruler of wave numbers (S01, S02 ... or K01
// for a shutdown) on the left, and on the right too when a wave is wider
// than wideWave services. A hub that many edges touch (Drawing.Hubs) is a
// rail: it sits in the left ruler at its wave, and its edges are not
// drawn. With more than one drawing, or a drawing of a layout node, each
// node is a cluster and its services' IDs start with "NODE/".
//
// Services: by init system (sysv: a note, upstart: a box, systemd: a
// rounded box, targets bold); a barrier (the link numbers of headerless
// scripts, when drawing the edges across it would multiply them: see
// newScene) a dark green point; a name nothing defines is rcorder's
// "{ NAME | ENOENT }" box in red, a masked one "{ NAME | masked }"; one
// that does not start is dashed and grey, with the finding that says why
// as its tooltip; one on an ordering loop has a thick red border.
// Edges: by kind (edgeStyle), a race dashed, a loop bold red; each has a
// tooltip with its directive and file:line.
func DOT(w io.Writer, ds []Drawing) error {
	_, err := io.WriteString(w, dotText(ds, scenes(ds), false))
	return err
}

// scenes returns the scene of each drawing.
func scenes(ds []Drawing) []*scene {
	out := make([]*scene, len(ds))
	for k, d := range ds {
		out[k] = newScene(d)
	}
	return out
}

// wideWave is the number of services of a wave above which a picture
// gets the wave ruler on its right too.
const wideWave = 4

// dotText returns the DOT text of the drawings' scenes. With ids (the
// HTML map), every service, edge and ruler label gets an id (n0, n1 ...
// in the order of the scenes' nodes, e0 ... of their edges, wN and wNr)
// and none gets a tooltip: the map shows its own.
func dotText(ds []Drawing, scs []*scene, ids bool) string {
	var b strings.Builder
	b.WriteString("digraph initorder {\n")
	b.WriteString("\trankdir=BT;\n\tnewrank=true;\n\tranksep=0.35;\n\tnodesep=0.2;\n")
	b.WriteString("\tnode [fontname=\"Helvetica\", fontsize=10, height=0.3, margin=\"0.1,0.03\"];\n")
	b.WriteString("\tedge [arrowsize=0.6];\n")
	clusters := len(ds) > 1 || (len(ds) == 1 && ds[0].Node != "")
	r := ruler{ranks: map[int][]string{}, rails: map[int][]rail{}}
	for _, sc := range scs {
		r.waves, r.stop = max(r.waves, sc.waves), r.stop || sc.stop
	}
	// The left ruler and its rails come first: Graphviz lays out each
	// connected part of a graph in the order of its first node, left to
	// right, and the ruler is one of its own.
	var services strings.Builder
	nodeID, edgeID := 0, 0
	for k, d := range ds {
		sc := scs[k]
		prefix, indent := "", "\t"
		if clusters {
			prefix, indent = d.Node+"/", "\t\t"
			fmt.Fprintf(&services, "\tsubgraph %s {\n\t\tlabel=%s;\n\t\tstyle=\"rounded\";\n\t\tcolor=\"grey50\";\n", quote("cluster_"+d.Node), quote("node "+d.Node))
		}
		first := nodeID // the ID of the scene's first service, with ids
		names := nodeIDs(sc, prefix)
		for k, n := range sc.nodes {
			id := names[k]
			attrs := nodeAttrs(n, !ids, "")
			if id != quote(prefix+n.svc.Name) {
				attrs = nodeAttrs(n, !ids, prefix+n.svc.Name)
			}
			if ids {
				// The service is n<N> in the DOT text, so that no name
				// from the root is an ID of Graphviz's SVG (<title>), and
				// its label is the name as the map shows it.
				id = quote(fmt.Sprintf("n%d", nodeID))
				attrs = fmt.Sprintf("id=\"n%d\", %s", nodeID, nodeAttrs(n, false, prefix+n.svc.Name))
			}
			nodeID++
			if n.rail {
				r.rails[n.wave] = append(r.rails[n.wave], rail{id, attrs})
				r.ranks[n.wave] = append(r.ranks[n.wave], id)
				continue
			}
			fmt.Fprintf(&services, "%s%s [%s];\n", indent, id, attrs)
			if n.wave > 0 {
				r.ranks[n.wave] = append(r.ranks[n.wave], id)
			}
		}
		for _, e := range sc.edges {
			id := edgeID
			edgeID++
			if e.omit != "" {
				continue
			}
			attrs := edgeAttrs(d.Graph, e, !ids)
			if ids {
				attrs = fmt.Sprintf("id=\"e%d\", %s", id, attrs)
			}
			if t, h := sc.nodes[e.tail], sc.nodes[e.head]; e.cycle || h.wave > 0 && (t.wave == 0 || t.wave <= h.wave) {
				// The ranks are the waves, and this edge must not move
				// them: it goes against them (a Wants= of something
				// later, a loop), or from a service that does not start
				// to one that does (which could put the first both above
				// and below a wave). A service that does not start is
				// placed above what points at it.
				attrs += ", constraint=false"
			}
			tail, head := names[e.tail], names[e.head]
			if ids {
				tail, head = quote(fmt.Sprintf("n%d", first+e.tail)), quote(fmt.Sprintf("n%d", first+e.head))
			}
			fmt.Fprintf(&services, "%s%s -> %s [%s];\n", indent, tail, head, attrs)
		}
		if clusters {
			services.WriteString("\t}\n")
		}
	}
	r.ids = ids
	r.writeLeft(&b)
	b.WriteString(services.String())
	r.writeRight(&b)
	b.WriteString("}\n")
	return b.String()
}

// rail is a hub drawn in the ruler: its quoted ID and attributes.
type rail struct{ id, attrs string }

// ruler is the column of wave numbers beside a picture, with the rails.
type ruler struct {
	waves int
	stop  bool
	ids   bool
	ranks map[int][]string // wave -> IDs of its services (rails included)
	rails map[int][]rail   // wave -> its rails
	used  []int            // the waves that have a service, in order
}

func (r *ruler) label(w int, side string) string {
	prefix := "S"
	if r.stop {
		prefix = "K"
	}
	digits := 2
	for n := r.waves; n > 99; n /= 10 {
		digits++
	}
	return fmt.Sprintf("%s%0*d%s", prefix, digits, w, side)
}

// writeLeft writes the wave numbers as a column of plain labels tied top
// to bottom by invisible edges, each wave's rails beside its number.
func (r *ruler) writeLeft(b *strings.Builder) {
	for w := range r.ranks {
		r.used = append(r.used, w)
	}
	sort.Ints(r.used)
	r.column(b, "")
	for _, w := range r.used {
		for _, rl := range r.rails[w] {
			// An invisible edge makes the rail part of the ruler's
			// column, so that it is laid out beside it.
			fmt.Fprintf(b, "\t%s [%s];\n\t%s -> %s [style=invis];\n", rl.id, rl.attrs, quote("#"+r.label(w, "")), rl.id)
		}
	}
}

// writeRight writes the second column of wave numbers, for a wide
// picture, and the ranks.
func (r *ruler) writeRight(b *strings.Builder) {
	wide := false
	for _, w := range r.used {
		wide = wide || len(r.ranks[w])-len(r.rails[w]) > wideWave
	}
	if wide {
		r.column(b, "r")
	}
	for _, w := range r.used {
		members := []string{quote("#" + r.label(w, ""))}
		if wide {
			members = append(members, quote("#"+r.label(w, "r")))
		}
		fmt.Fprintf(b, "\t{rank=same; %s}\n", strings.Join(append(members, r.ranks[w]...), "; "))
	}
}

// column writes one column of the ruler: side "" is the left, "r" the
// right.
func (r *ruler) column(b *strings.Builder, side string) {
	for k, w := range r.used {
		id := ""
		if r.ids {
			id = fmt.Sprintf("id=\"w%d%s\", ", w, side)
		}
		fmt.Fprintf(b, "\t%s [%sshape=plaintext, fontcolor=\"grey40\", label=%s];\n", quote("#"+r.label(w, side)), id, quote(r.label(w, "")))
		if k > 0 {
			fmt.Fprintf(b, "\t%s -> %s [style=invis];\n", quote("#"+r.label(w, side)), quote("#"+r.label(r.used[k-1], side)))
		}
	}
}

// initStyle is how a service of each init system is drawn: shape, style
// and fill.
var initStyle = map[string][3]string{
	"sysv":    {"note", "filled", "#fff3c4"},
	"upstart": {"box", "filled", "#fde0c5"},
	"systemd": {"box", "rounded,filled", "#dce8fa"},
}

// railStyle is how a rail is drawn in the ruler: a bold box, darker
// than a service.
const railStyle = `shape=box, style="filled,bold", fillcolor="#c3d5f0", penwidth=2`

// nodeAttrs returns the DOT attributes of a service, with its tooltip
// if tip, and with label as its label if not "" (else its ID, the name).
func nodeAttrs(n sceneNode, tip bool, label string) string {
	s := n.svc
	name := s.Name
	if label != "" {
		name = label
	}
	var attrs []string
	switch {
	case n.state == stateBarrier:
		attrs := `shape=point, width=0.06, color="darkgreen"`
		if tip {
			attrs += ", tooltip=" + quote(s.Name)
		}
		return attrs
	case n.rail:
		attrs = append(attrs, railStyle)
	case n.state == stateMissing, n.state == stateMasked:
		what := "ENOENT"
		if n.state == stateMasked {
			what = "masked"
		}
		attrs = append(attrs, "shape=record", `style="rounded,filled"`, `color="red"`, `fillcolor="#ffd9d9"`,
			"label="+recordLabel(name, what))
	default:
		st, ok := initStyle[s.Init]
		if !ok {
			st = [3]string{"box", "filled", "white"}
		}
		shape, style, fill := st[0], st[1], st[2]
		if s.Target {
			style += ",bold"
		}
		if n.state != stateStarted {
			style, fill = style+",dashed", "#eeeeee"
			attrs = append(attrs, `fontcolor="grey35"`)
		}
		attrs = append(attrs, "shape="+shape, "style="+quote(style), "fillcolor="+quote(fill))
	}
	if n.cyclic {
		attrs = append(attrs, `color="red"`, "penwidth=4")
	}
	if tip {
		attrs = append(attrs, "tooltip="+quote(nodeTip(n)))
	}
	if label != "" && n.state != stateMissing && n.state != stateMasked {
		attrs = append(attrs, "label="+quote(label))
	}
	return strings.Join(attrs, ", ")
}

// nodeTip says what a service is: its name, file and wave, its note, why
// it does not start, or that it is a rail.
func nodeTip(n sceneNode) string {
	s := n.svc
	if n.why != "" {
		return n.why
	}
	tip := s.Name
	if s.Source.File != "" {
		tip += " (" + s.Source.File + ")"
	}
	if n.wave > 0 {
		tip += fmt.Sprintf(", wave %d", n.wave)
	}
	if s.Note != "" {
		tip += ": " + s.Note
	}
	if n.rail {
		tip += fmt.Sprintf(": a rail, its %d edges not drawn (--hubs draws them)", n.edges)
	}
	return tip
}

// edgeStyle is how an edge of each kind is drawn: systemd-analyze dot's
// colours (src/analyze/analyze-dot.c: After green, Requires black,
// Requisite dark blue, BindsTo gold, Wants grey66, Conflicts red), and
// for what it does not draw: Before= as the After= it means, PartOf=
// gold dotted, Upholds= grey66 bold, OnFailure= orange dotted. An LSB
// Required-Start is a Requires= and an After= (two lines, black and
// green), Should-Start a Wants= and an After=; X-Start-Before and
// X-Stop-After order only (green); the stop directives as their start
// twins; a link number's order dark green dotted; upstart's start on
// and a job a script starts order (green). An optional member of a
// facility (insserv.conf's +name, Edge.Soft) is waited for, not needed:
// green, whatever directive named the facility.
//
// Green is written #008000, the green of SVG and of the browsers that
// show systemd-analyze dot's SVG: Graphviz's own (X11) green, #00ff00,
// would make the PNG another colour than the SVG, and is hard to see on
// white.
var edgeStyle = map[graph.Kind]string{
	graph.SystemdAfter:  `color="#008000"`,
	graph.SystemdBefore: `color="#008000"`,
	graph.Requires:      `color="black"`,
	graph.Requisite:     `color="darkblue"`,
	graph.BindsTo:       `color="gold"`,
	graph.Wants:         `color="grey66"`,
	graph.Conflicts:     `color="red", arrowhead=tee`,
	graph.PartOf:        `color="gold", style="dotted"`,
	graph.Upholds:       `color="grey66", style="bold"`,
	graph.OnFailure:     `color="orange", style="dotted"`,
	graph.RequiredStart: `color="black:#008000"`,
	graph.ShouldStart:   `color="grey66:#008000"`,
	graph.StartBefore:   `color="#008000"`,
	graph.RequiredStop:  `color="black:#008000"`,
	graph.ShouldStop:    `color="grey66:#008000"`,
	graph.StopAfter:     `color="#008000"`,
	graph.Sequence:      `color="darkgreen", style="dotted"`,
	graph.StartOn:       `color="#008000"`,
	graph.Hook:          `color="#008000"`,
	graph.StartFrom:     `color="#008000"`,
	graph.StopOn:        `color="#008000"`,
	graph.StopHook:      `color="#008000"`,
}

// edgeAttrs returns the DOT attributes of an edge, with its tooltip if
// tip.
func edgeAttrs(g *graph.Graph, e sceneEdge, tip bool) string {
	style := edgeStyle[e.edge.Kind]
	switch {
	case e.edge.Soft:
		// An optional member of a facility (insserv.conf's +name):
		// the script waits for it when it starts and does not need
		// it, so the edge orders only.
		style = edgeStyle[graph.StartBefore]
	case style == "":
		style = `color="black"`
	}
	var marks []string
	if e.edge.Any != 0 || e.race {
		marks = append(marks, "dashed")
	}
	if e.cycle {
		style = `color="red"`
		marks = append(marks, "bold")
	}
	if len(marks) > 0 {
		if i := strings.Index(style, `style="`); i >= 0 {
			style = style[:i+7] + strings.Join(marks, ",") + "," + style[i+7:]
		} else {
			style += `, style="` + strings.Join(marks, ",") + `"`
		}
	}
	if e.cycle {
		style += ", penwidth=3"
	}
	if !tip {
		return style
	}
	return style + ", tooltip=" + quote(edgeTip(g, e))
}

// edgeTip is an edge's directive, where it is written, and whether it
// is a race: "b.service After=a.service (lib/systemd/system/b.service:3)".
func edgeTip(g *graph.Graph, e sceneEdge) string {
	tip := directive(g, e.edge)
	if len(e.through) > 0 {
		tip = fmt.Sprintf("%s %s, through %s", g.Services[e.edge.From].Name, e.edge.Kind, strings.Join(e.through, ", "))
	}
	if e.edge.Pos.File != "" {
		tip += " (" + e.edge.Pos.String() + ")"
	}
	if e.edge.Soft {
		tip += ": an optional member of " + e.edge.Via + ", waited for, not needed"
	}
	if e.race {
		tip += ": a race"
	}
	return tip
}

// directive is an edge as its file writes it: "ssh.service After=network.target",
// "web Required-Start $network (networking)", "s2 start on started s1".
func directive(g *graph.Graph, e graph.Edge) string {
	from, to := g.Services[e.From].Name, g.Services[e.To].Name
	target := to
	if e.Via != "" && e.Via != to {
		target = e.Via
		if !strings.Contains(e.Via, to) {
			target += " (" + to + ")"
		}
	}
	if e.Kind >= graph.Requires && e.Kind <= graph.SystemdBefore {
		return from + " " + e.Kind.String() + "=" + target
	}
	return from + " " + e.Kind.String() + " " + target
}

// nodeIDs returns the DOT ID of each service of the scene: its name with
// the drawing's prefix, quoted. Quoting escapes what is not printable, so
// that two names may quote the same (a literal "\x1b" and an ESC): the
// second gets a number, and its name as label.
func nodeIDs(sc *scene, prefix string) []string {
	ids := make([]string, len(sc.nodes))
	seen := make(map[string]bool, len(sc.nodes))
	for k, n := range sc.nodes {
		id := quote(prefix + n.svc.Name)
		for i := 2; seen[id]; i++ {
			id = quote(fmt.Sprintf("%s%s #%d", prefix, n.svc.Name, i))
		}
		seen[id] = true
		ids[k] = id
	}
	return ids
}

var (
	quoter        = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	recordEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `{`, `\{`, `}`, `\}`, `|`, `\|`, `<`, `\<`, `>`, `\>`, ` `, `\ `)
)

// quote returns s as a DOT double-quoted string, printable (control
// characters, bytes that are not UTF-8 and the invisible format
// characters escaped as the text formats escape them, the escapes shown
// as written) and without character references.
func quote(s string) string { return `"` + quoter.Replace(dotString(s)) + `"` }

// dotString is s as DOT may carry it to Graphviz and on to SVG: printable,
// and every "&" that would begin a character or entity reference written
// "&amp;". Graphviz turns references in labels into the characters they
// name ("&#27;" into an ESC in the SVG's tooltips) and copies them into
// its SVG as they are, where a reference to a control character is not
// well-formed XML; written "&amp;#27;", the label shows "&#27;".
func dotString(s string) string {
	s = printable(s)
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '&' && isReference(s[i+1:]) {
			b.WriteString("amp;")
		}
	}
	return b.String()
}

// isReference reports whether s, which follows an "&", would make it a
// reference to Graphviz (xml_isentity in lib/common/xml.c): letters, or
// "#" and decimal digits, or "#x" and hexadecimal digits, then ";".
func isReference(s string) bool {
	i := 0
	switch {
	case strings.HasPrefix(s, "#x") || strings.HasPrefix(s, "#X"):
		for i = 2; i < len(s) && isHex(s[i]); i++ {
		}
	case strings.HasPrefix(s, "#"):
		for i = 1; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	default:
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
		if i == 0 {
			return false
		}
	}
	return i < len(s) && s[i] == ';'
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// recordLabel returns the quoted label of a record "{ NAME | WHAT }":
// in a record, a backslash escapes the next character, so the name's
// backslashes, quotes, braces, bars, angle brackets and blanks are
// escaped once, for the record (DOT itself only unescapes \"), after
// the name is made printable (quote).
func recordLabel(name, what string) string {
	return `"{ ` + recordEscaper.Replace(dotString(name)) + ` | ` + what + ` }"`
}
