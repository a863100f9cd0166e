package rootfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// keptPrefixes are the directories whose regular files a tar root keeps in
// memory: everything initorder reads (init scripts and their links, upstart
// jobs, systemd units and drop-ins, insserv configuration). Files outside
// them are kept too when the booted machine reaches them through these
// directories by symlinks (say etc/systemd/system/x.service ->
// /opt/x/x.service, or etc -> private/etc). Of the programs in bin, sbin,
// usr/bin and usr/sbin only the names, modes, sizes and links are read
// (which init sbin/init leads to, whether startpar and initctl are
// there), which every header gives: their contents, three quarters of a
// Debian image, are not kept.
var keptPrefixes = []string{
	"etc",
	"lib/systemd", "usr/lib/systemd", "usr/local/lib/systemd", "run/systemd",
	"lib/init", "usr/share/insserv",
}

const (
	maxKept    = 512 << 20 // bytes of file contents a tar root keeps
	maxEntries = 2_000_000 // headers, and index entries, a tar root accepts
)

var (
	errNotReached = fmt.Errorf("%w: not under %s/ in a tar root", ErrNotKept, strings.Join(keptPrefixes, "/, "))
	errOverBudget = fmt.Errorf("%w: over the %d MiB kept for a tar root", ErrNotKept, maxKept>>20)
)

// openTar indexes the archive at path. The first pass reads every header and
// the contents of regular files under keptPrefixes. Once the index is whole,
// the files reachable from keptPrefixes through symlinks are known; if some
// of them were not kept, a second pass reads just those.
func openTar(path string) (*FS, error) {
	t := &tarFS{files: map[string]*tarEntry{".": {mode: fs.ModeDir | 0o755}}}
	f := &FS{path: path, b: t}
	rc, err := openArchive(path)
	if err != nil {
		return nil, err
	}
	err = t.index(f, tar.NewReader(rc))
	rc.Close()
	if err != nil {
		return nil, err
	}
	t.link()
	if need := t.reachable(f); len(need) > 0 {
		rc, err := openArchive(path)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		if err := t.fill(tar.NewReader(rc), need, 0); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// openArchive opens the archive at path, decompressing it when its first
// bytes are gzip's magic number. It is the only function of the package that
// opens a file by host path, and path is the one given to Open.
func openArchive(path string) (io.ReadCloser, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(file)
	magic, _ := br.Peek(6)
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			file.Close()
			return nil, err
		}
		r = zr
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		file.Close()
		return nil, errors.New("xz-compressed archive: not supported, decompress it or use .tar.gz")
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		file.Close()
		return nil, errors.New("zstd-compressed archive: not supported, decompress it or use .tar.gz")
	case bytes.HasPrefix(magic, []byte("BZh")):
		file.Close()
		return nil, errors.New("bzip2-compressed archive: not supported, decompress it or use .tar.gz")
	}
	return struct {
		io.Reader
		io.Closer
	}{r, file}, nil
}

// index reads every header of tr into t.
func (t *tarFS) index(f *FS, tr *tar.Reader) error {
	for ord := 0; ; ord++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if ord >= maxEntries || len(t.files) >= maxEntries {
			return fmt.Errorf("more than %d entries", maxEntries)
		}
		if len(hdr.Name) > pathMax {
			continue // no booted machine can name it
		}
		e := t.entry(hdr, ord)
		if e == nil {
			continue
		}
		name := cleanRel(hdr.Name)
		if name == "." {
			if e.mode.IsDir() {
				t.files["."] = e
			}
			continue
		}
		// Members may start with "./" or "/" or climb with "..": cleanRel
		// anchors them all at the root. A duplicate replaces the earlier
		// member, as extracting the archive would.
		name = t.place(f, name)
		t.files[name] = e
		if e.mode.IsRegular() && e.ord == ord && hasKeptPrefix(name) {
			if err := t.keep(e, tr); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
}

// entry makes the index entry of hdr, or returns nil for a header that
// creates nothing (global PAX header, unknown type, hard link to nothing).
func (t *tarFS) entry(hdr *tar.Header, ord int) *tarEntry {
	perm := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		return &tarEntry{mode: perm, size: hdr.Size, mtime: hdr.ModTime, ord: ord, why: errNotReached}
	case tar.TypeDir:
		return &tarEntry{mode: fs.ModeDir | perm, mtime: hdr.ModTime}
	case tar.TypeSymlink:
		return &tarEntry{mode: fs.ModeSymlink | 0o777, link: hdr.Linkname, mtime: hdr.ModTime}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return &tarEntry{mode: hdr.FileInfo().Mode(), mtime: hdr.ModTime}
	case tar.TypeLink:
		// A hard link shares the entry of the member it names, as extraction
		// links it to the file already written; a later duplicate of that
		// member does not change it. A link to nothing is not created.
		target := t.files[cleanRel(hdr.Linkname)]
		if target == nil || target.mode.IsDir() {
			return nil
		}
		return target
	}
	return nil
}

// place returns where the member name lands and creates its implied parent
// directories. Extraction writes through a symlinked parent directory, so a
// member etc/foo read after a symlink etc -> private/etc lands in
// private/etc/foo.
func (t *tarFS) place(f *FS, name string) string {
	dir := parent(name)
	if t.underSymlink(dir) {
		if r, err := f.resolve(dir, true); err == nil {
			if e := t.files[r]; e != nil && e.mode.IsDir() {
				name = join(r, name[len(dir)+1:])
			}
		}
	}
	for d := parent(name); d != "."; d = parent(d) {
		if t.files[d] != nil {
			break
		}
		t.files[d] = &tarEntry{mode: fs.ModeDir | 0o755}
	}
	return name
}

// underSymlink reports whether dir or one of its parents is a symlink.
func (t *tarFS) underSymlink(dir string) bool {
	if dir == "." {
		return false
	}
	for i := 0; i <= len(dir); i++ {
		if i == len(dir) || dir[i] == '/' {
			if e := t.files[dir[:i]]; e != nil && e.mode&fs.ModeSymlink != 0 {
				return true
			}
		}
	}
	return false
}

// keep reads the contents of e from r, the archive positioned at its data,
// unless it is over MaxFileSize (ReadFile reports ErrTooLarge from the size)
// or would take the kept total over maxKept.
func (t *tarFS) keep(e *tarEntry, r io.Reader) error {
	switch {
	case e.size < 0 || e.size > MaxFileSize:
		return nil
	case t.kept+e.size > maxKept:
		e.why = errOverBudget
		return nil
	}
	data := make([]byte, e.size)
	if _, err := io.ReadFull(r, data); err != nil {
		return err
	}
	e.data, e.why = data, nil
	t.kept += e.size
	return nil
}

// fill reads the contents of the entries in need, keyed by the ordinal of
// their header, from a second pass over the archive, whose first header
// has the ordinal first (an image's layers count on from the layer below).
func (t *tarFS) fill(tr *tar.Reader, need map[int]*tarEntry, first int) error {
	for ord := first; len(need) > 0; ord++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e := need[ord]
		if e == nil {
			continue
		}
		delete(need, ord)
		if hdr.Size == e.size { // else the archive changed under us: leave it unkept
			if err := t.keep(e, tr); err != nil {
				return fmt.Errorf("%s: %w", hdr.Name, err)
			}
		}
	}
	return nil
}

func hasKeptPrefix(name string) bool {
	for _, p := range keptPrefixes {
		if strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}
