// Package rootfs reads a machine's root — a directory or a .tar/.tar.gz image —
// the way the booted machine would see it, and is the single place where
// initorder touches the disk. It owns path resolution (symlinks are chased
// like systemd's chase() with a prefix root: absolute targets are re-anchored
// at the root, ".." never climbs above it, more than 40 hops is a loop, a
// path of PATH_MAX bytes or more is too long) and the
// guarantee that no file outside the root is ever opened, stat'ed or read:
// directory roots are accessed only through open directories of the root,
// one name component at a time, never following a symlink (dir.go), archives
// only through their own index. The root is read as a snapshot: what was
// seen of a name (its type, a link's target, where it resolves) is kept. It knows no init system: it does not know what
// etc/init.d, rc2.d or a unit file mean; the parsers in package parse do.
//
// All names are slash-separated and relative to the root ("etc/init.d/foo");
// a leading "/" is accepted and means the same. Errors are [*fs.PathError]
// values whose Path is the name as given, relative to the root (never a host
// path), so messages print root-relative paths.
package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MaxFileSize is the largest file ReadFile returns. Larger files give an
// error wrapping ErrTooLarge: one diagnostic upstream, never unbounded memory.
const MaxFileSize = 8 << 20

// maxHops is how many symlinks one resolution may follow; one more is
// ErrLoop. It is the kernel's MAXSYMLINKS, as SPEC §2 asks (systemd's own
// CHASE_MAX is 32).
const maxHops = 40

// pathMax bounds a symlink target, like the kernel's PATH_MAX; a longer
// target cannot exist on a real machine and would only feed a runaway walk.
const pathMax = 4096

var (
	// ErrLoop reports more than 40 symlink hops in one resolution.
	ErrLoop = errors.New("too many levels of symbolic links")
	// ErrTooLarge reports a file larger than MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrNotRegular reports a ReadFile of a directory, device, FIFO or socket.
	ErrNotRegular = errors.New("not a regular file")
	// ErrNotKept reports a file of a tar root whose contents were not kept in
	// memory (see Open for which ones are).
	ErrNotKept = errors.New("contents not kept")
)

// FS is an open root. Its methods are safe for concurrent use.
type FS struct {
	path   string
	b      backend
	image  *Image // the container image the root was read from, if any
	inside string // the archive's one top-level directory the root is read from

	clean    sync.Map                  // directories that resolve to themselves (resolveClean): few, written once, read for every name
	resolved [2]shardedMap[resolution] // the names resolve took the long way for, by followLast
	links    [2]shardedMap[link]       // where each symlink met on the long way leads (followLink), by more

	problems []error // what reading the root left out (Problems)
}

// backend is the storage under a root: a directory (dirFS) or an archive
// index (tarFS). Its names are already resolved — no component is a symlink,
// "." is the root — and its errors are bare (fs.ErrNotExist, syscall.Errno,
// ErrNotKept …): FS adds the operation and the caller's name.
type backend interface {
	lstat(name string) (fs.FileInfo, error)
	lmode(name string) (fs.FileMode, error) // lstat's Mode, perhaps without the permissions
	readlink(name string) (string, error)
	readFile(name string) ([]byte, error) // name is a regular file; over MaxFileSize is ErrTooLarge
	readDir(name string) ([]fs.DirEntry, error)
	close() error
}

