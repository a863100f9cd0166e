package rootfs

import (
	"errors"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// dirFS is a root that is a directory on the host. Every access is made
// on an open directory of the root (a dirHandle: dir_linux.go,
// dir_other.go) with one name component that is neither "." nor "..",
// without following a symlink; resolve only ever hands it names whose
// components are not symlinks, and the directories on the way are opened
// the same way from the root down. Absolute symlinks are never given to
// the host to follow: resolve re-anchors them.
//
// A root is read as a snapshot: lstat and readlink results are remembered,
// so that resolving etc/init.d/a, etc/init.d/b ... does not lstat etc and
// etc/init.d again for every name, and a directory listing primes the
// cache with the type of each entry (its size and permissions are read
// when asked for). Directories are kept open, up to a budget of file
// descriptors, so that a name in one costs one system call; past the
// budget the directory used least recently is closed to make room.
type dirFS struct {
	root     dirHandle
	rootInfo fs.FileInfo
	rootGen  uint32 // rootGen if root.private(), else 0
	maxDirs  int

	// open is held for reading by every access and for writing by close,
	// so that no descriptor is used after it is closed (its number could
	// be another file's by then).
	open   sync.RWMutex
	closed atomic.Bool // set under open: a name remembered is found without it

	stats shardedMap[lstatResult]
	links shardedMap[readlinkResult]

	mu   sync.Mutex
	dirs map[string]*keptDir // directories kept open, by name
	lru  dirList             // the same, the one used last first
	gen  uint32              // the last keptDir.gen given
}

// rootGen is the generation of the root's own handle (keptDir.gen).
const rootGen = 1

func openDirFS(path string) (*dirFS, error) {
	h, err := openRootDir(path)
	if err != nil {
		return nil, err
	}
	fi, err := h.stat()
	if err != nil {
		h.close()
		return nil, err
	}
	var gen uint32
	if h.private() {
		gen = rootGen
	}
	return &dirFS{
		root: h, rootInfo: fi, rootGen: gen, gen: rootGen, maxDirs: dirBudget,
		dirs: map[string]*keptDir{},
	}, nil
}

// lstatResult is an lstat remembered: 48 bytes in the map, no FileInfo of
// its own (a root of a million files remembers a million).
type lstatResult struct {
	st      fileStat
	err     error
	partial bool   // st holds the type of the entry only, from a listing
	via     uint32 // the keptDir.gen of the handle it was made through, or 0
}

type readlinkResult struct {
	target string
	err    error
}

// dirent is an entry of a directory listing: its name and type.
type dirent struct {
	name  string
	typ   fs.FileMode
	known bool
}

// split returns the directory of a resolved name and its last component.
func split(name string) (string, string) {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return ".", name
}

// handle returns an open handle of the directory dir, opened component by
// component from the nearest directory kept open when it is not kept yet,
// and the function that releases it.
func (d *dirFS) handle(dir string) (dirHandle, func(), error) {
	h, _, release, err := d.handlePrivate(dir)
	return h, release, err
}

// handlePrivate is handle, and returns the keptDir.gen of the handle
// when it is kept open and private (dirHandle.private), else 0.
func (d *dirFS) handlePrivate(dir string) (dirHandle, uint32, func(), error) {
	if dir == "." || dir == "" {
		return d.root, d.rootGen, func() {}, nil
	}
	d.mu.Lock()
	k, ok := d.dirs[dir]
	if ok {
		k.refs++
		d.lru.moveToFront(k)
	}
	d.mu.Unlock()
	if ok {
		return k.h, k.gen, func() { d.unref(k) }, nil
	}
	pdir, base := split(dir)
	p, release, err := d.handle(pdir)
	if err != nil {
		return p, 0, nil, err
	}
	h, err := p.openDir(base)
	release()
	if err != nil {
		return h, 0, nil, onTheWay(dir, err)
	}
	h, gen, release := d.keep(dir, h)
	return h, gen, release, nil
}

// DirError is an error opening a directory on the way to a name, other than
// its absence: an unreadable etc gives "stat etc/init.d: directory etc:
// permission denied", not an error that seems to be etc/init.d's own.
type DirError struct {
	Dir string // root-relative
	Err error
}

func (e *DirError) Error() string { return "directory " + e.Dir + ": " + e.Err.Error() }
func (e *DirError) Unwrap() error { return e.Err }

// onTheWay wraps an error of opening the directory dir on the way to a name.
func onTheWay(dir string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // os.Root's, with a host path
	}
	return &DirError{Dir: dir, Err: err}
}

