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
// for a shutdown). With more than one drawing, or a drawing of a layout
// node, each node is a cluster and its services' IDs start with "NODE/".
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
	var b strings.Builder
	b.WriteString("digraph initorder {\n")
	b.WriteString("\trankdir=BT;\n\tnewrank=true;\n\tranksep=0.35;\n\tnodesep=0.2;\n")
	b.WriteString("\tnode [fontname=\"Helvetica\", fontsize=10, height=0.3, margin=\"0.1,0.03\"];\n")
	b.WriteString("\tedge [arrowsize=0.6];\n")
	clusters := len(ds) > 1 || (len(ds) == 1 && ds[0].Node != "")
	waves, stop := 0, false
	ranks := map[int][]string{}
	for _, d := range ds {
		sc := newScene(d)
		waves, stop = max(waves, sc.waves), stop || sc.stop
		prefix, indent := "", "\t"
		if clusters {
			prefix, indent = d.Node+"/", "\t\t"
			fmt.Fprintf(&b, "\tsubgraph %s {\n\t\tlabel=%s;\n\t\tstyle=\"rounded\";\n\t\tcolor=\"grey50\";\n", quote("cluster_"+d.Node), quote("node "+d.Node))
		}
		ids := nodeIDs(sc, prefix)
		for k, n := range sc.nodes {
			attrs := nodeAttrs(n)
			if ids[k] != quote(prefix+n.svc.Name) {
				attrs = "label=" + quote(prefix+n.svc.Name) + ", " + attrs
			}
			fmt.Fprintf(&b, "%s%s [%s];\n", indent, ids[k], attrs)
			if n.wave > 0 {
				ranks[n.wave] = append(ranks[n.wave], ids[k])
			}
		}
		for _, e := range sc.edges {
			attrs := edgeAttrs(d.Graph, e)
			if t, h := sc.nodes[e.tail], sc.nodes[e.head]; t.wave > 0 && h.wave > 0 && t.wave <= h.wave {
				// Against the waves (a Wants= of something later, a loop):
				// the ranks are the waves, this edge must not move them.
				attrs += ", constraint=false"
			}
			fmt.Fprintf(&b, "%s%s -> %s [%s];\n", indent, ids[e.tail], ids[e.head], attrs)
		}
		if clusters {
			b.WriteString("\t}\n")
		}
	}
	writeRuler(&b, waves, stop, ranks)
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRuler writes the wave numbers as a column of plain labels tied
// top to bottom by invisible edges, and each wave's services on the rank
// of its number.
func writeRuler(b *strings.Builder, waves int, stop bool, ranks map[int][]string) {
	if len(ranks) == 0 {
		return
	}
	prefix := "S"
	if stop {
		prefix = "K"
	}
	digits := 2
	for n := waves; n > 99; n /= 10 {
		digits++
	}
	used := make([]int, 0, len(ranks))
	for w := range ranks {
		used = append(used, w)
	}
	sort.Ints(used)
	b.WriteString("\tnode [shape=plaintext, style=\"\", fontcolor=\"grey40\"];\n")
	label := func(w int) string { return quote(fmt.Sprintf("#%s%0*d", prefix, digits, w)) }
	for _, w := range used {
		fmt.Fprintf(b, "\t%s [label=%s];\n", label(w), quote(fmt.Sprintf("%s%0*d", prefix, digits, w)))
	}
	for k, w := range used {
		if k > 0 {
			fmt.Fprintf(b, "\t%s -> %s [style=invis];\n", label(w), label(used[k-1]))
		}
	}
	for _, w := range used {
		fmt.Fprintf(b, "\t{rank=same; %s; %s}\n", label(w), strings.Join(ranks[w], "; "))
	}
}

// initStyle is how a service of each init system is drawn: shape, style
// and fill.
var initStyle = map[string][3]string{
	"sysv":    {"note", "filled", "#fff3c4"},
	"upstart": {"box", "filled", "#fde0c5"},
	"systemd": {"box", "rounded,filled", "#dce8fa"},
}

func nodeAttrs(n sceneNode) string {
	s := n.svc
	var attrs []string
	switch n.state {
	case stateBarrier:
		return "shape=point, width=0.06, color=\"darkgreen\", tooltip=" + quote(s.Name)
	case stateMissing, stateMasked:
		what := "ENOENT"
		if n.state == stateMasked {
			what = "masked"
		}
		attrs = append(attrs, "shape=record", `style="rounded,filled"`, `color="red"`, `fillcolor="#ffd9d9"`,
			"label="+recordLabel(s.Name, what))
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
	if n.why != "" {
		tip = n.why
	}
	attrs = append(attrs, "tooltip="+quote(tip))
	return strings.Join(attrs, ", ")
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
// orders (green).
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
}

func edgeAttrs(g *graph.Graph, e sceneEdge) string {
	style := edgeStyle[e.edge.Kind]
	if style == "" {
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
	tip := directive(g, e.edge)
	if len(e.through) > 0 {
		tip = fmt.Sprintf("%s %s, through %s", g.Services[e.edge.From].Name, e.edge.Kind, strings.Join(e.through, ", "))
	}
	if e.edge.Pos.File != "" {
		tip += " (" + e.edge.Pos.String() + ")"
	}
	if e.race {
		tip += ": a race"
	}
	return style + ", tooltip=" + quote(tip)
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
func quote(s string) string { return `"` + quoter.Replace(dotText(s)) + `"` }

// dotText is s as DOT may carry it to Graphviz and on to SVG: printable,
// and every "&" that would begin a character or entity reference written
// "&amp;". Graphviz turns references in labels into the characters they
// name ("&#27;" into an ESC in the SVG's tooltips) and copies them into
// its SVG as they are, where a reference to a control character is not
// well-formed XML; written "&amp;#27;", the label shows "&#27;".
func dotText(s string) string {
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
	return `"{ ` + recordEscaper.Replace(dotText(name)) + ` | ` + what + ` }"`
}
