package graph

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// build reads a tiny scenario, one statement a line:
//
//	phase rcS: a b        services started in phase rcS (phases in order of first use)
//	off: c                services defined but not started
//	missing: d            names nothing defines
//	num a 20              the link number of a
//	alone: a b            services that start in a wave of their own
//	a needs b             a Required-Start b
//	a after b             a Should-Start b
//	a before b            a X-Start-Before b
//	a on b                a start on b (needs b, after it)
//	a or1 b               a start on b as one of the alternatives of group 1
//	a hook b              a start on starting b (b waits for a)
//	a hookor1 b           a start on starting b as one of the alternatives of group 1
//	a wants b             a Wants=b (systemd: no order)
//	a sdafter b           a After=b (systemd)
//	a sdbefore b          a Before=b (systemd)
//	a activates b         a is a socket that activates b
//	trig: a b             services started only when their condition holds
//
// Every edge's Pos is "scenario:LINE".
func build(t *testing.T, scenario string) *Graph {
	t.Helper()
	g := &Graph{}
	for n, line := range strings.Split(strings.TrimSpace(scenario), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pos := Pos{File: "scenario", Line: n + 1}
		switch {
		case f[0] == "phase":
			g.Phases = append(g.Phases, strings.TrimSuffix(f[1], ":"))
			for _, name := range f[2:] {
				g.Add(Service{Name: name, Phase: len(g.Phases) - 1})
			}
		case f[0] == "off:":
			for _, name := range f[1:] {
				g.Add(Service{Name: name, Phase: NotStarted})
			}
		case f[0] == "missing:":
			for _, name := range f[1:] {
				g.Add(Service{Name: name, Phase: NotStarted, Missing: true})
			}
		case f[0] == "hidden:":
			for _, name := range f[1:] {
				g.Services[lookup(t, g, name)].Hidden = true
			}
		case f[0] == "trig:":
			for _, name := range f[1:] {
				g.Services[lookup(t, g, name)].Triggered = true
			}
		case len(f) == 3 && strings.HasPrefix(f[1], "or"):
			any, _ := strconv.Atoi(f[1][2:])
			g.AddEdge(Edge{From: lookup(t, g, f[0]), To: lookup(t, g, f[2]), Kind: StartOn, Any: any, Pos: pos})
		case len(f) == 3 && strings.HasPrefix(f[1], "hookor"):
			any, _ := strconv.Atoi(f[1][6:])
			g.AddEdge(Edge{From: lookup(t, g, f[0]), To: lookup(t, g, f[2]), Kind: Hook, Any: any, Pos: pos})
		case f[0] == "alone:":
			for _, name := range f[1:] {
				g.Services[lookup(t, g, name)].Alone = true
			}
		case f[0] == "num":
			i := lookup(t, g, f[1])
			g.Services[i].Number, _ = strconv.Atoi(f[2])
			g.Services[i].Link = fmt.Sprintf("S%s%s", f[2], f[1])
			// Steps as sysv-rc runs links: by phase, then link name.
			g.Services[i].Step = g.Services[i].Phase*10000 + g.Services[i].Number*10 + int(f[1][0]-'a')
		case len(f) == 3:
			kind, ok := map[string]Kind{"needs": RequiredStart, "after": ShouldStart, "before": StartBefore, "on": StartOn, "hook": Hook,
				"wants": Wants, "sdafter": SystemdAfter, "sdbefore": SystemdBefore, "activates": Activates}[f[1]]
			if !ok {
				t.Fatalf("scenario line %d: unknown directive %q", n+1, f[1])
			}
			g.AddEdge(Edge{From: lookup(t, g, f[0]), To: lookup(t, g, f[2]), Kind: kind, Pos: pos})
		default:
			t.Fatalf("scenario line %d: cannot read %q", n+1, line)
		}
	}
	return g
}

func lookup(t *testing.T, g *Graph, name string) int {
	t.Helper()
	i, ok := g.Lookup(name)
	if !ok {
		t.Fatalf("scenario: unknown service %q", name)
	}
	return i
}

