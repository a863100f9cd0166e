package graphviz

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/synth"
	"github.com/initorder/initorder/render"
	"github.com/initorder/initorder/render/raster"
)

// drawing is the DOT text of a synthetic boot of n units (synth.Units)
// as initorder graph writes it.
func drawing(b *testing.B, n int) []byte {
	var dot bytes.Buffer
	if err := render.DOT(&dot, []render.Drawing{benchDrawing(n)}); err != nil {
		b.Fatal(err)
	}
	return dot.Bytes()
}

// benchDrawing is a synthetic boot of n units as initorder graph draws
// it: its findings marked, reduced, its hubs (the targets) as rails.
func benchDrawing(n int) render.Drawing {
	g := synth.Units(n, 1)
	hubs, _ := graph.Hubs(g, nil)
	return render.Drawing{Boot: render.Boot{Init: "systemd", Goal: "bench", Graph: g, Schedule: graph.Order(g)}, Findings: graph.Check(g), Reduce: true, Hubs: hubs}
}

// BenchmarkPicture measures each step of initorder graph on synthetic
// boots: the DOT text (render.DOT, with the scene: selection, barriers,
// marks, rails, reduction), the Graphviz layout to SVG (go-graphviz, one renderer at a
// time), and the PNG (Graphviz's JSON layout, then package raster).
// Graphviz's dot layout is superlinear: SVG and PNG of 10,000 units run
// only with INITORDER_BENCH_BIG=1 (the layout did not finish in 34
// minutes here; see the README).
func BenchmarkPicture(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("dot/services=%d", n), func(b *testing.B) {
			d := benchDrawing(n)
			b.ReportAllocs()
			for b.Loop() {
				var out bytes.Buffer
				render.DOT(&out, []render.Drawing{d})
			}
		})
	}
	sizes := []int{100, 1000}
	if os.Getenv("INITORDER_BENCH_BIG") != "" {
		sizes = append(sizes, 10000)
	}
	for _, n := range sizes {
		dot := drawing(b, n)
		b.Run(fmt.Sprintf("svg/services=%d", n), func(b *testing.B) {
			for b.Loop() {
				var out bytes.Buffer
				if err := SVG(&out, dot); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("png/services=%d", n), func(b *testing.B) {
			for b.Loop() {
				var lay, out bytes.Buffer
				if err := JSON(&lay, dot); err != nil {
					b.Fatal(err)
				}
				if err := raster.PNG(&out, lay.Bytes(), 1.5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
