package oracle

// This file runs the systemd generators installed on the machine
// (/lib/systemd/system-generators: fstab, cryptsetup, rc-local, getty,
// system-update, debug, ...) on a root, so that tests can hold initorder's
// emulation of each against the generator itself (SPEC §8). What each
// generator does, and where it looks outside the root, is written down in
// docs/generators.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GeneratorDir is where Debian 12 installs systemd's system generators.
var GeneratorDir = "/lib/systemd/system-generators"

// GeneratorInput is what the generators see of a root besides its etc.
type GeneratorInput struct {
	// Root is the root whose etc the generators read (bound read-only
	// over /etc); its executables are found on $PATH (fsck.TYPE), and a
	// system-update entry at its top makes one at the generators' /.
	Root string
	// Cmdline is the kernel command line ($SYSTEMD_PROC_CMDLINE).
	Cmdline string
	// Fstab and Crypttab, when not empty, are the text of an fstab or
	// crypttab to read instead of the root's ($SYSTEMD_FSTAB,
	// $SYSTEMD_CRYPTTAB).
	Fstab, Crypttab string
	// Consoles are the kernel's active consoles as
	// /sys/class/tty/console/active lists them ("ttyS0", "tty0"): what
	// the kernel makes of console= on its command line. Each that is not
	// a virtual terminal gets a working terminal as /dev/NAME (a
	// pseudo-terminal of the test), as the getty generator checks.
	Consoles []string
	// InInitrd runs the generators as in the initrd ($SYSTEMD_IN_INITRD).
	InInitrd bool
}

// Generated is what one or more generators wrote for a root, as the
// manager gives them their three directories: normal, early and late.
type Generated struct {
	// Dir holds the directories early, normal and late, removed when the
	// test ends. Give them to RunSystemdTestWith.
	Dir string
	// Files maps the path of each file written, relative to Dir
	// ("normal/var.mount", "normal/dev-sda2.device.d/50-device-timeout.conf"),
	// to its settings.
	Files map[string]*GeneratedUnit
	// Links maps each symlink written, relative to Dir
	// ("normal/local-fs.target.requires/var.mount"), to its target
	// ("../var.mount").
	Links map[string]string
	// Runs says how each generator ran, in order.
	Runs []GeneratorRun
}

// A GeneratorRun is one generator's run.
type GeneratorRun struct {
	Name     string
	ExitCode int
	Duration time.Duration
	Stderr   string
	Command  string
}

// Early, Normal and Late are the generators' three directories.
func (g *Generated) Early() string  { return filepath.Join(g.Dir, "early") }
func (g *Generated) Normal() string { return filepath.Join(g.Dir, "normal") }
func (g *Generated) Late() string   { return filepath.Join(g.Dir, "late") }

