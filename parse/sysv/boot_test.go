package sysv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/parse/rootfs"
)

// dumpSysV is the canonical text of what Read built: phases, every
// service with where it starts, every edge with its directive and place,
// and the findings.
func dumpSysV(sv *Boot) string {
	var b strings.Builder
	g := sv.Graph
	fmt.Fprintf(&b, "runlevel %s\nphases %q\n", sv.Runlevel, g.Phases)
	for i := range g.Services {
		s := &g.Services[i]
		fmt.Fprintf(&b, "service %s phase=%q", s.Name, g.PhaseName(s.Phase))
		if s.Link != "" {
			fmt.Fprintf(&b, " link=%s number=%d", s.Link, s.Number)
		}
		if len(s.Aliases) > 0 {
			fmt.Fprintf(&b, " aliases=%q", s.Aliases)
		}
		if s.Source.File != "" {
			fmt.Fprintf(&b, " source=%s", s.Source)
		}
		if s.Missing {
			b.WriteString(" missing")
		}
		if s.Alone {
			b.WriteString(" alone")
		}
		b.WriteString("\n")
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "edge %s %s %s", g.Services[e.From].Name, e.Kind, g.Services[e.To].Name)
		if e.Via != "" {
			fmt.Fprintf(&b, " via %s", e.Via)
		}
		if e.Soft {
			b.WriteString(" soft")
		}
		fmt.Fprintf(&b, " (%s)\n", e.Pos)
	}
	for _, f := range sv.Findings {
		fmt.Fprintf(&b, "finding %s\n", f)
	}
	return b.String()
}

// TestRead reads every shared fixture root under ../../testdata/roots for
// a start into runlevel 2, into S, and a stop into 0, and compares the
// dumps with testdata/boot/ROOT.golden.
func TestRead(t *testing.T) {
	roots, _ := filepath.Glob("../../testdata/roots/*")
	if len(roots) == 0 {
		t.Fatal("no shared fixture roots in ../../testdata/roots")
	}
	for _, root := range roots {
		name := filepath.Base(root)
		t.Run(name, func(t *testing.T) {
			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			var b strings.Builder
			for _, opt := range []Options{{Runlevel: "2"}, {Runlevel: "S"}, {Stop: true}} {
				sv, err := Read(fsys, opt)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "== {Runlevel:%s Stop:%v}\n%s", opt.Runlevel, opt.Stop, dumpSysV(sv))
			}
			golden.Check(t, filepath.Join("testdata", "boot", name+".golden"), []byte(b.String()))
		})
	}
}

