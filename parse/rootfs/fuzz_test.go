package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
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

// FuzzTarIndex indexes archives written from a small text, one member a
// line: a type letter (f file, d directory, l symlink, h hard link, c
// device, p FIFO), the name, and for f its contents or for l and h the
// target, after " > ". The archive is valid, so the fuzzer explores names,
// links and their order rather than the tar format (FuzzTar does that),
// with limits small enough to be reached. Properties: no panic; every name
// in the index is clean and inside the root, and its parent a directory
// of the index or left out of listings; the index and the contents kept
// stay within the limits; a problem wraps ErrPartial exactly when reading
// stopped; Resolve stays inside the root and ReadFile within MaxFileSize.
func FuzzTarIndex(f *testing.F) {
	for _, seed := range []string{
		"f etc/init.d/a > #!/bin/sh\nl etc/rc2.d/S01a > ../init.d/a\nd etc/init\n",
		"l etc > /private/etc\nf etc/hostname > host\nh etc/hl > etc/hostname\nf private/etc/x > x\n",
		"f ./etc/a > a\nf /etc/b > b\nf ../../etc/c > c\nf etc//d/./e > e\nf etc/a > second\n",
		"l lib > usr/lib\nf lib/systemd/system/a.service > [Unit]\nl etc/x > ../..\nl etc/loop > loop\n",
		"c etc/null\np etc/fifo\nf etc/" + strings.Repeat("n", 256) + " > x\nl etc/far > " + strings.Repeat("d/", 2048) + "\n",
		"f x/" + strings.Repeat("y/", 30) + "z > deep\nf etc/s > " + strings.Repeat("z", 40) + "\n",
	} {
		f.Add(seed, uint16(4000), uint8(30))
	}
	f.Fuzz(func(t *testing.T, text string, index uint16, headers uint8) {
		var ms []member
		for line := range strings.SplitSeq(text, "\n") {
			if len(line) < 3 || line[1] != ' ' {
				continue
			}
			name, arg, _ := strings.Cut(line[2:], " > ")
			m := member{name: name}
			switch line[0] {
			case 'f':
				m.typ, m.data = tar.TypeReg, arg
			case 'd':
				m.typ = tar.TypeDir
			case 'l':
				m.typ, m.link = tar.TypeSymlink, arg
			case 'h':
				m.typ, m.link = tar.TypeLink, arg
			case 'c':
				m.typ = tar.TypeChar
			case 'p':
				m.typ = tar.TypeFifo
			default:
				continue
			}
			if name == "" || len(name) > 1<<16 || len(m.link) > 1<<16 {
				continue
			}
			ms = append(ms, m)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		written := ms[:0]
		for _, m := range ms {
			hdr := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, Linkname: m.link, Size: int64(len(m.data))}
			if m.typ != tar.TypeReg {
				hdr.Size = 0
			}
			if tw.WriteHeader(hdr) != nil {
				continue // what archive/tar will not write (a file name ending in "/")
			}
			if m.typ == tar.TypeReg {
				tw.Write([]byte(m.data))
			}
			written = append(written, m)
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		ms = written
		l := tarLimits{kept: 64, index: int64(index), headers: int(headers)}
		p := filepath.Join(t.TempDir(), "image.tar")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fsys, err := openTarLimits(p, l)
		if err != nil {
			t.Fatalf("openTarLimits of a valid archive: %v", err)
		}
		defer fsys.Close()
		tf := fsys.b.(*tarFS)
		for name, e := range tf.files {
			if name != cleanRel(name) || name == ".." || strings.HasPrefix(name, "../") {
				t.Errorf("index name %q is not clean and inside the root", name)
			}
			if name != "." {
				if d := tf.files[parent(name)]; d == nil {
					t.Errorf("index name %q has no parent entry", name)
				}
			}
			if e.mode.IsRegular() && e.why == kept && int64(len(e.text)) != e.size {
				t.Errorf("%q: %d bytes kept of %d", name, len(e.text), e.size)
			}
		}
		if tf.size > l.index+pathMax/2*entryCost {
			t.Errorf("index of %d bytes, limit %d", tf.size, l.index)
		}
		if tf.kept > l.kept {
			t.Errorf("%d bytes of contents kept, limit %d", tf.kept, l.kept)
		}
		partial := false
		for _, p := range fsys.Problems() {
			partial = partial || errors.Is(p, ErrPartial)
		}
		if partial != (tf.stop != nil) {
			t.Errorf("Problems() = %v, but reading stopped: %v", fsys.Problems(), tf.stop != nil)
		}
		for _, m := range ms {
			if r, _ := fsys.Resolve(m.name); r == ".." || strings.HasPrefix(r, "../") || strings.HasPrefix(r, "/") {
				t.Errorf("Resolve(%q) = %q, outside the root", m.name, r)
			}
			if b, err := fsys.ReadFile(m.name); err == nil && len(b) > MaxFileSize {
				t.Errorf("ReadFile(%q) returned %d bytes", m.name, len(b))
			}
		}
	})
}
