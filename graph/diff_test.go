package graph

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// dump prints a drift one change a line: "+ 2 c", "- 1 d",
// "~ a before b -> concurrent", "+ finding kind services", "- finding ...".
func dump(d Drift) string {
	var lines []string
	if d.WasInit != d.NowInit {
		lines = append(lines, "init "+d.WasInit+" -> "+d.NowInit)
	}
	for _, s := range d.Switched {
		lines = append(lines, fmt.Sprintf("~ %s (%s) -> %s (%s)", s.Was, s.WasInit, s.Now, s.NowInit))
	}
	for _, l := range d.Added {
		lines = append(lines, fmt.Sprintf("+ %d %s", l.Wave, l.Name))
	}
	for _, l := range d.Removed {
		lines = append(lines, fmt.Sprintf("- %d %s", l.Wave, l.Name))
	}
	rel := func(r Relation, a, b string) string {
		if r == Concurrent {
			return "concurrent"
		}
		return a + " " + r.String() + " " + b
	}
	for _, o := range d.Order {
		lines = append(lines, fmt.Sprintf("~ %s -> %s", rel(o.Was, o.A, o.B), rel(o.Now, o.A, o.B)))
	}
	for _, f := range d.New {
		lines = append(lines, "+ finding "+f.Kind+" "+strings.Join(f.Services, ","))
	}
	for _, f := range d.Gone {
		lines = append(lines, "- finding "+f.Kind+" "+strings.Join(f.Services, ","))
	}
	return strings.Join(lines, "\n")
}

func concurrent(t *testing.T, scenario string) Side {
	g := build(t, scenario)
	return Side{Graph: g, Schedule: Order(g)}
}

func sequential(t *testing.T, scenario string) Side {
	g := build(t, scenario)
	return Side{Graph: g, Schedule: Sequential(g)}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b Side
		want string
	}{
		{"identical",
			concurrent(t, "phase rc2: a b c\na needs b"),
			concurrent(t, "phase rc2: a b c\na needs b"),
			""},
		{"added and removed",
			concurrent(t, "phase rc2: a b d\nd needs a"),
			concurrent(t, "phase rc2: a c\noff: b"),
			"+ 1 c\n- 1 b\n- 2 d"},
		{"flipped",
			concurrent(t, "phase rc2: a b\na needs b"),
			concurrent(t, "phase rc2: a b\nb needs a"),
			"~ b before a -> b after a"},
		{"order dropped",
			concurrent(t, "phase rc2: a b\na needs b"),
			concurrent(t, "phase rc2: a b"),
			"~ b before a -> concurrent"},
		{"order added",
			concurrent(t, "phase rc2: a b"),
			concurrent(t, "phase rc2: a b\na after b"),
			"~ concurrent -> b before a"},
		{"x-start-before the other way",
			concurrent(t, "phase rc2: a b\na before b"),
			concurrent(t, "phase rc2: a b\nb before a"),
			"~ a before b -> a after b"},
		{"only ordered pairs: c moves, a and c have no edge",
			concurrent(t, "phase rc2: a b c\nb needs a"),
			concurrent(t, "phase rc2: a b c\nb needs a\nc needs b"),
			"~ c before b -> c after b"},
		{"relations are waves",
			concurrent(t, "phase rc2: a b c d\nb needs a\nd needs c"),
			concurrent(t, "phase rc2: a b c d\nb needs a\nd needs b"),
			"~ concurrent -> b before d"},
		{"an edge to a service one side does not start",
			concurrent(t, "phase rc2: a b\na needs b"),
			concurrent(t, "phase rc2: a\noff: b\na needs b"),
			"- 1 b"},
		{"phases order",
			concurrent(t, "phase rcS: a\nphase rc2: b\nb needs a"),
			concurrent(t, "phase rcS: b\nphase rc2: a\nb needs a"),
			"~ a before b -> a after b"},
		{"through a barrier",
			concurrent(t, "phase rc2: a c h\nhidden: h\nh needs a\nc needs h"),
			concurrent(t, "phase rc2: a c h\nhidden: h"),
			"~ a before c -> concurrent"},
		{"barrier renumbered",
			concurrent(t, "phase rc2: a b c h\nhidden: h\nh needs a\nb needs h\nc needs h"),
			concurrent(t, "phase rc2: a b c h\nhidden: h\nh needs b\na needs h\nc needs h"),
			"~ a before b -> a after b\n~ a before c -> concurrent\n~ concurrent -> b before c"},
		{"sequential renumbered",
			sequential(t, "phase rc2: a b\nnum a 10\nnum b 20"),
			sequential(t, "phase rc2: a b\nnum a 30\nnum b 20"),
			"~ a before b -> a after b"},
		{"sequential: neighbours only",
			sequential(t, "phase rc2: a b c\nnum a 10\nnum b 20\nnum c 30"),
			sequential(t, "phase rc2: a b c\nnum a 40\nnum b 20\nnum c 30"),
			"~ a before b -> a after b\n~ a before c -> a after c"},
		{"concurrent schedules are no chain",
			concurrent(t, "phase rc2: a b\nnum a 10\nnum b 20"),
			concurrent(t, "phase rc2: a b\nnum a 30\nnum b 20"),
			""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(tc.a, tc.b)
			if got := dump(d); got != tc.want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, tc.want)
			}
			if d.Empty() != (tc.want == "") {
				t.Errorf("Diff(...).Empty() = %v, want %v", d.Empty(), tc.want == "")
			}
			// The other way round: the same changes, mirrored.
			back := Diff(tc.b, tc.a)
			if len(back.Added) != len(d.Removed) || len(back.Removed) != len(d.Added) || len(back.Order) != len(d.Order) {
				t.Errorf("Diff(b, a) =\n%s\nnot the mirror of\n%s", dump(back), dump(d))
			}
		})
	}
}