// generatorScript builds, inside a private mount namespace (unshare -m),
// a root of its own for the generator and runs it there with chroot:
//
//	/usr            the host's, read-only (the generator and its libraries),
//	                with /bin /sbin /lib /lib64 as the host's links to it
//	/etc            the analysed root's etc, read-only
//	/r              the analysed root, read-only ($PATH looks in it)
//	/proc           the host's (/proc/swaps must exist for swap lines)
//	/dev            a tmpfs with null, zero, random, urandom and the
//	                console terminals
//	/sys            a tmpfs with class/tty/console/active only, writable:
//	                a read-only /sys is the fstab generator's sign of a
//	                container (it then drops device lines)
//	/run, /tmp      empty tmpfs
//	/in             the fstab and crypttab of GeneratorInput, if any
//	/out            the output directory (normal, early, late)
//
// There is no /.dockerenv and no cgroup file system, so systemd's
// detect_container() finds no container (on this machine it finds
// Docker otherwise, and the fstab generator drops swap lines and the getty
// generator makes container gettys). Nothing of the host but the output
// directory is writable, and the namespace's mounts vanish with it.
//
// Arguments: NEWROOT ROOT OUT IN SYSTEM_UPDATE(0|1) CONSOLES TTYS -- COMMAND...
// where TTYS is "NAME=/dev/pts/N ..." and CONSOLES the text of
// /sys/class/tty/console/active.
const generatorScript = `set -e
nr=$1 root=$2 out=$3 in=$4 update=$5 consoles=$6 ttys=$7
shift 8
mount -t tmpfs -o mode=0755 tmpfs "$nr"
for d in usr etc r proc dev sys run tmp in out; do mkdir -p "$nr/$d"; done
for l in bin sbin lib lib64 libx32 lib32; do
	if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$nr/$l"; fi
done
mount --bind /usr "$nr/usr"; mount -o remount,bind,ro "$nr/usr"
mount --bind "$root/etc" "$nr/etc"; mount -o remount,bind,ro "$nr/etc"
mount --bind "$root" "$nr/r"; mount -o remount,bind,ro "$nr/r"
mount --rbind /proc "$nr/proc"
mount -t tmpfs -o mode=0755 tmpfs "$nr/dev"
for n in null zero random urandom; do : > "$nr/dev/$n"; mount --bind "/dev/$n" "$nr/dev/$n"; done
for t in $ttys; do
	name=${t%%=*}; pts=${t#*=}
	mkdir -p "$(dirname "$nr/dev/$name")"; : > "$nr/dev/$name"; mount --bind "$pts" "$nr/dev/$name"
done
mount -t tmpfs -o mode=0755 tmpfs "$nr/sys"
mkdir -p "$nr/sys/class/tty/console"
printf '%s\n' "$consoles" > "$nr/sys/class/tty/console/active"
mount -t tmpfs -o mode=0755 tmpfs "$nr/run"
mount -t tmpfs -o mode=1777 tmpfs "$nr/tmp"
if [ -n "$in" ]; then mount --bind "$in" "$nr/in"; mount -o remount,bind,ro "$nr/in"; fi
mount --bind "$out" "$nr/out"
if [ "$update" = 1 ]; then ln -s /var/lib/system-update "$nr/system-update"; fi
mount -o remount,ro "$nr"
exec chroot "$nr" "$@"
`

