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

// raceShape returns a graph of n started services of one phase in a shape
// that makes race queries expensive for a naive reachability search:
//
//	deep      a chain s0 <- s1 <- ... (each After the one before), and
//	          every service Wants x, which nothing orders: n races, each
//	          with up to n services above it
//	wide      the same chain, and one hub that Wants every service of
//	          it without an order
//	parallel  two chains c and d, and c[i] Wants d[i/2]: ordered or not
//	          only through long chains
//	layered   synthetic(n) with every fifth service also Wanting one of
//	          the 1,000 before it
//	hubs      systemd's shape: every service Requires= and is After= one
//	          first unit (sysinit.target) and a last one Wants= and is
//	          After= every service; each service is After= two of the
//	          100 before it and Wants= a third without an order
func raceShape(shape string, n int) *Graph {
	g := &Graph{Phases: []string{"boot"}}
	chain := func(prefix string, k int) int {
		first := len(g.Services)
		for i := 0; i < k; i++ {
			g.Add(Service{Name: fmt.Sprintf("%s%06d", prefix, i)})
			if i > 0 {
				g.AddEdge(Edge{From: first + i, To: first + i - 1, Kind: SystemdAfter})
			}
		}
		return first
	}
	switch shape {
	case "deep":
		s := chain("s", n)
		x := g.Add(Service{Name: "x"})
		for i := 0; i < n; i++ {
			g.AddEdge(Edge{From: s + i, To: x, Kind: Wants})
		}
	case "wide":
		s := chain("s", n)
		h := g.Add(Service{Name: "hub"})
		for i := 0; i < n; i++ {
			g.AddEdge(Edge{From: h, To: s + i, Kind: Wants})
		}
	case "parallel":
		c, d := chain("c", n/2), chain("d", n/2)
		for i := 0; i < n/2; i++ {
			g.AddEdge(Edge{From: c + i, To: d + i/2, Kind: Wants})
		}
	case "hubs":
		first := g.Add(Service{Name: "first"})
		last := g.Add(Service{Name: "last"})
		r := rand.New(rand.NewPCG(5, 6))
		for i := 0; i < n; i++ {
			s := g.Add(Service{Name: fmt.Sprintf("s%06d", i)})
			g.AddEdge(Edge{From: s, To: first, Kind: Requires})
			g.AddEdge(Edge{From: s, To: first, Kind: SystemdAfter})
			g.AddEdge(Edge{From: last, To: s, Kind: Wants})
			g.AddEdge(Edge{From: last, To: s, Kind: SystemdAfter})
			if i > 3 {
				g.AddEdge(Edge{From: s, To: s - 1 - r.IntN(min(i, 100)), Kind: SystemdAfter})
				g.AddEdge(Edge{From: s, To: s - 1 - r.IntN(min(i, 100)), Kind: SystemdAfter})
				g.AddEdge(Edge{From: s, To: s - 1 - r.IntN(min(i, 100)), Kind: Wants})
			}
		}
	case "layered":
		g = synthetic(n)
		r := rand.New(rand.NewPCG(3, 4))
		for i := 5; i < n; i += 5 {
			g.AddEdge(Edge{From: i, To: max(0, i-1-r.IntN(1000)), Kind: Wants})
		}
	}
	return g
}

// BenchmarkRaces checks that race detection stays near-linear on shapes
// where a search per query would be quadratic (SPEC §7): compare
// services=1000, 10000 and 100000 of each shape.
func BenchmarkRaces(b *testing.B) {
	for _, shape := range []string{"deep", "wide", "parallel", "layered", "hubs"} {
		for _, n := range []int{1000, 10000, 100000} {
			g := raceShape(shape, n)
			b.Run(fmt.Sprintf("shape=%s/services=%d", shape, n), func(b *testing.B) {
				b.ReportAllocs()
				var fs []Finding
				for b.Loop() {
					fs = Races(g)
				}
				b.ReportMetric(float64(len(fs)), "races")
			})
		}
	}
}
