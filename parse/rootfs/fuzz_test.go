package rootfs

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzTar opens arbitrary bytes as an archive (plain or gzip, by magic) and
// walks it. Properties: no panic and no hang; Resolve stays inside the root;
// ReadFile never returns more than MaxFileSize bytes.
func FuzzTar(f *testing.F) {
	var buf bytes.Buffer
	writeTar(f, &buf, false, tree[:len(tree)-1]) // all but etc/big
	f.Add(buf.Bytes())
	buf.Reset()
	writeTar(f, &buf, true, tree[:len(tree)-1])
	f.Add(buf.Bytes())
	f.Add(tarBytes(f, []member{
		{name: "private/etc/init.d/foo", typ: tar.TypeReg, data: "foo"},
		{name: "etc", typ: tar.TypeSymlink, link: "/private/etc"},
		{name: "etc/hostname", typ: tar.TypeReg, data: "host"},
		{name: "etc/hl", typ: tar.TypeLink, link: "etc/hostname"},
		{name: "lib", typ: tar.TypeSymlink, link: "usr/lib"},
		{name: "etc/rc2.d/S01a", typ: tar.TypeSymlink, link: "../../../../etc/init.d/foo"},
		{name: "etc/x", typ: tar.TypeSymlink, link: "../.."},
	}))
	names := []string{
		".", "etc", "etc/init.d/foo", "etc/rc2.d/S01foo", "etc/rc2.d/S01a",
		"lib/systemd/system/a.service", "etc/x/etc/x/etc", "/dev/null", "a/../../b",
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "image")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fsys, err := Open(p)
		if err != nil {
			return
		}
		defer fsys.Close()
		probeRoot(t, fsys, names)
	})
}

// probeRoot reads names and the first two levels of the root fsys with
// every operation. Properties: no panic and no hang; Resolve stays inside
// the root; ReadFile never returns more than MaxFileSize bytes.
func probeRoot(t *testing.T, fsys *FS, names []string) {
	try := func(name string) {
		if r, _ := fsys.Resolve(name); strings.HasPrefix(r, "/") || r == ".." || strings.HasPrefix(r, "../") {
			t.Errorf("Resolve(%q) = %q, outside the root", name, r)
		}
		if b, err := fsys.ReadFile(name); err == nil && len(b) > MaxFileSize {
			t.Errorf("ReadFile(%q) returned %d bytes", name, len(b))
		}
		fsys.Lstat(name)
		fsys.Stat(name)
		fsys.Readlink(name)
		fsys.IsDevNull(name)
	}
	for _, name := range names {
		try(name)
	}
	ents, _ := fsys.ReadDir(".")
	for _, e := range ents {
		try(e.Name())
		sub, _ := fsys.ReadDir(e.Name())
		for i, s := range sub {
			if i == 8 {
				break
			}
			try(e.Name() + "/" + s.Name())
		}
	}
}