// TestReadHostile builds roots of files no one should have written
// and checks that each gives diagnostics and a finished analysis.
func TestReadHostile(t *testing.T) {
	bigLine := "# Provides: " + strings.Repeat("x", 1<<20) + "\n"
	tests := []struct {
		name  string
		files map[string]string // path -> contents; "-> target" makes a symlink
		big   string            // a sparse file of 100 MB at this path
		want  []string          // substrings of the findings, in order
	}{
		{
			name: "huge script",
			big:  "etc/init.d/huge",
			files: map[string]string{
				"etc/rc2.d/S01huge": "-> ../init.d/huge",
			},
			want: []string{"etc/init.d/huge: error: parse-error: file too large"},
		},
		{
			name: "1 MB line in a header",
			files: map[string]string{
				"etc/init.d/longline": "### BEGIN INIT INFO\n" + bigLine + "# Required-Start: $local_fs\n### END INIT INFO\n",
				"etc/rc2.d/S01long":   "-> ../init.d/longline",
			},
			want: []string{"etc/init.d/longline:2: error: parse-error: line of 1048588 bytes in the INIT INFO block, ignoring it"},
		},
		{
			name: "binary, NUL, invalid UTF-8, empty",
			files: map[string]string{
				"etc/init.d/bin":   "\x7fELF\x00\x00\x01\xff\xfe### BEGIN INIT INFO\x00\n",
				"etc/init.d/empty": "",
				"etc/init.d/utf":   "### BEGIN INIT INFO\n# Provides: caf\xe9\n### END INIT INFO\n",
				"etc/rc2.d/S01bin": "-> ../init.d/bin",
				"etc/rc2.d/S02e":   "-> ../init.d/empty",
				"etc/rc2.d/S03u":   "-> ../init.d/utf",
			},
			want: []string{"bin has no LSB header", "empty has no LSB header"},
		},
		{
			name: "link loops and a looping init.d",
			files: map[string]string{
				"etc/rc2.d/S01a":   "-> S02b",
				"etc/rc2.d/S02b":   "-> S01a",
				"etc/init.d/self":  "-> /etc/init.d/self",
				"etc/rc2.d/S03dir": "-> ../rc2.d",
			},
			want: []string{
				"etc/init.d/self: warning: dangling-link: link etc/init.d/self: too many levels of symbolic links",
				"etc/rc2.d/S01a: warning: dangling-link: link etc/rc2.d/S01a: too many levels of symbolic links",
				"etc/rc2.d/S02b: warning: dangling-link: link etc/rc2.d/S02b: too many levels of symbolic links",
				"etc/rc2.d/S03dir: warning: never-starts: link etc/rc2.d/S03dir leads to /etc/rc2.d, which is a directory: it is not run",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for p, data := range tc.files {
				full := filepath.Join(root, p)
				os.MkdirAll(filepath.Dir(full), 0o755)
				if target, ok := strings.CutPrefix(data, "-> "); ok {
					if err := os.Symlink(target, full); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(full, []byte(data), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tc.big != "" {
				full := filepath.Join(root, tc.big)
				os.MkdirAll(filepath.Dir(full), 0o755)
				f, err := os.OpenFile(full, os.O_CREATE|os.O_WRONLY, 0o755)
				if err != nil {
					t.Fatal(err)
				}
				f.Truncate(100 << 20)
				f.Close()
			}
			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			sv, err := Read(fsys, Options{Runlevel: "2"})
			if err != nil {
				t.Fatalf("Read = %v, want findings and a finished analysis", err)
			}
			graph.Order(sv.Graph)
			var got []string
			for _, f := range append(sv.Findings, graph.Check(sv.Graph)...) {
				got = append(got, f.String())
			}
			all := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("findings lack %q; got:\n%s", w, all)
				}
			}
		})
	}
}

// TestHeaderlessLinear checks that ordering headerless scripts by number
// stays linear: 3,000 scripts, headerless and headered, in alternating
// number groups (a quadratic scheme makes millions of edges here).
func TestHeaderlessLinear(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.MkdirAll(filepath.Join(root, "etc/rc2.d"), 0o755)
	const n = 3000
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s%04d", i)
		body := "#!/bin/sh\n"
		if (i/100)%2 == 1 {
			body += "### BEGIN INIT INFO\n# Provides: " + name + "\n### END INIT INFO\n"
		}
		os.WriteFile(filepath.Join(root, "etc/init.d", name), []byte(body), 0o755)
		os.Symlink("../init.d/"+name, filepath.Join(root, "etc/rc2.d", fmt.Sprintf("S%02d%s", 10+i/100, name)))
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	sv, err := Read(fsys, Options{Runlevel: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if e := len(sv.Graph.Edges); e > 3*n {
		t.Errorf("%d scripts made %d edges, want at most %d", n, e, 3*n)
	}
	// Groups of 100 by number: a headerless group waits for all below it,
	// a headered group (no dependencies) starts at once.
	s := graph.Order(sv.Graph)
	wave := map[string]int{}
	for _, st := range s.Steps {
		wave[sv.Graph.Services[st.Service].Name] = st.Wave
	}
	for name, want := range map[string]int{"s0000": 1, "s0100": 1, "s0200": 2, "s0300": 1, "s0400": 3, "s2800": 15} {
		if wave[name] != want {
			t.Errorf("wave of %s = %d, want %d", name, wave[name], want)
		}
	}
	if len(s.Steps) != n {
		t.Errorf("Order lists %d services, want %d (barriers are hidden)", len(s.Steps), n)
	}
}
