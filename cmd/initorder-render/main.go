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
//
// A picture has a budget: a graph of more than graphviz.MaxNodes nodes or
// graphviz.MaxEdges edges is not laid out, and one whose layout takes longer
// than -timeout (15 s) is given up; either is an error (exit 1) that says
// how to draw less.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/initorder/initorder/internal/gvcache"
	"github.com/initorder/initorder/render"
	"github.com/initorder/initorder/render/graphviz"
	"github.com/initorder/initorder/render/raster"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("initorder-render", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("T", "svg", "output format: svg, png or json (Graphviz's, with drawing operations)")
	scale := fl.Float64("scale", 1.5, "png: pixels per point")
	timeout := fl.Duration("timeout", defaultTimeout, "give up a picture that takes longer (0: no limit)")
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
	if err := drawWithin(*timeout, stdin, stdout, *format, *scale); err != nil {
		// Graphviz's messages quote the DOT text, and so names.
		fmt.Fprintf(stderr, "initorder-render: %s\n", render.Printable(err.Error()))
		return 1
	}
	return 0
}

// defaultTimeout is how long a picture may take: what a command line
// waits for before it seems to hang. The WebAssembly Graphviz runs in
// cannot be stopped, so past it the process gives up and exits, and what
// it would have written is not written.
const defaultTimeout = 15 * time.Second

// hint is what to do about a graph too big to draw.
const hint = "draw less of it (initorder graph --focus, --from, --to, --reduce)"

// drawWithin draws as draw does, into a buffer, and writes it to stdout if
// it was done within timeout.
func drawWithin(timeout time.Duration, stdin io.Reader, stdout io.Writer, format string, scale float64) error {
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- draw(stdin, &out, format, scale) }()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case err := <-done:
		var big *graphviz.TooBigError
		if errors.As(err, &big) {
			return fmt.Errorf("%w: %s", err, hint)
		}
		if err != nil {
			return err
		}
		_, err = stdout.Write(out.Bytes())
		return err
	case <-expired:
		return fmt.Errorf("the layout took more than %v: %s, or give it longer (initorder graph --format dot | initorder-render -timeout 5m -T %s)", timeout, hint, format)
	}
}

// maxDOT bounds the DOT text read: initorder's for MaxNodes and MaxEdges
// is a few megabytes.
const maxDOT = 64 << 20

func draw(stdin io.Reader, stdout io.Writer, format string, scale float64) error {
	dot, err := io.ReadAll(io.LimitReader(stdin, maxDOT+1))
	if err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	if len(dot) > maxDOT {
		return fmt.Errorf("more than %d MiB of DOT text on standard input", maxDOT>>20)
	}
	if len(bytes.TrimSpace(dot)) == 0 {
		return errors.New("no DOT text on standard input")
	}
	w := bufio.NewWriter(stdout)
	switch format {
	case "svg":
		err = graphviz.SVG(w, dot)
	case "json":
		err = graphviz.JSON(w, dot)
	case "png":
		var layout bytes.Buffer
		if err = graphviz.JSON(&layout, dot); err == nil {
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
