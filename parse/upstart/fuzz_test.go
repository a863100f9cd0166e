package upstart

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzUpstart reads a job file and an override (when not empty). Nothing
// may panic or change the input, every position must be inside the file
// it names, and every event expression must read back from its String
// unchanged.
func FuzzUpstart(f *testing.F) {
	files, _ := filepath.Glob("testdata/jobs/*.txtar")
	for _, file := range files {
		if ar, err := txtar.ParseFile(file); err == nil {
			f.Add(golden.Section(ar, "in"), golden.Section(ar, "override"))
		}
	}
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "*", "etc", "init", "*.conf"))
	for _, file := range corpus {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data, []byte(nil))
		}
	}
	f.Fuzz(func(t *testing.T, conf, override []byte) {
		const confPath, overridePath = "etc/init/fuzz.conf", "etc/init/fuzz.override"
		origConf, origOverride := bytes.Clone(conf), bytes.Clone(override)
		j, errs := parseJob(conf, "fuzz", confPath)
		if len(override) > 0 {
			errs = append(errs, applyOverride(j, override, overridePath)...)
		}
		if !bytes.Equal(conf, origConf) || !bytes.Equal(override, origOverride) {
			t.Fatalf("parseJob modified its input")
		}
		lines := map[string]int{
			confPath:     bytes.Count(conf, []byte("\n")) + 1,
			overridePath: bytes.Count(override, []byte("\n")) + 1,
		}
		check := func(what string, p graph.Pos) {
			n, ok := lines[p.File]
			if !ok || p.Line < 1 || p.Line > n || (p.File == overridePath && len(override) == 0) {
				t.Fatalf("%s at %v: outside the input (%d lines)", what, p, n)
			}
		}
		for _, e := range errs {
			check("error "+e.Error(), e.Pos)
		}
		if (len(errs) > 0) != j.Rejected {
			t.Fatalf("%d errors, but Rejected = %v", len(errs), j.Rejected)
		}
		for _, e := range append(append([]Emit(nil), j.Emits...), j.ScriptEmits...) {
			check("emit "+e.String(), e.Pos)
		}
		for _, c := range j.Scripts {
			check("command "+c.String(), c.Pos)
		}
		if j.Pos != (graph.Pos{File: confPath}) {
			t.Fatalf("job at %v", j.Pos)
		}
		for _, e := range []*Expr{j.StartOn, j.StopOn} {
			if e == nil {
				continue
			}
			var walk func(*Expr)
			walk = func(e *Expr) {
				check("expression "+e.String(), e.Pos)
				if e.Op != "" {
					walk(e.Left)
					walk(e.Right)
				}
			}
			walk(e)
			s := e.String()
			again, errs := parseJob([]byte("start on "+s+"\n"), "again", "again.conf")
			if len(errs) > 0 || again.StartOn == nil || again.StartOn.String() != s {
				t.Fatalf("%q does not read back: %v, %v", s, again.StartOn, errs)
			}
		}
		_ = j.String()
	})
}
