package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/synth"
	"github.com/initorder/initorder/render"
)

// benchSizes are the root sizes of BenchmarkScale: 1,000 and 10,000
// services, and 100,000 when INITORDER_BENCH_100K is set (each 100k root
// takes a few seconds to write and a second or two a run).
func benchSizes() []int {
	sizes := []int{1000, 10000}
	if os.Getenv("INITORDER_BENCH_100K") != "" {
		sizes = append(sizes, 100000)
	}
	return sizes
}

var benchKinds = []struct {
	kind string
	gen  func(string, int, uint64) error
}{
	{"sysv", synth.SysV},
	{"upstart", synth.Upstart},
	{"systemd", synth.Systemd},
}

// BenchmarkScale times what initorder check and ls do on synthetic roots
// (internal/synth) of each init system and size, step by step:
//
//	read     open the root, read it and build the boot (parse)
//	analyze  the order and every analysis of Check (graph)
//	render   the ls and check text output (render)
//
// Each step should cost about ten times more for ten times the services
// (SPEC §7): compare services=1000, 10000 and 100000.
func BenchmarkScale(b *testing.B) {
	for _, k := range benchKinds {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("init=%s/services=%d", k.kind, n), func(b *testing.B) {
				benchScale(b, k.kind, k.gen, n)
			})
		}
	}
}

func benchScale(b *testing.B, kind string, gen func(string, int, uint64) error, n int) {
	root := b.TempDir()
	if err := gen(root, n, 1); err != nil {
		b.Fatal(err)
	}
	g := &globals{root: root, inits: []string{kind}, format: "text"}
	l, err := read(g, root, goal{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := read(g, root, goal{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(l.boot.Graph.Services)), "services")
		b.ReportMetric(float64(len(l.boot.Graph.Edges)), "edges")
	})
	var fs []graph.Finding
	b.Run("analyze", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			graph.Order(l.boot.Graph)
			fs = graph.Check(l.boot.Graph)
		}
		b.ReportMetric(float64(len(fs)), "findings")
	})
	boot := l.boot
	boot.Schedule = graph.Order(boot.Graph)
	fs = append(graph.Check(boot.Graph), l.findings...)
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := render.LS(io.Discard, "text", boot, render.Options{}); err != nil {
				b.Fatal(err)
			}
			if err := render.Findings(io.Discard, "text", fs, render.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFleetOutput writes what check --layout finds on a fleet, in
// each findings format, once a node and grouped (--group-nodes): a
// synthetic systemd root (internal/synth) of 1,000 units and a layout of
// 1,000 nodes over 50 role sets (synth.Layout), or INITORDER_BENCH_FLEET
// units and nodes (10000 for the fleet of README "Performance"; its
// per-node JUnit alone is 8.5 GB). It reports the bytes written a run
// (out-MB) and what the render allocates (B/op); the analysis is done
// once, before. The process's peak RSS is scripts/scale.sh's (-l, -f).
func BenchmarkFleetOutput(b *testing.B) {
	n := 1000
	if v := os.Getenv("INITORDER_BENCH_FLEET"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("INITORDER_BENCH_FLEET=%q: %v", v, err)
		}
	}
	dir := b.TempDir()
	root := filepath.Join(dir, "root")
	if err := synth.Systemd(root, n, 1); err != nil {
		b.Fatal(err)
	}
	layout := filepath.Join(dir, "fleet.ini")
	if err := os.WriteFile(layout, synth.Layout("systemd", n, n, 50), 0o644); err != nil {
		b.Fatal(err)
	}
	g := &globals{root: root, inits: []string{"systemd"}}
	f, err := checkFindings(g, goal{}, layoutFlags{file: layout})
	if err != nil {
		b.Fatal(err)
	}
	for _, grouped := range []bool{false, true} {
		for _, format := range []string{"text", "json", "sarif", "junit", "codequality"} {
			name := fmt.Sprintf("form=per-node/format=%s", format)
			if grouped {
				name = fmt.Sprintf("form=grouped/format=%s", format)
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var w countWriter
				for b.Loop() {
					w = 0
					if err := render.FleetFindings(&w, format, &f.Fleet, render.Options{GroupNodes: grouped}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w)/1e6, "out-MB")
			})
		}
	}
}

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
