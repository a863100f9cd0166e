package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
)

// kindsBoot is a boot with an edge of every kind, and every marking: a
// race (Wants= without order, and an upstart "or"), an ordering loop, a
// start condition loop, a missing and a masked dependency, a service
// that never starts, a hidden barrier between two headerless scripts,
// and a target.
func kindsBoot(t *testing.T) Drawing {
	t.Helper()
	g := &graph.Graph{Phases: []string{"boot"}}
	add := func(name, init string, opts ...func(*graph.Service)) int {
		s := graph.Service{Name: name, Init: init, Source: graph.Pos{File: "src/" + name}}
		for _, o := range opts {
			o(&s)
		}
		return g.Add(s)
	}
	off := func(s *graph.Service) { s.Phase = graph.NotStarted }
	missing := func(s *graph.Service) { s.Phase, s.Missing, s.Source = graph.NotStarted, true, graph.Pos{} }
	masked := func(s *graph.Service) { s.Phase, s.Masked = graph.NotStarted, true }
	hidden := func(s *graph.Service) { s.Hidden = true }
	target := func(s *graph.Service) { s.Target = true }
	base := add("base.target", "systemd", target)
	names := map[string]int{"base.target": base}
	for _, n := range []string{"after", "before", "requires", "requisite", "wants", "bindsto", "partof", "upholds", "conflicts", "onfailure", "cyc1", "cyc2"} {
		names[n] = add(n+".service", "systemd")
	}
	names["gone"] = add("gone.service", "systemd", missing)
	names["masked"] = add("masked.service", "systemd", masked)
	names["needs-gone"] = add("needs-gone.service", "systemd", off)
	for _, n := range []string{"req", "should", "xbefore", "reqstop", "shouldstop", "stopafter", "seq1", "seq2", "seq3", "optional"} {
		names[n] = add(n, "sysv")
	}
	names["barrier"] = add("(boot links below 20)", "sysv", hidden)
	for _, n := range []string{"job", "hook", "alt1", "alt2", "either"} {
		names[n] = add(n, "upstart")
	}
	names["loop1"] = add("loop1", "upstart", off)
	names["loop2"] = add("loop2", "upstart", off)
	line := 0
	edge := func(from string, kind graph.Kind, to string, opts ...func(*graph.Edge)) {
		line++
		e := graph.Edge{From: names[from], To: names[to], Kind: kind, Pos: graph.Pos{File: "src/" + from, Line: line}}
		for _, o := range opts {
			o(&e)
		}
		g.AddEdge(e)
	}
	alt := func(e *graph.Edge) { e.Any = 1 }
	edge("after", graph.SystemdAfter, "base.target")
	edge("before", graph.SystemdBefore, "after")
	edge("requires", graph.Requires, "after")
	edge("requires", graph.SystemdAfter, "after")
	edge("requisite", graph.Requisite, "base.target")
	edge("wants", graph.Wants, "after") // a race
	edge("bindsto", graph.BindsTo, "after")
	edge("bindsto", graph.SystemdAfter, "after")
	edge("partof", graph.PartOf, "base.target")
	edge("upholds", graph.Upholds, "base.target")
	edge("upholds", graph.SystemdAfter, "base.target")
	edge("conflicts", graph.Conflicts, "after")
	edge("onfailure", graph.OnFailure, "base.target")
	edge("cyc1", graph.SystemdAfter, "cyc2")
	edge("cyc2", graph.SystemdAfter, "cyc1")
	edge("needs-gone", graph.Requires, "gone")
	edge("after", graph.Requires, "masked")
	edge("req", graph.RequiredStart, "should")
	edge("should", graph.ShouldStart, "xbefore", func(e *graph.Edge) { e.Via = "$fac" })
	edge("xbefore", graph.StartBefore, "reqstop")
	edge("reqstop", graph.RequiredStop, "shouldstop")
	edge("shouldstop", graph.ShouldStop, "stopafter")
	edge("stopafter", graph.StopAfter, "req")
	edge("seq3", graph.Sequence, "barrier")
	edge("barrier", graph.Sequence, "seq1")
	edge("barrier", graph.Sequence, "seq2")
	edge("job", graph.StartOn, "base.target", func(e *graph.Edge) { e.Via = "started base.target" })
	edge("hook", graph.Hook, "job", func(e *graph.Edge) { e.Via = "starting job" })
	edge("either", graph.StartOn, "alt1", alt)
	edge("either", graph.StartOn, "alt2", alt)
	edge("loop1", graph.StartOn, "loop2")
	edge("loop2", graph.StartOn, "loop1")
	edge("req", graph.RequiredStart, "optional", func(e *graph.Edge) { e.Via, e.Soft = "$remote_fs", true }) // an optional member of a facility
	b := Boot{Init: "systemd", Goal: "test", Graph: g}
	fs := []graph.Finding{
		{Kind: graph.KindNeverStarts, Severity: graph.Error, Services: []string{"needs-gone.service", "gone.service"}, Message: "needs-gone.service never starts: it needs Requires gone.service", Sources: []graph.Pos{{File: "src/needs-gone", Line: 16}}},
		{Kind: graph.KindCycle, Severity: graph.Error, Services: []string{"loop1", "loop2"}, Message: "start condition loop loop1 -> loop2 -> loop1: none of them ever starts"},
	}
	b.Schedule = graph.Order(g)
	fs = append(fs, graph.Check(g)...)
	return Drawing{Boot: b, Findings: fs}
}

