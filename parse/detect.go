package parse

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/initorder/initorder/parse/rootfs"
)

// Detection is which init system a root boots as PID 1, and why.
type Detection struct {
	Init     string // "systemd", "upstart" or "sysv"; "" when the root has no init configuration
	Evidence string // what decided it, paths relative to the root; with no Init, what was looked for
	Scripts  bool   // the root has etc/init.d: its scripts join a systemd or upstart boot (SPEC §3.3 "Mixed")
	// Err is the first look that failed other than by a missing name (an
	// unreadable etc, a loop): with no Init, the root may well have an
	// init configuration that could not be read.
	Err error
}

// Detect decides which init system is PID 1 as the distribution would
// boot the root (SPEC §2). The rules, in order; the first that holds
// decides:
//
//  1. systemd when sbin/init leads to systemd;
//  2. upstart when the root has upstart itself: sbin/initctl or the
//     rc-sysinit job that upstart ships (a package's stray etc/init/*.conf
//     on a SysV machine, such as Debian 12's tftpd-hpa, is neither);
//  3. SysV when there is another sbin/init (sysvinit's), etc/init.d or an
//     etc/rc2.d;
//  4. upstart when etc/init has jobs (a job set without the rest);
//  5. systemd when there are unit directories.
//
// A root none of them holds for has no init configuration: Init is "",
// and Err says when a look could not be made. Detect reads only what the
// rules name, and stops at the first that holds.
func Detect(fsys *rootfs.FS) Detection {
	r := &probe{fsys: fsys}
	r.pid1, r.pid1Err = fsys.Resolve("sbin/init")
	r.look(r.pid1Err)
	d := Detection{Scripts: r.hasDir("etc/init.d")}
	for _, rule := range rules {
		if evidence, ok := rule.holds(r); ok {
			d.Init, d.Evidence = rule.init, evidence
			return d
		}
	}
	d.Err = r.failed
	d.Evidence = "no sbin/init, etc/init.d, etc/rc2.d, etc/init jobs or systemd unit directory"
	return d
}

// rules are Detect's decision list, in order.
var rules = []struct {
	init  string
	holds func(r *probe) (evidence string, ok bool)
}{
	{"systemd", func(r *probe) (string, bool) {
		return r.init(), r.pid1Err == nil && strings.HasSuffix(r.pid1, "systemd/systemd")
	}},
	{"upstart", func(r *probe) (string, bool) {
		return r.first(r.exists, "sbin/initctl", "etc/init/rc-sysinit.conf")
	}},
	{"sysv", func(r *probe) (string, bool) {
		if r.pid1Err == nil {
			return r.init() + ", which is not systemd", true
		}
		return r.first(r.hasDir, "etc/init.d", "etc/rc2.d")
	}},
	{"upstart", func(r *probe) (string, bool) {
		return "etc/init has jobs", r.hasJobs("etc/init")
	}},
	{"systemd", func(r *probe) (string, bool) {
		return r.first(r.hasDir, "lib/systemd/system", "usr/lib/systemd/system", "etc/systemd/system")
	}},
}

// probe is a root as Detect's rules look at it.
type probe struct {
	fsys    *rootfs.FS
	pid1    string // what sbin/init resolves to
	pid1Err error
	failed  error // the first look that failed other than by a missing name
}

// look notes a look's error and says whether it succeeded.
func (r *probe) look(err error) bool {
	if err != nil && r.failed == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		r.failed = err
	}
	return err == nil
}

// init says what sbin/init is.
func (r *probe) init() string {
	if r.pid1 == "sbin/init" {
		return "sbin/init"
	}
	return "sbin/init leads to " + r.pid1
}

// first returns the first name test holds for.
func (r *probe) first(test func(string) bool, names ...string) (string, bool) {
	for _, n := range names {
		if test(n) {
			return n, true
		}
	}
	return "", false
}

func (r *probe) exists(name string) bool {
	_, err := r.fsys.Stat(name)
	return r.look(err)
}

func (r *probe) hasDir(name string) bool {
	fi, err := r.fsys.Stat(name)
	return r.look(err) && fi.IsDir()
}

// hasJobs reports whether dir holds upstart jobs (NAME.conf).
func (r *probe) hasJobs(dir string) bool {
	ents, err := r.fsys.ReadDir(dir)
	if !r.look(err) {
		return false
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".conf") {
			return true
		}
	}
	return false
}
