package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// checkGolden compares got with the golden file, and with -update writes
// got into it instead.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	want, _ := os.ReadFile(golden)
	if bytes.Equal(got, want) {
		return
	}
	if *update {
		if err := os.WriteFile(golden, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: got\n%s\nwant\n%s\n(run with -update to accept)", golden, got, want)
}

// eachTxtar runs, for every testdata/DIR/*.txtar, f on the archive and
// compares what it returns with the archive's "want" section; -update
// rewrites that section only, never an input (gofmt's guard).
func eachTxtar(t *testing.T, dir string, f func(t *testing.T, name string, ar *txtar.Archive) []byte) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if len(files) == 0 {
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
			want := section(ar, "want")
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
			t.Errorf("%s: got\n%s\nwant\n%s\n(run with -update to accept)", file, got, want)
		})
	}
}
