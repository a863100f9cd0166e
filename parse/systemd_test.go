package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// unitRootSections are the txtar sections that are not files of the root.
var unitRootSections = map[string]bool{"want": true, "symlinks": true, "load": true, "oracle": true}

// writeUnitRoot writes the files of ar into dir and creates the symlinks
// listed in its "symlinks" section, one "PATH -> TARGET" a line.
func writeUnitRoot(t testing.TB, dir string, ar *txtar.Archive) {
	t.Helper()
	for _, f := range ar.Files {
		if unitRootSections[f.Name] {
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
	for _, line := range strings.Split(string(txtarSection(ar, "symlinks")), "\n") {
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

func txtarSection(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// unitDiags prints errs sorted, warnings marked, one a line.
func unitDiags(errs ErrorList) string {
	var b strings.Builder
	errs = append(ErrorList(nil), errs...)
	errs.Sort()
	for _, e := range errs {
		s := e.Error()
		if e.Warning {
			s = strings.Replace(s, ": ", ": warning: ", 1)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// readUnitRoot builds the root of a txtar case and reads it: ReadUnits,
// then LoadUnit of every name in its "load" section.
func readUnitRoot(t *testing.T, ar *txtar.Archive) (us *Units, errs ErrorList, loads, dir string) {
	dir = t.TempDir()
	writeUnitRoot(t, dir, ar)
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	us, errs, err = ReadUnits(fsys)
	if err != nil {
		t.Fatalf("ReadUnits: %v", err)
	}
	var b strings.Builder
	for _, n := range strings.Fields(string(txtarSection(ar, "load"))) {
		if u := us.LoadUnit(n); u == nil {
			b.WriteString("load " + n + ": nil\n")
		} else {
			b.WriteString("load " + n + ": " + u.Name + "\n")
		}
	}
	return us, errs, b.String(), dir
}

// TestReadUnits reads testdata/systemd/NAME.txtar: its files (and
// "symlinks") make a root, ReadUnits reads it and LoadUnit loads the names
// of "load"; the dump of the units, then the diagnostics of ReadUnits and
// then of Units.Errors must equal "want".
func TestReadUnits(t *testing.T) {
	files, _ := filepath.Glob("testdata/systemd/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/systemd/*.txtar")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			us, errs, loads, _ := readUnitRoot(t, ar)
			dump := us.String()
			if again := us.String(); again != dump {
				t.Errorf("Units.String() differs from one call to the next:\n%s\nthen\n%s", dump, again)
			}
			got := []byte(loads + dump + "== diagnostics\n" + unitDiags(errs))
			if all := unitDiags(us.Errors()); all != unitDiags(errs) {
				got = append(got, "== diagnostics after LoadUnit\n"+all...)
			}
			want := txtarSection(ar, "want")
			if !bytes.Equal(got, want) {
				if *update {
					for i := range ar.Files {
						if ar.Files[i].Name == "want" {
							ar.Files[i].Data = got
						}
					}
					if want == nil {
						ar.Files = append(ar.Files, txtar.File{Name: "want", Data: got})
					}
					if err := os.WriteFile(file, txtar.Format(ar), 0o666); err != nil {
						t.Fatal(err)
					}
					return
				}
				t.Errorf("ReadUnits(%s) =\n%s\nwant\n%s\n(run with -update to accept)", file, got, want)
			}
		})
	}
}
