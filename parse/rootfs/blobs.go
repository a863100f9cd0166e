package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// blobs is where an image's files live: the directory of an OCI image
// layout, or the members of an uncompressed image archive (an OCI layout
// packed in a tar, or a docker save archive). Names are slash-separated
// and relative to the layout ("index.json", "blobs/sha256/…").
type blobs interface {
	// open returns the contents of the regular file name and its size.
	open(name string) (io.ReadCloser, int64, error)
	close() error
}

// maxMeta bounds a JSON file of an image (index, manifest, config): the
// OCI distribution spec lets registries refuse manifests over 4 MiB, and
// a config is smaller than its manifest's layers would make one think.
const maxMeta = 4 << 20

// readMeta reads the JSON file name of b, at most maxMeta bytes.
func readMeta(b blobs, name string) ([]byte, error) {
	rc, size, err := b.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxMeta {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d an image's JSON may have", name, size, maxMeta)
	}
	data, err := io.ReadAll(io.LimitReader(rc, maxMeta+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxMeta {
		return nil, fmt.Errorf("%s: more than the %d bytes an image's JSON may have", name, maxMeta)
	}
	return data, nil
}

// dirBlobs is an OCI image layout directory, read through an os.Root: no
// name, and no symlink in the layout, leads outside it.
type dirBlobs struct{ root *os.Root }

func openDirBlobs(path string) (*dirBlobs, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &dirBlobs{r}, nil
}

// open opens name without blocking (a FIFO planted as a blob would wait
// for a writer forever) and refuses anything but a regular file.
func (d *dirBlobs) open(name string) (io.ReadCloser, int64, error) {
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
	}
	return f, fi.Size(), nil
}

func (d *dirBlobs) close() error { return d.root.Close() }

// tarBlobs is an uncompressed image archive: an index of its members'
// offsets, read through the one file Open opened.
type tarBlobs struct {
	file    *os.File
	members map[string]tarMember // by clean name; the first member of a name
}

type tarMember struct {
	off, size int64
	typ       byte
	link      string
}

// maxArchiveMembers bounds the members of an image archive: blobs and a
// few JSON files, a handful per layer.
const maxArchiveMembers = 100_000

// indexArchive lists the members of the tar file f, seeking over their
// contents. A compressed or unreadable archive gives an error.
func indexArchive(f *os.File) (*tarBlobs, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sr := io.NewSectionReader(f, 0, fi.Size())
	tr := tar.NewReader(sr)
	b := &tarBlobs{file: f, members: map[string]tarMember{}}
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= maxArchiveMembers {
			return nil, fmt.Errorf("more than %d members", maxArchiveMembers)
		}
		off, err := sr.Seek(0, io.SeekCurrent) // archive/tar reads headers unbuffered
		if err != nil {
			return nil, err
		}
		name := cleanRel(hdr.Name)
		if _, dup := b.members[name]; dup || len(hdr.Name) > pathMax {
			continue
		}
		b.members[name] = tarMember{off: off, size: hdr.Size, typ: hdr.Typeflag, link: hdr.Linkname}
	}
}

// lookup finds the member name, following symbolic and hard links between
// members the way go-containerregistry's tarball package does (relative to
// the link's directory), at most maxHops of them.
func (b *tarBlobs) lookup(name string) (tarMember, error) {
	name = cleanRel(name)
	for range maxHops {
		m, ok := b.members[name]
		switch {
		case !ok:
			return m, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		case m.typ == tar.TypeSymlink || m.typ == tar.TypeLink:
			name = cleanRel(path.Join(path.Dir(name), m.link))
			continue
		case m.typ != tar.TypeReg:
			return m, &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
		}
		return m, nil
	}
	return tarMember{}, &fs.PathError{Op: "open", Path: name, Err: ErrLoop}
}

func (b *tarBlobs) has(name string) bool {
	_, err := b.lookup(name)
	return err == nil
}

func (b *tarBlobs) open(name string) (io.ReadCloser, int64, error) {
	m, err := b.lookup(name)
	if err != nil {
		return nil, 0, err
	}
	return io.NopCloser(io.NewSectionReader(b.file, m.off, m.size)), m.size, nil
}

// whole is the archive as a stream from its start, for go-containerregistry's
// tarball package, which finds members itself. Seeking keeps it from reading
// the layers it passes over.
func (b *tarBlobs) whole() (io.ReadCloser, error) {
	fi, err := b.file.Stat()
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.NewSectionReader(b.file, 0, fi.Size())), nil
}

func (b *tarBlobs) close() error { return b.file.Close() }

var errNotImage = errors.New("not an image")
