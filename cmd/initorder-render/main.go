// Command initorder-render turns the DOT text of initorder graph into a
// picture: it reads DOT on standard input and writes, by -T, SVG (laid
// out and drawn by Graphviz, through go-graphviz), PNG (laid out by
// Graphviz, drawn by package raster in pure Go) or Graphviz's JSON.
//
//	initorder graph --root / --format dot | initorder-render -T svg > boot.svg
//
// initorder graph --format svg|png runs it itself, found next to the
// initorder executable or on PATH: go-graphviz compiles Graphviz's
// WebAssembly when a process that links it starts, and only this
// command links it, so initorder ls and check start without that cost.
//
// The compiled Graphviz is cached in os.UserCacheDir()/initorder-render
// (mode 0700, owner checked), never in the shared $TMPDIR/go-graphviz that
// go-graphviz would use: see package gvcache.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/initorder/initorder/internal/gvcache"
	"github.com/initorder/initorder/render"
	"github.com/initorder/initorder/render/raster"
	"github.com/initorder/initorder/render/svg"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("initorder-render", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("T", "svg", "output format: svg, png or json (Graphviz's, with drawing operations)")
	scale := fl.Float64("scale", 1.5, "png: pixels per point")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintln(stderr, "initorder-render: reads DOT on standard input; no arguments")
		return 2
	}
	if gvcache.Refused != nil {
		fmt.Fprintf(stderr, "initorder-render: note: compiled Graphviz is not cached (0.5 s more a picture): %v\n", gvcache.Refused)
	}
	if err := draw(stdin, stdout, *format, *scale); err != nil {
		// Graphviz's messages quote the DOT text, and so names.
		fmt.Fprintf(stderr, "initorder-render: %s\n", render.Printable(err.Error()))
		return 1
	}
	return 0
}

func draw(stdin io.Reader, stdout io.Writer, format string, scale float64) error {
	dot, err := io.ReadAll(stdin)
	if err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	if len(bytes.TrimSpace(dot)) == 0 {
		return errors.New("no DOT text on standard input")
	}
	w := bufio.NewWriter(stdout)
	switch format {
	case "svg":
		err = svg.SVG(w, dot)
	case "json":
		err = svg.JSON(w, dot)
	case "png":
		var layout bytes.Buffer
		if err = svg.JSON(&layout, dot); err == nil {
			err = raster.PNG(w, layout.Bytes(), scale)
		}
	default:
		return fmt.Errorf("-T %q: want svg, png or json", format)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}
