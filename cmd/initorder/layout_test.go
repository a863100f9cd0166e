package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/synth"
)

// BenchmarkCheckLayout is check --layout less the printing, on a
// synthetic SysV root of 4,000 scripts and a layout of 10,000 nodes over
// 50 role sets (node i has roles i%50 and 50+i%50; role r holds a script
// of the last layer), against the same check of one node: the root is
// read once, and each role set is analysed once.
func BenchmarkCheckLayout(b *testing.B) {
	dir := b.TempDir()
	root := filepath.Join(dir, "root")
	const scripts = 4000
	if err := synth.SysV(root, scripts, 1); err != nil {
		b.Fatal(err)
	}
	var ini strings.Builder
	for r := 0; r < 100; r++ {
		fmt.Fprintf(&ini, "[role \"role%03d\"]\nservices = s%05d\n", r, scripts-1-r)
	}
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&ini, "[node \"node%05d\"]\nroles = role%03d, role%03d\n", i, i%50, 50+i%50)
	}
	layout := filepath.Join(dir, "fleet.ini")
	if err := os.WriteFile(layout, []byte(ini.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	g := &globals{root: root, inits: []string{"sysv"}, format: "text"}
	for _, nodes := range [][]string{{"node00000"}, nil} {
		name := "nodes=10000"
		if nodes != nil {
			name = "nodes=1"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				fs, err := checkFindings(g, goal{runlevel: "2"}, layoutFlags{file: layout, nodes: nodes})
				if err != nil {
					b.Fatal(err)
				}
				e, w, i := fs.Counts()
				n = e + w + i
			}
			b.ReportMetric(float64(n), "findings")
		})
	}
}

func TestReadSmall(t *testing.T) {
	name := filepath.Join(t.TempDir(), "l.ini")
	if err := os.WriteFile(name, []byte(strings.Repeat("x", 2<<20+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readSmall(name, 2<<20); err == nil || !strings.HasSuffix(err.Error(), "larger than 2 MiB, not read") {
		t.Errorf("readSmall(2 MiB + 1 byte, 2 MiB) = %v, want larger than 2 MiB", err)
	}
	if data, err := readSmall(name, 3<<20); err != nil || len(data) != 2<<20+1 {
		t.Errorf("readSmall(2 MiB + 1 byte, 3 MiB) = %d bytes, %v", len(data), err)
	}
}

// TestDrawingsByGroup draws three nodes of a layout, two of which boot
// alike: each node has its drawing, in the layout's order, and the two
// of one group share one analysis of the root (graph --layout reads a
// root once per group, not once per node).
func TestDrawingsByGroup(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	for name, text := range map[string]string{
		"etc/init.d/base": "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: base\n### END INIT INFO\n",
		"etc/init.d/web":  "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: web\n# Required-Start: base\n### END INIT INFO\n",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "etc/rc2.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"S01base", "S02web"} {
		if err := os.Symlink("../init.d/"+l[3:], filepath.Join(root, "etc/rc2.d", l)); err != nil {
			t.Fatal(err)
		}
	}
	layout := filepath.Join(dir, "fleet.ini")
	ini := "[role \"web\"]\nservices = web\n[node \"web2\"]\nroles = web\n[node \"db1\"]\nroles =\n[node \"web1\"]\nroles = web\n"
	if err := os.WriteFile(layout, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &globals{root: root, inits: []string{"auto"}, format: "dot"}
	ds, err := drawings(g, goal{}, layoutFlags{file: layout}, cutFlags{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	byNode := map[string]int{}
	for k, d := range ds {
		got = append(got, d.Node)
		byNode[d.Node] = k
	}
	if want := "db1 web1 web2"; strings.Join(got, " ") != want {
		t.Fatalf("drawings(web2, db1, web1) draw nodes %v, want %s", got, want)
	}
	if ds[byNode["web1"]].Graph != ds[byNode["web2"]].Graph {
		t.Errorf("web1 and web2 boot alike, but their drawings have graphs of their own: the group was analysed once a node")
	}
	if ds[byNode["db1"]].Graph == ds[byNode["web1"]].Graph {
		t.Errorf("db1 and web1 share a graph, but web runs on web1 only")
	}
}
