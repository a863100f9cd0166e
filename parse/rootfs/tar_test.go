package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// member is one header of a hand-made archive.
type member struct {
	name string
	typ  byte
	data string
	link string
}

func tarBytes(t testing.TB, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		hdr := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, Linkname: m.link}
		if m.typ == tar.TypeReg {
			hdr.Size = int64(len(m.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// openBytes writes b to a file called name and opens it.
func openBytes(t *testing.T, name string, b []byte) (*FS, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err == nil {
		t.Cleanup(func() { f.Close() })
	}
	return f, err
}

func TestTarMembers(t *testing.T) {
	archive := tarBytes(t, []member{
		{name: "./etc/a", typ: tar.TypeReg, data: "a"},
		{name: "/etc/b", typ: tar.TypeReg, data: "b"},
		{name: "etc//c/../d", typ: tar.TypeReg, data: "d"},
		{name: "../../etc/climb", typ: tar.TypeReg, data: "climb"},
		{name: "etc/dup", typ: tar.TypeReg, data: "first"},
		{name: "etc/hl", typ: tar.TypeLink, link: "./etc/dup"},
		{name: "etc/dup", typ: tar.TypeReg, data: "second"},
		{name: "etc/hl-missing", typ: tar.TypeLink, link: "etc/nothing"},
		{name: "x/y/z", typ: tar.TypeReg, data: "z"},
		{name: "usr/share/doc/readme", typ: tar.TypeReg, data: "doc"},
		{name: "opt/x/x.service", typ: tar.TypeReg, data: "[Service]"},
		{name: "etc/systemd/system/x.service", typ: tar.TypeSymlink, link: "/opt/x/x.service"},
		{name: "etc/null", typ: tar.TypeChar},
	})
	// gzip is recognised by its magic bytes, not by the name of the file.
	for _, tc := range []struct{ file string }{{"image.tar"}, {"image.img"}} {
		b := archive
		if tc.file == "image.img" {
			b = gzipBytes(t, archive)
		}
		f, err := openBytes(t, tc.file, b)
		if err != nil {
			t.Fatalf("Open(%s) = %v", tc.file, err)
		}
		cases := []fsCase{
			{"leading dot slash", "read", "etc/a", "a", nil},
			{"leading slash", "read", "etc/b", "b", nil},
			{"uncleaned name", "read", "etc/d", "d", nil},
			{"climbing name clamped", "read", "etc/climb", "climb", nil},
			{"last duplicate wins", "read", "etc/dup", "second", nil},
			{"hard link keeps what it linked", "read", "etc/hl", "first", nil},
			{"hard link to nothing", "lstat", "etc/hl-missing", "", fs.ErrNotExist},
			{"implied parents", "readdir", "x", "y/", nil},
			{"implied parents at root", "readdir", ".", "etc/ opt/ usr/ x/", nil},
			{"contents outside prefixes", "read", "usr/share/doc/readme", "", ErrNotKept},
			{"stat outside prefixes", "stat", "usr/share/doc/readme", "file 3", nil},
			{"contents reached by symlink", "read", "etc/systemd/system/x.service", "[Service]", nil},
			{"same file by its own name", "read", "opt/x/x.service", "[Service]", nil},
			{"device", "read", "etc/null", "", ErrNotRegular},
			{"device stat", "lstat", "etc/null", "char", nil},
		}
		for _, c := range cases {
			t.Run(tc.file+"/"+c.name, func(t *testing.T) {
				got, err := do(f, c.op, c.arg)
				checkErr(t, c.op, c.arg, err, c.err)
				if c.err == nil && got != c.want {
					t.Errorf("%s(%q) = %q, want %q", c.op, c.arg, got, c.want)
				}
			})
		}
	}
}

// TestTarEtcSymlink reads an image whose etc is a symlink: paths through it
// are chased, members written under it land at its target as extraction
// would put them there, and their contents are kept although private/ is
// not one of keptPrefixes.
func TestTarEtcSymlink(t *testing.T) {
	f, err := openBytes(t, "image.tar", tarBytes(t, []member{
		{name: "private/etc/init.d/foo", typ: tar.TypeReg, data: "foo"},
		{name: "private/etc/rc2.d/S01foo", typ: tar.TypeSymlink, link: "../init.d/foo"},
		{name: "etc", typ: tar.TypeSymlink, link: "/private/etc"},
		{name: "etc/hostname", typ: tar.TypeReg, data: "host"},
		{name: "private/loop", typ: tar.TypeSymlink, link: "/etc"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	cases := []fsCase{
		{"resolve through etc", "resolve", "etc/rc2.d/S01foo", "private/etc/init.d/foo", nil},
		{"read through etc", "read", "etc/rc2.d/S01foo", "foo", nil},
		{"member under symlinked parent", "resolve", "etc/hostname", "private/etc/hostname", nil},
		{"member under symlinked parent read", "read", "etc/hostname", "host", nil},
		{"readdir etc", "readdir", "etc", "hostname init.d/ rc2.d/", nil},
		{"readdir loop", "readdir", "private/loop/init.d", "foo", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := do(f, c.op, c.arg)
			checkErr(t, c.op, c.arg, err, c.err)
			if c.err == nil && got != c.want {
				t.Errorf("%s(%q) = %q, want %q", c.op, c.arg, got, c.want)
			}
		})
	}
}

// TestTarTopDirectory reads an archive whose members are all under one
// directory (`tar czf image.tgz rootdir`) from inside it, and an archive
// of an /etc alone as a root with that etc.
func TestTarTopDirectory(t *testing.T) {
	inside := tarBytes(t, []member{
		{name: "./rootdir/", typ: tar.TypeDir},
		{name: "./rootdir/etc/init.d/a", typ: tar.TypeReg, data: "#!/bin/sh"},
		{name: "./rootdir/etc/rc2.d/S01a", typ: tar.TypeSymlink, link: "../init.d/a"},
		{name: "./rootdir/etc/init.d/hard", typ: tar.TypeLink, link: "./rootdir/etc/init.d/a"},
		{name: "rootdir/sbin/init", typ: tar.TypeSymlink, link: "/lib/systemd/systemd"},
	})
	f, err := openBytes(t, "image.tgz", gzipBytes(t, inside))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Inside(); got != "rootdir" {
		t.Errorf("Inside() = %q, want rootdir", got)
	}
	for _, c := range []fsCase{
		{"file", "read", "etc/init.d/a", "#!/bin/sh", nil},
		{"through a link", "read", "etc/rc2.d/S01a", "#!/bin/sh", nil},
		{"hard link", "read", "etc/init.d/hard", "#!/bin/sh", nil},
		{"root", "readdir", ".", "etc/ sbin/", nil},
		{"absolute link", "resolve", "sbin/init", "lib/systemd/systemd", fs.ErrNotExist},
	} {
		got, err := do(f, c.op, c.arg)
		checkErr(t, c.op, c.arg, err, c.err)
		if c.err == nil && got != c.want || c.op == "resolve" && got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.op, c.arg, got, c.want)
		}
	}
	for _, tc := range []struct {
		name string
		ms   []member
	}{
		{"an /etc alone", []member{{name: "etc/init.d/a", typ: tar.TypeReg, data: "x"}}},
		{"two top directories", []member{{name: "a/etc/x", typ: tar.TypeReg, data: "x"}, {name: "b/etc/x", typ: tar.TypeReg, data: "x"}}},
		{"a file at the top", []member{{name: "rootdir/etc/x", typ: tar.TypeReg, data: "x"}, {name: "README", typ: tar.TypeReg, data: "x"}}},
		{"one top file", []member{{name: "rootdir", typ: tar.TypeReg, data: "x"}}},
		// The first member is a directory: the first pass reads from
		// inside it, until a member outside it comes.
		{"a file at the top after the directory", []member{{name: "rootdir/", typ: tar.TypeDir}, {name: "rootdir/etc/x", typ: tar.TypeReg, data: "x"}, {name: "README", typ: tar.TypeReg, data: "x"}}},
		{"a root's directory after the directory", []member{{name: "rootdir/", typ: tar.TypeDir}, {name: "etc/init.d/a", typ: tar.TypeReg, data: "x"}}},
		{"the directory replaced by a file", []member{{name: "rootdir/", typ: tar.TypeDir}, {name: "rootdir/etc/x", typ: tar.TypeReg, data: "x"}, {name: "rootdir", typ: tar.TypeReg, data: "x"}}},
	} {
		f, err := openBytes(t, "image.tar", tarBytes(t, tc.ms))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Inside(); got != "" {
			t.Errorf("%s: Inside() = %q, want the archive read as it is", tc.name, got)
		}
		// What the archive holds is read as it is.
		last := tc.ms[len(tc.ms)-1]
		if _, err := f.Resolve(last.name); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestTarBinaries: of the programs in bin, sbin, usr/bin and usr/sbin
// only the names, modes, sizes and links matter (which init sbin/init
// leads to, whether startpar is there): their contents are not kept,
// unless the machine reaches them from etc (an init.d script that is a
// link to one), and the init system is found as before.
func TestTarBinaries(t *testing.T) {
	f, err := openBytes(t, "image.tar", tarBytes(t, []member{
		{name: "lib/systemd/systemd", typ: tar.TypeReg, data: "\x7fELF systemd"},
		{name: "sbin/init", typ: tar.TypeSymlink, link: "/lib/systemd/systemd"},
		{name: "sbin/startpar", typ: tar.TypeReg, data: "\x7fELF startpar"},
		{name: "usr/bin/big", typ: tar.TypeReg, data: strings.Repeat("x", 4096)},
		{name: "usr/sbin/daemon-init", typ: tar.TypeReg, data: "#!/bin/sh\n### BEGIN INIT INFO\n"},
		{name: "etc/init.d/daemon", typ: tar.TypeSymlink, link: "/usr/sbin/daemon-init"},
		{name: "bin", typ: tar.TypeSymlink, link: "usr/bin"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []fsCase{
		{"contents of a program", "read", "usr/bin/big", "", ErrNotKept},
		{"contents through a bin link", "read", "bin/big", "", ErrNotKept},
		{"contents of sbin", "read", "sbin/startpar", "", ErrNotKept},
		{"its size", "stat", "usr/bin/big", "file 4096", nil},
		{"sbin/init resolves", "resolve", "sbin/init", "lib/systemd/systemd", nil},
		{"a script reached from etc", "read", "etc/init.d/daemon", "#!/bin/sh\n### BEGIN INIT INFO\n", nil},
		{"the same by its own name", "read", "usr/sbin/daemon-init", "#!/bin/sh\n### BEGIN INIT INFO\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := do(f, c.op, c.arg)
			checkErr(t, c.op, c.arg, err, c.err)
			if c.err == nil && got != c.want {
				t.Errorf("%s(%q) = %q, want %q", c.op, c.arg, got, c.want)
			}
		})
	}
	if kept := f.b.(*tarFS).kept; kept != int64(len("\x7fELF systemd")+len("#!/bin/sh\n### BEGIN INIT INFO\n")) {
		t.Errorf("a tar root keeps %d bytes of contents, want those of lib/systemd/systemd and the init script", kept)
	}
}

// TestTarEndsEarly: an archive that ends early, or is damaged, is read as
// far as it goes, and Problems says where reading stopped (ErrPartial); a
// member whose contents end early is not in the root.
func TestTarEndsEarly(t *testing.T) {
	whole := tarBytes(t, []member{
		{name: "etc/init.d/a", typ: tar.TypeReg, data: "#!/bin/sh\n"},
		{name: "etc/init.d/b", typ: tar.TypeReg, data: strings.Repeat("b", 2000)},
		{name: "etc/init.d/c", typ: tar.TypeReg, data: "#!/bin/sh\n"},
	})
	for _, tc := range []struct {
		name string
		data []byte
		want string // Problems
	}{
		// a's header and contents, b's header, half of b's contents
		{"in the contents of a member", whole[:3*512], `reading stopped at member 2 ("etc/init.d/b"): the archive ends early or is damaged (unexpected EOF)`},
		// a, b, and half of c's header
		{"in a header", whole[:2*512+512+4*512+256], `reading stopped at member 3: the archive ends early or is damaged (unexpected EOF)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openBytes(t, "image", tc.data)
			if err != nil {
				t.Fatalf("Open: %v, want the archive read in part", err)
			}
			ps := f.Problems()
			if len(ps) != 1 || !errors.Is(ps[0], ErrPartial) || !strings.Contains(ps[0].Error(), tc.want) {
				t.Fatalf("Problems() = %v, want one ErrPartial saying %q", ps, tc.want)
			}
			if got, err := f.ReadFile("etc/init.d/a"); err != nil || string(got) != "#!/bin/sh\n" {
				t.Errorf("ReadFile(etc/init.d/a) = %q, %v: want what was read before the end", got, err)
			}
			if _, err := f.ReadFile("etc/init.d/c"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadFile(etc/init.d/c) error = %v, want it not to exist", err)
			}
			if tc.name == "in the contents of a member" {
				if _, err := f.ReadFile("etc/init.d/b"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("ReadFile(etc/init.d/b) error = %v: a member cut short is not in the root", err)
				}
			}
		})
	}
	// A gzip stream cut short (its last 12 bytes: the end of the
	// compressed stream, its checksum and size).
	gz := gzipBytes(t, whole)
	f, err := openBytes(t, "image.tgz", gz[:len(gz)-12])
	if err != nil {
		t.Fatalf("Open: %v, want the archive read in part", err)
	}
	if ps := f.Problems(); len(ps) != 1 || !errors.Is(ps[0], ErrPartial) || !strings.Contains(ps[0].Error(), "after its 3 members: the archive ends early or is damaged (unexpected EOF)") {
		t.Errorf("Problems() = %v, want one ErrPartial", ps)
	}
}

// TestTarEndsEarlyReached: an archive cut short in the contents of a file
// outside the kept directories, which a symlink of one reaches (read in
// the second pass), is read as far as it goes too, not a fatal error.
func TestTarEndsEarlyReached(t *testing.T) {
	whole := tarBytes(t, []member{
		{name: "etc/init.d/a", typ: tar.TypeReg, data: "#!/bin/sh\n"},
		{name: "etc/systemd/system/x.service", typ: tar.TypeSymlink, link: "/opt/x.service"},
		{name: "opt/x.service", typ: tar.TypeReg, data: strings.Repeat("b", 2000)},
	})
	// a's header and contents, the link's header, x.service's header and
	// one block of its contents.
	f, err := openBytes(t, "image", whole[:5*512])
	if err != nil {
		t.Fatalf("Open: %v, want the archive read in part", err)
	}
	if ps := f.Problems(); len(ps) != 1 || !errors.Is(ps[0], ErrPartial) {
		t.Errorf("Problems() = %v, want one ErrPartial", ps)
	}
	if got, err := f.ReadFile("etc/init.d/a"); err != nil || string(got) != "#!/bin/sh\n" {
		t.Errorf("ReadFile(etc/init.d/a) = %q, %v: want what was read before the end", got, err)
	}
	if got, err := f.ReadFile("etc/systemd/system/x.service"); !errors.Is(err, ErrNotKept) {
		t.Errorf("ReadFile(etc/systemd/system/x.service) = %q, %v; want ErrNotKept: the archive ends in it", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}, "xz-compressed"},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0}, "zstd-compressed"},
		{"garbage", bytes.Repeat([]byte("not a tar archive\n"), 64), "neither a tar archive nor a gzip file (no tar header, no gzip magic number)"},
		{"short garbage", []byte("PK\x03\x04 a zip file"), "neither a tar archive nor a gzip file"},
		{"gzip of text", gzipBytes(t, bytes.Repeat([]byte("plain text\n"), 100)), "a gzip file, but what it holds is not a tar archive"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := openBytes(t, "image", tc.data)
			if err == nil {
				t.Fatalf("Open(%s) = %v, nil, want an error", tc.name, f)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%s) error = %q, want it to mention %q", tc.name, err, tc.want)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); !os.IsNotExist(err) {
		t.Errorf("Open(missing) error = %v, want not exist", err)
	}
}
