package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Changes are symlinks to read as if a tool had made or removed them in
// the root: the links `update-rc.d NAME defaults` or `systemctl
// preset-all` would leave. Nothing is written anywhere.
type Changes struct {
	// Links maps a root-relative path to the target of a symlink made
	// there (a link that exists is replaced). Missing parent directories
	// are made too.
	Links map[string]string
	// Removed are root-relative paths of entries that are gone.
	Removed []string
}

// With returns a root that reads as f does, with the changes made: each
// added link is a symlink (its parents directories), each removed path is
// absent from its directory. The directories on the way to an added link
// are resolved in f first, so that a change lands where the tool would
// make it (etc/rc2.d when etc is a link elsewhere). f must stay open while
// the new root is used; closing the new root does not close f.
func (f *FS) With(c Changes) (*FS, error) {
	o := &overlay{base: f.b, links: map[string]string{}, removed: map[string]bool{}, dirs: map[string]map[string]bool{}}
	place := func(p string) (string, error) {
		p = cleanRel(p)
		if p == "." {
			return "", fmt.Errorf("%s: not a path in the root", p)
		}
		dir, base := path.Split(p)
		if dir == "" {
			return base, nil
		}
		// A directory that does not exist (yet) is made where the part of
		// its path that exists leads: resolve returns that path with the
		// error.
		rdir, err := f.resolve(strings.TrimSuffix(dir, "/"), true)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		return join(rdir, base), nil
	}
	for _, p := range c.Removed {
		r, err := place(p)
		if err != nil {
			return nil, err
		}
		o.removed[r] = true
	}
	names := make([]string, 0, len(c.Links))
	for p := range c.Links {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		r, err := place(p)
		if err != nil {
			return nil, err
		}
		o.links[r] = c.Links[p]
		delete(o.removed, r)
		for d, base := parent(r), path.Base(r); ; d, base = parent(d), path.Base(d) {
			if o.dirs[d] == nil {
				o.dirs[d] = map[string]bool{}
			}
			o.dirs[d][base] = true
			if d == "." {
				break
			}
		}
	}
	return &FS{path: f.path, b: o}, nil
}

// overlay is a backend that adds symlinks to another one and hides
// entries of it.
type overlay struct {
	base    backend
	links   map[string]string          // resolved path -> link target
	removed map[string]bool            // resolved paths hidden
	dirs    map[string]map[string]bool // directory -> the names added in it
}

func (o *overlay) lstat(name string) (fs.FileInfo, error) {
	switch {
	case o.links[name] != "":
		return overlayInfo{path.Base(name), fs.ModeSymlink | 0o777, int64(len(o.links[name]))}, nil
	case o.removed[name]:
		return nil, fs.ErrNotExist
	}
	fi, err := o.base.lstat(name)
	if err != nil && o.dirs[name] != nil {
		return overlayInfo{path.Base(name), fs.ModeDir | 0o755, 0}, nil
	}
	return fi, err
}

func (o *overlay) lmode(name string) (fs.FileMode, error) {
	switch {
	case o.links[name] != "":
		return fs.ModeSymlink | 0o777, nil
	case o.removed[name]:
		return 0, fs.ErrNotExist
	}
	m, err := o.base.lmode(name)
	if err != nil && o.dirs[name] != nil {
		return fs.ModeDir | 0o755, nil
	}
	return m, err
}

func (o *overlay) readlink(name string) (string, error) {
	switch {
	case o.links[name] != "":
		return o.links[name], nil
	case o.removed[name]:
		return "", fs.ErrNotExist
	}
	return o.base.readlink(name)
}

func (o *overlay) readFile(name string) ([]byte, error) {
	if o.removed[name] {
		return nil, fs.ErrNotExist
	}
	return o.base.readFile(name)
}

func (o *overlay) readDir(name string) ([]fs.DirEntry, error) {
	ents, err := o.base.readDir(name)
	added := o.dirs[name]
	if err != nil && added == nil {
		return nil, err
	}
	out := ents[:0:0]
	for _, e := range ents {
		p := join(name, e.Name())
		if o.removed[p] || added[e.Name()] {
			continue
		}
		out = append(out, e)
	}
	for n := range added {
		fi, err := o.lstat(join(name, n))
		if err != nil {
			continue
		}
		out = append(out, fs.FileInfoToDirEntry(fi))
	}
	return out, nil
}

func (o *overlay) close() error { return nil }

// overlayInfo describes an added link or directory.
type overlayInfo struct {
	name string
	mode fs.FileMode
	size int64
}

func (i overlayInfo) Name() string       { return i.name }
func (i overlayInfo) Size() int64        { return i.size }
func (i overlayInfo) Mode() fs.FileMode  { return i.mode }
func (i overlayInfo) ModTime() time.Time { return time.Time{} }
func (i overlayInfo) IsDir() bool        { return i.mode.IsDir() }
func (i overlayInfo) Sys() any           { return nil }
