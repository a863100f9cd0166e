package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// node is one file of a test tree: a directory, a regular file (data, or
// size zero bytes written sparsely) or a symlink.
type node struct {
	name string
	dir  bool
	data string
	size int64
	link string
}

var tree = []node{
	{name: "etc/init.d", dir: true},
	{name: "etc/init.d/foo", data: "foo script\n"},
	{name: "etc/init.d/bar", data: "bar script\n"},
	{name: "etc/rc2.d", dir: true},
	{name: "etc/rc2.d/S01foo", link: "/etc/init.d/foo"},
	{name: "etc/rc2.d/S02bar", link: "../init.d/bar"},
	{name: "etc/rc2.d/S03chain", link: "S01foo"},
	{name: "etc/rc2.d/K01gone", link: "../init.d/gone"},
	{name: "etc/rc2.d/README", data: "readme\n"},
	{name: "usr/lib/systemd/system/a.service", data: "[Unit]\n"},
	{name: "lib", link: "usr/lib"},
	{name: "etc/systemd/system/b.service", link: "/lib/systemd/system/a.service"},
	{name: "etc/systemd/system/masked.service", link: "/dev/null"},
	{name: "etc/systemd/system/masked2.service", link: "../../../dev/null"},
	{name: "etc/up", link: "../../../../.."},
	{name: "etc/loop/a", link: "b"},
	{name: "etc/loop/b", link: "a"},
	{name: "etc/loop/self", link: "self"},
	{name: "etc/big", size: MaxFileSize + 1},
}

