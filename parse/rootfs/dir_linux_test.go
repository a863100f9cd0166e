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
		data, _, err := h.readFile(n, false)
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

// TestPrivateDirectory: a file whose lstat said it is regular is opened
// directly only in a directory no one but this user and root can change
// (dirHandle.private); in any other, a FIFO swapped in after the lstat is
// never opened. In the private directory the swap, which only this user
// or root could make, is opened: the test shows which way each read went.
func TestPrivateDirectory(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    os.FileMode
		private bool
	}{
		{"0755, this user's", 0o755, true},
		{"0700, this user's", 0o700, true},
		{"group-writable", 0o775, false},
		{"world-writable", 0o777, false},
		{"sticky and world-writable", 0o777 | os.ModeSticky, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "d")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte("unit"), 0o644); err != nil {
				t.Fatal(err)
			}
			fifo := filepath.Join(dir, "fifo")
			if err := unix.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			opens := oracle.WatchOpens(t, fifo)
			d, err := openDirFS(root)
			if err != nil {
				t.Fatal(err)
			}
			defer d.close()
			h, private, release, err := d.handlePrivate("d")
			if err != nil {
				t.Fatal(err)
			}
			release()
			if private != tc.private || h.private() != tc.private {
				t.Errorf("private = %v, want %v", private, tc.private)
			}
			if m, err := d.lmode("d/f"); err != nil || !m.IsRegular() {
				t.Fatalf("lmode(d/f) = %v, %v", m, err)
			}
			// The swap, after the lstat.
			if err := os.Rename(fifo, filepath.Join(dir, "f")); err != nil {
				t.Fatal(err)
			}
			_, err = d.readFile("d/f")
			n := opens()
			switch {
			case tc.private && n != 1:
				t.Errorf("private directory: the file was not opened directly (%d opens of the FIFO swapped in)", n)
			case !tc.private && n != 0:
				t.Errorf("readFile opened the FIFO swapped in (%d opens)", n)
			case !tc.private && !errors.Is(err, ErrNotRegular):
				t.Errorf("readFile error = %v, want ErrNotRegular", err)
			}
		})
	}
	if os.Geteuid() == 0 {
		// Another user's directory, mode 0755: that user can swap.
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "d"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(filepath.Join(root, "d"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		d, err := openDirFS(root)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		if _, private, release, err := d.handlePrivate("d"); err != nil || private {
			t.Errorf("a directory of nobody's: private = %v, %v; want false", private, err)
		} else {
			release()
		}
	}
}
