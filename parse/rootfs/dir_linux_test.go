package rootfs

import (
	"errors"
	"io/fs"
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
			h, gen, release, err := d.handlePrivate("d")
			if err != nil {
				t.Fatal(err)
			}
			release()
			private := gen != 0
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
		if _, gen, release, err := d.handlePrivate("d"); err != nil || gen != 0 {
			t.Errorf("a directory of nobody's: gen = %v, %v; want 0 (not private)", gen, err)
		} else {
			release()
		}
	}
}

// TestPrivateDirectoryReplaced: the lstat that lets readFile open a file
// directly must have been made through the very directory it opens the
// file in. A directory of a root can be renamed away and another put in
// its place by whoever owns its parent (a hostile root's author), and
// both may be private (owned by root: a tree root extracted for them,
// with a FIFO or device node at rest in one). Two ways the lstat and the
// read went to different directories of one name:
//   - the directory was closed (the open-directory budget) after the
//     lstat and opened again for the read: the other directory;
//   - a listing was made through a new handle of a directory kept open
//     already, which it replaced: the entries of one, read in the other.
//
// Either way the FIFO there must not be opened.
func TestPrivateDirectoryReplaced(t *testing.T) {
	mk := func(t *testing.T, root string) {
		for _, d := range []string{"etc/init.d", "spare", "other"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("reopened after eviction", func(t *testing.T) {
		root := t.TempDir()
		mk(t, root)
		// etc/init.d: f regular; spare: f a FIFO.
		if err := os.WriteFile(filepath.Join(root, "etc/init.d/f"), []byte("unit"), 0o644); err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(root, "spare/f")
		if err := unix.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		opens := oracle.WatchOpens(t, fifo)
		d, err := openDirFS(root)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		d.maxDirs = 1
		if m, err := d.lmode("etc/init.d/f"); err != nil || !m.IsRegular() {
			t.Fatalf("lmode(etc/init.d/f) = %v, %v", m, err)
		}
		if _, err := d.lmode("other/x"); !errors.Is(err, fs.ErrNotExist) { // closes etc/init.d
			t.Fatalf("lmode(other/x) error = %v", err)
		}
		if err := os.Rename(filepath.Join(root, "etc/init.d"), filepath.Join(root, "etc/old")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(root, "spare"), filepath.Join(root, "etc/init.d")); err != nil {
			t.Fatal(err)
		}
		_, err = d.readFile("etc/init.d/f")
		if n := opens(); n != 0 {
			t.Errorf("readFile opened the FIFO of the directory put in place (%d opens)", n)
		}
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("readFile error = %v, want ErrNotRegular", err)
		}
	})
	t.Run("listed through another handle", func(t *testing.T) {
		root := t.TempDir()
		mk(t, root)
		// etc/init.d: f a FIFO; spare: f regular.
		fifo := filepath.Join(root, "etc/init.d/f")
		if err := unix.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "spare/f"), []byte("unit"), 0o644); err != nil {
			t.Fatal(err)
		}
		opens := oracle.WatchOpens(t, fifo)
		d, err := openDirFS(root)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		_, release, err := d.handle("etc/init.d") // kept open
		if err != nil {
			t.Fatal(err)
		}
		release()
		if err := os.Rename(filepath.Join(root, "etc/init.d"), filepath.Join(root, "etc/old")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(root, "spare"), filepath.Join(root, "etc/init.d")); err != nil {
			t.Fatal(err)
		}
		ents, err := d.readDir("etc/init.d")
		if err != nil || len(ents) != 1 || !ents[0].Type().IsRegular() {
			t.Fatalf("readDir(etc/init.d) = %v, %v; want f, regular", ents, err)
		}
		_, err = d.readFile("etc/init.d/f")
		if n := opens(); n != 0 {
			t.Errorf("readFile opened the FIFO of the directory kept open (%d opens)", n)
		}
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("readFile error = %v, want ErrNotRegular", err)
		}
	})
}
