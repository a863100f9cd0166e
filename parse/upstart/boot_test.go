package upstart

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestUpstartCorpusBoot builds the boot of every real job set in
// ../../../shared/corpus/upstart (read at test time, not copied) and compares
// the order and the findings with testdata/boot/SET.golden: a
// plausible boot order, and every job that never starts explained.
func TestUpstartCorpusBoot(t *testing.T) {
	sets, _ := filepath.Glob("../../../shared/corpus/upstart/*/etc/init")
	if len(sets) == 0 {
		t.Skip("no ../../../shared/corpus/upstart (the shared directory beside the repository)")
	}
	for _, dir := range sets {
		root := filepath.Dir(filepath.Dir(dir))
		name := filepath.Base(root)
		t.Run(name, func(t *testing.T) {
			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			var b strings.Builder
			for _, opt := range []Options{{}, {Events: []string{"static-network-up", "net-device-up"}}} {
				up, err := Read(fsys, opt)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "== {Runlevel:%s Events:%v} runlevel %s\n", opt.Runlevel, opt.Events, up.Runlevel)
				s := graph.Order(up.Graph)
				for _, st := range s.Steps {
					fmt.Fprintf(&b, "S%02d %s\n", st.Wave, up.Graph.Services[st.Service].Name)
				}
				fs := append(up.Findings, graph.Check(up.Graph)...)
				graph.SortFindings(fs)
				for _, f := range fs {
					fmt.Fprintf(&b, "%s\n", f)
				}
				// Every job that does not start is explained.
				explained := map[string]bool{}
				for _, f := range fs {
					if f.Kind == graph.KindNeverStarts {
						explained[f.Services[0]] = true
					}
				}
				for _, j := range up.Jobs {
					i, _ := up.Graph.Lookup(j.Name)
					if s := &up.Graph.Services[i]; !s.Started() && s.Triggered && !explained[j.Name] {
						t.Errorf("%s: job %s does not start and no finding says why", name, j.Name)
					}
				}
			}
			golden.Check(t, filepath.Join("testdata", "boot", name+".golden"), []byte(b.String()))
		})
	}
}

func TestCNF(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"a", "[a]"},
		{"a and b", "[a] [b]"},
		{"a or b", "[a b]"},
		{"a or b and c", "[a b] [c]"},
		{"(a and b) or (a and c)", "[a a] [a c] [b a] [b c]"},
		{"(a or b) and (c or d)", "[a b] [c d]"},
	}
	for _, tc := range tests {
		job, errs := parseJob([]byte("start on "+tc.in+"\n"), "t", "t.conf")
		if len(errs) > 0 || job.StartOn == nil {
			t.Fatalf("parseJob(start on %s): %v", tc.in, errs)
		}
		var parts []string
		for _, clause := range cnf(job.StartOn, 64) {
			var names []string
			for _, e := range clause {
				names = append(names, e.Event)
			}
			parts = append(parts, "["+strings.Join(names, " ")+"]")
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("cnf(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// A pathological expression is cut, not expanded exponentially.
	var terms []string
	for i := 0; i < 30; i++ {
		terms = append(terms, fmt.Sprintf("(a%d and b%d)", i, i))
	}
	job, _ := parseJob([]byte("start on "+strings.Join(terms, " or ")+"\n"), "t", "t.conf")
	if n := len(cnf(job.StartOn, 64)); n > 64 {
		t.Errorf("cnf of 30 or-ed ands has %d clauses, want at most 64", n)
	}
}

// TestUpstartSysV reads testdata/sysv/NAME.txtar: its files and
// symlinks make a root (files of etc/init.d executable, see
// roottest.WriteSysV), Read reads it with its SysV scripts, and the
// boot order (wave, name, init system, note) and the findings of reading
// and of graph.Check must equal "want".
func TestUpstartSysV(t *testing.T) {
	golden.EachTxtar(t, "sysv", func(t *testing.T, name string, ar *txtar.Archive) []byte {
		dir := t.TempDir()
		roottest.WriteSysV(t, dir, ar)
		fsys, err := rootfs.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer fsys.Close()
		up, err := Read(fsys, Options{SysV: true})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		s := graph.Order(up.Graph)
		for _, st := range s.Steps {
			sv := &up.Graph.Services[st.Service]
			fmt.Fprintf(&b, "S%02d %s %s %s\n", st.Wave, sv.Name, sv.Init, sv.Note)
		}
		for i := range up.Graph.Services {
			if sv := &up.Graph.Services[i]; !sv.Started() && !sv.Hidden {
				fmt.Fprintf(&b, "not started: %s %s %s\n", sv.Name, sv.Init, sv.Note)
			}
		}
		fs := append(up.Findings, graph.Check(up.Graph)...)
		graph.SortFindings(fs)
		for _, f := range fs {
			fmt.Fprintf(&b, "%s\n", f)
		}
		return []byte(b.String())
	})
}
