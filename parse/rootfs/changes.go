package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
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

// With returns a root that reads as f does with the changes made: an
// Overlay of f whose entries land where the tool would make them, the
// directories on the way resolved in f first (etc/rc2.d when etc is a
// link elsewhere), a directory that does not exist made where the part of
// its path that exists leads. f must stay open while the new root is
// used; closing the new root does not close f.
func (f *FS) With(c Changes) (*FS, error) {
	place := func(p string) (string, error) {
		p = cleanRel(p)
		if p == "." {
			return "", fmt.Errorf("%s: not a path in the root", p)
		}
		dir, base := path.Split(p)
		if dir == "" {
			return base, nil
		}
		rdir, err := f.resolve(strings.TrimSuffix(dir, "/"), true)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		return join(rdir, base), nil
	}
	files := map[string]Entry{}
	for _, p := range c.Removed {
		r, err := place(p)
		if err != nil {
			return nil, err
		}
		files[r] = Entry{Gone: true}
	}
	for p, target := range c.Links {
		r, err := place(p)
		if err != nil {
			return nil, err
		}
		files[r] = Entry{Link: target}
	}
	return f.Overlay(files), nil
}