// keep keeps h open as the directory dir and returns the handle to use
// (one kept already, if another access kept it first) with the function
// that releases it. Past the budget, the directory used least recently
// and by no one is closed to make room: a walk down directories deeper
// than the budget keeps the ones it is in, and each level costs one open,
// not a walk from the root. When nothing can be kept, h is closed on
// release. It returns too the keptDir.gen of the handle returned, 0 when
// it is not kept or not private (dirHandle.private): one fstat a
// directory opened.
func (d *dirFS) keep(dir string, h dirHandle) (dirHandle, uint32, func()) {
	private := h.private()
	d.mu.Lock()
	defer d.mu.Unlock()
	closeIt := func() { h.close() }
	if d.dirs == nil {
		return h, 0, closeIt
	}
	if k, ok := d.dirs[dir]; ok {
		h.close()
		k.refs++
		d.lru.moveToFront(k)
		return k.h, k.gen, func() { d.unref(k) }
	}
	room := false
	if len(d.dirs) < d.maxDirs {
		if keptDirs.Add(1) <= int64(dirBudget) {
			room = true
		} else {
			keptDirs.Add(-1)
		}
	}
	if !room {
		// The one used least recently, if no one is using it: its place
		// in the budget passes to dir.
		old := d.lru.oldestIdle()
		if old == nil || d.maxDirs == 0 {
			return h, 0, closeIt
		}
		d.lru.remove(old)
		delete(d.dirs, old.name)
		old.h.close()
	}
	k := &keptDir{name: dir, h: h, refs: 1}
	if private && d.gen < math.MaxUint32 {
		d.gen++
		k.gen = d.gen
	}
	d.dirs[dir] = k
	d.lru.pushFront(k)
	return h, k.gen, func() { d.unref(k) }
}

func (d *dirFS) unref(k *keptDir) {
	d.mu.Lock()
	k.refs--
	d.mu.Unlock()
}

// keptDir is a directory kept open; refs counts the accesses using it,
// which it is not closed under.
type keptDir struct {
	name string
	h    dirHandle
	// gen is, when h is private (dirHandle.private), a number no other
	// handle of the root has had, else 0. What an lstat or a listing made
	// through h says is remembered with it (lstatResult.via): readFile
	// trusts it only when reading through h itself, not through another
	// directory of the same name (the directory closed past the budget and
	// opened again, after someone renamed another in its place).
	gen        uint32
	refs       int
	prev, next *keptDir
}

// dirList is the kept directories, the one used last first.
type dirList struct{ head, tail *keptDir }

func (l *dirList) pushFront(k *keptDir) {
	k.prev, k.next = nil, l.head
	if l.head != nil {
		l.head.prev = k
	}
	l.head = k
	if l.tail == nil {
		l.tail = k
	}
}

func (l *dirList) remove(k *keptDir) {
	if k.prev != nil {
		k.prev.next = k.next
	} else {
		l.head = k.next
	}
	if k.next != nil {
		k.next.prev = k.prev
	} else {
		l.tail = k.prev
	}
	k.prev, k.next = nil, nil
}

func (l *dirList) moveToFront(k *keptDir) {
	if l.head != k {
		l.remove(k)
		l.pushFront(k)
	}
}

// oldestIdle is the directory used least recently that no access is
// using, or nil.
func (l *dirList) oldestIdle() *keptDir {
	for k := l.tail; k != nil; k = k.prev {
		if k.refs == 0 {
			return k
		}
	}
	return nil
}

