package roottest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// A fuzz spec is a root in one string, one entry a line: "PATH -> TARGET"
// for a symlink, "PATH: TEXT" for a file, with "\n" in TEXT for a
// newline.

// Open writes spec into a fresh root (WriteSpec) and opens it; the root
// is closed when the test ends.
func Open(t *testing.T, spec string) *rootfs.FS {
	root := t.TempDir()
	WriteSpec(t, root, spec)
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys
}

// WriteSpec builds the root through an os.Root, which refuses any path
// that leaves it: the fuzzer makes symlinks such as "etc -> /etc", and a
// later entry must not be written through them onto this machine.
// Entries it cannot write are left out.
func WriteSpec(t *testing.T, root, spec string) {
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var links [][2]string
	for _, line := range strings.Split(spec, "\n") {
		if name, target, ok := strings.Cut(line, " -> "); ok {
			links = append(links, [2]string{name, target})
		} else if name, text, ok := strings.Cut(line, ": "); ok {
			if name = fuzzName(name); name != "" {
				r.MkdirAll(filepath.Dir(name), 0o755)
				r.WriteFile(name, []byte(strings.ReplaceAll(text, `\n`, "\n")+"\n"), 0o755)
			}
		}
	}
	for _, l := range links {
		if name := fuzzName(l[0]); name != "" {
			r.MkdirAll(filepath.Dir(name), 0o755)
			r.Symlink(l[1], name)
		}
	}
}

// fuzzName makes a fuzzed name relative, or "" when it is unusable.
func fuzzName(name string) string {
	name = strings.TrimPrefix(filepath.Clean("/"+name), "/")
	if name == "" || strings.ContainsRune(name, 0) || len(name) > 200 {
		return ""
	}
	return name
}

// Spec turns a txtar case (files and a "symlinks" section) into a fuzz
// spec, leaving out its Sections and the "in" and "override" of the
// parsers' cases.
func Spec(ar *txtar.Archive) string {
	var b strings.Builder
	for _, f := range ar.Files {
		switch {
		case f.Name == "symlinks":
			b.Write(f.Data)
		case Sections[f.Name] || f.Name == "in" || f.Name == "override":
		default:
			b.WriteString(f.Name + ": " + strings.ReplaceAll(strings.TrimSuffix(string(f.Data), "\n"), "\n", `\n`) + "\n")
		}
	}
	return b.String()
}

// AddSeeds adds the Spec of every txtar case matching glob to f's corpus.
func AddSeeds(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, file := range files {
		if ar, err := txtar.ParseFile(file); err == nil {
			f.Add(Spec(ar))
		}
	}
}
