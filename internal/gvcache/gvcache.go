// Package gvcache keeps go-graphviz's compiled code out of directories that
// another user could write.
//
// go-graphviz's package init compiles Graphviz's WebAssembly to native code
// with wazero and keeps the result in a cache directory, os.TempDir()/go-graphviz
// (/tmp/go-graphviz by default). It creates that directory when it is missing,
// uses it when it exists, whoever owns it, and checks the files in it with a
// CRC32 only: a local user who creates /tmp/go-graphviz first decides what
// machine code the next user's renderer runs.
//
// This package's init points TMPDIR, for the rest of the process, at a cache
// of our own: os.UserCacheDir()/initorder-render, created with mode 0700 and
// used only when it is a directory (not a symlink) owned by this user that no
// one else may write, in a parent that no one else may replace it in.
// Anything else is refused, and go-graphviz then keeps no cache at all: TMPDIR
// is set to a path under /dev/null, where no directory can ever be made. The
// reason is kept in Refused for the program to say.
//
// It must run before go-graphviz's init, so it imports only packages that
// wazero imports too: Go initialises packages in import-path order among those
// whose imports are ready (the Go spec, "Package initialization", since Go
// 1.21), and github.com/initorder sorts before github.com/tetratelabs, which
// go-graphviz's internal/wasm package needs. The test of initorder-render
// plants trapping code where go-graphviz would look and shows it unused.
package gvcache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is the directory TMPDIR names for the process after init: the private
// cache's parent of go-graphviz, or NoCache.
var Dir string

// Refused says why the private cache was refused, or is nil.
var Refused error

// Original is TMPDIR as the process was started with it ("" when unset).
var Original string

// NoCache is a TMPDIR under which go-graphviz can make no cache directory:
// /dev/null is a character device on every Unix system, so nothing below
// it exists or can be created.
const NoCache = "/dev/null/initorder-render-no-cache"

func init() {
	Original = os.Getenv("TMPDIR")
	Dir, Refused = private()
	if Refused != nil {
		Dir = NoCache
	}
	os.Setenv("TMPDIR", Dir)
}

// private returns the private cache directory, making it if it is missing.
func private() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(base) {
		return "", fmt.Errorf("cache directory %q is not an absolute path", base)
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", err
	}
	if err := safeParent(base); err != nil {
		return "", err
	}
	dir := filepath.Join(base, "initorder-render")
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", err
	}
	if err := Owned(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// Owned reports why dir is not a private directory of this process's user:
// a symlink, not a directory, owned by another user, or open to writing
// (or reading) by group or others.
func Owned(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: no owner to check on this system", dir)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not by this user (uid %d)", dir, st.Uid, os.Geteuid())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s has mode %04o: others may write it (want 0700)", dir, fi.Mode().Perm())
	}
	return nil
}

// safeParent refuses a parent directory in which another user could put
// a directory of their own in place of ours: writable by group or others
// without the sticky bit (a sticky /tmp is fine: no one else may rename
// what we own there).
func safeParent(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("%s has mode %04o: others may replace what is in it", dir, fi.Mode().Perm())
	}
	return nil
}
