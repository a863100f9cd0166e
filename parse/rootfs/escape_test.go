package rootfs

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sentinel = "OUTSIDE-SECRET"

// TestNoEscape builds
//
//	outside/etc/passwd    OUTSIDE-SECRET
//	outside/secret        OUTSIDE-SECRET
//	outside/root/         the root, as a directory, a .tar and a .tar.gz
//
// with links in the root that try to leave it, and checks that every read
// stays inside: it gives the root's own etc/passwd or does not exist.
func TestNoEscape(t *testing.T) {
	tmp := t.TempDir()
	outside := filepath.Join(tmp, "outside")
	writeDir(t, outside, []node{
		{name: "etc/passwd", data: sentinel},
		{name: "secret", data: sentinel},
	})
	nodes := []node{
		{name: "etc/passwd", data: "inside"},
		{name: "etc/rc2.d/S01a", link: "../../../../etc/passwd"},
		{name: "etc/rc2.d/S02b", link: "/etc/shadow"},
		{name: "etc/rc2.d/S03c", link: "../../../secret"},
		{name: "etc/x", link: "../.."},
		{name: "etc/abs", link: outside + "/secret"},
	}
	writeDir(t, filepath.Join(outside, "root"), nodes)
	fss := roots(t, nodes)
	d, err := Open(filepath.Join(outside, "root"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fss["dir"] = d // the one under outside/, next to the sentinels

	var host [][]byte
	for _, p := range []string{"/etc/passwd", "/etc/shadow"} {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			host = append(host, b)
		}
	}
	cases := []struct {
		name, want string // want "" means: does not exist
	}{
		{"etc/rc2.d/S01a", "inside"},
		{"etc/rc2.d/S02b", ""},
		{"etc/rc2.d/S03c", ""},
		{"etc/abs", ""},
		{"etc/x/etc/passwd", "inside"},
		{"etc/x/secret", ""},
		{"etc/x/../secret", ""},
		{"etc/x/../../../etc/passwd", "inside"},
		{"etc/x/../../root/etc/passwd", ""},
		{"../secret", ""},
		{"../../etc/passwd", "inside"},
		{"/etc/shadow", ""},
		{"../root/etc/passwd", ""},
	}
	for kind, f := range fss {
		for _, tc := range cases {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				got, err := f.ReadFile(tc.name)
				if bytes.Contains(got, []byte(sentinel)) {
					t.Fatalf("ReadFile(%q) = %q: read a file outside the root", tc.name, got)
				}
				for _, h := range host {
					if bytes.Equal(got, h) {
						t.Fatalf("ReadFile(%q) read the host's /etc/passwd or /etc/shadow", tc.name)
					}
				}
				if tc.want == "" {
					checkErr(t, "read", tc.name, err, fs.ErrNotExist)
				} else if string(got) != tc.want || err != nil {
					t.Errorf("ReadFile(%q) = %q, %v, want %q", tc.name, got, err, tc.want)
				}
				r, _ := f.Resolve(tc.name)
				if strings.HasPrefix(r, "/") || r == ".." || strings.HasPrefix(r, "../") {
					t.Errorf("Resolve(%q) = %q, want a path inside the root", tc.name, r)
				}
			})
		}
		t.Run(kind+"/readdir", func(t *testing.T) {
			for _, name := range []string{"etc/x", "etc/x/..", "etc/x/../.."} {
				got, err := do(f, "readdir", name)
				if got != "etc/" || err != nil {
					t.Errorf("ReadDir(%q) = %q, %v, want %q", name, got, err, "etc/")
				}
			}
		})
	}
}

