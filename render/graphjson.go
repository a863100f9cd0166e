package render

import (
	"fmt"
	"io"
	"sort"

	"github.com/initorder/initorder/graph"
)

// Graph writes the drawings in the given format: "dot" (DOT, the source
// of the svg and png pictures), "plot" (the waves as a chart, SVG: Plot)
// or "json", what the picture shows as data:
//
//	{"graphs": [{"node": "", "init": "systemd", "goal": "graphical.target",
//	  "services": [{"name", "aliases", "init", "wave", "state", "cyclic", "source", "why"}],
//	  "edges": [{"tail", "head", "kind", "directive", "source", "through", "marks"}]}]}
//
// One graph per drawing (per layout node). An edge goes from tail to
// head as the picture's arrow does: the tail waits for or depends on the
// head. state is started, missing, masked, never-starts or not-started,
// or barrier for the link numbers of headerless scripts where the picture
// draws them (newScene);
// marks are "race", "cycle", "alternative" (one branch of an upstart
// "or") and "optional" (an optional member of a facility, insserv.conf's
// +name: waited for, not needed; drawn as an order). Services are sorted by name, edges by tail, head, kind and
// source; lists are never null.
func Graph(w io.Writer, format string, ds []Drawing) error {
	switch format {
	case "dot", "text", "":
		return DOT(w, ds)
	case "json":
		return graphJSON(w, ds)
	case "plot":
		return Plot(w, ds)
	}
	return fmt.Errorf("unknown format %q for graph (want dot, svg, png, html, plot or json)", format)
}

type graphDoc struct {
	Graphs []graphJSONDoc `json:"graphs"`
}

type graphJSONDoc struct {
	Node     string          `json:"node"`
	Init     string          `json:"init"`
	Goal     string          `json:"goal"`
	Services []graphService  `json:"services"`
	Edges    []graphEdgeJSON `json:"edges"`
}

type graphService struct {
	Name    string      `json:"name"`
	Aliases []string    `json:"aliases"`
	Init    string      `json:"init"`
	Wave    int         `json:"wave"`
	State   string      `json:"state"`
	Cyclic  bool        `json:"cyclic"`
	Source  *sourceJSON `json:"source"`
	Why     string      `json:"why,omitempty"`
}

type graphEdgeJSON struct {
	Tail      string      `json:"tail"`
	Head      string      `json:"head"`
	Kind      string      `json:"kind"`
	Directive string      `json:"directive"`
	Source    *sourceJSON `json:"source"`
	Through   []string    `json:"through"`
	Marks     []string    `json:"marks"`
}

func graphJSON(w io.Writer, ds []Drawing) error {
	doc := graphDoc{Graphs: []graphJSONDoc{}}
	for _, d := range ds {
		sc := newScene(d)
		gj := graphJSONDoc{Node: d.Node, Init: d.Init, Goal: d.Goal, Services: []graphService{}, Edges: []graphEdgeJSON{}}
		for _, n := range sc.nodes {
			aliases := append([]string{}, n.svc.Aliases...)
			sort.Strings(aliases)
			gj.Services = append(gj.Services, graphService{
				Name: n.svc.Name, Aliases: aliases, Init: n.svc.Init, Wave: n.wave, State: n.state,
				Cyclic: n.cyclic, Source: source(n.svc.Source), Why: n.why,
			})
		}
		for _, e := range sc.drawn() {
			ej := graphEdgeJSON{
				Tail: sc.nodes[e.tail].svc.Name, Head: sc.nodes[e.head].svc.Name, Kind: e.edge.Kind.String(),
				Directive: directive(d.Graph, e.edge), Source: source(e.edge.Pos),
				Through: append([]string{}, e.through...), Marks: []string{},
			}
			if e.edge.Any != 0 {
				ej.Marks = append(ej.Marks, "alternative")
			}
			if e.edge.Soft {
				ej.Marks = append(ej.Marks, "optional")
			}
			if e.cycle {
				ej.Marks = append(ej.Marks, "cycle")
			}
			if e.race {
				ej.Marks = append(ej.Marks, "race")
			}
			gj.Edges = append(gj.Edges, ej)
		}
		doc.Graphs = append(doc.Graphs, gj)
	}
	return writeJSON(w, doc)
}

// source is p as JSON, or null for no place.
func source(p graph.Pos) *sourceJSON {
	if p.File == "" {
		return nil
	}
	return &sourceJSON{File: p.File, Line: p.Line}
}