func TestDOTGolden(t *testing.T) {
	d := kindsBoot(t)
	var first bytes.Buffer
	if err := DOT(&first, []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/dot/kinds.dot", first.Bytes())
	for i := 0; i < 3; i++ {
		var again bytes.Buffer
		DOT(&again, []Drawing{kindsBoot(t)})
		if !bytes.Equal(again.Bytes(), first.Bytes()) {
			t.Fatalf("DOT differs between runs")
		}
	}
}

func TestDOTLayoutClusters(t *testing.T) {
	web, db := testBoot(), testBoot()
	web.Node, db.Node = "web1", "db1"
	web.Schedule, db.Schedule = graph.Order(web.Graph), graph.Order(db.Graph)
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{{Boot: db}, {Boot: web}}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/dot/clusters.dot", out.Bytes())
}

func TestDOTCut(t *testing.T) {
	d := kindsBoot(t)
	g := d.Graph
	i, _ := g.Lookup("req")
	d.Only = graph.Neighbourhood(g, []int{i}, 1, nil)
	d.Reduce = true
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/dot/focus.dot", out.Bytes())
}

// TestDOTReduceBarriers: three headerless scripts ordered by their link
// numbers through two barriers. Drawn across the barriers, c waits for a
// and for b; reduced, only the chain c -> b -> a is left.
func TestDOTReduceBarriers(t *testing.T) {
	g := &graph.Graph{Phases: []string{"rc2"}}
	a := g.Add(graph.Service{Name: "a", Init: "sysv"})
	b := g.Add(graph.Service{Name: "b", Init: "sysv"})
	c := g.Add(graph.Service{Name: "c", Init: "sysv"})
	b20 := g.Add(graph.Service{Name: "(rc2 links below 20)", Init: "sysv", Hidden: true})
	b30 := g.Add(graph.Service{Name: "(rc2 links below 30)", Init: "sysv", Hidden: true})
	for _, e := range [][2]int{{b20, a}, {b, b20}, {b30, b20}, {b30, b}, {c, b30}} {
		g.AddEdge(graph.Edge{From: e[0], To: e[1], Kind: graph.Sequence})
	}
	for _, tc := range []struct {
		reduce bool
		want   []string
	}{
		{false, []string{`"b" -> "a"`, `"c" -> "a"`, `"c" -> "b"`}},
		{true, []string{`"b" -> "a"`, `"c" -> "b"`}},
	} {
		d := Drawing{Boot: Boot{Graph: g, Schedule: graph.Order(g)}, Reduce: tc.reduce}
		var out bytes.Buffer
		if err := DOT(&out, []Drawing{d}); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, line := range strings.Split(out.String(), "\n") {
			if f := strings.SplitN(strings.TrimSpace(line), " [", 2); len(f) == 2 && strings.Contains(f[0], " -> ") && !strings.HasPrefix(f[0], `"#`) {
				got = append(got, f[0])
			}
		}
		if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
			t.Errorf("DOT(reduce %v) edges = %q, want %q", tc.reduce, got, tc.want)
		}
	}
}

