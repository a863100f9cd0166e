package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/initorder/initorder/render"
)

// rendererName is the command that turns DOT into SVG or PNG. It is a
// program of its own because go-graphviz, which it links, compiles
// Graphviz's WebAssembly in the init of every process that links it
// (0.8 s cold, 30-40 ms warm, and it writes a cache in $TMPDIR): ls and
// check must not pay for that.
const rendererName = "initorder-render"

// renderDeadline is when the renderer is stopped if it has not stopped
// itself: it gives up a layout after 15 s (its -timeout).
const renderDeadline = 20 * time.Second

// installHint says how to get the renderer.
const installHint = "go install ./cmd/... in the initorder checkout, or put initorder-render next to initorder"

// picture writes the drawings in format: dot, json and plot by package
// render, svg and png by the renderer from the DOT text, html by package
// render around the renderer's SVG.
func picture(w io.Writer, format string, ds []render.Drawing) error {
	switch format {
	case "dot", "json", "plot":
		return render.Graph(w, format, ds)
	case "html":
		return render.HTML(w, ds, func(dot []byte) ([]byte, error) {
			var svg bytes.Buffer
			err := runRenderer(&svg, format, "svg", dot)
			return svg.Bytes(), err
		})
	}
	var dot bytes.Buffer
	if err := render.DOT(&dot, ds); err != nil {
		return err
	}
	return runRenderer(w, format, format, dot.Bytes())
}

// runRenderer runs the renderer on the DOT text for -T t, for --format
// format.
func runRenderer(w io.Writer, format, t string, dot []byte) error {
	bin, err := findRenderer()
	if err != nil {
		return fmt.Errorf("--format %s: %w", format, err)
	}
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), renderDeadline)
	defer cancel()
	c := exec.CommandContext(ctx, bin, "-T", t)
	c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(dot), w, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("--format %s: %s did not finish within %v: draw less of it (--focus, --from, --to, --reduce)", format, rendererName, renderDeadline)
		}
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("--format %s: %s", format, strings.TrimPrefix(msg, rendererName+": "))
	}
	return nil
}

// findRenderer returns the renderer next to the running executable, else
// the one on PATH.
func findRenderer() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), rendererName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(rendererName)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%s is not installed: neither next to initorder nor on PATH (%s)", rendererName, installHint)
		}
		return "", err
	}
	return p, nil
}

// dirOf is the directory of a file to write, "." for a bare name.
func dirOf(file string) string {
	if d := filepath.Dir(file); d != "" {
		return d
	}
	return "."
}
