package oracle

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// WatchOpens asks the kernel to say when the files at paths are opened
// (inotify IN_OPEN on their inodes, which follow them across renames) and
// returns the function that counts the opens since, or since it was last
// called. An open with O_PATH is no open to inotify: it calls no driver
// and reads nothing. It skips the test when inotify is not there.
func WatchOpens(t testing.TB, paths ...string) func() int {
	t.Helper()
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	t.Cleanup(func() { unix.Close(in) })
	for _, p := range paths {
		if _, err := unix.InotifyAddWatch(in, p, unix.IN_OPEN); err != nil {
			t.Fatalf("inotify watch of %s: %v", p, err)
		}
	}
	return func() int {
		t.Helper()
		time.Sleep(10 * time.Millisecond) // events of opens just made
		n := 0
		buf := make([]byte, 4096)
		for {
			m, err := unix.Read(in, buf)
			switch {
			case err == unix.EAGAIN || err == nil && m == 0:
				return n
			case err != nil:
				t.Fatalf("inotify: %v", err)
			}
			for b := buf[:m]; len(b) >= unix.SizeofInotifyEvent; {
				if binary.NativeEndian.Uint32(b[4:8])&unix.IN_OPEN != 0 {
					n++
				}
				b = b[unix.SizeofInotifyEvent+int(binary.NativeEndian.Uint32(b[12:16])):]
			}
		}
	}
}
