package rootfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// dirFS is a root that is a directory on the host. Every access goes through
// an os.Root, which refuses any name that would leave the directory; resolve
// only ever hands it names whose components are not symlinks, so the refusal
// is a second wall that is never hit in practice. Absolute symlinks are not
// given to os.Root to follow (it would refuse them): resolve re-anchors them.
//
// A root is read as a snapshot: lstat and readlink results are remembered, so that
// resolving etc/init.d/a, etc/init.d/b ... does not lstat etc and
// etc/init.d again for every name (os.Root walks every component of a
// name on each call, so without this a name of depth d costs d² system
// calls), and a directory listing primes the cache with its entries.
type dirFS struct {
	root *os.Root

	mu    sync.Mutex
	stats map[string]lstatResult
	links map[string]readlinkResult
	dirs  map[string]*os.Root // directories opened as roots of their own, by name
}

// maxDirRoots bounds the directories dirFS keeps open.
const maxDirRoots = 256

// dirRoot returns an os.Root for the directory dir ("." for the root),
// opened once and kept, so that a name in it costs one system call
// instead of one per component. Past maxDirRoots it returns nil.
func (d *dirFS) dirRoot(dir string) *os.Root {
	if dir == "." || dir == "" {
		return d.root
	}
	d.mu.Lock()
	r, ok := d.dirs[dir]
	full := len(d.dirs) >= maxDirRoots
	d.mu.Unlock()
	if ok || full {
		return r
	}
	r, err := d.root.OpenRoot(dir)
	if err != nil {
		r = nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirs == nil {
		d.dirs = make(map[string]*os.Root)
	}
	if old, ok := d.dirs[dir]; ok { // opened meanwhile by another goroutine
		if r != nil {
			r.Close()
		}
		return old
	}
	d.dirs[dir] = r
	return r
}

// in returns the root to use for name and name relative to it.
func (d *dirFS) in(name string) (*os.Root, string) {
	dir, base := parent(name), name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		base = name[i+1:]
	}
	if r := d.dirRoot(dir); r != nil && r != d.root {
		return r, base
	}
	return d.root, name
}

type lstatResult struct {
	fi  fs.FileInfo
	err error
}

func (d *dirFS) lstat(name string) (fs.FileInfo, error) {
	d.mu.Lock()
	c, ok := d.stats[name]
	d.mu.Unlock()
	if ok {
		return c.fi, c.err
	}
	r, rel := d.in(name)
	fi, err := r.Lstat(rel)
	d.remember(name, fi, err)
	return fi, err
}

func (d *dirFS) remember(name string, fi fs.FileInfo, err error) {
	if fi != nil {
		fi = compactInfo(fi)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stats == nil {
		d.stats = make(map[string]lstatResult)
	}
	d.stats[name] = lstatResult{fi, err}
}

// readlink reads the symlink name, once: a unit's .wants/ link is read
// to resolve it and again for its target.
func (d *dirFS) readlink(name string) (string, error) {
	d.mu.Lock()
	c, ok := d.links[name]
	d.mu.Unlock()
	if ok {
		return c.target, c.err
	}
	r, rel := d.in(name)
	target, err := r.Readlink(rel)
	d.mu.Lock()
	if d.links == nil {
		d.links = make(map[string]readlinkResult)
	}
	d.links[name] = readlinkResult{target, err}
	d.mu.Unlock()
	return target, err
}

type readlinkResult struct {
	target string
	err    error
}

// readFile reads the regular file name. It opens without blocking, so that a
// FIFO swapped in after resolve's lstat cannot hang the read, and checks the
// opened file again: type, and size both before and while reading.
func (d *dirFS) readFile(name string) ([]byte, error) {
	r, rel := d.in(name)
	f, err := r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), MaxFileSize)
	}
	// The size stat gave, read in one buffer of that size (what a file
	// grows by after the stat is not read).
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF: // it shrank
		return data[:n], nil
	case err != nil:
		return nil, err
	}
	if n > 0 {
		return data, nil // the usual case: what stat said, in one read
	}
	// An empty file, or one that says so (procfs): read on, up to the limit.
	var one [1]byte
	if m, _ := f.Read(one[:]); m == 0 {
		return data, nil
	}
	buf := bytes.NewBuffer(append(data, one[0]))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize-int64(n))); err != nil {
		return nil, err
	}
	data = buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)
	}
	return data, nil
}

// readDir lists the directory name. It reads names from the open directory
// and describes each with the Root's Lstat, rather than os.File.ReadDir,
// whose DirEntry.Info may lstat by host path. An entry removed in between is
// left out.
func (d *dirFS) readDir(name string) ([]fs.DirEntry, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	dr := d.dirRoot(name)
	infos := make([]fs.FileInfo, len(names))
	errs := make([]error, len(names))
	stat := func(k int) {
		if dr != nil {
			infos[k], errs[k] = dr.Lstat(names[k])
		} else {
			infos[k], errs[k] = d.root.Lstat(join(name, names[k]))
		}
		d.remember(join(name, names[k]), infos[k], errs[k])
	}
	// A big directory (lib/systemd/system, multi-user.target.wants) is
	// described on every core: one lstat an entry is most of its cost.
	if len(names) >= 1024 {
		onEveryCore(len(names), stat)
	} else {
		for k := range names {
			stat(k)
		}
	}
	ents := make([]fs.DirEntry, 0, len(names))
	for k := range names {
		if errors.Is(errs[k], fs.ErrNotExist) {
			continue
		}
		if errs[k] != nil {
			return nil, errs[k]
		}
		ents = append(ents, fs.FileInfoToDirEntry(compactInfo(infos[k])))
	}
	return ents, nil
}

// onEveryCore runs f(0) ... f(n-1) on GOMAXPROCS goroutines.
func onEveryCore(n int, f func(k int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
				f(k)
			}
		})
	}
	wg.Wait()
}

func (d *dirFS) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.dirs {
		if r != nil {
			r.Close()
		}
	}
	d.dirs = nil
	return d.root.Close()
}

// statInfo is what a root's reader needs of an lstat: a fraction of
// the memory of the os package's FileInfo with its whole syscall.Stat_t
// (a root of 250,000 entries keeps them all).
type statInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func compactInfo(fi fs.FileInfo) fs.FileInfo {
	if c, ok := fi.(*statInfo); ok {
		return c
	}
	return &statInfo{name: fi.Name(), size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime()}
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.size }
func (s *statInfo) Mode() fs.FileMode  { return s.mode }
func (s *statInfo) ModTime() time.Time { return s.mtime }
func (s *statInfo) IsDir() bool        { return s.mode.IsDir() }
func (s *statInfo) Sys() any           { return nil }
