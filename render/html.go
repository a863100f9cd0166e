package render

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// The page's own code and the pan and zoom library it uses (vendored:
// assets/svg-pan-zoom/README.md says where from and why).
var (
	//go:embed assets/map.js
	mapJS string
	//go:embed assets/map.css
	mapCSS string
	//go:embed assets/svg-pan-zoom/svg-pan-zoom.min.js
	panZoomJS string
	//go:embed assets/svg-pan-zoom/LICENSE
	panZoomLicense string
)

// HTML writes the drawings as one self-contained page, a map of the boot
// an engineer can read: the picture of DOT (rails, reduction and cuts as
// Drawing says), laid out by layout (initorder-render -T svg), to pan and
// zoom; a search box that brings a service into view; a click on a
// service highlights what it waits for and what waits for it, all the
// way, and fades the rest; each edge's directive and file:line on hover;
// the wave ruler (with the rails) beside the map whatever is in view;
// the findings, each one a click away from its services; why A starts
// before B as a highlighted chain; and the waves as a chart (Plot).
//
// Nothing is fetched when the page is opened: the data, the code and the
// library are in it, and its Content-Security-Policy allows no request
// and runs only its own two scripts (by their hashes). Every name from the
// root reaches the page as text: in the SVG through an allowlist of
// Graphviz's elements and attributes, escaped again (cleanSVG); in the
// data as JSON, which escapes <, > and &; in the page through
// textContent, never as markup.
func HTML(w io.Writer, ds []Drawing, layout func(dot []byte) ([]byte, error)) error {
	scs := scenes(ds)
	svg, err := layout([]byte(dotText(ds, scs, true)))
	if err != nil {
		return err
	}
	mapSVG, err := cleanSVG(svg)
	if err != nil {
		return err
	}
	data, err := json.Marshal(newMapData(ds, scs))
	if err != nil {
		return err
	}
	title := "initorder"
	if len(ds) > 0 {
		title = "initorder: " + ds[0].Init + " " + ds[0].Goal
		if len(ds) == 1 && ds[0].Node != "" {
			title += " on node " + ds[0].Node
		}
	}
	lib := "/*\nsvg-pan-zoom 3.6.2, https://github.com/bumbu/svg-pan-zoom\n\n" + strings.ReplaceAll(panZoomLicense, "*/", "* /") + "*/\n" + panZoomJS
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src %s %s\">\n", scriptHash(lib), scriptHash(mapJS))
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(printable(title)), mapCSS)
	fmt.Fprintf(&b, `<header>
<h1>%s</h1>
<input id="search" type="search" list="names" placeholder="find a service (/)" autocomplete="off" aria-label="find a service">
<span id="matches"></span>
<span class="why"><label>why <input id="why-a" list="names" placeholder="A" aria-label="why: A"></label>
<label>before <input id="why-b" list="names" placeholder="B" aria-label="why: B"></label>
<button id="why-go">show chain</button></span>
<label class="chain"><input id="direct" type="checkbox"> direct only</label>
<nav><button id="tab-map" class="on">map</button><button id="tab-waves">waves</button></nav>
</header>
<datalist id="names"></datalist>
<main>
<div id="map">
<div id="ruler-left" class="ruler"></div>
<div id="ruler-right" class="ruler"></div>
%s
</div>
<div id="waves" hidden>
%s
</div>
<aside>
<section id="info"><p class="hint">Click a service, or find one: what it waits for is blue, what waits for it orange.
Hover over an edge for its directive and file:line. Wheel or pinch to zoom, drag to pan.</p></section>
<section id="findings"></section>
</aside>
</main>
<div id="tip" hidden></div>
`, esc(printable(title)), mapSVG, plotSVG(ds, scs, true))
	fmt.Fprintf(&b, "<script type=\"application/json\" id=\"initorder-data\">%s</script>\n", data)
	fmt.Fprintf(&b, "<script>%s</script>\n<script>%s</script>\n</body>\n</html>\n", lib, mapJS)
	_, err = io.WriteString(w, b.String())
	return err
}

