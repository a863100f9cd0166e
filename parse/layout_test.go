package parse

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

func TestLayout(t *testing.T) {
	data := `; a service named in no role is on every node
[role "web"]
services = nginx, app-server
[role "db"]
services = postgresql
[node "web1"]
roles = web
[node "db1"]
roles = db   ; and its own image
root = images/db1.tar
[node "both"]
roles = web db
`
	l, errs := Layout([]byte(data), "conf/layout.ini")
	if errs != nil {
		t.Fatalf("Layout: %v", errs)
	}
	want := &graph.Layout{
		Roles: []graph.Role{
			{Name: "web", Services: []string{"nginx", "app-server"}, Pos: graph.Pos{File: "conf/layout.ini", Line: 3}},
			{Name: "db", Services: []string{"postgresql"}, Pos: graph.Pos{File: "conf/layout.ini", Line: 5}},
		},
		Nodes: []graph.Node{
			{Name: "web1", Roles: []string{"web"}, Pos: graph.Pos{File: "conf/layout.ini", Line: 6}},
			{Name: "db1", Roles: []string{"db"}, Root: filepath.Join("conf", "images/db1.tar"), Pos: graph.Pos{File: "conf/layout.ini", Line: 8}},
			{Name: "both", Roles: []string{"web", "db"}, Pos: graph.Pos{File: "conf/layout.ini", Line: 11}},
		},
	}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("Layout =\n%+v\nwant\n%+v", l, want)
	}
}

func TestLayoutDiagnostics(t *testing.T) {
	const node = "[node \"n\"]\n"
	tests := []struct {
		name, data string
		want       []string // the diagnostics, "warning: " before a warning
		ok         bool     // a layout comes back
	}{
		{"empty file", "", []string{"l.ini: empty layout: no [role \"NAME\"] or [node \"NAME\"] section"}, false},
		{"only comments", "; nothing\n# here\n\n", []string{"l.ini: empty layout: no [role \"NAME\"] or [node \"NAME\"] section"}, false},
		{"no nodes", "[role \"web\"]\nservices = a\n", []string{"l.ini: no [node \"NAME\"] section: the layout places nothing"}, false},
		{"unknown role", "[role \"web\"]\nservices = a\n[node \"web1\"]\nroles = web, cache\n",
			[]string{`l.ini:4: roles: node web1 names role cache, which no [role "cache"] section defines`}, false},
		{"role defined after the node", "[node \"web1\"]\nroles = web\n[role \"web\"]\nservices = a\n", nil, true},
		{"duplicate node", node + "roles =\n[role \"r\"]\n" + node,
			[]string{`l.ini:4: duplicate section [node "n"]: the first is at line 1, and ini merges them`}, false},
		{"duplicate role", "[role \"r\"]\nservices = a\n[role \"r\"]\nservices = b\n" + node + "roles = r\n",
			[]string{`l.ini:3: duplicate section [role "r"]: the first is at line 1, and ini merges them`}, false},
		{"unknown key", node + "roles =\ncolour = blue\n",
			[]string{`warning: l.ini:3: colour: unknown key in [node "n"], ignoring it (want roles or root)`}, true},
		{"unknown key in a role", "[role \"r\"]\nservice = a\n" + node,
			[]string{`warning: l.ini:2: service: unknown key in [role "r"], ignoring it (want services)`}, true},
		{"unknown section", "[cluster \"c\"]\nsize = 3\n" + node,
			[]string{`warning: l.ini:1: unknown section [cluster "c"], ignoring it`}, true},
		{"key outside any section", "roles = web\n" + node,
			[]string{`warning: l.ini:1: roles: key outside any section, ignoring it`}, true},
		{"repeated key", "[role \"r\"]\nservices = a\nservices = b\n" + node,
			[]string{`warning: l.ini:3: services: repeated key: the one at line 2 is ignored, the last one wins`}, true},
		{"unquoted name", "[node web1]\n" + node,
			[]string{`l.ini:1: [node web1]: want [node "NAME"]`}, false},
		{"not a key", node + "roles\n",
			[]string{`l.ini:2: "roles" is not a key = value line, a [section] or a comment`}, false},
		{"unclosed header", "[node \"x\"\n" + node,
			[]string{`l.ini:1: section header without its closing ]`}, false},
		{"every error, by line", "[role \"r\"]\nbogus\n[role \"r\"]\n[node \"a\"]\nroles = q\nextra = 1\n",
			[]string{
				`l.ini:2: "bogus" is not a key = value line, a [section] or a comment`,
				`l.ini:3: duplicate section [role "r"]: the first is at line 1, and ini merges them`,
				`l.ini:5: roles: node a names role q, which no [role "q"] section defines`,
				`warning: l.ini:6: extra: unknown key in [node "a"], ignoring it (want roles or root)`,
			}, false},
		{"multi-line value", "[role \"r\"]\nservices = \"\"\"a\nb\"\"\"\n" + node, nil, true},
		{"a name listed twice", "[role \"r\"]\nservices = a, b a,a\n" + node + "roles = r r\n",
			[]string{
				`warning: l.ini:2: services: a is listed more than once, counting it once`,
				`warning: l.ini:4: roles: r is listed more than once, counting it once`,
			}, true},
		{"a huge line", "[role \"r\"]\nservices = " + strings.Repeat("a,", 40000) + "\n" + node,
			[]string{`l.ini:2: line of 80011 bytes: longer than 65536, not read`}, false},
		{"a long line that is not INI", node + strings.Repeat("x", 100) + "\n",
			[]string{`l.ini:2: "` + strings.Repeat("x", 60) + `"... is not a key = value line, a [section] or a comment`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, errs := Layout([]byte(tc.data), "l.ini")
			var got []string
			for _, e := range errs {
				s := e.Error()
				if e.Warning {
					s = "warning: " + s
				}
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Layout(%q) diagnostics =\n%q\nwant\n%q", tc.data, got, tc.want)
			}
			if (l != nil) != tc.ok {
				t.Errorf("Layout(%q) = %v, want a layout: %v", tc.data, l, tc.ok)
			}
		})
	}
}

