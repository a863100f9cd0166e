// Package graphviz lays out the DOT text that render.DOT writes with Graphviz
// (github.com/goccy/go-graphviz: Graphviz compiled to WebAssembly, no
// system graphviz) and writes it as SVG, or as Graphviz's JSON with the
// drawing operations of every object, which package raster draws as PNG.
//
// It is the only package that imports go-graphviz, and it is kept apart
// from package render because of what go-graphviz costs a process that
// merely links it: its package init compiles the Graphviz WebAssembly
// module (0.8 s cold, 30-40 ms with its cache, which package gvcache
// keeps in a private directory rather than go-graphviz's shared
// $TMPDIR/go-graphviz). Only the command initorder-render links this package,
// so initorder ls and check never pay for rendering they do not do.
package graphviz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	gv "github.com/goccy/go-graphviz"

	// Before go-graphviz's init: its compiled code cached where only we write.
	_ "github.com/initorder/initorder/internal/gvcache"
)

// mu serialises every use of Graphviz: go-graphviz shares one
// WebAssembly instance per process and is not safe for concurrent use.
var mu sync.Mutex

// MaxNodes and MaxEdges bound the graphs SVG and JSON lay out. The time
// and memory of Graphviz's dot layout grow faster than the graph (a boot
// of 128 services and 1,211 edges took 6 s, one of 239 and 2,297 edges
// 40 s, one of 1,119 and 11,171 more than 300 s): past them, no layout is
// tried, and the error says how big the graph is.
const (
	MaxNodes = 2000
	MaxEdges = 5000
)

// TooBigError is a graph over MaxNodes or MaxEdges.
type TooBigError struct{ Nodes, Edges int }

func (e *TooBigError) Error() string {
	return fmt.Sprintf("a graph of %d nodes and %d edges is more than is laid out (%d nodes, %d edges)", e.Nodes, e.Edges, MaxNodes, MaxEdges)
}

// SVG lays out dot with the dot layout engine and writes it as SVG.
func SVG(w io.Writer, dot []byte) error { return layout(w, dot, gv.SVG) }

// JSON lays out dot and writes Graphviz's "json" output: every node,
// edge and cluster with its drawing operations in xdot form (_draw_,
// _ldraw_, _hdraw_ ...), in points, y growing upwards.
func JSON(w io.Writer, dot []byte) error { return layout(w, dot, "json") }

func layout(w io.Writer, dot []byte, format gv.Format) error {
	mu.Lock()
	defer mu.Unlock()
	ctx := context.Background()
	engine, err := gv.New(ctx)
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	defer engine.Close()
	g, err := gv.ParseBytes(dot)
	if err != nil {
		return fmt.Errorf("graphviz: reading the DOT text: %w", err)
	}
	if g == nil {
		return errors.New("graphviz: reading the DOT text: no graph")
	}
	defer g.Close()
	nodes, err := g.NodeNum()
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	edges, err := g.EdgeNum()
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	if nodes > MaxNodes || edges > MaxEdges {
		return &TooBigError{nodes, edges}
	}
	var buf bytes.Buffer
	if err := engine.Render(ctx, g, format, &buf); err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	if buf.Len() == 0 {
		return fmt.Errorf("graphviz: no %s output", format)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