// keptDirs counts the directories kept open by all roots.
var keptDirs atomic.Int64

// lmode returns the type of name (and its permissions, when they were
// read): all that resolve needs, which a listing gives without a system
// call an entry.
func (d *dirFS) lmode(name string) (fs.FileMode, error) {
	if d.closed.Load() {
		return 0, fs.ErrClosed
	}
	if c, ok := d.stats.get(name); ok {
		return c.st.mode, c.err
	}
	if !d.enter() {
		return 0, fs.ErrClosed
	}
	defer d.open.RUnlock()
	fi, err := d.doLstat(name)
	if err != nil {
		return 0, err
	}
	return fi.Mode(), nil
}

func (d *dirFS) lstat(name string) (fs.FileInfo, error) {
	if !d.enter() {
		return nil, fs.ErrClosed
	}
	defer d.open.RUnlock()
	return d.doLstat(name)
}

// enter begins an access: false when the root is closed. When true, the
// caller unlocks d.open for reading when done.
func (d *dirFS) enter() bool {
	d.open.RLock()
	if d.closed.Load() {
		d.open.RUnlock()
		return false
	}
	return true
}

func (d *dirFS) doLstat(name string) (fs.FileInfo, error) {
	if name == "." {
		return d.rootInfo, nil
	}
	dir, base := split(name)
	c, ok := d.stats.get(name)
	if ok && !c.partial {
		if c.err != nil {
			return nil, c.err
		}
		return &statInfo{name: base, fileStat: c.st}, nil
	}
	h, gen, release, err := d.handlePrivate(dir)
	var fi fs.FileInfo
	if err == nil {
		fi, err = h.lstat(base)
		release()
	}
	if cacheable(err) {
		r := lstatResult{err: err, via: gen}
		if err == nil {
			r.st = statOf(fi)
		}
		d.remember(name, r)
	}
	return fi, err
}

func (d *dirFS) remember(name string, r lstatResult) {
	d.stats.update(name, func(old lstatResult, ok bool) (lstatResult, bool) {
		return r, !ok || !r.partial || old.partial || old.err != nil // a listing does not replace a whole lstat
	})
}

// readlink reads the symlink name, once: a unit's .wants/ link is read
// to resolve it and again for its target.
func (d *dirFS) readlink(name string) (string, error) {
	if d.closed.Load() {
		return "", fs.ErrClosed
	}
	if c, ok := d.links.get(name); ok {
		return c.target, c.err
	}
	if !d.enter() {
		return "", fs.ErrClosed
	}
	defer d.open.RUnlock()
	dir, base := split(name)
	h, release, err := d.handle(dir)
	if err != nil {
		return "", err
	}
	target, err := h.readlink(base)
	release()
	if cacheable(err) {
		d.links.put(name, readlinkResult{target, err})
	}
	return target, err
}

// readFile reads the regular file name; what the open file says of
// itself (size, permissions) is remembered as its lstat. A file known to
// be regular (an lstat, or a listing, said so) in a private directory is
// opened directly (dirHandle.readFile), when the lstat or listing was made
// through the handle the file is read in (lstatResult.via).
func (d *dirFS) readFile(name string) ([]byte, error) {
	if !d.enter() {
		return nil, fs.ErrClosed
	}
	defer d.open.RUnlock()
	dir, base := split(name)
	h, gen, release, err := d.handlePrivate(dir)
	if err != nil {
		return nil, err
	}
	direct := false
	if gen != 0 {
		c, ok := d.stats.get(name)
		direct = ok && c.err == nil && c.via == gen && c.st.mode.IsRegular()
	}
	data, fi, err := h.readFile(base, direct)
	release()
	if err != nil {
		return nil, err
	}
	d.remember(name, lstatResult{st: statOf(fi), via: gen})
	return data, nil
}