// scriptHash is the Content-Security-Policy source of an inline script.
func scriptHash(js string) string {
	sum := sha256.Sum256([]byte(js))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// mapData is what the page's code knows of the boot: every service of
// the scenes in the order of their nodes' ids (n0, n1 ... in the SVG),
// every edge of the scenes, drawn or not (e0, e1 ...), and the findings.
// Every string is as printable writes it.
type mapData struct {
	Waves    int          `json:"waves"`
	Prefix   string       `json:"prefix"` // S, or K for a shutdown
	Digits   int          `json:"digits"`
	Services []mapService `json:"services"`
	Edges    []mapEdge    `json:"edges"`
	Findings []mapFinding `json:"findings"`
}

type mapService struct {
	Name    string   `json:"name"` // NODE/NAME in a layout
	Aliases []string `json:"aliases"`
	Init    string   `json:"init"`
	Wave    int      `json:"wave"` // 0: does not start
	State   string   `json:"state"`
	Rail    bool     `json:"rail"`
	Source  string   `json:"source"`
	Tip     string   `json:"tip"`
}

type mapEdge struct {
	Tail  int    `json:"t"` // waits for or depends on Head
	Head  int    `json:"h"`
	Kind  string `json:"kind"`
	Tip   string `json:"tip"`   // the directive and its file:line
	Order bool   `json:"o"`     // Head starts before Tail
	Chain bool   `json:"c"`     // part of what Tail waits for (not Conflicts=, OnFailure=)
	Alt   bool   `json:"alt"`   // one branch of an upstart "or": orders nothing for sure
	Omit  string `json:"omit"`  // why it is not drawn: "rail", "reduced"; "" drawn (SVG id e<N>)
	Marks string `json:"marks"` // "race", "cycle" or ""
}

type mapFinding struct {
	Severity string `json:"severity"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Source   string `json:"source"`
	Services []int  `json:"services"` // those the map shows
}

func newMapData(ds []Drawing, scs []*scene) mapData {
	md := mapData{Prefix: "S", Digits: 2, Services: []mapService{}, Edges: []mapEdge{}, Findings: []mapFinding{}}
	base := 0
	for k, d := range ds {
		sc := scs[k]
		md.Waves = max(md.Waves, sc.waves)
		if sc.stop {
			md.Prefix = "K"
		}
		byName := map[string]int{}
		prefix := ""
		if len(ds) > 1 || d.Node != "" {
			prefix = d.Node + "/"
		}
		for i, n := range sc.nodes {
			byName[n.svc.Name] = base + i
			aliases := []string{}
			for _, a := range n.svc.Aliases {
				aliases = append(aliases, printable(prefix+a))
			}
			sort.Strings(aliases)
			md.Services = append(md.Services, mapService{
				Name: printable(prefix + n.svc.Name), Aliases: aliases, Init: printable(n.svc.Init), Wave: n.wave,
				State: n.state, Rail: n.rail, Source: printable(n.svc.Source.String()), Tip: printable(nodeTip(n)),
			})
		}
		for _, e := range sc.edges {
			me := mapEdge{
				Tail: base + e.tail, Head: base + e.head, Kind: e.edge.Kind.String(), Tip: printable(edgeTip(d.Graph, e)),
				Order: orders(e.edge), Chain: e.edge.Kind != graph.Conflicts && e.edge.Kind != graph.OnFailure,
				Alt: e.edge.Any != 0, Omit: e.omit,
			}
			switch {
			case e.cycle:
				me.Marks = "cycle"
			case e.race:
				me.Marks = "race"
			}
			md.Edges = append(md.Edges, me)
		}
		for _, f := range d.Findings {
			mf := mapFinding{Severity: f.Severity.String(), Kind: f.Kind, Message: printable(f.Message), Services: []int{}}
			if d.Node != "" {
				mf.Message = printable(d.Node) + ": " + mf.Message
			}
			if len(f.Sources) > 0 {
				mf.Source = printable(f.Sources[0].String())
			}
			for _, name := range f.Services {
				if i, ok := byName[name]; ok {
					mf.Services = append(mf.Services, i)
				}
			}
			md.Findings = append(md.Findings, mf)
		}
		base += len(sc.nodes)
	}
	if md.Waves > 99 {
		for n := md.Waves; n > 99; n /= 10 {
			md.Digits++
		}
	}
	return md
}
