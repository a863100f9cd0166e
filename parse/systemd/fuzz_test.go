package systemd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/initorder/initorder/internal/roottest"
	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzUnit reads any bytes as a unit file, then computes every setting
// String dumps from it as the unit "fuzz-a@b\x2dc.service" would. Nothing
// may panic or change the input, every position must be a line of the
// input (lines end as read_line() ends them: "\n", "\r", NUL, or one of
// each in a row), and the file must stop at the error it reports.
func FuzzUnit(f *testing.F) {
	files, _ := filepath.Glob("testdata/units/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			continue
		}
		for _, fl := range ar.Files {
			if !roottest.Sections[fl.Name] {
				f.Add(fl.Data)
			}
		}
	}
	// A few of this machine's own units.
	real, _ := filepath.Glob("/lib/systemd/system/*.service")
	for i, file := range real {
		if i%20 != 0 {
			continue
		}
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "lib/systemd/system/fuzz-a@.service"
		orig := bytes.Clone(data)
		uf, errs := parseUnitFile(data, name)
		if !bytes.Equal(data, orig) {
			t.Fatalf("parseUnitFile modified its input")
		}
		lines := readLineCount(data)
		for _, o := range uf.Options {
			if o.Pos.File != name || o.Pos.Line < 1 || o.Pos.Line > lines {
				t.Fatalf("option %s=%s at %v: outside the input (%d lines)", o.Name, o.Value, o.Pos, lines)
			}
			if o.Name == "" {
				t.Fatalf("option %q=%q in section %q", o.Name, o.Value, o.Section)
			}
		}
		for _, e := range errs {
			if e.Pos.File != name || e.Pos.Line < 1 || e.Pos.Line > lines {
				t.Fatalf("%v: outside the input (%d lines)", e, lines)
			}
			if !e.Warning && e != uf.Err {
				t.Fatalf("error %v is not the one that stopped the file (%v)", e, uf.Err)
			}
		}
		if uf.Err != nil {
			for _, o := range uf.Options {
				if o.Pos.Line > uf.Err.Pos.Line {
					t.Fatalf("option at line %d after the error at line %d", o.Pos.Line, uf.Err.Pos.Line)
				}
			}
		}
		u := &Unit{Name: `fuzz-a@b\x2dc.service`, Type: "service", Template: "fuzz-a@.service", Instance: `b\x2dc`,
			Path: name, Options: uf.Options, realPath: name}
		for _, k := range dumpedSettings {
			vals, verrs := u.ExpandValues(k.section, k.name)
			for _, v := range vals {
				if v.Pos.Line < 1 || v.Pos.Line > lines {
					t.Fatalf("%s.%s value %q at %v: outside the input", k.section, k.name, v.Value, v.Pos)
				}
			}
			for _, e := range verrs {
				if e.Pos.Line < 1 || e.Pos.Line > lines {
					t.Fatalf("%v: outside the input", e)
				}
			}
		}
		if !bytes.Equal(data, orig) {
			t.Fatalf("Values modified the input")
		}
	})
}

// readLineCount counts the lines of data as systemd's read_line() cuts
// them: a line ends at "\n", "\r" or NUL, and a run of end markers is one
// end as long as no kind repeats and nothing follows a NUL.
func readLineCount(data []byte) int {
	n := 0
	for i := 0; i < len(data); n++ {
		for i < len(data) && data[i] != '\n' && data[i] != '\r' && data[i] != 0 {
			i++
		}
		var lf, cr, nul bool
		for i < len(data) && !nul {
			c := data[i]
			if c == '\n' && !lf {
				lf = true
			} else if c == '\r' && !cr {
				cr = true
			} else if c == 0 {
				nul = true
			} else {
				break
			}
			i++
		}
	}
	return n
}