// railsBoot is a boot where a hub, sysinit.target, has more than
// RailEdges edges: 14 services wait for it, and two of them wait for
// each other too.
func railsBoot() Drawing {
	g := &graph.Graph{Phases: []string{"boot"}}
	hub := g.Add(graph.Service{Name: "sysinit.target", Init: "systemd", Target: true, Source: graph.Pos{File: "src/sysinit.target"}})
	first := -1
	for k := 1; k <= 14; k++ {
		name := fmt.Sprintf("s%02d.service", k)
		i := g.Add(graph.Service{Name: name, Init: "systemd", Source: graph.Pos{File: "src/" + name}})
		g.AddEdge(graph.Edge{From: i, To: hub, Kind: graph.SystemdAfter, Pos: graph.Pos{File: "src/" + name, Line: 2}})
		if first < 0 {
			first = i
		} else if k == 2 {
			g.AddEdge(graph.Edge{From: i, To: first, Kind: graph.SystemdAfter, Pos: graph.Pos{File: "src/" + name, Line: 3}})
		}
	}
	hubs, _ := graph.Hubs(g, nil)
	return Drawing{Boot: Boot{Init: "systemd", Goal: "test", Graph: g, Schedule: graph.Order(g)}, Hubs: hubs}
}

// TestDOTRails checks that a hub with more than RailEdges edges is drawn
// as a rail (in the left ruler, without its edges), that a wide picture
// has the ruler on its right too, and that without Hubs (--hubs) the hub
// is a service like any other.
func TestDOTRails(t *testing.T) {
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{railsBoot()}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/dot/rails.dot", out.Bytes())
	if strings.Contains(out.String(), `-> "sysinit.target" [color`) {
		t.Errorf("DOT draws the edges of the rail sysinit.target")
	}
	d := railsBoot()
	d.Hubs = nil
	out.Reset()
	if err := DOT(&out, []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), `-> "sysinit.target" [color`); n != 14 {
		t.Errorf("without Hubs, DOT draws %d edges to sysinit.target, want 14", n)
	}
}

// TestDOTHostileNames draws services whose names a hostile root chose: the
// DOT carries no control character, C1, invalid UTF-8, bidirectional
// override or zero-width character; no "&" that Graphviz would read as a
// character reference (&#27; is an ESC in its SVG tooltips, and not
// well-formed XML in its titles); and names that escape alike (an ESC,
// and a literal "\x1b") stay two nodes.
func TestDOTHostileNames(t *testing.T) {
	names := []string{
		"evil\x1b[2J\x1b]0;PWNED\x07\nS01 forged", `evil\x1b[2J\x1b]0;PWNED\x07\x0aS01 forged`,
		"cr\rc1\u0085", "bad\xff\xfe", "rlo\u202etxt.exe", "zw\u200bsp", "amp&#27;x", "hex&#x1b;y", "name&lt;z", "plain&co",
	}
	g := &graph.Graph{Phases: []string{"rc2"}}
	for _, n := range names {
		g.Add(graph.Service{Name: n, Init: "sysv", Source: graph.Pos{File: "etc/init.d/" + n}, Note: n})
	}
	gone := g.Add(graph.Service{Name: "gone\x1b]0;t\x07", Init: "sysv", Phase: graph.NotStarted, Missing: true})
	g.AddEdge(graph.Edge{From: 0, To: gone, Kind: graph.RequiredStart, Via: "gone\x1b]0;t\x07", Pos: graph.Pos{File: "etc/init.d/" + names[0], Line: 4}})
	d := Drawing{Boot: Boot{Graph: g, Schedule: graph.Order(g)}, Findings: []graph.Finding{{
		Kind: graph.KindMissingDependency, Severity: graph.Error, Services: []string{names[0], "gone\x1b]0;t\x07"},
		Message: names[0] + " needs gone\x1b]0;t\x07",
	}}}
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	dot := out.String()
	for i, r := range dot {
		if r == utf8.RuneError || r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 || unicode.Is(unicode.Cf, r) {
			t.Fatalf("DOT has %U at byte %d:\n%s", r, i, dot)
		}
	}
	for _, want := range []string{
		`"evil\\x1b[2J\\x1b]0;PWNED\\x07\\x0aS01 forged" [`,
		`"evil\\x1b[2J\\x1b]0;PWNED\\x07\\x0aS01 forged #2" [`, `wave 1: evil\\x1b[2J\\x1b]0;PWNED\\x07\\x0aS01 forged", label="evil\\x1b[2J\\x1b]0;PWNED\\x07\\x0aS01 forged"];`,
		`"amp&amp;#27;x"`, `"hex&amp;#x1b;y"`, `"name&amp;lt;z"`, `"plain&co"`,
		`"rlo\\u202etxt.exe"`, `"zw\\u200bsp"`, `"bad\\xff\\xfe"`, `"cr\\x0dc1\\u0085"`,
		`label="{ gone\\x1b]0;t\\x07 | ENOENT }"`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT does not have %s:\n%s", want, dot)
		}
	}
}

