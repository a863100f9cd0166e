package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzInventory reads arbitrary bytes as an INI or a YAML inventory and
// places it on a layout. Properties: no panic and no hang; every
// diagnostic inside the input; every host in all and in the groups that
// list it; the input unmodified.
func FuzzInventory(f *testing.F) {
	files, _ := filepath.Glob("testdata/inventory/*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, filepath.Ext(file) == ".yml")
	}
	f.Add([]byte("a: &a {children: {b: *a}}\n"), true)
	f.Add([]byte("[w]\nw[01:03]:22 x='1' # c\n[p:children]\nw\n"), false)
	layoutFile := []byte("[role \"web\"]\nservices = a\n[role \"prod\"]\nservices = b\n")
	f.Fuzz(func(t *testing.T, data []byte, isYAML bool) {
		name := "inv.ini"
		if isYAML {
			name = "inv.yml"
		}
		orig := bytes.Clone(data)
		inv, errs := ReadInventory(data, name)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Pos.File != name || e.Pos.Line < 0 || e.Pos.Line > lines {
				t.Errorf("diagnostic %v outside the input of %d lines", e, lines)
			}
		}
		if inv != nil {
			for name, h := range inv.Hosts {
				groups := inv.HostGroups(name)
				if !slices.Contains(groups, "all") {
					t.Errorf("host %s is not in all: %q", name, groups)
				}
				for _, g := range h.Groups {
					if inv.Groups[g] == nil || !slices.Contains(inv.Groups[g].Hosts, name) {
						t.Errorf("host %s lists group %s, which does not list it", name, g)
					}
				}
				inv.HostVar(name, "initorder_root")
			}
		}
		InventoryLayout(layoutFile, "roles.ini", data, name)
		if !bytes.Equal(data, orig) {
			t.Errorf("the input was modified")
		}
	})
}