// waves prints a schedule as "1:a,b 2:c" with cyclic services marked "!".
func waves(g *Graph, s Schedule) string {
	var parts []string
	last := 0
	for _, st := range s.Steps {
		name := g.Services[st.Service].Name
		if st.Cyclic {
			name += "!"
		}
		if st.Wave != last {
			parts = append(parts, fmt.Sprintf("%d:%s", st.Wave, name))
			last = st.Wave
		} else {
			parts[len(parts)-1] += "," + name
		}
	}
	return strings.Join(parts, " ")
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name, scenario, want string
	}{
		{"independent", "phase rc2: c a b", "1:a,b,c"},
		{"chain", "phase rc2: a b c\na needs b\nb needs c", "1:c 2:b 3:a"},
		{"diamond", "phase rc2: a b c d\na needs b\na needs c\nb needs d\nc needs d", "1:d 2:b,c 3:a"},
		{"longest path wins", "phase rc2: a b c d\na needs b\nb needs c\na needs d", "1:c,d 2:b 3:a"},
		{"should-start orders", "phase rc2: a b\na after b", "1:b 2:a"},
		{"x-start-before", "phase rc2: a b\na before b", "1:a 2:b"},
		{"not started ignored", "phase rc2: a\noff: b\na needs b", "1:a"},
		{"phases in order", "phase rcS: s1 s2\nphase rc2: a b\ns2 needs s1\na needs s1", "1:s1 2:s2 3:a,b"},
		{"empty phase", "phase rcS:\nphase rc2: a", "1:a"},
		{"cycle keeps order going", "phase rc2: a b c d\na needs b\nb needs a\nc needs a\nb needs d", "1:d 2:a!,b! 3:c"},
		{"self loop ignored", "phase rc2: a\na needs a", "1:a"},
		{"edge to a later phase ignored", "phase rcS: s\nphase rc2: a\ns needs a", "1:s 2:a"},
		{"alone first in its level", "phase rc2: a b c\nalone: b", "1:b 2:a,c"},
		{"alone moves later levels up", "phase rc2: a b c d\nalone: b\nb needs a\nc needs a\nd needs b", "1:a 2:b 3:c 4:d"},
		{"two alone, by name", "phase rc2: a b c\nalone: b a", "1:a 2:b 3:c"},
		{"level of alone only", "phase rc2: a b\nalone: a\nb needs a", "1:a 2:b"},
		{"alone in a later phase", "phase rcS: s t\nphase rc2: a b\nalone: t a", "1:t 2:s 3:a 4:b"},
		{"hidden takes no wave", "phase rc2: a b c d\nhidden: b\nb needs a\nc needs b\nd needs c", "1:a 2:c 3:d"},
		{"hidden without predecessors", "phase rc2: b c\nhidden: b\nc needs b", "1:c"},
		{"alone on a loop is not alone", "phase rc2: a b c\nalone: a\na needs b\nb needs a", "1:a!,b!,c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			if got := waves(g, Order(g)); got != tc.want {
				t.Errorf("Order(%q) = %s, want %s", tc.scenario, got, tc.want)
			}
		})
	}
}

func TestSequential(t *testing.T) {
	g := build(t, "phase rcS: s\nphase rc2: a b c\nnum s 50\nnum a 20\nnum b 10\nnum c 20\na needs b")
	if got, want := waves(g, Sequential(g)), "1:s 2:b 3:a 4:c"; got != want {
		t.Errorf("Sequential = %s, want %s", got, want)
	}
}

func TestOrderDeepChain(t *testing.T) {
	// A 100,000-deep chain must not overflow the stack and must give
	// one wave per link.
	const n = 100000
	g := &Graph{Phases: []string{"rc2"}}
	for i := 0; i < n; i++ {
		g.Add(Service{Name: fmt.Sprintf("s%06d", i)})
		if i > 0 {
			g.AddEdge(Edge{From: i, To: i - 1, Kind: RequiredStart})
		}
	}
	s := Order(g)
	if s.Waves != n {
		t.Fatalf("Order(chain of %d).Waves = %d, want %d", n, s.Waves, n)
	}
	if len(Cycles(g)) != 0 {
		t.Fatalf("Cycles(chain) found a loop")
	}
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name, scenario string
		want           []string // each cycle as "a -> b -> a" with edge lines
	}{
		{"none", "phase rc2: a b\na needs b", nil},
		{"two", "phase rc2: a b\na needs b\nb needs a", []string{"a b | scenario:2 scenario:3"}},
		{"shortest loop from first name", "phase rc2: a b c d\na needs b\nb needs c\nc needs a\nb needs a\nd needs c\nc needs d",
			[]string{"a b | scenario:2 scenario:5"}},
		{"two loops", "phase rc2: a b c d\na needs b\nb needs a\nd needs c\nc needs d", []string{"a b | scenario:2 scenario:3", "c d | scenario:5 scenario:4"}},
		{"should-start and before count", "phase rc2: x y z\nx after y\nz before y\nz needs x", []string{"x y z | scenario:2 scenario:3 scenario:4"}},
		{"across phases is not a loop", "phase rcS: s\nphase rc2: a\ns needs a\na needs s", nil},
		{"not started is not a loop", "phase rc2: a\noff: b\na needs b\nb needs a", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var got []string
			for _, c := range Cycles(g) {
				var names, pos []string
				for _, v := range c.Services {
					names = append(names, g.Services[v].Name)
				}
				for _, k := range c.Edges {
					pos = append(pos, g.Edges[k].Pos.String())
				}
				got = append(got, strings.Join(names, " ")+" | "+strings.Join(pos, " "))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Cycles(%q) = %q, want %q", tc.scenario, got, tc.want)
			}
		})
	}
}

