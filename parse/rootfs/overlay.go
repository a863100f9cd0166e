package rootfs

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"
)

// An Entry is a file or symlink that Overlay adds to a root: Link set
// makes a symlink to Link, else a regular file holding Data; Gone
// removes what the root has at that path instead.
type Entry struct {
	Data []byte
	Link string
	Gone bool
}

// Overlay returns a view of f in which every entry of files (by clean
// root-relative path) exists as well, with the directories above it: what
// a generator would have written into run/systemd before the manager
// reads its units. An entry hides what f has at its path; a directory of
// f that holds entries lists both. Symlinks among the entries are
// followed inside the root like any other. The view shares f's files and
// must not outlive it; closing it does not close f. Nothing is written.
func (f *FS) Overlay(files map[string]Entry) *FS {
	o := &overlay{base: f.b, files: map[string]Entry{}, dirs: map[string][]string{}, tops: map[string]bool{}}
	for name, e := range files {
		name = cleanRel(name)
		if name == "." {
			continue
		}
		top, _, _ := strings.Cut(name, "/")
		o.tops[top] = true
		o.files[name] = e
		for d, child := path.Dir(name), path.Base(name); ; d, child = path.Dir(d), path.Base(d) {
			if !slices.Contains(o.dirs[d], child) {
				o.dirs[d] = append(o.dirs[d], child)
			}
			if d == "." {
				break
			}
		}
	}
	return &FS{path: f.path, b: o, image: f.image, inside: f.inside}
}

// overlay is the backend of an Overlay: its entries and directories in
// memory, the rest from the base backend.
type overlay struct {
	base  backend
	files map[string]Entry
	dirs  map[string][]string // directory -> the names of its overlaid children
	tops  map[string]bool     // the first components of the entries: what else is the base's alone
}

// mine reports whether name may be an entry or directory of the
// overlay, cheaply: most names of a root are not under its top
// directories.
func (o *overlay) mine(name string) bool {
	if name == "." {
		return true
	}
	top, _, _ := strings.Cut(name, "/")
	return o.tops[top]
}

func (o *overlay) lstat(name string) (fs.FileInfo, error) {
	if !o.mine(name) {
		return o.base.lstat(name)
	}
	if e, ok := o.files[name]; ok {
		if e.Gone {
			return nil, fs.ErrNotExist
		}
		return memInfo{name: path.Base(name), entry: e}, nil
	}
	if _, ok := o.dirs[name]; ok {
		if fi, err := o.base.lstat(name); err == nil && fi.IsDir() {
			return fi, nil
		}
		return memInfo{name: path.Base(name), dir: true}, nil
	}
	return o.base.lstat(name)
}

func (o *overlay) lmode(name string) (fs.FileMode, error) {
	if !o.mine(name) {
		return o.base.lmode(name)
	}
	if _, ok := o.files[name]; ok {
		fi, err := o.lstat(name)
		if err != nil {
			return 0, err
		}
		return fi.Mode(), nil
	}
	if _, ok := o.dirs[name]; ok {
		return fs.ModeDir | 0o755, nil
	}
	return o.base.lmode(name)
}

func (o *overlay) readlink(name string) (string, error) {
	if !o.mine(name) {
		return o.base.readlink(name)
	}
	if e, ok := o.files[name]; ok {
		switch {
		case e.Gone:
			return "", fs.ErrNotExist
		case e.Link == "":
			return "", syscall.EINVAL
		}
		return e.Link, nil
	}
	return o.base.readlink(name)
}

func (o *overlay) readFile(name string) ([]byte, error) {
	if !o.mine(name) {
		return o.base.readFile(name)
	}
	if e, ok := o.files[name]; ok {
		if e.Gone {
			return nil, fs.ErrNotExist
		}
		if len(e.Data) > MaxFileSize {
			return nil, ErrTooLarge
		}
		return e.Data, nil
	}
	return o.base.readFile(name)
}

func (o *overlay) readDir(name string) ([]fs.DirEntry, error) {
	children, ok := o.dirs[name]
	if !ok {
		return o.base.readDir(name)
	}
	var ents []fs.DirEntry
	if fi, err := o.base.lstat(name); err == nil && fi.IsDir() {
		base, err := o.base.readDir(name)
		if err != nil {
			return nil, err
		}
		for _, e := range base {
			if !slices.Contains(children, e.Name()) {
				ents = append(ents, e)
			}
		}
	}
	for _, c := range children {
		fi, err := o.lstat(strings.TrimPrefix(name+"/"+c, "./"))
		if err != nil {
			continue // gone
		}
		ents = append(ents, fs.FileInfoToDirEntry(fi))
	}
	return ents, nil
}

func (o *overlay) close() error { return nil }

// memInfo describes an overlaid entry or directory.
type memInfo struct {
	name  string
	entry Entry
	dir   bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64 {
	if i.entry.Link != "" {
		return int64(len(i.entry.Link))
	}
	return int64(len(i.entry.Data))
}
func (i memInfo) Mode() fs.FileMode {
	switch {
	case i.dir:
		return fs.ModeDir | 0o755
	case i.entry.Link != "":
		return fs.ModeSymlink | 0o777
	}
	return 0o644
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
