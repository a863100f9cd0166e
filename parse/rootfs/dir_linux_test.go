package rootfs

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	defer unix.Close(in)
	for _, n := range names {
		if _, err := unix.InotifyAddWatch(in, filepath.Join(dir, n), unix.IN_OPEN); err != nil {
			t.Fatal(err)
		}
	}
	h, err := openRootDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	for _, n := range names {
		data, _, err := h.readFile(n)
		opens := inotifyOpens(t, in)
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

// inotifyOpens counts the open events waiting on the inotify descriptor.
func inotifyOpens(t *testing.T, in int) int {
	t.Helper()
	time.Sleep(10 * time.Millisecond)
	n := 0
	buf := make([]byte, 4096)
	for {
		m, err := unix.Read(in, buf)
		switch {
		case err == unix.EAGAIN || err == nil && m == 0:
			return n
		case err != nil:
			t.Fatal(err)
		}
		for b := buf[:m]; len(b) >= unix.SizeofInotifyEvent; {
			if binary.NativeEndian.Uint32(b[4:8])&unix.IN_OPEN != 0 {
				n++
			}
			b = b[unix.SizeofInotifyEvent+int(binary.NativeEndian.Uint32(b[12:16])):]
		}
	}
}
