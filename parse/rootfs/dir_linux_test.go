package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/initorder/initorder/internal/oracle"
	"golang.org/x/sys/unix"
)

// TestSwappedInNotOpened reads a FIFO and a character device as if each
// had been swapped in for a regular file between resolve's lstat and the
// read (dirHandle.readFile, past the type check): neither is opened, as
// inotify, which sees every open but O_PATH's, tells. The open of a
// watchdog device starts its timer; an open of a FIFO with O_NONBLOCK
// succeeds at once, so the old code opened both and refused them after.
func TestSwappedInNotOpened(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	names := []string{"fifo"}
	// A device node: /dev/null's numbers, harmless if opened.
	if err := unix.Mknod(filepath.Join(dir, "dev"), unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3))); err == nil {
		names = append(names, "dev")
	} else {
		t.Logf("no device node (%v): the FIFO only", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	names = append(names, "file") // opened: shows that the watch sees opens
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	opens := oracle.WatchOpens(t, paths...)
	h, err := openRootDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	for _, n := range names {
		data, _, err := h.readFile(n)
		opens := opens()
		if n == "file" {
			if string(data) != "file" || err != nil || opens != 1 {
				t.Errorf("readFile(file) = %q, %v, %d opens; want \"file\", nil, 1", data, err, opens)
			}
			continue
		}
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("readFile(%s) error = %v, want ErrNotRegular", n, err)
		}
		if opens != 0 {
			t.Errorf("readFile(%s) opened it (%d inotify open events)", n, opens)
		}
	}
}

// TestProcFds checks that where /proc is mounted, files are reopened
// through /proc/self/fd, not by their name again (reopen's fallback,
// which would open a device swapped in).
func TestProcFds(t *testing.T) {
	var sfs unix.Statfs_t
	if err := unix.Statfs("/proc/self/fd", &sfs); err != nil || sfs.Type != unix.PROC_SUPER_MAGIC {
		t.Skip("no procfs at /proc")
	}
	if procFds() < 0 {
		t.Fatal("procFds() = -1 with a procfs at /proc")
	}
}
