// Package raster draws a graph that Graphviz has laid out as a PNG, in
// pure Go (golang.org/x/image: the vector rasteriser and the Go fonts).
// Its input is Graphviz's JSON output (package graphviz's JSON), whose
// objects carry their drawing operations in xdot form (Graphviz's
// xdot(3) "_draw_" attributes: pen and fill colours, styles, polygons,
// polylines, B-splines, ellipses and text): this package only paints
// them, it never lays anything out. go-graphviz's own PNG output is
// not used: it loses lines and fills curved edges black
// (goccy/go-graphviz issue 106), and is slow on big graphs.
package raster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// layout is the part of Graphviz's JSON output that is drawn.
type layout struct {
	BB      string   `json:"bb"`
	Draw    []op     `json:"_draw_"`
	Objects []object `json:"objects"`
	Edges   []object `json:"edges"`
}

// object is a cluster, a node or an edge, with its drawing operations.
type object struct {
	Name   string `json:"name"`
	Nodes  []int  `json:"nodes"` // set on subgraphs (clusters) only
	Draw   []op   `json:"_draw_"`
	LDraw  []op   `json:"_ldraw_"`
	HDraw  []op   `json:"_hdraw_"`
	TDraw  []op   `json:"_tdraw_"`
	HLDraw []op   `json:"_hldraw_"`
	TLDraw []op   `json:"_tldraw_"`
}

// op is one xdot drawing operation as Graphviz writes it in JSON.
type op struct {
	Op     string       `json:"op"`
	Color  string       `json:"color"`  // c, C
	Points [][2]float64 `json:"points"` // P p L B b
	Rect   []float64    `json:"rect"`   // E e: centre x, y, radii w, h
	Pt     []float64    `json:"pt"`     // T: baseline point
	Align  string       `json:"align"`  // T: l, c, r
	Width  float64      `json:"width"`  // T: the width Graphviz estimated
	Text   string       `json:"text"`   // T
	Size   float64      `json:"size"`   // F
	Face   string       `json:"face"`   // F
	Style  string       `json:"style"`  // S
}

// readLayout decodes Graphviz's JSON output and returns its bounding
// box (width and height in points) and its objects in drawing order:
// the graph, clusters, edges, then nodes, as Graphviz's SVG does.
func readLayout(data []byte) (w, h float64, draws [][]op, err error) {
	var l layout
	if err := json.Unmarshal(data, &l); err != nil {
		return 0, 0, nil, fmt.Errorf("reading the layout: %w", err)
	}
	f := strings.Split(l.BB, ",")
	if len(f) != 4 {
		return 0, 0, nil, fmt.Errorf("reading the layout: bounding box %q", l.BB)
	}
	var bb [4]float64
	for k, s := range f {
		if bb[k], err = strconv.ParseFloat(s, 64); err != nil {
			return 0, 0, nil, fmt.Errorf("reading the layout: bounding box %q", l.BB)
		}
	}
	draws = append(draws, l.Draw)
	var nodes [][]op
	for _, o := range l.Objects {
		if o.Nodes != nil || strings.HasPrefix(o.Name, "cluster") {
			draws = append(draws, o.Draw, o.LDraw)
			continue
		}
		nodes = append(nodes, o.Draw, o.LDraw)
	}
	for _, e := range l.Edges {
		draws = append(draws, markEdge(e.Draw), e.HDraw, e.TDraw, e.LDraw, e.HLDraw, e.TLDraw)
	}
	draws = append(draws, nodes...)
	return bb[2] - bb[0], bb[3] - bb[1], draws, nil
}

// markEdge marks the B-splines of an edge's line as open: Graphviz's
// JSON writes them as "b", the letter xdot gives filled ones, and filling
// an edge's curve paints the black blobs go-graphviz's PNG has. An edge's
// line is never filled; its arrowheads are polygons.
func markEdge(ops []op) []op {
	out := make([]op, len(ops))
	for k, o := range ops {
		if o.Op == "b" || o.Op == "B" {
			o.Op = "edge"
		}
		out[k] = o
	}
	return out
}
