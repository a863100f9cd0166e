package sysv

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzLSB checks that any script reads without a panic, that every
// position is inside the input and that the input is left as it was.
func FuzzLSB(f *testing.F) {
	files, _ := filepath.Glob("testdata/lsb/*.txtar")
	for _, file := range files {
		if ar, err := txtar.ParseFile(file); err == nil {
			f.Add(golden.Section(ar, "in"))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		s, errs := parseLSB(data, "etc/init.d/fuzz")
		if !bytes.Equal(data, orig) {
			t.Fatalf("parseLSB modified its input")
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		check := func(p graph.Pos) {
			if p.Line < 0 || p.Line > lines || (p.File != "etc/init.d/fuzz") {
				t.Fatalf("position %v outside the input of %d lines", p, lines)
			}
		}
		for _, e := range errs {
			check(e.Pos)
		}
		if h := s.Header; h != nil {
			check(h.Pos)
			for _, k := range []string{"Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop", "X-Start-Before", "X-Stop-After", "Default-Start", "Default-Stop"} {
				if fl := h.Field(k); fl.Pos.Line != 0 {
					check(fl.Pos)
					// Each value is cut from its line (a header block is
					// one string): it is on that line of the input.
					line := bytes.Split(data, []byte("\n"))[fl.Pos.Line-1]
					for _, v := range fl.Values {
						if !bytes.Contains(line, []byte(v)) {
							t.Fatalf("%s value %q is not on line %d, %q", k, v, fl.Pos.Line, line)
						}
					}
				}
			}
		}
		_ = s.String()
	})
}

// FuzzInsservConf checks that any insserv.conf reads without a panic and
// with positions inside the input.
func FuzzInsservConf(f *testing.F) {
	f.Add([]byte("$local_fs +mountall\n$remote_fs $local_fs +mountnfs\n<interactive> +keymap\n"))
	f.Add([]byte("$a $b\n$b $a\n# loop\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		facs := map[string]*Facility{}
		errs := parseInsservConf(data, "etc/insserv.conf", facs)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Pos.Line < 1 || e.Pos.Line > lines {
				t.Fatalf("error at line %d of %d", e.Pos.Line, lines)
			}
		}
	})
}

// FuzzRCD builds a root from the input — one entry a line, "PATH -> TARGET"
// for a symlink or "PATH: TEXT" for a file — and reads it as a SysV root
// for a start and a stop. Nothing may panic, and every service in the
// boot order must be a started one.
func FuzzRCD(f *testing.F) {
	f.Add("etc/init.d/a: ### BEGIN INIT INFO\netc/rc2.d/S01a -> ../init.d/a\netc/rcS.d/S02b -> /etc/init.d/b\n")
	f.Add("etc/rc2.d/S01loop -> S01loop\netc/rc2.d/S02out -> ../../../../etc/passwd\netc/rc0.d/K01x -> /dev/null\n")
	f.Add("etc/inittab: id:3:initdefault:\netc/rc3.d/S10x -> ../init.d/x\netc/init.d/x: #!/bin/sh\n")
	f.Add("etc/insserv.conf: $local_fs +a\netc/init.d -> /etc\netc/rc2.d/S01a -> ../init.d/insserv.conf\n")
	f.Add("etc/init.d/a: #!/bin/sh\netc/init.d/b: ### BEGIN INIT INFO\\n# Provides: a\\n### END INIT INFO\netc/rc2.d/S01b -> ../init.d/b\n")
	f.Add("etc/init.d/a: ### BEGIN INIT INFO\\n# Provides: a foo\\n### END INIT INFO\netc/init.d/foo: ### BEGIN INIT INFO\\n# Provides: bar\\n# Required-Stop: $all a\\n### END INIT INFO\netc/rc2.d/S01foo -> /opt/x\netc/rc0.d/K01a -> ../init.d/a\n")
	f.Fuzz(func(t *testing.T, spec string) {
		fsys := roottest.Open(t, spec)
		for _, stop := range []bool{false, true} {
			sv, err := Read(fsys, Options{Stop: stop})
			if err != nil {
				continue
			}
			for _, st := range graph.Order(sv.Graph).Steps {
				if !sv.Graph.Services[st.Service].Started() {
					t.Fatalf("Order lists %s, which is not started", sv.Graph.Services[st.Service].Name)
				}
			}
			graph.Check(sv.Graph)
		}
	})
}

// FuzzInittab reads any bytes as etc/inittab: the default runlevel is a
// runlevel or nothing.
func FuzzInittab(f *testing.F) {
	f.Add([]byte("# inittab\nid:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\n"))
	f.Add([]byte("id:S:initdefault:\r\n  id:5:initdefault:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		got := inittabDefault(data)
		if !bytes.Equal(data, orig) {
			t.Fatalf("inittabDefault modified its input")
		}
		if got != "" && (len(got) != 1 || !strings.Contains("0123456Ss", got)) {
			t.Fatalf("inittabDefault = %q, not a runlevel", got)
		}
	})
}