func TestCycleFinding(t *testing.T) {
	g := build(t, "phase rc2: a b\na needs b\nb after a")
	fs := Check(g)
	if len(fs) != 1 {
		t.Fatalf("Check = %v, want one cycle", fs)
	}
	want := "scenario:2: error: cycle: ordering loop a -> b -> a: a Required-Start b (scenario:2); b Should-Start a (scenario:3)"
	if got := fs[0].String(); got != want {
		t.Errorf("cycle finding = %q, want %q", got, want)
	}
}

func TestUnsatisfied(t *testing.T) {
	tests := []struct {
		name, scenario string
		want           []string
	}{
		{"met", "phase rc2: a b\na needs b", nil},
		{"missing", "phase rc2: a\nmissing: b\na needs b", []string{"a Required-Start b: nothing provides it"}},
		{"not enabled", "phase rc2: a\noff: b\na needs b", []string{"a Required-Start b: b has to be enabled in rc2"}},
		{"later phase", "phase rcS: a\nphase rc2: b\na needs b", []string{"a Required-Start b: b starts only in rc2, after rcS"}},
		{"earlier phase is fine", "phase rcS: b\nphase rc2: a\na needs b", nil},
		{"should-start needs nothing", "phase rc2: a\nmissing: b\na after b", nil},
		{"dependent not started", "off: a\nmissing: b\na needs b", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var got []string
			for _, f := range Unsatisfied(g) {
				got = append(got, f.Message)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Unsatisfied(%q) = %q, want %q", tc.scenario, got, tc.want)
			}
		})
	}
}

func TestOrderConflicts(t *testing.T) {
	tests := []struct {
		name, scenario string
		want           []string // services of each finding
	}{
		{"agrees", "phase rc2: a b\nnum a 20\nnum b 10\na needs b", nil},
		{"contradicts", "phase rc2: a b\nnum a 10\nnum b 20\na needs b", []string{"[a b]"}},
		{"same number", "phase rc2: a b\nnum a 20\nnum b 20\na needs b", []string{"[a b]"}},
		{"x-start-before", "phase rc2: a b\nnum a 30\nnum b 20\na before b", []string{"[b a]"}},
		{"no numbers", "phase rc2: a b\na needs b", nil},
		{"different phases", "phase rcS: b\nphase rc2: a\nnum a 10\nnum b 20\na needs b", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var got []string
			for _, f := range OrderConflicts(g) {
				got = append(got, fmt.Sprint(f.Services))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("OrderConflicts(%q) = %q, want %q", tc.scenario, got, tc.want)
			}
		})
	}
}

func TestAlias(t *testing.T) {
	g := &Graph{}
	a := g.Add(Service{Name: "a"})
	b := g.Add(Service{Name: "b"})
	if !g.Alias(a, "x") {
		t.Errorf("Alias(a, x) = false, want true")
	}
	if !g.Alias(a, "x") || len(g.Services[a].Aliases) != 1 {
		t.Errorf("Alias(a, x) again = false or a second alias (%v), want true and x once", g.Services[a].Aliases)
	}
	if g.Alias(b, "x") {
		t.Errorf("Alias(b, x) = true after x became a's alias, want false")
	}
	if i, _ := g.Lookup("x"); i != a {
		t.Errorf("Lookup(x) = %d, want %d", i, a)
	}
	if i := g.Add(Service{Name: "a", Init: "other"}); i != a || g.Services[a].Init != "" {
		t.Errorf("Add(existing) = %d changed the service", i)
	}
	// A service named like another's alias is a service of its own.
	x := g.Add(Service{Name: "x"})
	if x == a {
		t.Fatalf("Add(x) returned a, whose alias x was")
	}
	if i, _ := g.Lookup("x"); i != x || len(g.Services[a].Aliases) != 0 {
		t.Errorf("after Add(x): Lookup(x) = %d, a's aliases %v; want %d and none", i, g.Services[a].Aliases, x)
	}
}

