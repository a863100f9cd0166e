package graph

import (
	"fmt"
	"strings"
	"testing"
)

// deepChain returns c0 waiting for c1 ... waiting for c(n-1), which waits
// for end: as upstart start on (triggered), or as systemd Requires=
// (pulled); with loop, c(n-1) waits for c0 instead.
func deepChain(n int, pulled, loop bool) *Graph {
	g := &Graph{Phases: []string{"boot"}}
	for i := 0; i < n; i++ {
		g.Add(Service{Name: fmt.Sprintf("c%d", i), Triggered: !pulled, Pulled: pulled})
	}
	end := g.Add(Service{Name: "gone", Phase: NotStarted, Missing: true})
	kind := StartOn
	if pulled {
		kind = Requires
	}
	for i := 0; i < n; i++ {
		to := i + 1
		switch {
		case i < n-1:
		case loop:
			to = 0
		default:
			to = end
		}
		g.AddEdge(Edge{From: i, To: to, Kind: kind, Pos: Pos{File: "f", Line: i + 1}})
	}
	return g
}

func TestDeepChains(t *testing.T) {
	for _, tc := range []struct {
		name         string
		n            int
		pulled, loop bool
		want         []string // messages of c0 and c1, and of the loop finding
	}{
		{"short", 3, false, false, []string{
			"c0 never starts: it waits for start on c1 (f:1), and c1 never starts: it waits for start on c2 (f:2), and c2 never starts: it waits for start on gone (f:3), and nothing provides gone",
		}},
		{"deep", 12, false, false, []string{
			"c0 never starts: it waits for start on c1 (f:1), and c1 never starts: it waits for start on c2 (f:2), and c2 never starts: it waits for start on c3 (f:3), and c3 never starts: it waits for start on c4 (f:4), and c4 never starts: it waits for start on c5 (f:5), and c5 never starts: it waits for start on c6 (f:6), and c6 never starts: it waits for start on c7 (f:7), and c7 never starts: it waits for start on c8 (f:8), and c8 never starts, nor do the 2 services it waits for in turn, down to c11, which never starts: it waits for start on gone (f:12), and nothing provides gone",
		}},
		{"deep loop", 12, false, true, []string{
			"c0 never starts: it waits for start on c1 (f:1), and c1 never starts: it waits for start on c2 (f:2), and c2 never starts: it waits for start on c3 (f:3), and c3 never starts: it waits for start on c4 (f:4), and c4 never starts: it waits for start on c5 (f:5), and c5 never starts: it waits for start on c6 (f:6), and c6 never starts: it waits for start on c7 (f:7), and c7 never starts: it waits for start on c8 (f:8), and c8 never starts, nor do the 11 services it waits for in turn, which run into the start condition loop of c8",
			"start condition loop c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> c8 -> c9 -> c10 -> c11 -> c0: none of them ever starts",
		}},
		{"deep pulled", 12, true, false, []string{
			"c0 never starts: it needs Requires c1 (f:1), and c1 never starts: it needs Requires c2 (f:2), and c2 never starts: it needs Requires c3 (f:3), and c3 never starts: it needs Requires c4 (f:4), and c4 never starts: it needs Requires c5 (f:5), and c5 never starts: it needs Requires c6 (f:6), and c6 never starts: it needs Requires c7 (f:7), and c7 never starts: it needs Requires c8 (f:8), and c8 never starts, nor do the 2 units it needs in turn, down to c11, which never starts: it needs Requires gone (f:12), and gone is not found",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := Start(deepChain(tc.n, tc.pulled, tc.loop))
			got := map[string]string{}
			for _, f := range fs {
				key := f.Services[0]
				if f.Kind == KindCycle {
					key = "cycle"
				}
				got[key] = f.Message
			}
			if len(got) < tc.n {
				t.Errorf("%d findings, want one for each of the %d services", len(got), tc.n)
			}
			for _, w := range tc.want {
				key := "c0"
				if strings.HasPrefix(w, "start condition loop") {
					key = "cycle"
				}
				if got[key] != w {
					t.Errorf("Start: %s:\n%s\nwant\n%s", key, got[key], w)
				}
			}
		})
	}
}

// TestDeepChainSize checks that a 10,000-deep chain gives findings of
// bounded size: each message names at most chainShown+3 links.
func TestDeepChainSize(t *testing.T) {
	for _, pulled := range []bool{false, true} {
		for _, loop := range []bool{false, true} {
			if pulled && loop {
				continue // two units that require each other both start
			}
			fs := Start(deepChain(10000, pulled, loop))
			total := 0
			for _, f := range fs {
				if f.Kind == KindCycle {
					continue
				}
				total += len(f.Message)
				if len(f.Services) > chainShown+4 || len(f.Sources) > chainShown+4 {
					t.Fatalf("pulled=%v loop=%v: %s: %d services, %d sources", pulled, loop, f.Services[0], len(f.Services), len(f.Sources))
				}
			}
			if len(fs) < 10000 || total > 10000*1000 {
				t.Errorf("pulled=%v loop=%v: %d findings, %d bytes of messages", pulled, loop, len(fs), total)
			}
		}
	}
}
