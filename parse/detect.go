package parse

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"syscall"

	"github.com/initorder/initorder/parse/rootfs"
)

// Detection is which init system a root boots as PID 1, and why.
type Detection struct {
	Init     string // "systemd", "upstart" or "sysv"; "" when the root has no init configuration
	Evidence string // what decided it, paths relative to the root; with no Init, what was looked for
	Scripts  bool   // the root has etc/init.d: its scripts join a systemd or upstart boot (SPEC §3.3 "Mixed")
	// Guess is set when no sbin/init in the root says which init system
	// it is (there is none, or a link to a binary the tree lacks): Init
	// is read from other evidence, which the user should hear of, with
	// --pid1 to say otherwise.
	Guess bool
	// Also names, with a guess, what the root holds of the other init
	// systems ("lib/systemd/system has 230 units"), "" if nothing.
	Also string
	// Err is the first look that failed other than by a missing name (an
	// unreadable etc, a loop): with no Init, the root may well have an
	// init configuration that could not be read.
	Err error
}

// Note is the line a guess deserves on stderr: the evidence, what else
// the root holds, and the flag that reads it otherwise. It is "" when
// sbin/init decided.
func (d Detection) Note() string {
	if !d.Guess || d.Init == "" {
		return ""
	}
	s := "reading it as " + d.Init + ": " + d.Evidence
	if d.Also != "" {
		s += "; " + d.Also
	}
	return s + " (--pid1 sysv|upstart|systemd reads it otherwise)"
}

// Overruled is the line a root read as init by a flag (flag says which:
// "--pid1 sysv") deserves when Detect found another init system: the
// boot shown is not the one the root's own PID 1 would run. It is ""
// when they agree or when the root says nothing.
func (d Detection) Overruled(init, flag string) string {
	if d.Init == "" || d.Init == init {
		return ""
	}
	if d.Guess {
		return fmt.Sprintf("read as %s because of %s, though the root looks like %s: %s", init, flag, d.Init, d.Evidence)
	}
	return fmt.Sprintf("the root's own PID 1 is %s (%s): read as %s because of %s", d.Init, d.Evidence, init, flag)
}

// Detect decides which init system is PID 1 as the distribution would
// boot the root (SPEC §2). sbin/init decides when it is there (or
// usr/sbin/init, on a root without sbin):
//
//  1. systemd when it leads to systemd (.../systemd/systemd);
//  2. upstart when it leads to upstart, or when the root has upstart
//     itself: sbin/initctl or the rc-sysinit job that upstart ships
//     (Ubuntu's /sbin/init is upstart's own binary; a package's stray
//     etc/init/*.conf on a SysV machine, such as Debian 12's tftpd-hpa,
//     is neither);
//  3. SysV for any other sbin/init (sysvinit's).
//
// A link that leads out of the tree (an /etc-only tree, a usr-merged
// root without the binary) is read by its text for systemd and upstart.
// Without sbin/init, the other evidence decides (Guess), the first that
// holds:
//
//  4. upstart for sbin/initctl or etc/init/rc-sysinit.conf;
//  5. SysV for etc/inittab (sysvinit's configuration: a Debian sysvinit
//     machine has .wants/ links too, from deb-systemd-helper);
//  6. systemd for etc/systemd/system/default.target or a .wants/ link in
//     etc/systemd/system (the /etc of a systemd machine);
//  7. SysV for etc/init.d or etc/rc2.d;
//  8. upstart for jobs in etc/init (a job set without the rest);
//  9. systemd for a unit directory.
//
// A root none of them holds for has no init configuration: Init is "",
// and Err says when a look could not be made (an unreadable etc).
func Detect(fsys *rootfs.FS) Detection {
	r := &probe{fsys: fsys}
	d := Detection{Scripts: r.hasDir("etc/init.d")}
	init, target, dangling := r.pid1()
	switch {
	case init != "" && isSystemd(target):
		d.Init, d.Evidence, d.Guess = "systemd", r.describe(init, target)+absent(dangling), dangling
	case init != "" && path.Base(target) == "upstart":
		d.Init, d.Evidence, d.Guess = "upstart", r.describe(init, target)+absent(dangling), dangling
	case init != "" && !dangling:
		if marker, ok := r.first(r.exists, "sbin/initctl", "etc/init/rc-sysinit.conf"); ok {
			d.Init, d.Evidence = "upstart", marker
		} else {
			d.Init, d.Evidence = "sysv", r.describe(init, target)+", which is not systemd or upstart"
		}
	default:
		d.Guess = true
		for _, rule := range guesses {
			if evidence, ok := rule.holds(r); ok {
				d.Init, d.Evidence = rule.init, evidence
				break
			}
		}
		if d.Init == "" {
			d.Evidence = "no sbin/init, etc/init.d, etc/rc2.d, etc/init jobs or systemd unit directory"
			d.Err = r.failed
			return d
		}
		if init != "" {
			d.Evidence = init + " leads to " + target + ", which the root does not have; " + d.Evidence
		} else {
			d.Evidence = "no sbin/init; " + d.Evidence
		}
	}
	if d.Guess {
		d.Also = r.others(d.Init)
	}
	return d
}