// TestDiffAcrossInits: a SysV root against a systemd root matches the
// script ssh with the unit ssh.service (the systemd graph's Find, as a
// layout's roles name services), says which services and which root
// changed init system, and names a reordered pair as the second boot does.
func TestDiffAcrossInits(t *testing.T) {
	side := func(init string, complete func(string) (string, bool), scenario string) Side {
		g := build(t, scenario)
		g.Complete = complete
		for i := range g.Services {
			g.Services[i].Init = init
		}
		return Side{Graph: g, Schedule: Order(g), Init: init}
	}
	unit := func(name string) (string, bool) {
		if strings.Contains(name, ".") {
			return "", false
		}
		return name + ".service", true
	}
	sysv := side("sysv", nil, "phase rc2: rsyslog ssh cron legacy\nssh needs rsyslog\ncron needs rsyslog")
	systemd := side("systemd", unit, "phase boot: rsyslog.service ssh.service cron.service new.service\nssh.service needs rsyslog.service")
	d := Diff(sysv, systemd)
	want := "+ 1 new.service\n- 1 legacy\n~ rsyslog before cron -> concurrent"
	if got := dump(d); got != "init sysv -> systemd\n"+
		"~ rsyslog (sysv) -> rsyslog.service (systemd)\n~ cron (sysv) -> cron.service (systemd)\n~ ssh (sysv) -> ssh.service (systemd)\n"+
		strings.Replace(want, "rsyslog before cron", "rsyslog.service before cron.service", 1) {
		t.Errorf("Diff(sysv, systemd) =\n%s", got)
	}
	back := Diff(systemd, sysv)
	if len(back.Switched) != 3 || len(back.Added) != 1 || len(back.Removed) != 1 || back.Order[0].A != "rsyslog" {
		t.Errorf("Diff(systemd, sysv) =\n%s\nnot the mirror of\n%s", dump(back), dump(d))
	}
	// One init system: names alone match, as before.
	same := Diff(sysv, side("sysv", nil, "phase rc2: rsyslog.service"))
	if len(same.Switched) != 0 || len(same.Added) != 1 {
		t.Errorf("Diff(sysv, sysv) = %s; want rsyslog.service added, nothing switched", dump(same))
	}
}

