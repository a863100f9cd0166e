package rootfs

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"syscall"
	"time"
)

// tarFS is a root that is a tar archive, held as an in-memory index from
// clean root-relative names ("." is the root) to entries. It is built by
// openTar and read-only afterwards.
type tarFS struct {
	files  map[string]*tarEntry
	kids   map[string][]string // directory → sorted child names, built by link
	limits tarLimits
	kept   int64  // bytes of contents held
	size   int64  // bytes of index (tarLimits.index)
	strip  string // "dir/": the top-level directory the root is read from, cut from every name
	guess  bool   // strip is the first member's directory, guessed (guessTop)
	buf    []byte // what keep reads a file into, while indexing

	odd      int    // members left out: no file system holds them (holdable)
	firstOdd string // the name of the first
	stop     *tarStop
}

func newTarFS(l tarLimits) *tarFS {
	return &tarFS{files: map[string]*tarEntry{".": {mode: fs.ModeDir | 0o755}}, limits: l}
}

// tarEntry is one file of the archive. Hard links share one entry. It
// is 48 bytes: an archive of a million small files keeps a million.
type tarEntry struct {
	// text is the target of a symlink, raw, or the contents of a regular
	// file when kept (why is kept).
	text  string
	size  int64 // of a regular file
	mtime int64 // seconds since 1970
	nsec  int32 // and nanoseconds
	ord   int32 // ordinal of the header holding the contents
	mode  fs.FileMode
	why   keptState // of a regular file: whether text holds its contents, and why not
}

// keptState says whether the contents of a regular file are kept, and if
// not, why.
type keptState uint8

const (
	notReached keptState = iota // not under keptPrefixes, nor reached from them (yet)
	kept
	overLimit // over tarLimits.kept
	cutShort  // the archive ends in its contents
)

// keptError is why the contents of e are not kept, for ReadFile.
func (t *tarFS) keptError(e *tarEntry) error {
	switch e.why {
	case overLimit:
		return fmt.Errorf("%w: over the %d MiB kept for a tar root", ErrNotKept, t.limits.kept>>20)
	case cutShort:
		return fmt.Errorf("%w: the archive ends in its contents", ErrNotKept)
	}
	return errNotReached
}

// link records each entry in its parent directory. An entry whose parent was
// replaced by a non-directory is left out, as it is unreachable.
func (t *tarFS) link() {
	t.kids = make(map[string][]string)
	for k := range t.files {
		if k == "." {
			continue
		}
		d := parent(k)
		if e := t.files[d]; e == nil || !e.mode.IsDir() {
			continue
		}
		base := k
		if d != "." {
			base = k[len(d)+1:]
		}
		t.kids[d] = append(t.kids[d], base)
	}
	for _, v := range t.kids {
		slices.Sort(v)
	}
}

// reachable returns the regular files, by header ordinal, that the booted
// machine reaches from keptPrefixes, following symlinks, and whose contents
// were not kept. Each directory is walked once, so link cycles end; it runs
// in O(entries walked × cost of resolving a symlink).
func (t *tarFS) reachable(f *FS) map[int]*tarEntry {
	need := make(map[int]*tarEntry)
	seen := make(map[string]bool)
	var stack []string
	visit := func(p string) {
		switch e := t.files[p]; {
		case e == nil:
		case e.mode.IsDir():
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		case e.mode.IsRegular() && e.why != kept && e.size <= MaxFileSize:
			need[int(e.ord)] = e
		}
	}
	for _, p := range keptPrefixes {
		if r, err := f.resolve(p, true); err == nil {
			visit(r)
		}
	}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range t.kids[d] {
			p := join(d, k)
			if t.files[p].mode&fs.ModeSymlink != 0 {
				r, err := f.resolve(p, true)
				if err != nil {
					continue
				}
				p = r
			}
			visit(p)
		}
	}
	return need
}

func (t *tarFS) lstat(name string) (fs.FileInfo, error) {
	e := t.files[name]
	if e == nil {
		return nil, fs.ErrNotExist
	}
	base := name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		base = name[i+1:]
	}
	return tarInfo{base, e}, nil
}

func (t *tarFS) readlink(name string) (string, error) {
	e := t.files[name]
	switch {
	case e == nil:
		return "", fs.ErrNotExist
	case e.mode&fs.ModeSymlink == 0:
		return "", syscall.EINVAL
	}
	return e.text, nil
}

func (t *tarFS) lmode(name string) (fs.FileMode, error) {
	e := t.files[name]
	if e == nil {
		return 0, fs.ErrNotExist
	}
	return e.mode, nil
}

// readFile returns a copy of the kept contents, so that callers may modify it.
func (t *tarFS) readFile(name string) ([]byte, error) {
	e := t.files[name]
	switch {
	case e == nil:
		return nil, fs.ErrNotExist
	case e.size > MaxFileSize:
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, e.size, MaxFileSize)
	case e.why != kept:
		return nil, t.keptError(e)
	}
	return []byte(e.text), nil
}

func (t *tarFS) readDir(name string) ([]fs.DirEntry, error) {
	kids := t.kids[name]
	ents := make([]fs.DirEntry, len(kids))
	for i, k := range kids {
		ents[i] = fs.FileInfoToDirEntry(tarInfo{k, t.files[join(name, k)]})
	}
	return ents, nil
}

func (t *tarFS) close() error {
	t.files, t.kids = nil, nil
	return nil
}

// tarInfo describes an entry of a tar root.
type tarInfo struct {
	name string
	e    *tarEntry
}

func (i tarInfo) Name() string       { return i.name }
func (i tarInfo) Mode() fs.FileMode  { return i.e.mode }
func (i tarInfo) ModTime() time.Time { return time.Unix(i.e.mtime, int64(i.e.nsec)) }
func (i tarInfo) IsDir() bool        { return i.e.mode.IsDir() }
func (i tarInfo) Sys() any           { return nil }

func (i tarInfo) Size() int64 {
	switch {
	case i.e.mode.IsRegular():
		return i.e.size
	case i.e.mode&fs.ModeSymlink != 0:
		return int64(len(i.e.text))
	}
	return 0
}
