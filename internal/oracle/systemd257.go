package oracle

// This file fetches a second systemd, Debian 13 (trixie)'s 257, from its
// packages, never installed, so that tests can hold initorder's rules
// against the version a root has where 252 and 257 differ (SPEC §8): a
// Requires= on a unit that does not exist starts the dependent in 252 and
// fails its start job in 257.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TrixiePackages are the packages systemd 257's binary needs to run
// `--test` here: itself, its shared library and the libraries they link.
var TrixiePackages = []string{
	"systemd", "libsystemd-shared", "libsystemd0", "libc6", "libacl1", "libapparmor1", "libmount1",
	"libblkid1", "libpam0g", "libseccomp2", "libselinux1", "libpcre2-8-0", "libssl3t64", "libaudit1",
	"libcap-ng0", "libcap2", "libcrypt1", "libzstd1", "liblzma5", "liblz4-1", "libgcrypt20",
	"libgpg-error0", "zlib1g",
}

// A SystemdRelease is a systemd extracted from its Debian packages.
type SystemdRelease struct {
	Version int
	Root    string // the extracted packages
	Binary  string // Root/usr/lib/systemd/systemd
	Loader  string // its ld-linux-x86-64.so.2
	Libs    string // --library-path for the loader
}

// command is the unshare command line that runs the release's systemd
// with args: in a private mount namespace, its usr/lib/systemd bound over
// /usr/lib/systemd, as uid:gid, by its own loader. The environment comes
// from the caller.
func (r *SystemdRelease) command(uid, gid uint64, args []string) []string {
	const script = `set -e
mount --bind "$1/usr/lib/systemd" /usr/lib/systemd
shift
exec "$@"`
	cmd := []string{"-m", "--propagation", "private", "sh", "-c", script, "sh", r.Root,
		"setpriv", "--reuid=" + strconv.FormatUint(uid, 10), "--regid=" + strconv.FormatUint(gid, 10), "--clear-groups",
		r.Loader, "--library-path", r.Libs, r.Binary}
	return append(cmd, args...)
}

// Systemd257 returns Debian trixie's systemd 257, fetched with apt-get
// from a private sources list and lists directory (the machine's own apt
// configuration is not touched) into CacheDir/trixie, and extracted with
// dpkg-deb -x into a directory removed when the test ends. It ends the
// test through Unavailable when apt-get, dpkg-deb or the archive cannot
// provide it.
func Systemd257(t testing.TB) *SystemdRelease {
	t.Helper()
	for _, tool := range []string{"apt-get", "dpkg-deb", "unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(t, "oracle: no %s for systemd 257: %v", tool, err)
		}
	}
	if os.Geteuid() != 0 {
		Unavailable(t, "oracle: systemd 257 runs in a mount namespace, which needs root")
	}
	dir := filepath.Join(CacheDir(t), "trixie")
	if err := os.MkdirAll(filepath.Join(dir, "lists", "partial"), 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	defer lockDir(t, dir)()
	debs := trixieDebs(t, dir)
	root := t.TempDir()
	for _, deb := range debs {
		if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
			t.Fatalf("oracle: dpkg-deb -x %s: %v\n%s", deb, err, out)
		}
	}
	libs := filepath.Join(root, "usr", "lib", "x86_64-linux-gnu")
	r := &SystemdRelease{
		Version: 257,
		Root:    root,
		Binary:  filepath.Join(root, "usr", "lib", "systemd", "systemd"),
		Loader:  filepath.Join(root, "usr", "lib", "x86_64-linux-gnu", "ld-linux-x86-64.so.2"),
		Libs:    libs + ":" + filepath.Join(libs, "systemd"),
	}
	out, err := exec.Command(r.Loader, "--library-path", r.Libs, r.Binary, "--version").CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, []byte("systemd 257 ")) {
		t.Fatalf("oracle: %s --version: %v\n%s", r.Binary, err, lastLines(string(out), 5))
	}
	traversable(t, root)
	if err := exec.Command("chmod", "-R", "a+rX", root).Run(); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	return r
}

// trixieDebs returns the .deb of each of TrixiePackages in dir,
// downloading the missing ones with a sources list of its own.
func trixieDebs(t testing.TB, dir string) []string {
	t.Helper()
	sources := filepath.Join(dir, "sources.list")
	const line = "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n"
	if err := os.WriteFile(sources, []byte(line), 0o644); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	apt := []string{
		"-o", "Dir::Etc::SourceList=" + sources, "-o", "Dir::Etc::SourceParts=/dev/null",
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"), "-o", "Dir::State::Status=/dev/null",
		"-o", "Dir::Cache=" + filepath.Join(dir, "apt-cache"), "-o", "APT::Architecture=amd64", "-q",
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command("apt-get", slices.Concat(apt, args)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if err := os.MkdirAll(filepath.Join(dir, "apt-cache", "archives", "partial"), 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	have := cachedDebs(dir, TrixiePackages)
	var missing []string
	for _, p := range TrixiePackages {
		if have[p] == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		lists, _ := filepath.Glob(filepath.Join(dir, "lists", "*Packages*"))
		for attempt := 0; attempt < 2; attempt++ {
			if len(lists) == 0 || attempt > 0 {
				if out, err := run("update"); err != nil {
					Unavailable(t, "oracle: apt-get update of Debian trixie: %v\n%s", err, lastLines(out, 5))
				}
			}
			out, err := run(append([]string{"download"}, missing...)...)
			if err == nil {
				break
			}
			if attempt > 0 {
				Unavailable(t, "oracle: apt-get download from Debian trixie: %v\n%s", err, lastLines(out, 5))
			}
		}
		have = cachedDebs(dir, TrixiePackages)
	}
	var debs []string
	for _, p := range TrixiePackages {
		if have[p] == "" {
			Unavailable(t, "oracle: Debian trixie's %s is not available", p)
		}
		debs = append(debs, have[p])
	}
	return debs
}

func (r *SystemdRelease) String() string { return fmt.Sprintf("systemd %d (%s)", r.Version, r.Binary) }