// writeDir builds nodes under dir.
func writeDir(t *testing.T, dir string, nodes []node) {
	t.Helper()
	for _, n := range nodes {
		p := filepath.Join(dir, filepath.FromSlash(n.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case n.dir:
			err = os.MkdirAll(p, 0o755)
		case n.link != "":
			err = os.Symlink(n.link, p)
		case n.size > 0:
			if err = os.WriteFile(p, nil, 0o644); err == nil {
				err = os.Truncate(p, n.size) // sparse: no data written
			}
		default:
			err = os.WriteFile(p, []byte(n.data), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// writeTar writes nodes as a tar archive, gzipped if gz. Only the
// directories listed get a header (the rest are implied), and member names
// take turns at being written plain, with "./" and with "/".
func writeTar(t testing.TB, w io.Writer, gz bool, nodes []node) {
	t.Helper()
	if gz {
		zw := gzip.NewWriter(w)
		defer func() {
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
		}()
		w = zw
	}
	tw := tar.NewWriter(w)
	for i, n := range nodes {
		name := []string{"", "./", "/"}[i%3] + n.name
		hdr := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(n.data))}
		switch {
		case n.dir:
			hdr.Typeflag, hdr.Name, hdr.Mode, hdr.Size = tar.TypeDir, name+"/", 0o755, 0
		case n.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, n.link, 0
		case n.size > 0:
			hdr.Size = n.size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if n.size > 0 {
			if _, err := io.CopyN(tw, zeros{}, n.size); err != nil {
				t.Fatal(err)
			}
		} else if _, err := io.WriteString(tw, n.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// roots builds nodes as a directory, a .tar and a .tar.gz and opens each.
func roots(t *testing.T, nodes []node) map[string]*FS {
	t.Helper()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "root")
	writeDir(t, dir, nodes)
	paths := map[string]string{"dir": dir}
	for _, kind := range []string{"tar", "tar.gz"} {
		var buf bytes.Buffer
		writeTar(t, &buf, kind == "tar.gz", nodes)
		paths[kind] = filepath.Join(tmp, "root."+kind)
		if err := os.WriteFile(paths[kind], buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fss := make(map[string]*FS)
	for kind, p := range paths {
		f, err := Open(p)
		if err != nil {
			t.Fatalf("Open(%s) = %v", kind, err)
		}
		t.Cleanup(func() { f.Close() })
		fss[kind] = f
	}
	// The directory again, with no directory kept open: each access
	// opens the directories on the way from the root and closes them.
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	f.b.(*dirFS).maxDirs = 0
	t.Cleanup(func() { f.Close() })
	fss["dir-unkept"] = f
	return fss
}

// errAny is a wanted error that may be anything but nil.
var errAny = errors.New("any error")

type fsCase struct {
	name string
	op   string // resolve, devnull, read, readdir, lstat, stat or readlink
	arg  string
	want string
	err  error
}

var fsCases = []fsCase{
	{"absolute link re-anchored", "resolve", "etc/rc2.d/S01foo", "etc/init.d/foo", nil},
	{"leading slash", "resolve", "/etc/rc2.d/S01foo", "etc/init.d/foo", nil},
	{"relative link", "resolve", "etc/rc2.d/S02bar", "etc/init.d/bar", nil},
	{"chained links", "resolve", "etc/rc2.d/S03chain", "etc/init.d/foo", nil},
	{"dir symlink in the middle", "resolve", "lib/systemd/system/a.service", "usr/lib/systemd/system/a.service", nil},
	{"absolute link through dir symlink", "resolve", "etc/systemd/system/b.service", "usr/lib/systemd/system/a.service", nil},
	{"dotdot clamped in name", "resolve", "../../../etc/init.d/foo", "etc/init.d/foo", nil},
	{"dotdot clamped in link", "resolve", "etc/up/etc/init.d/foo", "etc/init.d/foo", nil},
	{"link to above root is root", "resolve", "etc/up", ".", nil},
	{"root", "resolve", "/", ".", nil},
	{"loop a b", "resolve", "etc/loop/a", "", ErrLoop},
	{"self loop", "resolve", "etc/loop/self", "", ErrLoop},
	{"loop in the middle", "resolve", "etc/loop/a/x", "", ErrLoop},
	{"absolute dev null", "resolve", "etc/systemd/system/masked.service", "dev/null", nil},
	{"relative dev null", "resolve", "etc/systemd/system/masked2.service", "dev/null", nil},
	{"dev null by name", "resolve", "/dev/null", "dev/null", nil},
	{"masked is dev null", "devnull", "etc/systemd/system/masked.service", "true", nil},
	{"masked2 is dev null", "devnull", "etc/systemd/system/masked2.service", "true", nil},
	{"file is not dev null", "devnull", "etc/rc2.d/S01foo", "false", nil},
	{"dangling link", "resolve", "etc/rc2.d/K01gone", "etc/init.d/gone", fs.ErrNotExist},
	{"missing dir", "resolve", "etc/nodir/x", "etc/nodir/x", fs.ErrNotExist},
	{"file as dir", "resolve", "etc/init.d/foo/x", "", syscall.ENOTDIR},

	{"read through absolute link", "read", "etc/rc2.d/S01foo", "foo script\n", nil},
	{"read through chain and dir link", "read", "etc/systemd/system/b.service", "[Unit]\n", nil},
	{"read directory", "read", "etc/init.d", "", ErrNotRegular},
	{"read dev null", "read", "etc/systemd/system/masked.service", "", ErrNotRegular},
	{"read too large", "read", "etc/big", "", ErrTooLarge},
	{"read dangling", "read", "etc/rc2.d/K01gone", "", fs.ErrNotExist},
	{"read loop", "read", "etc/loop/a", "", ErrLoop},

	{"readdir sorted with symlinks", "readdir", "etc/rc2.d", "K01gone@ README S01foo@ S02bar@ S03chain@", nil},
	{"readdir through dir link", "readdir", "lib/systemd/system", "a.service", nil},
	{"readdir root", "readdir", "/", "etc/ lib@ usr/", nil},
	{"readdir root via link", "readdir", "etc/up", "etc/ lib@ usr/", nil},
	{"readdir file", "readdir", "etc/init.d/foo", "", syscall.ENOTDIR},
	{"readdir dangling", "readdir", "etc/rc2.d/K01gone", "", fs.ErrNotExist},

	{"lstat link", "lstat", "etc/rc2.d/S01foo", "symlink", nil},
	{"lstat loop link", "lstat", "etc/loop/a", "symlink", nil},
	{"lstat dangling link", "lstat", "etc/rc2.d/K01gone", "symlink", nil},
	{"lstat dir link", "lstat", "lib", "symlink", nil},
	{"lstat under dir link", "lstat", "lib/systemd", "dir", nil},
	{"lstat missing", "lstat", "etc/nothing", "", fs.ErrNotExist},
	{"stat link", "stat", "etc/rc2.d/S01foo", "file 11", nil},
	{"stat dir link", "stat", "lib", "dir", nil},
	{"stat big", "stat", "etc/big", fmt.Sprintf("file %d", MaxFileSize+1), nil},
	{"stat dev null", "stat", "etc/systemd/system/masked.service", "char", nil},
	{"stat dangling", "stat", "etc/rc2.d/K01gone", "", fs.ErrNotExist},
	{"readlink absolute", "readlink", "etc/rc2.d/S01foo", "/etc/init.d/foo", nil},
	{"readlink dir link", "readlink", "lib", "usr/lib", nil},
	{"readlink parent resolved", "readlink", "etc/up/etc/rc2.d/S02bar", "../init.d/bar", nil},
	{"readlink file", "readlink", "etc/init.d/foo", "", syscall.EINVAL},
}

func TestFS(t *testing.T) {
	for kind, f := range roots(t, tree) {
		for _, tc := range fsCases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				got, err := do(f, tc.op, tc.arg)
				checkErr(t, tc.op, tc.arg, err, tc.err)
				if tc.err == nil || tc.op == "resolve" && tc.want != "" {
					if got != tc.want {
						t.Errorf("%s(%q) = %q, want %q", tc.op, tc.arg, got, tc.want)
					}
				}
			})
		}
	}
}

// do runs one operation and renders its result as a string.
func do(f *FS, op, name string) (string, error) {
	switch op {
	case "resolve":
		return f.Resolve(name)
	case "devnull":
		return fmt.Sprint(f.IsDevNull(name)), nil
	case "read":
		b, err := f.ReadFile(name)
		return string(b), err
	case "readdir":
		ents, err := f.ReadDir(name)
		var names []string
		for _, e := range ents {
			n := e.Name()
			switch {
			case e.IsDir():
				n += "/"
			case e.Type()&fs.ModeSymlink != 0:
				n += "@"
			}
			names = append(names, n)
		}
		return strings.Join(names, " "), err
	case "lstat", "stat":
		stat := f.Stat
		if op == "lstat" {
			stat = f.Lstat
		}
		fi, err := stat(name)
		if err != nil {
			return "", err
		}
		switch m := fi.Mode(); {
		case m&fs.ModeSymlink != 0:
			return "symlink", nil
		case m.IsDir():
			return "dir", nil
		case m&fs.ModeCharDevice != 0:
			return "char", nil
		case m.IsRegular():
			return fmt.Sprintf("file %d", fi.Size()), nil
		}
		return fi.Mode().String(), nil
	case "readlink":
		return f.Readlink(name)
	}
	panic("unknown op " + op)
}

func checkErr(t *testing.T, op, name string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s(%q) error = %v, want nil", op, name, err)
	case want == errAny && err == nil:
		t.Errorf("%s(%q) error = nil, want an error", op, name)
	case want != nil && want != errAny && !errors.Is(err, want):
		t.Errorf("%s(%q) error = %v, want %v", op, name, err, want)
	}
	var pe *fs.PathError
	if err != nil && (!errors.As(err, &pe) || strings.HasPrefix(pe.Path, "/") || strings.Contains(pe.Path, os.TempDir())) {
		t.Errorf("%s(%q) error = %#v, want a *fs.PathError with a root-relative path", op, name, err)
	}
}

func TestReadFileCopies(t *testing.T) {
	for kind, f := range roots(t, tree[:2]) {
		b, _ := f.ReadFile("etc/init.d/foo")
		clear(b)
		if b, _ := f.ReadFile("etc/init.d/foo"); string(b) != "foo script\n" {
			t.Errorf("%s: ReadFile after modifying an earlier result = %q, want %q", kind, b, "foo script\n")
		}
	}
}

// TestListingThenLstat checks that what a listing remembers (the type of
// each entry) does not stand in for an lstat: after ReadDir, Lstat still
// gives the permissions and the size, and Type the type alone.
func TestListingThenLstat(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, []node{{name: "etc/init.d/foo", data: "#!/bin/sh\n"}, {name: "etc/init.d/bar", link: "foo"}})
	if err := os.Chmod(filepath.Join(dir, "etc/init.d/foo"), 0o750); err != nil {
		t.Fatal(err)
	}
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadDir("etc/init.d"); err != nil {
		t.Fatal(err)
	}
	if typ, err := f.Type("etc/init.d/bar"); err != nil || typ != fs.ModeSymlink {
		t.Errorf("Type(bar) = %v, %v; want a symlink", typ, err)
	}
	if typ, err := f.Type("etc/init.d/foo"); err != nil || typ != 0 {
		t.Errorf("Type(foo) = %v, %v; want a regular file", typ, err)
	}
	fi, err := f.Lstat("etc/init.d/foo")
	if err != nil || fi.Mode() != 0o750 || fi.Size() != 10 {
		t.Errorf("Lstat(foo) after ReadDir = %v %d, %v; want -rwxr-x--- 10", fi.Mode(), fi.Size(), err)
	}
}

// TestFollowCleanAgreesWithChase resolves every name of the resolve cases,
// and every entry of the tree, both ways (followClean and resolveClean
// first, then chase alone) on fresh roots: the short ways must give what
// the long way gives.
func TestFollowCleanAgreesWithChase(t *testing.T) {
	names := []string{}
	for _, tc := range fsCases {
		names = append(names, tc.arg)
	}
	for _, n := range tree {
		names = append(names, n.name)
	}
	for kind, f := range roots(t, tree) {
		for _, name := range names {
			want, wantErr := f.chase(name, true)
			got, gotErr := f.resolve(name, true)
			if got != want || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s: resolve(%q) = %q, %v; chase gives %q, %v", kind, name, got, gotErr, want, wantErr)
			}
		}
	}
}

func TestJoinLexically(t *testing.T) {
	for _, tc := range []struct{ dir, target, want string }{
		{"etc/systemd/system/multi-user.target.wants", "../../../../lib/systemd/system/a.service", "lib/systemd/system/a.service"},
		{"etc/systemd/system/multi-user.target.wants", "/lib/systemd/system/a.service", "lib/systemd/system/a.service"},
		{"etc/rc2.d", "../init.d/foo", "etc/init.d/foo"},
		{"etc", "../../../x", "x"}, // ".." stays at the root
		{"etc", "a//./b", "etc/a/b"},
		{".", "etc/x", "etc/x"},
		{"etc", "a/../b", ""}, // a may be a symlink: not lexical
		{"etc", "..", ""},     // the root itself
	} {
		got, err := joinLexically(tc.dir, tc.target)
		if tc.want == "" && err == nil || tc.want != "" && got != tc.want {
			t.Errorf("joinLexically(%q, %q) = %q, %v; want %q", tc.dir, tc.target, got, err, tc.want)
		}
	}
}

// TestAfterClose: a closed root refuses every access (its descriptors'
// numbers may be another file's by then), and a second Close fails
// without closing anything.
func TestAfterClose(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, []node{{name: "etc/a", data: "a"}})
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := f.ReadDir("etc")
	if err != nil || len(ents) != 1 {
		t.Fatalf("ReadDir(etc) = %v, %v", ents, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadFile("etc/b"); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("ReadFile after Close: %v, want %v", err, fs.ErrClosed)
	}
	if _, err := f.ReadDir("."); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("ReadDir after Close: %v, want %v", err, fs.ErrClosed)
	}
	if _, err := ents[0].Info(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("DirEntry.Info after Close: %v, want %v", err, fs.ErrClosed)
	}
	if err := f.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Close: %v, want %v", err, fs.ErrClosed)
	}
}

