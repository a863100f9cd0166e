package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// synthetic returns a graph of n started services in two phases with
// about 5n edges, each to one of the 100 services before it, so that
// chains are long and fan-in wide.
func synthetic(n int) *Graph {
	r := rand.New(rand.NewPCG(1, 2))
	g := &Graph{Phases: []string{"rcS", "rc2"}}
	for i := 0; i < n; i++ {
		phase := 0
		if i >= n/10 {
			phase = 1
		}
		g.Add(Service{Name: fmt.Sprintf("s%06d", i), Phase: phase, Number: 1 + i*98/n, Alone: i%1000 == 0})
		for k := 0; k < 5 && i > 0; k++ {
			kind := []Kind{RequiredStart, ShouldStart}[k%2]
			g.AddEdge(Edge{From: i, To: max(0, i-1-r.IntN(100)), Kind: kind})
		}
	}
	return g
}

func BenchmarkOrder(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		g := synthetic(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Order(g)
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		g := synthetic(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Check(g)
			}
		})
	}
}

func BenchmarkRedundant(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		g := synthetic(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Redundant(g)
			}
		})
	}
}
