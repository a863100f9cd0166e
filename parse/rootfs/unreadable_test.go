package rootfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestUnreadableDir: a directory on the way that cannot be opened gives a
// DirError that names it, wrapping fs.ErrPermission, distinguishable from
// a name that is not there. Permissions bind only a user without
// CAP_DAC_OVERRIDE: run as root, the test runs itself again as nobody.
func TestUnreadableDir(t *testing.T) {
	if !asNobody(t) {
		return
	}
	dir, err := os.MkdirTemp(os.Getenv("ROOTFS_TEST_DIR"), "unreadable")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	writeDir(t, dir, []node{{name: "etc/init.d/a", data: "a"}})
	if err := os.Chmod(filepath.Join(dir, "etc"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "etc"), 0o755)
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, op := range []string{"stat", "read", "readdir"} {
		name := "etc/init.d/a"
		if op == "readdir" {
			name = "etc/init.d"
		}
		_, err := do(f, op, name)
		var de *DirError
		if !errors.As(err, &de) || de.Dir != "etc" || !errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s(%q) error = %v, want a DirError of etc wrapping fs.ErrPermission", op, name, err)
		}
	}
}

// asNobody reports whether the test runs as a user that permissions bind.
// As root, it runs the test again as nobody (uid and gid 65534) from a copy
// of the test binary anyone may run, reports its output, and returns false.
func asNobody(t *testing.T) bool {
	if os.Geteuid() != 0 {
		return true
	}
	if os.Getenv("ROOTFS_TEST_NOBODY") != "" {
		t.Fatal("still root after dropping to nobody")
	}
	dir, err := os.MkdirTemp("", "rootfs-nobody")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "rootfs.test")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o777)
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "ROOTFS_TEST_NOBODY=1", "ROOTFS_TEST_DIR="+work, "HOME="+work, "TMPDIR="+work, "GOCOVERDIR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
	return false
}

func copyFile(from, to string) error {
	r, err := os.Open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