// TestFind looks up names as a user gives them: a service's name or alias
// first, then what the graph's Complete makes of it, if it has one.
func TestFind(t *testing.T) {
	g := &Graph{}
	ssh := g.Add(Service{Name: "ssh.service"})
	ssh2 := g.Add(Service{Name: "ssh"})
	g.Alias(ssh, "sshd.service")
	if _, ok := g.Find("sshd"); ok {
		t.Errorf("Find(sshd) with no Complete = found, want not found")
	}
	g.Complete = func(name string) (string, bool) { return name + ".service", !strings.Contains(name, ".") }
	for _, tc := range []struct {
		name string
		want int
	}{{"ssh", ssh2}, {"ssh.service", ssh}, {"sshd", ssh}, {"sshd.service", ssh}, {"cron", -1}, {"sshd.socket", -1}} {
		i, ok := g.Find(tc.name)
		if !ok {
			i = -1
		}
		if i != tc.want {
			t.Errorf("Find(%q) = %d, want %d", tc.name, i, tc.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []Severity{Info, Warning, Error} {
		if got, err := ParseSeverity(s.String()); err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Errorf("ParseSeverity(fatal) = nil error")
	}
}

func TestOrderConflictsSkipLoops(t *testing.T) {
	g := build(t, "phase rc2: a b\nnum a 10\nnum b 10\na needs b\nb needs a")
	if fs := OrderConflicts(g); len(fs) != 0 {
		t.Errorf("OrderConflicts(loop) = %v, want none: the cycle is reported instead", fs)
	}
}

func TestOrderAlternatives(t *testing.T) {
	tests := []struct {
		name, scenario, want string
	}{
		{"earliest alternative", "phase boot: a b c j\nb on a\nc on b\nj or1 a\nj or1 c", "1:a 2:b,j 3:c"},
		{"and of ors", "phase boot: a b c d j\nb on a\nc on b\nd on c\nj or1 a\nj or1 b\nj or2 c\nj or2 d", "1:a 2:b 3:c 4:d,j"},
		{"alternative in a loop", "phase boot: a j\nj or1 a\nj or1 j", "1:a 2:j"},
		{"deadlocked alternatives go last", "phase boot: a j k\nj or1 k\nk on j", "1:a 2:j!,k!"},
		{"hook orders before", "phase boot: a j\nj hook a", "1:j 2:a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			if got := waves(g, Order(g)); got != tc.want {
				t.Errorf("Order(%q) = %s, want %s", tc.scenario, got, tc.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	tests := []struct {
		name, scenario string
		started        string   // waves after Start
		want           []string // never-starts and cycle messages
	}{
		{"chain starts", "phase boot: init a b\ntrig: a b\na on init\nb on a", "1:init 2:a 3:b", nil},
		{"missing", "phase boot: init s2 s3\nmissing: s1\ntrig: s2 s3\ns2 on s1\ns3 on s2", "1:init", []string{
			"s2 never starts: it waits for start on s1 (scenario:4), and nothing provides s1",
			"s3 never starts: it waits for start on s2 (scenario:5), and s2 never starts: it waits for start on s1 (scenario:4), and nothing provides s1",
		}},
		{"not enabled", "phase boot: j\noff: manualjob\ntrig: j\nj on manualjob", "", []string{
			"j never starts: it waits for start on manualjob (scenario:4), and manualjob is not enabled",
		}},
		{"one alternative is enough", "phase boot: a j\nmissing: gone\ntrig: j\nj or1 gone\nj or1 a", "1:a 2:j", nil},
		{"every alternative missing", "phase boot: j\nmissing: x y\ntrig: j\nj or1 x\nj or1 y", "", []string{
			"j never starts: it waits for start on x (scenario:4) or start on y (scenario:5), and nothing provides x",
		}},
		{"loop", "phase boot: a b\ntrig: a b\na on b\nb on a", "", []string{
			"a never starts: it waits for start on b (scenario:3), and b never starts: it waits for start on a (scenario:4), which waits for itself through a -> b -> a",
			"start condition loop a -> b -> a: none of them ever starts",
			"b never starts: it waits for start on a (scenario:4), and a never starts: it waits for start on b (scenario:3), which waits for itself through b -> a -> b",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var got []string
			for _, f := range Start(g) {
				got = append(got, f.Message)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Start(%q) =\n%q\nwant\n%q", tc.scenario, got, tc.want)
			}
			if w := waves(g, Order(g)); w != tc.started {
				t.Errorf("Order after Start(%q) = %s, want %s", tc.scenario, w, tc.started)
			}
		})
	}
}

// TestRaceMessages checks who a race says may start first, and how an
// event of several emitters reads.
func TestRaceMessages(t *testing.T) {
	g := &Graph{Phases: []string{"boot"}}
	for _, n := range []string{"a", "b", "j", "k", "mountall", "udev", "m"} {
		g.Add(Service{Name: n})
	}
	at := func(line int) Pos { return Pos{File: "f", Line: line} }
	g.AddEdge(Edge{From: 2, To: 0, Kind: StartOn, Any: 1, Via: "started a", Pos: at(1)})
	g.AddEdge(Edge{From: 2, To: 1, Kind: StartOn, Any: 1, Via: "started b", Pos: at(1)})
	g.AddEdge(Edge{From: 3, To: 0, Kind: Hook, Any: 2, Via: "starting a", Pos: at(2)})
	g.AddEdge(Edge{From: 3, To: 1, Kind: StartOn, Any: 2, Via: "started b", Pos: at(2)})
	g.AddEdge(Edge{From: 6, To: 4, Kind: StartOn, Any: 3, Via: "mounted MOUNTPOINT=/", Pos: at(3)})
	g.AddEdge(Edge{From: 6, To: 5, Kind: StartOn, Any: 3, Via: "mounted MOUNTPOINT=/", Pos: at(3)})
	var got []string
	for _, f := range Races(g) {
		got = append(got, f.Message)
	}
	want := []string{
		"j start on started a, but it is one of several alternatives, so nothing orders them: j may start first",
		"j start on started b, but it is one of several alternatives, so nothing orders them: j may start first",
		"k start on starting a, but it is one of several alternatives, so nothing orders them: a may start first",
		"k start on started b, but it is one of several alternatives, so nothing orders them: k may start first",
		"m start on mounted MOUNTPOINT=/ (mountall), but mounted MOUNTPOINT=/ has 2 emitters (mountall, udev) and the first will do, so nothing orders them: m may start first",
		"m start on mounted MOUNTPOINT=/ (udev), but mounted MOUNTPOINT=/ has 2 emitters (mountall, udev) and the first will do, so nothing orders them: m may start first",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Races messages:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRaces(t *testing.T) {
	tests := []struct {
		name, scenario string
		want           []string // services of each race
	}{
		{"or branch races", "phase boot: a b j\nj or1 a\nj or1 b", []string{"[j a]", "[j b]"}},
		{"or branch ordered anyway", "phase boot: a b j\nb on a\nj on b\nj or1 a\nj or1 b", nil},
		{"and is ordered", "phase boot: a j\nj on a", nil},
		{"common part orders", "phase boot: a b c j\nj on a\nj or1 b\nj or1 c\nb on a", []string{"[j b]", "[j c]"}},
		{"not started is no race", "phase boot: j\noff: a\nj or1 a", nil},
		{"wants without order", "phase boot: a b\na wants b", []string{"[a b]"}},
		{"after the socket that activates it", "phase boot: a b s\na wants b\ns sdbefore b\ns activates b\na sdafter s", nil},
		{"after a socket of another", "phase boot: a b c s\na wants b\ns sdbefore c\ns activates c\na sdafter s", []string{"[a b]"}},
		{"a socket not started", "phase boot: a b\noff: s\na wants b\ns activates b\na sdafter s", []string{"[a b]"}},
		{"other alternative only after", "phase boot: a b j\nj or1 a\nj or1 b\nb on j", nil},
		{"starting alternatives", "phase boot: a b j\nj hookor1 a\nj hookor1 b", []string{"[j a]", "[j b]"}},
		{"starting alternative ordered anyway", "phase boot: a b j\nj hook a\nj hookor1 a\nj hookor1 b", []string{"[j b]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			var got []string
			for _, f := range Races(g) {
				got = append(got, fmt.Sprint(f.Services))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Races(%q) = %q, want %q", tc.scenario, got, tc.want)
			}
		})
	}
}