// Open opens path as a root: a directory, or a tar archive, plain or
// gzip-compressed (recognised by its magic bytes, whatever the suffix).
//
// An archive is indexed in memory without being unpacked. Every header is
// kept, but file contents only for regular files of at most MaxFileSize that
// the booted machine reaches through one of keptPrefixes (etc/,
// lib/systemd/, usr/lib/systemd/, usr/local/lib/systemd/, run/systemd/,
// lib/init/, usr/share/insserv/), symlinks followed; ReadFile of any other
// file fails with ErrNotKept (programs in bin/ and sbin/ are only named,
// stat'ed and resolved). At most 256 MiB of contents are kept; past that
// ReadFile fails with ErrNotKept. The index holds at most 256 MiB (names,
// link targets and 176 bytes an entry) from at most 2 million headers;
// past that the rest of the archive is not read, and Problems says so.
// Members no file system could hold (a name or link target of PATH_MAX
// bytes or more, a name component longer than 255) are left out, and
// Problems counts them.
//
// A container image is read as the root its layers make (image.go,
// layers.go): an OCI image layout, a directory or an uncompressed tar,
// named oci:PATH[:TAG] or found by its oci-layout file, and a docker save
// archive, named docker-archive:PATH[:NAME:TAG] or found by its
// manifest.json. Its layers are applied in order, whiteouts included,
// under the limits of a tar root, which hold for the image as a whole;
// Image says what the image is.
func Open(path string) (*FS, error) {
	ref, named := parseImageRef(path)
	if !named {
		ref = imageRef{path: path}
	}
	switch f, err := openImage(ref); {
	case err == nil:
		f.path = path
		return f, nil
	case named:
		return nil, fmt.Errorf("reading image %s: %w", path, err)
	case !errors.Is(err, errNotImage):
		return nil, fmt.Errorf("reading image %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		d, err := openDirFS(path)
		if err != nil {
			return nil, err
		}
		return &FS{path: path, b: d}, nil
	}
	// A FIFO or device would block or never end; an empty file is no
	// image (tar would read it as an empty archive).
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a directory or a tar archive", path)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("%s: empty file, not a tar archive", path)
	}
	t, err := openTar(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return t, nil
}

// Problems returns what reading the root left out, for one diagnostic
// each: an archive read in part (an error wrapping ErrPartial: what the
// rest holds is missing) or members left out. It is nil for a directory.
func (f *FS) Problems() []error { return f.problems }

// Close releases the root.
func (f *FS) Close() error { return f.b.close() }

// Path returns what Open was given, for messages.
func (f *FS) Path() string { return f.path }

// Inside returns the top-level directory of an archive whose members are
// all under it (`tar czf image.tgz rootdir`), which the root is read from,
// or "": the caller says so, since the names in the archive are not the
// names in the root.
func (f *FS) Inside() string { return f.inside }

// Resolve follows every symlink in every component of name and returns the
// final path relative to the root: clean, without a leading slash, "." for
// the root itself. A name that resolves to /dev/null gives "dev/null" and no
// error, whether or not the root has a dev/null. When the final file (or a
// directory on the way) does not exist, Resolve returns the resolved path
// anyway together with an error wrapping fs.ErrNotExist, so that callers can
// report a dangling link with its target.
func (f *FS) Resolve(name string) (string, error) {
	r, err := f.resolve(name, true)
	if err != nil {
		return r, pathError("resolve", name, err)
	}
	return r, nil
}

// IsDevNull reports whether name resolves to /dev/null: a masked systemd unit,
// or a disabled service.
func (f *FS) IsDevNull(name string) bool {
	r, err := f.resolve(name, true)
	return err == nil && r == devNull
}

// ReadFile resolves name and returns the contents of the regular file it
// names. A directory, device or /dev/null gives an error wrapping
// ErrNotRegular, a file over MaxFileSize one wrapping ErrTooLarge.
func (f *FS) ReadFile(name string) ([]byte, error) {
	r, err := f.resolve(name, true)
	if err != nil {
		return nil, pathError("read", name, err)
	}
	mode, err := f.lmode(r)
	if err != nil {
		return nil, pathError("read", name, err)
	}
	if !mode.IsRegular() {
		return nil, pathError("read", name, ErrNotRegular)
	}
	data, err := f.b.readFile(r)
	if err != nil {
		return nil, pathError("read", name, err)
	}
	return data, nil
}

// ReadDir resolves the directory name and lists it, sorted by name. Entries
// describe the entries themselves, as os.ReadDir does: a symlink reports
// fs.ModeSymlink.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	r, err := f.resolve(name, true)
	if err != nil {
		return nil, pathError("readdir", name, err)
	}
	mode, err := f.lmode(r)
	if err != nil {
		return nil, pathError("readdir", name, err)
	}
	if !mode.IsDir() {
		return nil, pathError("readdir", name, syscall.ENOTDIR)
	}
	ents, err := f.b.readDir(r)
	if err != nil {
		return nil, pathError("readdir", name, err)
	}
	byName := func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) }
	if !slices.IsSortedFunc(ents, byName) { // a directory's backend sorts them already
		slices.SortFunc(ents, byName)
	}
	return ents, nil
}

