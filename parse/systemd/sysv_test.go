package systemd

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse"
	"github.com/rogpeppe/go-internal/txtar"
)

// dumpGenerated prints what generateSysV made: each unit with the
// settings that vary (not the constant [Service] lines), positioned; its
// aliases and .wants links; then the findings and the diagnostics.
func dumpGenerated(gen *generated) string {
	var b strings.Builder
	constant := map[string]bool{"Documentation": true, "SourcePath": true, "Type": true, "Restart": true, "TimeoutSec": true,
		"IgnoreSIGPIPE": true, "KillMode": true, "GuessMainPID": true, "ExecStart": true, "ExecStop": true}
	for _, su := range gen.units {
		fmt.Fprintf(&b, "unit %s (%s)\n", su.name, su.script)
		for _, o := range su.options {
			if !constant[o.Name] {
				fmt.Fprintf(&b, "\t%s=%s (%s)\n", o.Name, o.Value, o.Pos)
			}
		}
		for _, a := range su.aliases {
			fmt.Fprintf(&b, "\talias %s (%s)\n", a.Name, a.Pos)
		}
		for _, w := range su.wantedBy {
			fmt.Fprintf(&b, "\twanted by %s (%s)\n", w.Name, w.Pos)
		}
	}
	b.WriteString("== findings\n")
	for _, f := range gen.found {
		fmt.Fprintf(&b, "%s: %s: %s %q: %s\n", f.Sources[0], f.Severity, f.Kind, f.Services, f.Message)
	}
	b.WriteString("== diagnostics\n")
	b.WriteString(gen.errs.String())
	return b.String()
}

// TestGenerateSysV reads testdata/sysv-generator/NAME.txtar: its files
// make a root (see writeSysVUnitRoot), generateSysV converts its scripts,
// and the dump must equal "want". Cases with an "oracle" section are also
// compared with the real generator (TestSysvGeneratorCases).
func TestGenerateSysV(t *testing.T) {
	golden.EachTxtar(t, "sysv-generator", func(t *testing.T, name string, ar *txtar.Archive) []byte {
		dir := t.TempDir()
		roottest.WriteSysV(t, dir, ar)
		got := dumpGenerated(generate(t, dir))
		if again := dumpGenerated(generate(t, dir)); again != got {
			t.Errorf("generateSysV differs from one run to the next:\n%s\nthen\n%s", got, again)
		}
		return []byte(got)
	})
}

// FuzzSysvScript checks that any script converts as systemd-sysv-generator
// would without a panic, with every setting positioned inside the input
// (lines as read_line counts them: \n, \r, \r\n and NUL end one) and the
// input left as it was.
func FuzzSysvScript(f *testing.F) {
	files, _ := filepath.Glob("testdata/sysv-generator/*.txtar")
	for _, file := range files {
		if ar, err := txtar.ParseFile(file); err == nil {
			for _, fl := range ar.Files {
				if strings.HasPrefix(fl.Name, "etc/init.d/") {
					f.Add(fl.Data)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		su := &sysvUnit{name: "fuzz.service", script: "etc/init.d/fuzz", priority: -1}
		var errs parse.ErrorList
		su.load(data, &errs)
		su.write()
		if !bytes.Equal(data, orig) {
			t.Fatalf("load modified its input")
		}
		lines := 1
		for i := 0; i < len(data); i++ {
			if c := data[i]; c == '\n' || c == 0 || c == '\r' {
				if c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
					i++
				}
				lines++
			}
		}
		for _, o := range su.options {
			if o.Pos.File != "etc/init.d/fuzz" || o.Pos.Line < 0 || o.Pos.Line > lines {
				t.Fatalf("%s=%s at %v, outside the input of %d lines", o.Name, o.Value, o.Pos, lines)
			}
		}
		for _, e := range errs {
			if e.Pos.Line > lines {
				t.Fatalf("diagnostic %v outside the input of %d lines", e, lines)
			}
		}
	})
}
