package graph

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// naiveOrdered searches the binding ordering edges from first for then.
func naiveOrdered(g *Graph, first, then int) bool {
	succ, _ := orderingEdges(g)
	seen := map[int32]bool{int32(first): true}
	stack := []int32{int32(first)}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, y := range succ[x] {
			if int(y) == then {
				return true
			}
			if !seen[y] {
				seen[y] = true
				stack = append(stack, y)
			}
		}
	}
	return false
}

// TestReach holds Reach.Ordered against a plain search on random graphs:
// sparse and dense, with loops, alternatives, edges across phases and
// services that do not start.
func TestReach(t *testing.T) {
	kinds := []Kind{SystemdAfter, SystemdBefore, Wants, RequiredStart, ShouldStart, StartBefore, Hook}
	for seed := uint64(0); seed < 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 2 + r.IntN(40)
		g := &Graph{Phases: []string{"rcS", "rc2"}}
		for i := 0; i < n; i++ {
			phase := r.IntN(2)
			if r.IntN(10) == 0 {
				phase = NotStarted
			}
			g.Add(Service{Name: fmt.Sprintf("s%02d", i), Phase: phase})
		}
		for k := r.IntN(3 * n); k > 0; k-- {
			e := Edge{From: r.IntN(n), To: r.IntN(n), Kind: kinds[r.IntN(len(kinds))]}
			if r.IntN(8) == 0 {
				e.Any = 1
			}
			g.AddEdge(e)
		}
		reach := NewReach(g)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				want := a != b && naiveOrdered(g, a, b)
				if got := reach.Ordered(a, b); got != want {
					t.Fatalf("seed %d: Ordered(%s, %s) = %v, want %v", seed, g.Services[a].Name, g.Services[b].Name, got, want)
				}
			}
		}
	}
}
