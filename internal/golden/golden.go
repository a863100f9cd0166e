// Package golden holds what the tests share to compare output with what
// is expected: a golden file, or the "want" section of a txtar case,
// rewritten with -update (never an input: gofmt's guard), and a mismatch
// shown as a diff, not as two whole texts.
//
// It is for tests only: no package but a _test.go file imports it. It
// registers the -update flag, so a test package that imports it must not
// define its own.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "update golden files")

// Check compares got with the file at path; with -update it writes got
// there instead (and the directories it needs).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err == nil && bytes.Equal(got, want) {
		return
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	mismatch(t, path, want, got)
}

// EachTxtar runs f, for every testdata/DIR/*.txtar, on the archive, and
// compares what f returns with its "want" section; -update rewrites that
// section only.
func EachTxtar(t *testing.T, dir string, f func(t *testing.T, name string, ar *txtar.Archive) []byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/%s/*.txtar", dir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := f(t, name, ar)
			want := Section(ar, "want")
			if bytes.Equal(got, want) {
				return
			}
			if *update {
				setSection(ar, "want", got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			mismatch(t, file+": want", want, got)
		})
	}
}

// mismatch reports that got is not want, as a unified diff.
func mismatch(t testing.TB, name string, want, got []byte) {
	t.Helper()
	t.Errorf("%s differs (run with -update to accept):\n%s", name, diff.Diff(name, want, "got", got))
}

// Section returns the data of the file called name in ar, or nil when
// it has none.
func Section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// setSection replaces the data of the file called name in ar, or adds it.
func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}