// TestDOTBarriersDrawn: 300 headerless scripts of one link number after
// 300 of the number before, ordered through one barrier, as
// sysvBuilder.orderHeaderless builds them. Drawn across the barrier they
// would be 90,000 edges (2×2,000 ran out of memory); the barrier is drawn
// instead, a point, and each edge once: 600.
func TestDOTBarriersDrawn(t *testing.T) {
	const k = 300
	g := &graph.Graph{Phases: []string{"rc2"}}
	bar := g.Add(graph.Service{Name: "(rc2 links below 20)", Init: "sysv", Hidden: true})
	for i := range k {
		a := g.Add(graph.Service{Name: fmt.Sprintf("a%03d", i), Init: "sysv"})
		g.AddEdge(graph.Edge{From: bar, To: a, Kind: graph.Sequence})
	}
	for i := range k {
		b := g.Add(graph.Service{Name: fmt.Sprintf("b%03d", i), Init: "sysv"})
		g.AddEdge(graph.Edge{From: b, To: bar, Kind: graph.Sequence})
	}
	d := Drawing{Boot: Boot{Graph: g, Schedule: graph.Order(g)}}
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	dot := out.String()
	if n := strings.Count(dot, " -> ") - strings.Count(dot, "style=invis"); n != 2*k {
		t.Errorf("%d edges drawn, want %d", n, 2*k)
	}
	if !strings.Contains(dot, `"(rc2 links below 20)" [shape=point`) {
		t.Errorf("the barrier is not drawn:\n%.2000s", dot)
	}
	var js bytes.Buffer
	if err := Graph(&js, "json", []Drawing{d}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"name": "(rc2 links below 20)"`) || !strings.Contains(js.String(), `"state": "barrier"`) {
		t.Errorf("the JSON does not have the barrier:\n%.2000s", js.String())
	}
}

// TestDOTOptionalMembers: Debian's insserv.conf makes umountfs and
// sendsigs optional members of $local_fs and $remote_fs (+umountfs): a
// boot script that Required-Starts $remote_fs waits for them if they
// start, and they start only at shutdown. A picture of the boot draws
// neither them nor the edges to them (on a Debian 12 sysvinit root,
// umountfs was the most connected box of the boot, dashed, with twelve
// "needs" arrows); a required script that does not start is still drawn.
func TestDOTOptionalMembers(t *testing.T) {
	g := &graph.Graph{Phases: []string{"boot"}}
	add := func(name string, started bool) int {
		s := graph.Service{Name: name, Init: "sysv", Source: graph.Pos{File: "etc/init.d/" + name}}
		if !started {
			s.Phase = graph.NotStarted
		}
		return g.Add(s)
	}
	cron, mountall, umountfs, db := add("cron", true), add("mountall.sh", true), add("umountfs", false), add("db", false)
	pos := graph.Pos{File: "etc/init.d/cron", Line: 6}
	g.AddEdge(graph.Edge{From: cron, To: mountall, Kind: graph.RequiredStart, Pos: pos, Via: "$remote_fs", Soft: true})
	g.AddEdge(graph.Edge{From: cron, To: umountfs, Kind: graph.RequiredStart, Pos: pos, Via: "$remote_fs", Soft: true})
	g.AddEdge(graph.Edge{From: cron, To: db, Kind: graph.RequiredStart, Pos: pos})
	b := Boot{Init: "sysv", Goal: "runlevel 2", Graph: g}
	b.Schedule = graph.Order(g)
	var out bytes.Buffer
	if err := DOT(&out, []Drawing{{Boot: b, Findings: graph.Check(g)}}); err != nil {
		t.Fatal(err)
	}
	dot := out.String()
	// mountall.sh starts: cron waits for it, and nothing needs it (Soft):
	// an ordering edge, green, not the black of a need.
	for _, line := range strings.Split(dot, "\n") {
		if strings.Contains(line, `"cron" -> "mountall.sh"`) && !strings.Contains(line, `[color="#008000"`) {
			t.Errorf("the optional member mountall.sh is drawn %s; want an ordering edge, color=\"#008000\" alone", line)
		}
	}
	var js bytes.Buffer
	if err := Graph(&js, "json", []Drawing{{Boot: b, Findings: graph.Check(g)}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"optional"`) {
		t.Errorf("graph JSON marks no edge optional:\n%s", js.String())
	}
	if strings.Contains(dot, "umountfs") {
		t.Errorf("the picture draws umountfs, an optional member of $remote_fs that does not start:\n%s", dot)
	}
	for _, want := range []string{`"cron" -> "mountall.sh"`, `"cron" -> "db"`} {
		if !strings.Contains(dot, want) {
			t.Errorf("the picture has no %s:\n%s", want, dot)
		}
	}
}