// Lstat describes name itself: every component but the last is resolved.
// Like Stat, it describes dev/null as a character device even when the root
// has none.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	r, err := f.resolve(name, false)
	if err != nil {
		return nil, pathError("lstat", name, err)
	}
	fi, err := f.lstat(r)
	if err != nil {
		return nil, pathError("lstat", name, err)
	}
	return fi, nil
}

// Stat resolves name and describes the file it leads to (whose Name is the
// target's). /dev/null is always a character device, as on a booted machine.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	r, err := f.resolve(name, true)
	if err != nil {
		return nil, pathError("stat", name, err)
	}
	fi, err := f.lstat(r)
	if err != nil {
		return nil, pathError("stat", name, err)
	}
	return fi, nil
}

// Type returns the type bits of name itself (fs.ModeSymlink for a
// symlink, 0 for a regular file), as a DirEntry's Type does: every
// component but the last is resolved. For an entry a listing has named it
// costs no system call, where Lstat also reads size and permissions.
func (f *FS) Type(name string) (fs.FileMode, error) {
	if _, mode, ok := f.resolveClean(name, false); ok {
		return mode.Type(), nil // the look-up that resolved it
	}
	r, err := f.resolve(name, false)
	if err != nil {
		return 0, pathError("lstat", name, err)
	}
	mode, err := f.lmode(r)
	if err != nil {
		return 0, pathError("lstat", name, err)
	}
	return mode.Type(), nil
}

// Readlink returns the raw target of the symlink name, after resolving its
// parent directories. The target is not cleaned or re-anchored.
func (f *FS) Readlink(name string) (string, error) {
	r, mode, ok := f.resolveClean(name, false)
	if !ok {
		var err error
		if r, err = f.resolve(name, false); err != nil {
			return "", pathError("readlink", name, err)
		}
		if mode, err = f.lmode(r); err != nil {
			return "", pathError("readlink", name, err)
		}
	}
	if mode&fs.ModeSymlink == 0 {
		return "", pathError("readlink", name, syscall.EINVAL)
	}
	target, err := f.b.readlink(r)
	if err != nil {
		return "", pathError("readlink", name, err)
	}
	return target, nil
}

// lstat is the backend's lstat of a resolved name, except that dev/null
// always exists: a booted machine mounts devtmpfs over the image's /dev.
func (f *FS) lstat(r string) (fs.FileInfo, error) {
	fi, err := f.b.lstat(r)
	if r == devNull && (err != nil || fi.Mode()&fs.ModeCharDevice == 0) {
		return devNullInfo{}, nil
	}
	return fi, err
}

// lmode is lstat's Mode, as cheap as the backend can give it.
func (f *FS) lmode(r string) (fs.FileMode, error) {
	if r == devNull {
		fi, err := f.lstat(r)
		if err != nil {
			return 0, err
		}
		return fi.Mode(), nil
	}
	return f.b.lmode(r)
}

// pathError wraps err with the operation and the caller's name, cleaned and
// relative to the root. A *fs.PathError from below is unwrapped first, so that
// no host path and no doubled operation reaches a message.
func pathError(op, name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: cleanRel(name), Err: err}
}

// cleanRel cleans name lexically into a root-relative path: no leading slash,
// ".." clamped at the root, "." for the root.
func cleanRel(name string) string {
	c := path.Clean("/" + name)
	if c == "/" {
		return "."
	}
	return c[1:]
}

const devNull = "dev/null"

// devNullInfo describes /dev/null when the root has none of its own.
type devNullInfo struct{}

func (devNullInfo) Name() string       { return "null" }
func (devNullInfo) Size() int64        { return 0 }
func (devNullInfo) Mode() fs.FileMode  { return fs.ModeDevice | fs.ModeCharDevice | 0o666 }
func (devNullInfo) ModTime() time.Time { return time.Time{} }
func (devNullInfo) IsDir() bool        { return false }
func (devNullInfo) Sys() any           { return nil }
