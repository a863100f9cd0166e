package graph

import (
	"fmt"
	"strings"
	"testing"
)

// explain prints an Explanation as "ordered a: 3 4", "by phase s",
// "unordered shared=x,y race", "not started: MESSAGE".
func explain(g *Graph, x Explanation) string {
	switch x.Verdict {
	case Ordered:
		if x.ByPhase {
			return "by phase " + g.Services[x.First].Name
		}
		var lines []string
		for _, k := range x.Chain {
			lines = append(lines, fmt.Sprint(g.Edges[k].Pos.Line))
		}
		return "ordered " + g.Services[x.First].Name + ": " + strings.Join(lines, " ")
	case NoOrder:
		s := "unordered shared=" + strings.Join(sortedNames(g, x.Shared), ",")
		if x.Race != nil {
			s += " race"
		}
		return s
	}
	var msgs []string
	for _, f := range x.Why {
		msgs = append(msgs, f.Message)
	}
	return "not started: " + strings.Join(msgs, "; ")
}

func TestWhy(t *testing.T) {
	tests := []struct {
		name, scenario, a, b, want string
	}{
		{"direct", "phase rc2: a b\nb needs a", "a", "b", "ordered a: 2"},
		{"shortest of two chains", "phase rc2: a b c d\nd needs c\nc needs b\nb needs a\nd after a", "a", "d", "ordered a: 5"},
		{"before counts", "phase rc2: a b c\na before b\nc needs b", "a", "c", "ordered a: 2 3"},
		{"the other way round", "phase rc2: a b\nb needs a", "b", "a", "ordered a: 2"},
		{"through a barrier", "phase rc2: a h b\nhidden: h\nh after a\nb after h", "a", "b", "ordered a: 3 4"},
		{"alternatives do not order", "phase rc2: a b c\na or1 b\na or1 c", "b", "a", "unordered shared= race"},
		{"phases", "phase rcS: s\nphase rc2: a", "a", "s", "by phase s"},
		{"shared latest", "phase rc2: base mid a b\nmid needs base\na needs mid\nb needs mid\na needs base", "a", "b", "unordered shared=mid"},
		{"not enabled", "phase rc2: a\noff: b\na after b", "a", "b", "not started: b is not part of this boot: nothing enables it or pulls it in"},
		{"missing", "phase rc2: a\nmissing: m", "m", "a", "not started: m is not defined: nothing provides it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			fs := Check(g)
			got := explain(g, Why(g, fs, lookup(t, g, tc.a), lookup(t, g, tc.b)))
			if got != tc.want {
				t.Errorf("Why(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestWhyRaceAndNeverStarts(t *testing.T) {
	g := build(t, "phase rc2: s1 s2 s3 x\ntrig: s2\nmissing: gone\ns2 on gone\nx or1 s1\nx or1 s2\nx or1 s3")
	fs := Start(g)
	fs = append(fs, Check(g)...)
	if got := explain(g, Why(g, fs, lookup(t, g, "s2"), lookup(t, g, "x"))); !strings.HasPrefix(got, "not started: s2 never starts: it waits for start on gone") {
		t.Errorf("Why(s2, x) = %s, want the never-starts chain", got)
	}
	if got := explain(g, Why(g, fs, lookup(t, g, "x"), lookup(t, g, "s1"))); got != "unordered shared= race" {
		t.Errorf("Why(x, s1) = %s, want a race", got)
	}
}
