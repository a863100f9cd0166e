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
	"path"
	"strings"
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

// tarBlobs is an image archive: an index of its members, read through the
// one file Open opened. An uncompressed archive's members are read where
// they are; a gzip-compressed one (docker save | gzip) cannot be read
// from the middle, so each member is found by decompressing the archive
// from its start again, and its small members (the JSON files) are kept
// from the pass that indexed it.
type tarBlobs struct {
	file    *os.File
	size    int64
	gz      bool
	kept    int64                // bytes of members kept in memory (gz)
	members map[string]tarMember // by clean name; the first member of a name
}

type tarMember struct {
	off, size int64 // off: in the uncompressed archive, for an uncompressed one
	ord       int   // the member's place among the archive's headers
	typ       byte
	link      string
	data      []byte // a gzip archive's JSON members, read as it was indexed
}

// maxArchiveMembers bounds the members of an image archive: blobs and a
// few JSON files, a handful per layer.
const maxArchiveMembers = 100_000

// maxSmallMember and maxKeptMembers bound what the index of a gzip
// archive keeps of its members: each member up to 64 KiB (and JSON files
// up to maxMeta), 16 MiB in all.
const (
	maxSmallMember = 64 << 10
	maxKeptMembers = 16 << 20
)

// maxGzipLayers bounds the layers of a gzip-compressed image archive:
// each costs a decompression of the archive up to it. Docker's overlay
// driver stops at 128 layers.
const maxGzipLayers = 128

// indexArchive lists the members of the tar file f, seeking over their
// contents, or, when f is gzip-compressed (gz), reading through them. A
// gzip archive's first member whose name starts with one of a root's own
// directories (etc/, usr/ ...) says it is a root, not an image: the index
// stops there with errNotImage rather than decompress the whole root
// once more. An unreadable archive gives an error.
func indexArchive(f *os.File, gz bool) (*tarBlobs, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := &tarBlobs{file: f, size: fi.Size(), gz: gz, members: map[string]tarMember{}}
	var sr *io.SectionReader
	var tr *tar.Reader
	if gz {
		rc, err := b.whole()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		tr = tar.NewReader(rc)
	} else {
		sr = io.NewSectionReader(f, 0, fi.Size())
		tr = tar.NewReader(sr)
	}
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
		name := cleanRel(hdr.Name)
		if _, dup := b.members[name]; dup || len(hdr.Name) > pathMax {
			continue
		}
		m := tarMember{size: hdr.Size, ord: n, typ: hdr.Typeflag, link: hdr.Linkname}
		if gz {
			first, _, _ := strings.Cut(name, "/")
			if rootDir[first] {
				return nil, errNotImage
			}
			// Keep the JSON files (manifest.json, index.json, configs,
			// manifests: a docker save's are blobs/sha256/HEX, without
			// .json) from this pass, rather than decompress the archive
			// up to each of them again.
			small := hdr.Size <= maxSmallMember || strings.HasSuffix(name, ".json") && hdr.Size <= maxMeta
			if hdr.Typeflag == tar.TypeReg && small && b.kept+hdr.Size <= maxKeptMembers {
				if m.data, err = io.ReadAll(tr); err != nil {
					return nil, err
				}
				b.kept += int64(len(m.data))
			}
		} else if m.off, err = sr.Seek(0, io.SeekCurrent); err != nil { // archive/tar reads headers unbuffered
			return nil, err
		}
		b.members[name] = m
	}
}

// rootDir are the top directories of a machine's root, which no image
// archive has.
var rootDir = map[string]bool{
	"bin": true, "boot": true, "dev": true, "etc": true, "home": true, "lib": true, "lib64": true,
	"opt": true, "proc": true, "root": true, "run": true, "sbin": true, "srv": true, "sys": true,
	"tmp": true, "usr": true, "var": true,
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
	switch {
	case err != nil:
		return nil, 0, err
	case !b.gz:
		return io.NopCloser(io.NewSectionReader(b.file, m.off, m.size)), m.size, nil
	case m.data != nil:
		return io.NopCloser(bytes.NewReader(m.data)), m.size, nil
	}
	rc, err := b.whole()
	if err != nil {
		return nil, 0, err
	}
	tr := tar.NewReader(rc)
	for range m.ord + 1 {
		if _, err := tr.Next(); err != nil {
			rc.Close()
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(tr, m.size), rc}, m.size, nil
}

// whole is the archive as a stream from its start, for go-containerregistry's
// tarball package, which finds members itself: uncompressed, it seeks over
// the layers it passes; compressed, it decompresses them.
func (b *tarBlobs) whole() (io.ReadCloser, error) {
	sr := io.NewSectionReader(b.file, 0, b.size)
	if !b.gz {
		return io.NopCloser(sr), nil
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(sr, 64<<10))
	if err != nil {
		return nil, err
	}
	return zr, nil
}

func (b *tarBlobs) close() error { return b.file.Close() }

var errNotImage = errors.New("not an image")
