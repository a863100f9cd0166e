package graph

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// layoutOf reads a tiny layout, one statement a line:
//
//	role web: a b      role web has services a and b
//	node web1: web db  node web1 has roles web and db
//	node img1@r: web   node img1 with a root of its own, r
//
// A role's Pos is "layout:LINE".
func layoutOf(t *testing.T, text string) *Layout {
	t.Helper()
	l := &Layout{}
	for n, line := range strings.Split(strings.TrimSpace(text), "\n") {
		head, rest, ok := strings.Cut(line, ":")
		f := strings.Fields(head)
		if !ok || len(f) != 2 {
			t.Fatalf("layout line %d: cannot read %q", n+1, line)
		}
		switch f[0] {
		case "role":
			l.Roles = append(l.Roles, Role{Name: f[1], Services: strings.Fields(rest), Pos: Pos{File: "layout", Line: n + 1}})
		case "node":
			name, root, _ := strings.Cut(f[1], "@")
			l.Nodes = append(l.Nodes, Node{Name: name, Roles: strings.Fields(rest), Root: root})
		default:
			t.Fatalf("layout line %d: cannot read %q", n+1, line)
		}
	}
	return l
}

func TestGroups(t *testing.T) {
	l := layoutOf(t, `
node web2: web
node web1: web
node both: db web
node both2: web db db
node db1: db
node bare: 
node img@x.tar: web
node img2@x.tar: web`)
	tests := []struct {
		names []string
		want  string
	}{
		{nil, "[[bare] [both both2] [db1] [img img2] [web1 web2]]"},
		{[]string{"web2", "db1", "nosuch"}, "[[db1] [web2]]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(l.Groups(tc.names)); got != tc.want {
			t.Errorf("Groups(%q) = %s, want %s", tc.names, got, tc.want)
		}
	}
}

const seedLayout = `
role db: s1
role web: s2 s3
node web1: web
node db1: db`

func TestPlace(t *testing.T) {
	tests := []struct {
		name, scenario, layout, node string
		started                      string   // waves of the node
		want                         []string // "kind: message" of its findings
	}{
		{
			name:     "upstart: the seed",
			scenario: "phase boot: init s1 s2 s3\ntrig: s1 s2 s3\ns1 on init\ns2 on s1\ns3 on s2",
			layout:   seedLayout, node: "web1", started: "1:init",
			want: []string{
				"cross-node: s2 start on s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network",
				"never-starts: s3 never starts: it waits for start on s2 (scenario:5), and s2 never starts: it waits for start on s1 (scenario:4), and s1 runs only on db1",
			},
		},
		{
			name:     "upstart: the node that has it",
			scenario: "phase boot: init s1 s2 s3\ntrig: s1 s2 s3\ns1 on init\ns2 on s1\ns3 on s2",
			layout:   seedLayout, node: "db1", started: "1:init 2:s1",
		},
		{
			name:     "upstart: the image does not even hold it",
			scenario: "phase boot: init s2 s3\nmissing: s1\ntrig: s2 s3\ns2 on s1\ns3 on s2",
			layout:   seedLayout, node: "web1", started: "1:init",
			want: []string{
				"cross-node: s2 start on s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network",
				"never-starts: s3 never starts: it waits for start on s2 (scenario:5), and s2 never starts: it waits for start on s1 (scenario:4), and s1 runs only on db1",
			},
		},
		{
			name:     "upstart: a role names what the image lacks",
			scenario: "phase boot: init s2 s3\nmissing: s1\ntrig: s2 s3\ns2 on s1\ns3 on s2",
			layout:   seedLayout, node: "db1", started: "1:init",
			want: []string{"unknown-service: role db names s1, which matches no service in this node's root"},
		},
		{
			name:     "upstart: on no node",
			scenario: "phase boot: init s1 s2\ntrig: s1 s2\ns1 on init\ns2 on s1",
			layout:   "role cache: s1\nrole web: s2\nnode web1: web", node: "web1", started: "1:init",
			want: []string{"never-starts: s2 never starts: it waits for start on s1 (scenario:4), and s1 is on no node: no node has role cache"},
		},
		{
			name:     "upstart: another alternative is here",
			scenario: "phase boot: init s1 s4 s2\ntrig: s1 s4 s2\ns1 on init\ns4 on init\ns2 or1 s1\ns2 or1 s4",
			layout:   "role db: s1\nrole web: s2\nnode web1: web\nnode db1: db", node: "web1", started: "1:init 2:s4 3:s2",
			// s1 is away, so s4 is the one way in: s2 waits for it (wave
			// 3), no race.
			want: nil,
		},
		{
			name:     "upstart: no alternative is here",
			scenario: "phase boot: init s1 s2\nmissing: x\ntrig: s1 s2\ns1 on init\ns2 or1 x\ns2 or1 s1",
			layout:   "role db: s1\nrole web: s2\nnode web1: web\nnode db1: db", node: "web1", started: "1:init",
			want: []string{"cross-node: s2 start on s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network"},
		},
		{
			name:     "sysv: the dependent still starts",
			scenario: "phase rc2: s1 s2 s3 base\ns2 needs s1\ns3 needs s2\nbase after s1",
			layout:   seedLayout, node: "web1", started: "1:base,s2 2:s3",
			want: []string{"cross-node: s2 Required-Start s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network"},
		},
		{
			name:     "sysv: on no node",
			scenario: "phase rc2: s1 s2\ns2 needs s1",
			layout:   "role cache: s1\nrole web: s2\nnode web1: web", node: "web1", started: "1:s2",
			want: []string{"missing-dependency: s2 Required-Start s1: s1 is on no node: no node has role cache"},
		},
		{
			name:     "sysv: base services and two roles",
			scenario: "phase rc2: base s1 s2\ns2 needs s1\ns1 needs base",
			layout:   "role db: s1\nrole web: s1 s2\nnode web1: web\nnode db1: db", node: "web1", started: "1:base 2:s1 3:s2",
		},
		{
			name:     "sysv: many nodes",
			scenario: "phase rc2: s1 s2\ns2 needs s1",
			layout:   "role db: s1\nrole web: s2\nnode d5: db\nnode d1: db\nnode d3: db\nnode d2: db\nnode d4: db\nnode web1: web", node: "web1", started: "1:s2",
			want: []string{"cross-node: s2 Required-Start s1, but s1 runs only on d1, d2, d3 and 2 other nodes: no init system orders across machines: wait for it over the network"},
		},
		{
			name:     "a name nothing answers to",
			scenario: "phase rc2: s2",
			layout:   "role web: s2 nginx\nnode web1: web", node: "web1", started: "1:s2",
			want: []string{"unknown-service: role web names nginx, which matches no service in this node's root"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(t, tc.scenario)
			fs := Start(g)
			before := fmt.Sprint(g.Services)
			p, found := Place(g, fs, layoutOf(t, tc.layout), tc.node)
			found = append(found, Check(p)...)
			var got []string
			for _, f := range found {
				got = append(got, f.Kind+": "+f.Message)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Place(%s) findings =\n%q\nwant\n%q", tc.node, got, tc.want)
			}
			if w := waves(p, Order(p)); w != tc.started {
				t.Errorf("Place(%s) boots %s, want %s", tc.node, w, tc.started)
			}
			if after := fmt.Sprint(g.Services); after != before {
				t.Errorf("Place modified its graph:\n%s\n%s", before, after)
			}
		})
	}
}