func TestLayoutValues(t *testing.T) {
	// ini.v1 does the values: inline comments, quotes, multi-line.
	l, errs := Layout([]byte("[role \"r\"]\nservices = \"\"\"a,\n b\"\"\"\n[node \"n\"]\nroles = r # the only one\nroot = /abs/img.tar\n"), "x/l.ini")
	if errs.Err() != nil {
		t.Fatal(errs)
	}
	if got := fmt.Sprintf("%v %v %s", l.Roles[0].Services, l.Nodes[0].Roles, l.Nodes[0].Root); got != "[a b] [r] /abs/img.tar" {
		t.Errorf("Layout values = %s, want [a b] [r] /abs/img.tar", got)
	}
	if l, _ := Layout([]byte("[role \"r\"]\nservices = a b a\n[node \"n\"]\nroles = r, r\n"), "l.ini"); fmt.Sprint(l.Roles[0].Services, l.Nodes[0].Roles) != "[a b] [r]" {
		t.Errorf("Layout with names listed twice = %v %v, want [a b] [r]", l.Roles[0].Services, l.Nodes[0].Roles)
	}
	if l.Nodes[0].Pos.Line != 4 {
		t.Errorf("node after a multi-line value at line %d, want 4", l.Nodes[0].Pos.Line)
	}
}

func FuzzLayout(f *testing.F) {
	f.Add([]byte("[role \"web\"]\nservices = a, b\n[node \"web1\"]\nroles = web\nroot = x.tar\n"))
	f.Add([]byte("[node \"x\"\nroles\n`k` = \"\"\"v\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, errs := Layout(data, "l.ini")
		lines := strings.Count(string(data), "\n") + 1
		for _, e := range errs {
			if e.Pos.Line < 0 || e.Pos.Line > lines {
				t.Errorf("diagnostic %v outside the input's %d lines", e, lines)
			}
		}
		if l != nil && len(l.Nodes) == 0 {
			t.Errorf("a layout without nodes and no error")
		}
	})
}