func TestDiffFindings(t *testing.T) {
	g := build(t, "phase rc2: a b")
	pos := func(line int) []Pos { return []Pos{{File: "etc/init.d/a", Line: line}} }
	cycle := Finding{Kind: KindCycle, Severity: Error, Services: []string{"a", "b"}, Message: "a Required-Start b (etc/init.d/a:3)", Sources: pos(3)}
	moved := cycle
	moved.Message, moved.Sources = "a Required-Start b (etc/init.d/a:7)", pos(7)
	onNode := cycle
	onNode.Node = "web1"
	race := Finding{Kind: KindRace, Severity: Warning, Services: []string{"b", "a"}, Message: "b Wants a", Sources: pos(4)}
	other := race
	other.Message = "b Wants a, again"
	tests := []struct {
		name string
		a, b []Finding
		want string
	}{
		{"same", []Finding{cycle, race}, []Finding{race, cycle}, ""},
		{"a line moved", []Finding{cycle}, []Finding{moved}, ""},
		{"another node", []Finding{cycle}, []Finding{onNode}, ""},
		{"new and gone", []Finding{cycle}, []Finding{race}, "+ finding race b,a\n- finding cycle a,b"},
		{"message differs", []Finding{race}, []Finding{other}, "+ finding race b,a\n- finding race b,a"},
		{"counted", []Finding{race, race}, []Finding{race}, "- finding race b,a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff(Side{Graph: g, Schedule: Order(g), Findings: tc.a}, Side{Graph: g, Schedule: Order(g), Findings: tc.b})
			if got := dump(d); got != tc.want {
				t.Errorf("Diff =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFindingKey(t *testing.T) {
	tests := []struct {
		msg  string
		pos  Pos
		want string
	}{
		{"x (f:3)", Pos{File: "f", Line: 3}, "x (f)"},
		{"x (f:3) and f:3", Pos{File: "f", Line: 3}, "x (f) and f"},
		{"x (f:30)", Pos{File: "f", Line: 3}, "x (f:30)"},
		{"x (f:30) (f:3)", Pos{File: "f", Line: 3}, "x (f:30) (f)"},
		{"x (f)", Pos{File: "f"}, "x (f)"},
		{"x (g:3)", Pos{File: "f", Line: 3}, "x (g:3)"},
	}
	for _, tc := range tests {
		got := findingKey(Finding{Kind: "k", Message: tc.msg, Sources: []Pos{tc.pos}})
		if want := "k\x00\x00" + tc.want; got != want {
			t.Errorf("findingKey(%q, %v) = %q, want %q", tc.msg, tc.pos, got, want)
		}
	}
}

// TestDiffDeterministic: the same boots, their edges and steps added in
// another order, give the same drift.
func TestDiffDeterministic(t *testing.T) {
	a := "phase rc2: a b c d e h\nhidden: h\nb needs a\nc needs a\nh needs b\nh needs c\nd needs h\ne needs h"
	b := "phase rc2: a b c d e h\nhidden: h\nb needs a\nc needs b\nh needs b\nd needs h\ne needs a"
	reversed := func(s string) string {
		lines := strings.Split(s, "\n")
		head, edges := lines[:2], lines[2:]
		for i, j := 0, len(edges)-1; i < j; i, j = i+1, j-1 {
			edges[i], edges[j] = edges[j], edges[i]
		}
		return strings.Join(append(head, edges...), "\n")
	}
	first := Diff(concurrent(t, a), concurrent(t, b))
	if first.Empty() {
		t.Fatalf("Diff = empty, want changes")
	}
	for i := 0; i < 5; i++ {
		again := Diff(concurrent(t, reversed(a)), concurrent(t, reversed(b)))
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("Diff differs with edges in another order:\n%s\n%s", dump(first), dump(again))
		}
	}
}

// BenchmarkDiff compares a synthetic boot with itself with one edge
// turned round: the cost grows with services and edges, not pairs.
func BenchmarkDiff(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		ga, gb := synthetic(n), synthetic(n)
		gb.Edges[len(gb.Edges)/2].Kind = StartBefore
		a, c := Side{Graph: ga, Schedule: Order(ga)}, Side{Graph: gb, Schedule: Order(gb)}
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Diff(a, c)
			}
		})
	}
}