// TestRootsOwnDevNull: a root whose dev/null is a symlink still masks
// what links to /dev/null, on the short way (a dev directory found clean
// before) as on the long one.
func TestRootsOwnDevNull(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, []node{
		{name: "dev/console", data: "x"},
		{name: "dev/null", link: "../etc/real"},
		{name: "etc/real", data: "r"},
		{name: "etc/systemd/system/m.service", link: "/dev/null"},
	})
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Resolve("dev/console"); err != nil { // dev is clean now
		t.Fatal(err)
	}
	for _, name := range []string{"etc/systemd/system/m.service", "dev/null"} {
		if r, err := f.Resolve(name); r != devNull || err != nil {
			t.Errorf("Resolve(%s) = %q, %v; want dev/null", name, r, err)
		}
	}
}

// TestListingAfterMiss: a name that was missing and then listed is
// found; the root described by Lstat(".") is the real one.
func TestListingAfterMiss(t *testing.T) {
	dir := t.TempDir()
	writeDir(t, dir, []node{{name: "etc/a", data: "a"}})
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Lstat("etc/new"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Lstat(etc/new) before it exists: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc/new"), []byte("n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadDir("etc"); err != nil {
		t.Fatal(err)
	}
	if data, err := f.ReadFile("etc/new"); err != nil || string(data) != "n" {
		t.Errorf("ReadFile(etc/new) after the listing = %q, %v", data, err)
	}
	if fi, err := f.Lstat("."); err != nil || fi.Mode() != fs.ModeDir|0o700 {
		t.Errorf("Lstat(.) = %v, %v; want drwx------", fi.Mode(), err)
	}
}