// TestHostAccessOnlyThroughRoot is the static half of the no-escape proof:
// the package's code calls no function of os, path/filepath, io/ioutil,
// syscall or golang.org/x/sys/unix but
//   - on the path given to Open: os.Stat in Open, os.Open in openArchive,
//     os.OpenRoot and unix.Open in openRootDir; for images (image.go,
//     blobs.go) os.Stat in hostStat, os.OpenRoot in openDirBlobs (the
//     layout's blobs are opened through that os.Root) and os.Open in
//     openArchiveBlobs;
//   - on one component of an open directory of the root, named base, in a
//     function that checks it with checkBase (one component, not "." or
//     ".."): unix.Openat, unix.Fstatat and unix.Readlinkat, which are given
//     O_NOFOLLOW or AT_SYMLINK_NOFOLLOW (checked below);
//   - on an open descriptor, which names no file: unix.Close, unix.Fstat,
//     unix.Fstatfs, unix.Read, unix.Getdents, unix.Getrlimit, and
//     unix.Geteuid (which names no file);
//   - on the magic link of an open descriptor: unix.Open of
//     "/proc/self/fd" in openProcFds, and unix.Openat in reopen of the
//     number of the descriptor, strconv.Itoa(pfd), in that directory,
//     procFds() (checked below).
//
// Everything else goes through those (directories) or the in-memory index
// (archives).
func TestHostAccessOnlyThroughRoot(t *testing.T) {
	allowed := map[string]string{"os.Stat": "Open", "os.OpenRoot": "openRootDir", "unix.Open": "openRootDir", "os.Open": "openArchive"}
	inDir := map[string]string{"unix.Openat": "O_NOFOLLOW", "unix.Fstatat": "AT_SYMLINK_NOFOLLOW", "unix.Readlinkat": ""}
	image := map[string]string{"os.Stat": "hostStat", "os.OpenRoot": "openDirBlobs", "os.Open": "openArchiveBlobs"}
	onFd := map[string]bool{"unix.Close": true, "unix.Fstat": true, "unix.Fstatfs": true, "unix.Read": true, "unix.Getdents": true, "unix.Getrlimit": true, "unix.Geteuid": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgs := map[string]bool{}
		for _, imp := range af.Imports {
			switch p := strings.Trim(imp.Path.Value, `"`); p {
			case "os", "path/filepath", "io/ioutil", "syscall", "golang.org/x/sys/unix":
				name := filepath.Base(p)
				if imp.Name != nil {
					name = imp.Name.Name
				}
				pkgs[name] = true
			}
		}
		for _, decl := range af.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok || !pkgs[x.Name] {
					return true
				}
				name := x.Name + "." + sel.Sel.Name
				// The magic link of a descriptor: its number in the
				// directory /proc/self/fd.
				switch {
				case name == "unix.Open" && fn.Name.Name == "openProcFds" && len(call.Args) > 0 && src(fset, call.Args[0]) == `"/proc/self/fd"`:
					return true
				case name == "unix.Openat" && fn.Name.Name == "reopen" && argCalls(call, 0, "procFds") && len(call.Args) > 1 && src(fset, call.Args[1]) == "strconv.Itoa(pfd)":
					return true
				}
				switch flag, ok := inDir[name]; {
				case onFd[name]:
					return true
				case ok:
					if !argIs(call, 1, "base") || !calls(fn, "checkBase") || !strings.Contains(src(fset, call), flag) {
						t.Errorf("%s: %s in %s: want (fd, base, ...) with base checked by checkBase, and %s", fset.Position(call.Pos()), name, fn.Name.Name, flag)
					}
					return true
				}
				if allowed[name] != fn.Name.Name && image[name] != fn.Name.Name || !argIs(call, 0, "path") {
					t.Errorf("%s: %s called in %s: host files must be reached through an open directory of the root", fset.Position(call.Pos()), name, fn.Name.Name)
				}
				return true
			})
		}
	}
}

// argIs reports whether the argument k of call is the identifier name.
func argIs(call *ast.CallExpr, k int, name string) bool {
	if len(call.Args) <= k {
		return false
	}
	id, ok := call.Args[k].(*ast.Ident)
	return ok && id.Name == name
}

// argCalls reports whether the argument k of call is a call of the
// function name.
func argCalls(call *ast.CallExpr, k int, name string) bool {
	if len(call.Args) <= k {
		return false
	}
	c, ok := call.Args[k].(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == name
}

// calls reports whether fn calls the function name.
func calls(fn *ast.FuncDecl, name string) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == name {
				found = true
			}
		}
		return !found
	})
	return found
}

// src is the source text of n.
func src(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, fset, n)
	return b.String()
}
