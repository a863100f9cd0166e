package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/initorder/initorder/graph"
)

// Units returns the boot graph of n synthetic systemd units, after
// Start, without reading any file: 20 layers, each unit Requires= and
// After= one or two units of the layers below it and Wants= one more
// (without an order every tenth time: a race), and every 50th unit a
// target that Wants= the ten units before it. It is for the benchmarks
// of what draws a graph.
func Units(n int, seed uint64) *graph.Graph {
	r := rand.New(rand.NewPCG(seed, 7))
	g := &graph.Graph{Phases: []string{"boot"}}
	const layers = 20
	per := max(1, n/layers)
	for i := 0; i < n; i++ {
		name, target := fmt.Sprintf("u%05d.service", i), i%50 == 49
		if target {
			name = fmt.Sprintf("t%05d.target", i)
		}
		src := graph.Pos{File: "lib/systemd/system/" + name}
		g.Add(graph.Service{Name: name, Init: "systemd", Source: src, Target: target, Pulled: true})
		layer := i / per
		if layer == 0 {
			continue
		}
		pick := func() int { return r.IntN(layer * per) }
		line := 2
		edge := func(k graph.Kind, to int) {
			g.AddEdge(graph.Edge{From: i, To: to, Kind: k, Pos: graph.Pos{File: src.File, Line: line}})
			line++
		}
		for k := 0; k < 1+r.IntN(2); k++ {
			to := pick()
			edge(graph.Requires, to)
			edge(graph.SystemdAfter, to)
		}
		to := pick()
		edge(graph.Wants, to)
		if r.IntN(10) != 0 {
			edge(graph.SystemdAfter, to)
		}
		if target {
			for k := max(0, i-10); k < i; k++ {
				edge(graph.Wants, k)
				edge(graph.SystemdAfter, k)
			}
		}
	}
	graph.Start(g)
	return g
}
