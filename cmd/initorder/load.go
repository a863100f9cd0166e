package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/render"
)

// goal is what boot to analyse.
type goal struct {
	runlevel string
	stop     bool
}

// loaded is a root read for one goal.
type loaded struct {
	boot     render.Boot
	findings []graph.Finding // from reading and from the analyses, sorted
}

// load reads the root for the goal and runs the analyses.
func load(g *globals, gl goal) (*loaded, error) {
	if err := checkInits(g.inits); err != nil {
		return nil, err
	}
	if gl.runlevel != "" && !slices.Contains([]string{"S", "s", "0", "1", "2", "3", "4", "5", "6"}, gl.runlevel) {
		return nil, fmt.Errorf("--runlevel %q: want S or 0 to 6", gl.runlevel)
	}
	fsys, err := rootfs.Open(g.root)
	if err != nil {
		return nil, fmt.Errorf("reading root: %w", err)
	}
	defer fsys.Close()
	sv, err := parse.ReadSysV(fsys, parse.SysVOptions{Runlevel: gl.runlevel, Stop: gl.stop})
	if err != nil {
		return nil, err
	}
	goalName := "runlevel " + sv.Runlevel
	if gl.stop {
		goalName += " stop"
	}
	fs := append(sv.Findings, graph.Check(sv.Graph)...)
	graph.SortFindings(fs)
	return &loaded{
		boot:     render.Boot{Init: "sysv", Goal: goalName, Stop: gl.stop, Graph: sv.Graph},
		findings: fs,
	}, nil
}

// checkInits accepts the --init values this version reads.
func checkInits(inits []string) error {
	for _, in := range inits {
		switch in {
		case "auto", "sysv":
		case "upstart", "systemd":
			return fmt.Errorf("--init %s: not supported yet (this version reads SysV rc.d scripts)", in)
		default:
			return fmt.Errorf("--init %q: want auto, sysv, upstart or systemd", in)
		}
	}
	return nil
}

// options returns the text options for w: colour only on a terminal and
// never with --no-color or NO_COLOR (no-color.org).
func options(g *globals, w io.Writer, long bool) render.Options {
	return render.Options{Long: long, Color: !g.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