func TestPlaceKeepsRootFindings(t *testing.T) {
	// A finding about a service of the node stays; one about a service
	// that is away goes.
	g := build(t, "phase rc2: s1 s2")
	fs := []Finding{
		{Kind: KindParseError, Services: []string{"s2"}, Message: "here"},
		{Kind: KindParseError, Services: []string{"s1"}, Message: "away"},
		{Kind: KindDanglingLink, Services: []string{"gone"}, Message: "no service"},
	}
	_, got := Place(g, fs, layoutOf(t, "role db: s1\nrole web: s2\nnode web1: web\nnode db1: db"), "web1")
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Message)
	}
	if want := []string{"no service", "here"}; !reflect.DeepEqual(msgs, want) {
		t.Errorf("Place kept %q, want %q", msgs, want)
	}
}

func TestPerNode(t *testing.T) {
	fs := []Finding{{Kind: KindCrossNode, Message: "m"}}
	got := PerNode(fs, []string{"web1", "web2"})
	if len(got) != 2 || got[0].Node != "web1" || got[1].Node != "web2" || fs[0].Node != "" {
		t.Errorf("PerNode = %+v (input %+v)", got, fs)
	}
}

// fleet returns a synthetic graph of 10,000 base services and 2,000
// more in 100 roles of 20, and a layout of n nodes over 50 role sets:
// node i has roles i%50 and 50+i%50. A role's services need base
// services and each other; every tenth role needs a service of the next
// role, which is on other nodes: a few cross-node findings a node.
func fleet(n int) (*Graph, *Layout) {
	g := synthetic(10000)
	l := &Layout{}
	for r := 0; r < 100; r++ {
		role := Role{Name: fmt.Sprintf("role%03d", r)}
		for k := 0; k < 20; k++ {
			name := fmt.Sprintf("r%03d-%02d", r, k)
			i := g.Add(Service{Name: name, Phase: 1})
			g.AddEdge(Edge{From: i, To: (r*7919 + k*104729) % 10000, Kind: RequiredStart})
			if k > 0 {
				g.AddEdge(Edge{From: i, To: i - 1, Kind: RequiredStart})
			}
			role.Services = append(role.Services, name)
		}
		l.Roles = append(l.Roles, role)
	}
	for r := 0; r < 100; r += 10 {
		from, _ := g.Lookup(fmt.Sprintf("r%03d-00", r))
		to, _ := g.Lookup(fmt.Sprintf("r%03d-05", (r+1)%100))
		g.AddEdge(Edge{From: from, To: to, Kind: RequiredStart})
	}
	for i := 0; i < n; i++ {
		l.Nodes = append(l.Nodes, Node{Name: fmt.Sprintf("node%05d", i), Roles: []string{fmt.Sprintf("role%03d", i%50), fmt.Sprintf("role%03d", 50+i%50)}})
	}
	return g, l
}

// BenchmarkLayout checks a fleet as check --layout does, less reading
// and printing: each group of nodes with the same roles once (Place and
// Check), its findings copied to each node. 10,000 nodes over 50 role
// sets should cost about 50 times one node (SPEC §7).
func BenchmarkLayout(b *testing.B) {
	g, l := fleet(10000)
	for _, nodes := range [][]string{{"node00000"}, nil} {
		name := "nodes=10000"
		if nodes != nil {
			name = "nodes=1"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = 0
				for _, group := range l.Groups(nodes) {
					p, fs := Place(g, nil, l, group[0])
					fs = append(fs, Check(p)...)
					n += len(PerNode(fs, group))
				}
			}
			b.ReportMetric(float64(n), "findings")
		})
	}
}
