//go:build linux

package rootfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// On Linux a directory of the root is an open file descriptor, and every
// access is a *at system call on it with one name component and
// O_NOFOLLOW (AT_SYMLINK_NOFOLLOW): what os.Root does for each component,
// without its bookkeeping. A name of one component, never "." or "..",
// opened without following a symlink, cannot leave the directory; the
// root's directories are opened that way from the root down, so nothing
// outside the root is reached. A file costs seven system calls (openat
// with O_PATH, fstat, its reopening through /proc/self/fd, fstat, read,
// two closes), four in a private directory (readFile), and a directory
// entry none: getdents gives its type.

// dirHandle is an open directory of the root.
type dirHandle int

// openRootDir opens the directory path as the root.
func openRootDir(path string) (dirHandle, error) {
	fd, err := retry(func() (int, error) { return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0) })
	return dirHandle(fd), err
}

// openDir opens the directory base of h; "." opens h anew (its own
// offset, for a listing).
func (h dirHandle) openDir(base string) (dirHandle, error) {
	if base != "." {
		if err := checkBase(base); err != nil {
			return -1, err
		}
	}
	fd, err := retry(func() (int, error) {
		return unix.Openat(int(h), base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	return dirHandle(fd), err
}

func (h dirHandle) lstat(base string) (fs.FileInfo, error) {
	if err := checkBase(base); err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstatat(int(h), base, &st, unix.AT_SYMLINK_NOFOLLOW) }); err != nil {
		return nil, err
	}
	return infoOf(base, &st), nil
}

func (h dirHandle) readlink(base string) (string, error) {
	if err := checkBase(base); err != nil {
		return "", err
	}
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := retry(func() (int, error) { return unix.Readlinkat(int(h), base, buf) })
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
		if size > pathMax {
			return "", unix.ENAMETOOLONG
		}
	}
}

// private reports whether no one but this process's user and root can
// change the entries of the directory h: it is owned by one of them and
// writable by neither its group nor others (where it has an ACL, the group
// bits are the ACL's mask, so a user the ACL lets write makes it not
// private). No one who could not do worse already can swap a device or
// FIFO in for a file of a private directory.
func (h dirHandle) private() bool {
	var st unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstat(int(h), &st) }); err != nil {
		return false
	}
	return (st.Uid == 0 || int(st.Uid) == unix.Geteuid()) && st.Mode&0o022 == 0
}

// readFile reads the regular file base of h. The file is first found,
// not opened: O_PATH calls no driver, so a device or FIFO swapped in after
// resolve's lstat is never opened (a watchdog device would start its
// timer), and O_NOFOLLOW finds a symlink swapped in, not its target. Only
// when fstat says the file found is a regular file of at most MaxFileSize
// is that same inode opened for reading (reopen). What a file grows by
// after the fstat is not read. The info is the opened file's.
//
// With direct, the caller knows that base is a regular file in a private
// directory (private): nothing can have been swapped in, and the file is
// opened at once, without blocking or following a symlink, and checked
// after: four system calls, not seven (a check of 10,000 units: 0.35 to
// 0.31 s).
func (h dirHandle) readFile(base string, direct bool) ([]byte, fs.FileInfo, error) {
	if err := checkBase(base); err != nil {
		return nil, nil, err
	}
	if direct {
		fd, err := retry(func() (int, error) {
			return unix.Openat(int(h), base, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		})
		if err != nil {
			return nil, nil, err
		}
		defer unix.Close(fd)
		var st unix.Stat_t
		if _, err := retry(func() (int, error) { return 0, unix.Fstat(fd, &st) }); err != nil {
			return nil, nil, err
		}
		return readOpen(fd, base, &st)
	}
	pfd, err := retry(func() (int, error) {
		return unix.Openat(int(h), base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, nil, err
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstat(pfd, &st) }); err != nil {
		return nil, nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, nil, ErrNotRegular
	}
	if st.Size > MaxFileSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, st.Size, MaxFileSize)
	}
	fd, err := h.reopen(pfd, base, &st)
	if err != nil {
		return nil, nil, err
	}
	defer unix.Close(fd)
	return readOpen(fd, base, &st)
}

// readOpen reads the file fd, base in its directory, whose fstat is st:
// a regular file of at most MaxFileSize, or an error.
func readOpen(fd int, base string, st *unix.Stat_t) ([]byte, fs.FileInfo, error) {
	fi := infoOf(base, st)
	if !fi.Mode().IsRegular() {
		return nil, nil, ErrNotRegular
	}
	if st.Size > MaxFileSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, st.Size, MaxFileSize)
	}
	data := make([]byte, st.Size)
	n, err := readFull(fd, data)
	switch {
	case err != nil:
		return nil, nil, err
	case n < len(data): // it shrank
		return data[:n], fi, nil
	case n > 0:
		return data, fi, nil // the usual case: what fstat said, in one read
	}
	// An empty file, or one that says so (procfs): read on, up to the limit.
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for buf.Len() <= MaxFileSize {
		m, err := retry(func() (int, error) { return unix.Read(fd, chunk) })
		if err != nil {
			return nil, nil, err
		}
		if m == 0 {
			return buf.Bytes(), fi, nil
		}
		buf.Write(chunk[:m])
	}
	return nil, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxFileSize)
}

