package rootfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// dirFS is a root that is a directory on the host. Every access goes through
// an os.Root, which refuses any name that would leave the directory; resolve
// only ever hands it names whose components are not symlinks, so the refusal
// is a second wall that is never hit in practice. Absolute symlinks are not
// given to os.Root to follow (it would refuse them): resolve re-anchors them.
type dirFS struct {
	root *os.Root
}

func (d *dirFS) lstat(name string) (fs.FileInfo, error) {
	return d.root.Lstat(name)
}

func (d *dirFS) readlink(name string) (string, error) {
	return d.root.Readlink(name)
}

// readFile reads the regular file name. It opens without blocking, so that a
// FIFO swapped in after resolve's lstat cannot hang the read, and checks the
// opened file again: type, and size both before and while reading.
func (d *dirFS) readFile(name string) ([]byte, error) {
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
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
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
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
	ents := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		fi, err := d.root.Lstat(join(name, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ents = append(ents, fs.FileInfoToDirEntry(fi))
	}
	return ents, nil
}

func (d *dirFS) close() error { return d.root.Close() }
