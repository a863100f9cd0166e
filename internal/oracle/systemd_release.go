package oracle

// This file fetches other systemd releases than the machine's 252 from
// their Debian packages, never installed, so that tests can hold
// initorder's rules against the version a root has where releases differ
// (SPEC §8): a Requires= on a unit that does not exist starts the
// dependent in 252, and fails its start job from 254 on (upstream PR
// 27852). Debian 12's backports have 254, Debian 13 (trixie) has 257.

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

// BackportsPackages are the packages of systemd 254 from Debian 12's
// backports: it is built against Debian 12, so the other libraries it
// links are the machine's own.
var BackportsPackages = []string{"systemd", "libsystemd-shared", "libsystemd0"}

// suite is where a systemd release comes from.
type suite struct {
	name     string   // the Debian suite: its sources line, and CacheDir/name
	version  int      // the systemd it has
	packages []string // what to extract
	hostLibs bool     // the machine's loader and libraries serve for the rest
}

var (
	trixie    = suite{name: "trixie", version: 257, packages: TrixiePackages}
	backports = suite{name: "bookworm-backports", version: 254, packages: BackportsPackages, hostLibs: true}
)

// A SystemdRelease is a systemd extracted from its Debian packages.
type SystemdRelease struct {
	Version int
	Root    string // the extracted packages
	Dir     string // its systemd directory: Root/usr/lib/systemd, or Root/lib/systemd before Debian merged /usr
	Binary  string // Dir/systemd
	Loader  string // its ld-linux-x86-64.so.2
	Libs    string // --library-path for the loader
}

// command is the unshare command line that runs the release's systemd
// with args: in a private mount namespace, its systemd directory bound
// over /usr/lib/systemd, as uid:gid, by its own loader. The environment
// comes from the caller.
func (r *SystemdRelease) command(uid, gid uint64, args []string) []string {
	const script = `set -e
mount --bind "$1" /usr/lib/systemd
shift
exec "$@"`
	cmd := []string{"-m", "--propagation", "private", "sh", "-c", script, "sh", r.Dir,
		"setpriv", "--reuid=" + strconv.FormatUint(uid, 10), "--regid=" + strconv.FormatUint(gid, 10), "--clear-groups",
		r.Loader, "--library-path", r.Libs, r.Binary}
	return append(cmd, args...)
}

// Systemd257 returns Debian trixie's systemd 257 (systemdFrom).
func Systemd257(t testing.TB) *SystemdRelease { return systemdFrom(t, trixie) }

// Systemd254 returns systemd 254 from Debian 12's backports (systemdFrom).
func Systemd254(t testing.TB) *SystemdRelease { return systemdFrom(t, backports) }

// systemdFrom returns the systemd of the suite s, fetched with apt-get
// from a private sources list and lists directory (the machine's own apt
// configuration is not touched) into CacheDir/s.name, and extracted with
// dpkg-deb -x into a directory removed when the test ends. It ends the
// test through Unavailable when apt-get, dpkg-deb or the archive cannot
// provide it.
func systemdFrom(t testing.TB, s suite) *SystemdRelease {
	t.Helper()
	for _, tool := range []string{"apt-get", "dpkg-deb", "unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(t, "oracle: no %s for systemd %d: %v", tool, s.version, err)
		}
	}
	if os.Geteuid() != 0 {
		Unavailable(t, "oracle: systemd %d runs in a mount namespace, which needs root", s.version)
	}
	dir := filepath.Join(CacheDir(t), s.name)
	if err := os.MkdirAll(filepath.Join(dir, "lists", "partial"), 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	defer lockDir(t, dir)()
	debs := suiteDebs(t, dir, s)
	root := t.TempDir()
	for _, deb := range debs {
		if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
			t.Fatalf("oracle: dpkg-deb -x %s: %v\n%s", deb, err, out)
		}
	}
	libs := filepath.Join(root, "usr", "lib", "x86_64-linux-gnu")
	r := &SystemdRelease{
		Version: s.version,
		Root:    root,
		Dir:     filepath.Join(root, "usr", "lib", "systemd"),
		Loader:  filepath.Join(libs, "ld-linux-x86-64.so.2"),
		Libs:    libs + ":" + filepath.Join(libs, "systemd"),
	}
	if _, err := os.Stat(filepath.Join(root, "lib", "systemd", "systemd")); err == nil {
		r.Dir = filepath.Join(root, "lib", "systemd") // Debian 12 ships /lib/systemd
	}
	r.Binary = filepath.Join(r.Dir, "systemd")
	if s.hostLibs {
		r.Loader = "/lib64/ld-linux-x86-64.so.2"
		r.Libs += ":/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu"
	}
	out, err := exec.Command(r.Loader, "--library-path", r.Libs, r.Binary, "--version").CombinedOutput()
	if err != nil || !bytes.HasPrefix(out, fmt.Appendf(nil, "systemd %d ", s.version)) {
		t.Fatalf("oracle: %s --version: %v\n%s", r.Binary, err, lastLines(string(out), 5))
	}
	traversable(t, root)
	if err := exec.Command("chmod", "-R", "a+rX", root).Run(); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	return r
}

// suiteDebs returns the .deb of each of the packages of s in dir,
// downloading the missing ones with a sources list of its own.
func suiteDebs(t testing.TB, dir string, s suite) []string {
	t.Helper()
	sources := filepath.Join(dir, "sources.list")
	line := "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian " + s.name + " main\n"
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
	have := cachedDebs(dir, s.packages)
	var missing []string
	for _, p := range s.packages {
		if have[p] == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		lists, _ := filepath.Glob(filepath.Join(dir, "lists", "*Packages*"))
		for attempt := 0; attempt < 2; attempt++ {
			if len(lists) == 0 || attempt > 0 {
				if out, err := run("update"); err != nil {
					Unavailable(t, "oracle: apt-get update of Debian %s: %v\n%s", s.name, err, lastLines(out, 5))
				}
			}
			out, err := run(append([]string{"download"}, missing...)...)
			if err == nil {
				break
			}
			if attempt > 0 {
				Unavailable(t, "oracle: apt-get download from Debian %s: %v\n%s", s.name, err, lastLines(out, 5))
			}
		}
		have = cachedDebs(dir, s.packages)
	}
	var debs []string
	for _, p := range s.packages {
		if have[p] == "" {
			Unavailable(t, "oracle: Debian %s's %s is not available", s.name, p)
		}
		debs = append(debs, have[p])
	}
	return debs
}

func (r *SystemdRelease) String() string { return fmt.Sprintf("systemd %d (%s)", r.Version, r.Binary) }
