//go:build !linux

package rootfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Elsewhere than on Linux a directory of the root is an os.Root, which
// refuses any name that would leave it; dirFS only ever hands it one
// name component that is not a symlink.

// dirHandle is an open directory of the root.
type dirHandle struct{ r *os.Root }

// openRootDir opens the directory path as the root.
func openRootDir(path string) (dirHandle, error) {
	r, err := os.OpenRoot(path)
	return dirHandle{r}, err
}

// openDir opens the directory base of h; "." opens h anew.
func (h dirHandle) openDir(base string) (dirHandle, error) {
	if base != "." {
		if err := checkBase(base); err != nil {
			return dirHandle{}, err
		}
	}
	r, err := h.r.OpenRoot(base)
	return dirHandle{r}, err
}

func (h dirHandle) lstat(base string) (fs.FileInfo, error) {
	if err := checkBase(base); err != nil {
		return nil, err
	}
	fi, err := h.r.Lstat(base)
	if err != nil {
		return nil, err
	}
	return compactInfo(fi), nil
}

func (h dirHandle) readlink(base string) (string, error) {
	if err := checkBase(base); err != nil {
		return "", err
	}
	return h.r.Readlink(base)
}

// readFile reads the regular file base of h. It opens without blocking,
// so that a FIFO swapped in after resolve's lstat cannot hang the read,
// and checks the opened file again: type, and size before reading.
// private is false: elsewhere than on Linux a file is always opened
// without blocking and checked after.
func (h dirHandle) private() bool { return false }

func (h dirHandle) readFile(base string, _ bool) ([]byte, fs.FileInfo, error) {
	if err := checkBase(base); err != nil {
		return nil, nil, err
	}
	f, err := h.r.OpenFile(base, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, ErrNotRegular
	}
	if fi.Size() > MaxFileSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), MaxFileSize)
	}
	fi = compactInfo(fi)
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF: // it shrank
		return data[:n], fi, nil
	case err != nil:
		return nil, nil, err
	}
	if n > 0 {
		return data, fi, nil
	}
	// An empty file, or one that says so (procfs): read on, up to the limit.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, nil, err
	}
	if buf.Len() > MaxFileSize {
		return nil, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)
	}
	return buf.Bytes(), fi, nil
}

// list reads the names in h and describes each with h's Lstat, rather
// than os.File.ReadDir, whose DirEntry.Info may lstat by host path. An
// entry removed in between is left out.
func (h dirHandle) list() ([]dirent, error) {
	f, err := h.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	ents := make([]dirent, 0, len(names))
	for _, n := range names {
		fi, err := h.r.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, err
		}
		ents = append(ents, dirent{name: n, typ: fi.Mode().Type(), known: true})
	}
	return ents, nil
}

func (h dirHandle) close() error { return h.r.Close() }

// stat describes the directory h itself.
func (h dirHandle) stat() (fs.FileInfo, error) {
	fi, err := h.r.Stat(".")
	if err != nil {
		return nil, err
	}
	return compactInfo(fi), nil
}

// dirBudget is how many directories the open roots keep open, together.
var dirBudget = 256

// compactInfo keeps of fi what statInfo holds.
func compactInfo(fi fs.FileInfo) fs.FileInfo {
	if c, ok := fi.(*statInfo); ok {
		return c
	}
	return &statInfo{name: fi.Name(), fileStat: statOf(fi)}
}
