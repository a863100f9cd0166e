package parse

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpandHostPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, want string // want: names joined by blanks, or "error: ..."
	}{
		{"web1", "web1"},
		{"web[01:03]", "web01 web02 web03"},
		{"web[1:3].example.com", "web1.example.com web2.example.com web3.example.com"},
		{"db-[a:c]", "db-a db-b db-c"},
		{"n[A:C]", "nA nB nC"},
		{"c[1:9:3]", "c1 c4 c7"},
		{"c[:2]", "c0 c1 c2"},
		{"c[001:003]", "c001 c002 c003"},
		{"r[1:2]-n[a:b]", "r1-na r1-nb r2-na r2-nb"},
		{"web[01:02]:2222", "web01 web02"},
		{"host:22", "host"},
		{"::1", "::1"},
		{"c[3:1]", ""},
		{"web[01:100]", "error: host range must specify equal-length begin and end formats"},
		{"web[1:]", "error: host range must specify end value"},
		{"web[1]", "error: host range must be begin:end or begin:end:step"},
		{"web[c:a]", "error: host range must have begin <= end"},
		{"web[1:2:0]", "error: host range step must not be zero"},
		{"web[1:x]", "error: host range [1:x]: begin and end must be numbers or letters"},
		{"web[0:99999999]", "error: host range [0:99999999] makes more than 1000000 hosts"},
		{"host:", `error: invalid host pattern "host:" supplied, ending in ':' is not allowed, this character is reserved to provide a port`},
	} {
		got, err := expandHostPattern(tc.pattern)
		s := strings.Join(got, " ")
		if err != nil {
			s = "error: " + err.Error()
		}
		if s != tc.want {
			t.Errorf("expandHostPattern(%q) = %q, want %q", tc.pattern, s, tc.want)
		}
	}
}

func TestInventoryLayout(t *testing.T) {
	layoutFile := `[role "web"]
services = nginx
[role "db"]
services = postgresql
[role "prod"]
services = node-exporter
[node "old"]
roles = web
`
	dir := filepath.Join("deploy", "inv")
	for _, inv := range []struct{ name, text string }{
		{"hosts.ini", "lonely\n[web]\nweb[1:2] initorder_root=images/web.tar\n[db]\ndb1\n[prod:children]\nweb\ndb\n[db:vars]\ninitorder_root=/abs/db.tar\n"},
		{"hosts.yaml", "prod:\n  children:\n    web:\n      hosts:\n        web[1:2]: {initorder_root: images/web.tar}\n    db:\n      hosts: db1\n      vars: {initorder_root: /abs/db.tar}\nungrouped:\n  hosts:\n    lonely:\n"},
	} {
		t.Run(inv.name, func(t *testing.T) {
			l, errs := InventoryLayout([]byte(layoutFile), "roles.ini", []byte(inv.text), filepath.Join(dir, inv.name))
			if l == nil {
				t.Fatalf("InventoryLayout: %v", errs)
			}
			var got []string
			for _, n := range l.Nodes {
				got = append(got, fmt.Sprintf("%s roles=%s root=%s", n.Name, strings.Join(n.Roles, ","), filepath.ToSlash(n.Root)))
			}
			want := []string{
				"db1 roles=db,prod root=/abs/db.tar",
				"lonely roles= root=",
				"web1 roles=prod,web root=deploy/inv/images/web.tar",
				"web2 roles=prod,web root=deploy/inv/images/web.tar",
			}
			if !slices.Equal(got, want) {
				t.Errorf("nodes =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), "roles.ini:7: node old: with --inventory the nodes are the inventory's hosts, ignoring it") {
				t.Errorf("diagnostics = %v, want the [node] section ignored", errs)
			}
		})
	}
}

func TestInventoryErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"x.ini", "[web]\nweb1 novalue\n", "x.ini:2: expected key=value host variable assignment, got: \"novalue\""},
		{"x.ini", "[web:bogus]\n", "x.ini:1: section [web:bogus] has unknown type: bogus"},
		{"x.ini", "[web one]\n", "x.ini:1: invalid section entry"},
		{"x.ini", "[a:children]\nb\n[b:children]\na\n", "creates a recursive dependency loop"},
		{"x.ini", "[web]\nweb1 a=\"unclosed\n", "no closing quotation"},
		{"x.yml", "", "x.yml: parsed empty YAML file"},
		{"x.yml", "- a\n- b\n", "x.yml:1: YAML inventory has invalid structure"},
		{"x.yml", "plugin: aws_ec2\n", "plugin configuration YAML file"},
		{"x.yml", "web:\n  hosts: [a, b]\n", `x.yml:2: invalid "hosts" entry for "web" group, requires a dictionary`},
		{"x.yml", "a: &a {children: {b: *a}}\n", "x.yml:1: group b: children nested more than 64 deep"},
		{"x.yml", "web:\n  hosts:\n    w[1:]:\n", "x.yml:3: host range must specify end value"},
	} {
		inv, errs := ReadInventory([]byte(tc.text), tc.name)
		if inv != nil || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("ReadInventory(%q) = %v, %v; want an error %q", tc.text, inv != nil, errs, tc.want)
		}
	}
	// Warnings, as Ansible's: the inventory is used.
	inv, errs := ReadInventory([]byte("web:\n  hosts:\n    w1:\n  colour: red\nbad: 3\n"), "w.yml")
	if inv == nil || len(errs) != 2 || !errs[0].Warning || !strings.Contains(errs.Error(), "skipping key (colour) in group (web) as it is not a mapping") {
		t.Errorf("ReadInventory(web with colour) = %v, %v, want 2 warnings", inv != nil, errs)
	}
}
