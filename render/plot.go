package render

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Plot writes the waves of the drawings as an SVG chart, the way
// systemd-analyze plot shows a boot that happened, but predicted from the
// root: one row a service, sorted by wave then name, its bar in the
// column of its wave, its name beside the bar; hovering a row shows what
// the service waits for (each directive with its file:line) and what
// waits for it. Services that do not start come last, without a bar,
// with the finding that says why. Rails and reduction do not apply: every
// edge of the scene is listed. With more than one drawing (a layout),
// one chart each, one under the other.
func Plot(w io.Writer, ds []Drawing) error {
	_, err := io.WriteString(w, plotSVG(ds, scenes(ds), false))
	return err
}

// The chart's geometry, in pixels.
const (
	plotCol    = 30 // a wave's column
	plotRow    = 18 // a service's row
	plotLeft   = 10
	plotHeader = 46 // title and wave numbers
	plotChar   = 6.4
)

// plotRowOf is one row of the chart.
type plotRowOf struct {
	id   int // the service's index over all scenes (the map's n<id>)
	node sceneNode
	tip  string
}

// plotSVG returns the chart of the scenes; with ids, each row is a group
// with id r<N> (N as dotText's n<N>) and class "row".
func plotSVG(ds []Drawing, scs []*scene, ids bool) string {
	var body strings.Builder
	y, width, base := 0, 400, 0
	for k, d := range ds {
		sc := scs[k]
		rows := plotRows(d, sc, base)
		base += len(sc.nodes)
		longest := 0
		for _, r := range rows {
			longest = max(longest, utf8.RuneCountInString(printable(r.node.svc.Name)))
		}
		cols := max(sc.waves, 1)
		width = max(width, plotLeft+cols*plotCol+int(float64(longest+2)*plotChar)+plotLeft)
		title := "waves of " + d.Init + " " + d.Goal
		if d.Node != "" {
			title += " on node " + d.Node
		}
		fmt.Fprintf(&body, `<g transform="translate(0,%d)">`+"\n", y)
		fmt.Fprintf(&body, `<text x="%d" y="16" class="title">%s</text>`+"\n", plotLeft, esc(title))
		gridH := len(rows) * plotRow
		for wv := 1; wv <= sc.waves; wv++ {
			x := plotLeft + (wv-1)*plotCol
			fmt.Fprintf(&body, `<text x="%d" y="38" class="wave">%s</text>`+"\n", x+plotCol/2, esc(waveLabel(sc, wv)))
			if wv%2 == 0 {
				fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" class="col"/>`+"\n", x, plotHeader, plotCol, gridH)
			}
		}
		for i, r := range rows {
			ry := plotHeader + i*plotRow
			if ids {
				fmt.Fprintf(&body, `<g id="r%d" class="row">`, r.id)
			} else {
				body.WriteString(`<g class="row">`)
			}
			fmt.Fprintf(&body, `<title>%s</title>`, esc(r.tip))
			fmt.Fprintf(&body, `<rect x="0" y="%d" width="%d" height="%d" class="hit"/>`, ry, plotLeft+cols*plotCol+int(float64(longest+2)*plotChar), plotRow)
			x := plotLeft
			if r.node.wave > 0 {
				x = plotLeft + (r.node.wave-1)*plotCol
				fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" rx="3" class="%s"/>`, x+1, ry+3, plotCol-2, plotRow-6, barClass(r.node))
				x += plotCol
			} else {
				x = plotLeft + cols*plotCol
			}
			fmt.Fprintf(&body, `<text x="%d" y="%d" class="%s">%s</text></g>`+"\n", x+4, ry+plotRow-5, nameClass(r.node), esc(printable(r.node.svc.Name)))
		}
		body.WriteString("</g>\n")
		y += plotHeader + len(rows)*plotRow + 20
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" class="plot">`+"\n", width, y, width, y)
	b.WriteString(`<style>
.plot text { font-family: Helvetica, Arial, sans-serif; font-size: 11px; fill: #222; }
.plot .title { font-size: 13px; font-weight: bold; }
.plot .wave { font-size: 9px; fill: #666; text-anchor: middle; }
.plot .col { fill: #f4f4f4; }
.plot .hit { fill: transparent; }
.plot .row:hover .hit { fill: #fff6c8; }
.plot .bar-sysv { fill: #f5d76e; } .plot .bar-upstart { fill: #f5b88a; } .plot .bar-systemd { fill: #8fb3e8; }
.plot .bar-other { fill: #cccccc; } .plot .target { stroke: #1d3f73; stroke-width: 1.5; } .plot .cyclic { stroke: red; stroke-width: 2; }
.plot .off { fill: #888; font-style: italic; }
</style>
`)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// plotRows returns the rows of a scene: the services that start by wave
// then name, then those that do not, by name; base is the index of the
// scene's first service over all scenes.
func plotRows(d Drawing, sc *scene, base int) []plotRowOf {
	waits := make([][]string, len(sc.nodes))   // what each waits for
	waiters := make([][]string, len(sc.nodes)) // what waits for each
	for _, e := range sc.edges {
		waits[e.tail] = append(waits[e.tail], printable(edgeTip(d.Graph, e)))
		waiters[e.head] = append(waiters[e.head], printable(sc.nodes[e.tail].svc.Name))
	}
	var rows []plotRowOf
	for k, n := range sc.nodes {
		if n.state == stateMissing || n.state == stateMasked {
			continue // no unit to start: check says why
		}
		tip := printable(nodeTip(n))
		if len(waits[k]) > 0 {
			tip += "\nwaits for:\n  " + strings.Join(waits[k], "\n  ")
		}
		if len(waiters[k]) > 0 {
			tip += "\nwaited for by: " + strings.Join(dedup(waiters[k]), ", ")
		}
		rows = append(rows, plotRowOf{id: base + k, node: n, tip: tip})
	}
	sort.SliceStable(rows, func(a, b int) bool {
		wa, wb := rows[a].node.wave, rows[b].node.wave
		if (wa == 0) != (wb == 0) {
			return wb == 0
		}
		if wa != wb {
			return wa < wb
		}
		return rows[a].node.svc.Name < rows[b].node.svc.Name
	})
	return rows
}

// waveLabel is wave w as ls prints it: S01, or K01 for a shutdown.
func waveLabel(sc *scene, w int) string {
	r := ruler{waves: sc.waves, stop: sc.stop}
	return r.label(w, "")
}

func barClass(n sceneNode) string {
	c := "bar-other"
	switch n.svc.Init {
	case "sysv", "upstart", "systemd":
		c = "bar-" + n.svc.Init
	}
	if n.cyclic {
		c += " cyclic"
	} else if n.svc.Target || n.rail {
		c += " target"
	}
	return c
}

func nameClass(n sceneNode) string {
	if n.wave == 0 {
		return "off"
	}
	return "label"
}

func dedup(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for k, s := range ss {
		if k == 0 || s != ss[k-1] {
			out = append(out, s)
		}
	}
	return out
}

// esc escapes s for XML and HTML text and attribute values.
func esc(s string) string { return html.EscapeString(s) }