// RunGenerators runs each named generator (a file of GeneratorDir, such
// as "systemd-fstab-generator") on in.Root, in order, into one set of
// directories, as the manager runs them all before it loads units. Each
// runs in a root of its own (see generatorScript) as
//
//	env -i PATH=/r/usr/local/sbin:...:/r/bin LC_ALL=C \
//	  SYSTEMD_PROC_CMDLINE=CMDLINE SYSTEMD_IN_INITRD=0|1 \
//	  [SYSTEMD_FSTAB=/in/fstab] [SYSTEMD_CRYPTTAB=/in/crypttab] \
//	  SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug \
//	  GENERATOR /out/normal /out/early /out/late
//
// It needs root (mount namespaces); it ends the test through Unavailable
// when it cannot run, and fails it when a generator writes something it
// cannot read. A generator's exit status is recorded, not judged.
func RunGenerators(t testing.TB, in GeneratorInput, names ...string) *Generated {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "oracle: running the generators in a mount namespace needs root")
	}
	for _, tool := range []string{"unshare", "chroot", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(t, "oracle: no %s to run the generators confined: %v", tool, err)
		}
	}
	root, err := filepath.Abs(in.Root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, "etc")); err != nil || !fi.IsDir() {
		t.Fatalf("oracle: %s has no etc directory to give the generators", root)
	}
	out, err := os.MkdirTemp("", "initorder-generators-")
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	for _, d := range []string{"normal", "early", "late"} {
		if err := os.Mkdir(filepath.Join(out, d), 0o755); err != nil {
			t.Fatalf("oracle: %v", err)
		}
	}
	newRoot, err := os.MkdirTemp("", "initorder-generator-root-")
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	defer os.RemoveAll(newRoot)

	inDir := ""
	env := []string{
		"PATH=/r/usr/local/sbin:/r/usr/local/bin:/r/usr/sbin:/r/usr/bin:/r/sbin:/r/bin",
		"LC_ALL=C",
		"SYSTEMD_PROC_CMDLINE=" + in.Cmdline,
		"SYSTEMD_IN_INITRD=" + map[bool]string{false: "0", true: "1"}[in.InInitrd],
		"SYSTEMD_LOG_TARGET=console",
		"SYSTEMD_LOG_LEVEL=debug",
		"SYSTEMD_LOG_COLOR=0",
	}
	if in.Fstab != "" || in.Crypttab != "" {
		inDir = t.TempDir()
		for name, text := range map[string]string{"fstab": in.Fstab, "crypttab": in.Crypttab} {
			if text == "" {
				continue
			}
			if err := os.WriteFile(filepath.Join(inDir, name), []byte(text), 0o644); err != nil {
				t.Fatalf("oracle: %v", err)
			}
			env = append(env, "SYSTEMD_"+strings.ToUpper(name)+"=/in/"+name)
		}
	}
	update := "0"
	if _, err := os.Lstat(filepath.Join(root, "system-update")); err == nil {
		update = "1"
	}
	ttys, closeTTYs := consoleTTYs(t, in.Consoles)
	defer closeTTYs()

	g := &Generated{Dir: out, Files: map[string]*GeneratedUnit{}, Links: map[string]string{}}
	for _, name := range names {
		bin := filepath.Join(GeneratorDir, name)
		if _, err := os.Stat(bin); err != nil {
			Unavailable(t, "oracle: no generator %s (needs Debian with systemd): %v", bin, err)
		}
		args := []string{"-m", "--propagation", "private", "sh", "-c", generatorScript, "sh",
			newRoot, root, out, inDir, update, strings.Join(in.Consoles, " "), strings.Join(ttys, " "), "--",
			"env", "-i"}
		args = append(args, env...)
		args = append(args, bin, "/out/normal", "/out/early", "/out/late")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "unshare", args...)
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		start := time.Now()
		err := cmd.Run()
		cancel()
		run := GeneratorRun{Name: name, Duration: time.Since(start), Stderr: stderr.String(),
			Command: "(confined, see generatorScript) env -i " + strings.Join(env, " ") + " " + bin + " /out/normal /out/early /out/late"}
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("oracle: running %s: %v", name, err)
			}
			run.ExitCode = ee.ExitCode()
			if strings.Contains(run.Stderr, "unshare: ") || strings.Contains(run.Stderr, "mount: ") {
				Unavailable(t, "oracle: cannot confine %s: %s", name, lastLines(run.Stderr, 5))
			}
		}
		g.Runs = append(g.Runs, run)
	}
	if err := g.read(); err != nil {
		t.Fatalf("oracle: reading what the generators wrote: %v", err)
	}
	return g
}

// consoleTTYs opens a pseudo-terminal for each console that is not a
// virtual terminal (ttyN, tty) and returns "NAME=/dev/pts/N" for each,
// and a function that closes them.
func consoleTTYs(t testing.TB, consoles []string) ([]string, func()) {
	t.Helper()
	var ttys []string
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, c := range consoles {
		if isVC(c) || strings.ContainsAny(c, " \t\n=") || strings.Contains(c, "..") {
			continue
		}
		master, slave, err := openPTY()
		if err != nil {
			closeAll()
			Unavailable(t, "oracle: no pseudo-terminal for console %s: %v", c, err)
		}
		files = append(files, master)
		ttys = append(ttys, c+"="+slave)
	}
	return ttys, closeAll
}

// isVC reports whether a console is a virtual terminal (tty_is_vc):
// "tty" or "tty" followed by a number.
func isVC(name string) bool {
	rest, ok := strings.CutPrefix(name, "tty")
	if !ok {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// read reads the three directories: unit files and drop-ins (Files) and
// symlinks (Links).
func (g *Generated) read() error {
	return filepath.WalkDir(g.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(g.Dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			g.Links[rel] = target
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			g.Files[rel] = parseGenerated(string(data), "")
		default:
			return fmt.Errorf("unexpected %s (%v)", rel, d.Type())
		}
		return nil
	})
}

// Stderr is the log of every run, each headed by its generator's name.
func (g *Generated) Stderr() string {
	var b strings.Builder
	for _, r := range g.Runs {
		fmt.Fprintf(&b, "== %s (exit %d, %v)\n%s", r.Name, r.ExitCode, r.Duration, r.Stderr)
	}
	return b.String()
}
