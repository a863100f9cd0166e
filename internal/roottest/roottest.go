// Package roottest builds roots for the tests of the readers: from a
// txtar case (its files, and the symlinks of its "symlinks" section) or
// from a fuzzer's input (one entry a line), and checks what every reader
// of a root must give (CheckBoot).
//
// It is for tests only: no package but a _test.go file imports it. It
// knows the layout of a root, not its formats.
package roottest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/golden"
	"github.com/rogpeppe/go-internal/txtar"
)

// Sections are the sections of a txtar case that are not files of the
// root: what the test wants, the symlinks to make, the units to load,
// what the oracle gives, and the files not to make executable.
var Sections = map[string]bool{"want": true, "symlinks": true, "load": true, "oracle": true, "noexec": true}

// Write writes the files of ar into dir, but its Sections, and creates
// the symlinks listed in its "symlinks" section, one "PATH -> TARGET" a
// line.
func Write(t testing.TB, dir string, ar *txtar.Archive) {
	t.Helper()
	for _, f := range ar.Files {
		if Sections[f.Name] {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(string(golden.Section(ar, "symlinks")), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		link, target, ok := strings.Cut(line, " -> ")
		if !ok {
			t.Fatalf("symlinks: bad line %q, want PATH -> TARGET", line)
		}
		p := filepath.Join(dir, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}

// WriteSysV writes ar as Write does, then makes every file of
// etc/init.d, lib/init and sbin executable but those its "noexec"
// section names (one a line): a case with SysV scripts.
func WriteSysV(t testing.TB, dir string, ar *txtar.Archive) {
	t.Helper()
	Write(t, dir, ar)
	noexec := map[string]bool{}
	for _, n := range strings.Fields(string(golden.Section(ar, "noexec"))) {
		noexec[n] = true
	}
	for _, f := range ar.Files {
		exec := strings.HasPrefix(f.Name, "etc/init.d/") || strings.HasPrefix(f.Name, "lib/init/") || strings.HasPrefix(f.Name, "sbin/")
		if exec && !noexec[f.Name] {
			if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(f.Name)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
}