// guesses are Detect's rules for a root without sbin/init, in order.
var guesses = []struct {
	init  string
	holds func(r *probe) (evidence string, ok bool)
}{
	{"upstart", func(r *probe) (string, bool) {
		return r.first(r.exists, "sbin/initctl", "etc/init/rc-sysinit.conf")
	}},
	{"sysv", func(r *probe) (string, bool) {
		return "etc/inittab", r.exists("etc/inittab")
	}},
	{"systemd", func(r *probe) (string, bool) {
		if r.lexists("etc/systemd/system/default.target") {
			return "etc/systemd/system/default.target and no etc/inittab", true
		}
		if w := r.wantsLink(); w != "" {
			return w + " and no etc/inittab", true
		}
		return "", false
	}},
	{"sysv", func(r *probe) (string, bool) {
		return r.first(r.hasDir, "etc/init.d", "etc/rc2.d")
	}},
	{"upstart", func(r *probe) (string, bool) {
		return "etc/init has jobs", r.count("etc/init", ".conf") > 0
	}},
	{"systemd", func(r *probe) (string, bool) {
		return r.first(r.hasDir, "lib/systemd/system", "usr/lib/systemd/system", "etc/systemd/system")
	}},
}

// absent says, for a dangling sbin/init, that its link text decided.
func absent(dangling bool) string {
	if dangling {
		return ", which the root does not have: its link says which init it is"
	}
	return ""
}

// isSystemd reports whether an init binary's path is systemd's
// (lib/systemd/systemd, usr/lib/systemd/systemd).
func isSystemd(target string) bool {
	return path.Base(target) == "systemd" && path.Base(path.Dir(target)) == "systemd"
}

// probe is a root as Detect's rules look at it.
type probe struct {
	fsys   *rootfs.FS
	failed error // the first look that failed other than by a missing name
}

// look notes a look's error and says whether it succeeded.
func (r *probe) look(err error) bool {
	if err != nil && r.failed == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		r.failed = err
	}
	return err == nil
}

// pid1 returns the name of the root's init (sbin/init, else
// usr/sbin/init; "" for none), where it leads, and whether that is
// outside the tree (a dangling link).
func (r *probe) pid1() (init, target string, dangling bool) {
	for _, name := range []string{"sbin/init", "usr/sbin/init"} {
		if _, err := r.fsys.Lstat(name); !r.look(err) {
			continue
		}
		target, err := r.fsys.Resolve(name)
		if err == nil {
			return name, target, false
		}
		if errors.Is(err, fs.ErrNotExist) {
			return name, target, true
		}
	}
	return "", "", false
}

// describe says what an init is: "sbin/init", or "sbin/init leads to X".
func (r *probe) describe(init, target string) string {
	if target == init {
		return init
	}
	return init + " leads to " + target
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

// lexists reports whether name is there, a link that leads nowhere too.
func (r *probe) lexists(name string) bool {
	_, err := r.fsys.Lstat(name)
	return err == nil
}

func (r *probe) hasDir(name string) bool {
	fi, err := r.fsys.Stat(name)
	return r.look(err) && fi.IsDir()
}

// count returns how many entries of dir end in suffix.
func (r *probe) count(dir, suffix string) int {
	ents, err := r.fsys.ReadDir(dir)
	if !r.look(err) {
		return 0
	}
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), suffix) && !e.IsDir() {
			n++
		}
	}
	return n
}

// wantsLink returns a .wants/ link of etc/systemd/system, the first by
// name, or "".
func (r *probe) wantsLink() string {
	ents, err := r.fsys.ReadDir("etc/systemd/system")
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".wants") {
			continue
		}
		dir := "etc/systemd/system/" + e.Name()
		links, _ := r.fsys.ReadDir(dir)
		for _, l := range links {
			if l.Type()&fs.ModeSymlink != 0 {
				return dir + "/" + l.Name()
			}
		}
	}
	return ""
}

// others says what the root holds of the init systems other than init.
func (r *probe) others(init string) string {
	var also []string
	if init != "systemd" {
		for _, dir := range []string{"lib/systemd/system", "usr/lib/systemd/system"} {
			if n := r.count(dir, ""); n > 0 {
				also = append(also, dir+" has "+plural(n, "entry", "entries"))
				break
			}
		}
	}
	if init != "sysv" {
		if n := r.count("etc/init.d", ""); n > 0 {
			also = append(also, "etc/init.d has "+plural(n, "file", "files"))
		}
	}
	if init != "upstart" {
		if n := r.count("etc/init", ".conf"); n > 0 {
			also = append(also, "etc/init has "+plural(n, "job", "jobs"))
		}
	}
	return strings.Join(also, ", ")
}

// plural says n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