// readDir lists the directory name, with the type of each entry. The
// directory opened for the listing is kept open for the names in it.
func (d *dirFS) readDir(name string) ([]fs.DirEntry, error) {
	if !d.enter() {
		return nil, fs.ErrClosed
	}
	defer d.open.RUnlock()
	var h dirHandle
	var err error
	var gen uint32 // of the handle listed (keptDir.gen)
	if name == "." {
		h, err = d.root.openDir(".") // the root itself
		gen = d.rootGen
	} else {
		pdir, base := split(name)
		var p dirHandle
		var release func()
		if p, release, err = d.handle(pdir); err == nil {
			h, err = p.openDir(base)
			release()
		}
	}
	if err != nil {
		return nil, err
	}
	list, err := h.list()
	if name == "." {
		h.close()
	} else {
		kh, kgen, release := d.keep(name, h)
		release()
		if kh == h { // else another handle of name was kept already: h is closed
			gen = kgen
		}
	}
	if err != nil {
		return nil, err
	}
	// The entries are made in one array, not one allocation each, in name
	// order (FS.ReadDir's), sorted here by their names, not through
	// fs.DirEntry: a third of listing 10,000 entries went to that sort.
	slices.SortFunc(list, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	ents := make([]fs.DirEntry, len(list))
	es := make([]dirEntry, len(list))
	for k, e := range list {
		full := join(name, e.name)
		d.remember(full, lstatResult{st: fileStat{mode: e.typ}, partial: true, via: gen})
		es[k] = dirEntry{d: d, path: full, e: e}
		ents[k] = &es[k]
	}
	return ents, nil
}

func (d *dirFS) close() error {
	d.open.Lock()
	defer d.open.Unlock()
	if d.closed.Load() {
		return fs.ErrClosed
	}
	d.closed.Store(true)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range d.dirs {
		k.h.close()
	}
	keptDirs.Add(-int64(len(d.dirs)))
	d.dirs = nil
	return d.root.close()
}

// checkBase refuses a name that is not one component of a directory: a
// dirHandle is given nothing else.
func checkBase(base string) error {
	if base == "" || base == "." || base == ".." || strings.IndexByte(base, '/') >= 0 || strings.IndexByte(base, 0) >= 0 {
		return &fs.PathError{Op: "open", Path: base, Err: fs.ErrInvalid}
	}
	return nil
}

// dirEntry is an entry of a listing; its Info is an lstat through the root.
type dirEntry struct {
	d    *dirFS
	path string
	e    dirent
}

func (e dirEntry) Name() string               { return e.e.name }
func (e dirEntry) IsDir() bool                { return e.e.typ.IsDir() }
func (e dirEntry) Type() fs.FileMode          { return e.e.typ }
func (e dirEntry) Info() (fs.FileInfo, error) { return e.d.lstat(e.path) }

// cacheable reports whether an outcome belongs to the snapshot of the
// root: what it holds, not a passing shortage of descriptors or memory.
func cacheable(err error) bool {
	return err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EACCES) || errors.Is(err, fs.ErrInvalid) ||
		errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, ErrLoop)
}

// fileStat is what a root's reader needs of an lstat: a fraction of
// the memory of the os package's FileInfo with its whole syscall.Stat_t
// (a root of 250,000 entries keeps them all).
type fileStat struct {
	size int64
	sec  int64 // modification time, seconds since 1970
	nsec int32 // and nanoseconds
	mode fs.FileMode
}

// statInfo is a fileStat and its name, as a FileInfo.
type statInfo struct {
	name string
	fileStat
}

// statOf is what fi says, as a fileStat.
func statOf(fi fs.FileInfo) fileStat {
	if s, ok := fi.(*statInfo); ok {
		return s.fileStat
	}
	t := fi.ModTime()
	return fileStat{size: fi.Size(), sec: t.Unix(), nsec: int32(t.Nanosecond()), mode: fi.Mode()}
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.size }
func (s *statInfo) Mode() fs.FileMode  { return s.mode }
func (s *statInfo) ModTime() time.Time { return time.Unix(s.sec, int64(s.nsec)) }
func (s *statInfo) IsDir() bool        { return s.mode.IsDir() }
func (s *statInfo) Sys() any           { return nil }