// reopen opens for reading the regular file that the O_PATH descriptor
// pfd holds, base in h, whose fstat is st: the same inode, through the
// magic link /proc/self/fd/N, which leads to the open file itself and
// names no path in the root (systemd's fd_reopen does the same). It is
// opened as the entry N of /proc/self/fd, which is kept open (procFds):
// a lookup of one name, not of four (a million scripts read from a
// directory took 1.5 s less). The file opened is checked to be that
// inode still.
//
// Without /proc (a chroot that does not mount it) there is no other way
// to open an inode held by O_PATH, and base is opened in h again, without
// blocking or following a symlink: then a device swapped in between the
// fstat and this open is opened, and refused after.
func (h dirHandle) reopen(pfd int, base string, st *unix.Stat_t) (int, error) {
	if err := checkBase(base); err != nil {
		return -1, err
	}
	const flags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	fd, err := -1, error(unix.ENOENT)
	if procFds() >= 0 {
		fd, err = retry(func() (int, error) { return unix.Openat(procFds(), strconv.Itoa(pfd), flags, 0) })
	}
	if err == unix.ENOENT {
		fd, err = retry(func() (int, error) { return unix.Openat(int(h), base, flags|unix.O_NOFOLLOW, 0) })
	}
	if err != nil {
		return -1, err
	}
	var got unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstat(fd, &got) }); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if got.Dev != st.Dev || got.Ino != st.Ino || got.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, ErrNotRegular
	}
	return fd, nil
}

// procFds is the directory /proc/self/fd of the process, opened once and
// kept open, whose entry N is the magic link of its descriptor N; -1 where
// /proc is not a procfs (a chroot that does not mount it, or something
// else mounted there: its entries could lead anywhere).
var procFds = sync.OnceValue(openProcFds)

func openProcFds() int {
	fd, err := retry(func() (int, error) {
		return unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return -1
	}
	var sfs unix.Statfs_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstatfs(fd, &sfs) }); err != nil || sfs.Type != unix.PROC_SUPER_MAGIC {
		unix.Close(fd)
		return -1
	}
	return fd
}

// readFull reads into data until it is full or the file ends.
func readFull(fd int, data []byte) (int, error) {
	n := 0
	for n < len(data) {
		m, err := retry(func() (int, error) { return unix.Read(fd, data[n:]) })
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// direntBufs are list's buffers, used again: one made for each listing
// was 32 KB of garbage, 46 MB for a root with a NAME.d/ for each of 1,429
// units.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// list reads the entries of the directory h from where its offset is
// (a handle just opened: the start), with their types as getdents gives
// them; an entry of unknown type (a file system without d_type) is
// lstat'ed.
func (h dirHandle) list() ([]dirent, error) {
	var ents []dirent
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	for {
		n, err := retry(func() (int, error) { return unix.Getdents(int(h), buf) })
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return ents, nil
		}
		// struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2),
		// d_type (1), d_name (NUL-terminated).
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return nil, errors.New("getdents: bad record")
			}
			typ, name := b[18], b[19:reclen]
			b = b[reclen:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." {
				t, known := direntType(typ)
				e := dirent{name: s, typ: t, known: known}
				if !e.known {
					if fi, err := h.lstat(s); err == nil {
						e.typ, e.known = fi.Mode().Type(), true
					} else if errors.Is(err, fs.ErrNotExist) {
						continue // removed in between
					} else {
						return nil, err
					}
				}
				ents = append(ents, e)
			}
		}
	}
}

func (h dirHandle) close() error { return unix.Close(int(h)) }

// stat describes the directory h itself.
func (h dirHandle) stat() (fs.FileInfo, error) {
	var st unix.Stat_t
	if _, err := retry(func() (int, error) { return 0, unix.Fstat(int(h), &st) }); err != nil {
		return nil, err
	}
	return infoOf(".", &st), nil
}

// retry calls f again while it is interrupted by a signal.
func retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// direntType is the type getdents gives; false for DT_UNKNOWN and any
// type without an fs.FileMode (DT_WHT), which are lstat'ed.
func direntType(t uint8) (fs.FileMode, bool) {
	switch t {
	case unix.DT_REG:
		return 0, true
	case unix.DT_DIR:
		return fs.ModeDir, true
	case unix.DT_LNK:
		return fs.ModeSymlink, true
	case unix.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice, true
	case unix.DT_BLK:
		return fs.ModeDevice, true
	case unix.DT_FIFO:
		return fs.ModeNamedPipe, true
	case unix.DT_SOCK:
		return fs.ModeSocket, true
	}
	return 0, false
}

// infoOf describes a stat as the os package does (fillFileStatFromSys).
func infoOf(name string, st *unix.Stat_t) *statInfo {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if st.Mode&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if st.Mode&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if st.Mode&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	sec, nsec := st.Mtim.Unix()
	return &statInfo{name: name, fileStat: fileStat{size: st.Size, sec: sec, nsec: int32(nsec), mode: mode}}
}

// dirBudget is how many directories the open roots keep open, together:
// 40, so that with the runtime's descriptors and those of the reads under
// way the process stays within the 64 of the descriptor table the kernel
// starts it with. Each time a process of several threads outgrows its
// table (to 128, 256, ...), the kernel waits for an RCU grace period
// (expand_fdtable: synchronize_rcu), 10 to 18 ms on the machine of the
// README's figures: a root with a NAME.d/ for each of 1,400 units waited
// five times, some 70 ms of its 0.4 s, to keep open directories it
// lists once. A directory closed is opened again from the nearest one
// kept, in a few microseconds. Fewer where RLIMIT_NOFILE is that low.
var dirBudget = func() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 40
	}
	return int(max(min(lim.Cur/2, 40), 1))
}()
