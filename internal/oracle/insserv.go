package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Insserv is what the real insserv did to a root: the .depend.* files it
// wrote, the links it made and what it printed.
type Insserv struct {
	// Boot, Start and Stop are .depend.boot, .depend.start and .depend.stop:
	// each target script (by file name) to the scripts that must have
	// finished before it. insserv drops prerequisites implied by others
	// (MINIMAL_DEPEND), so these are not all the header's edges, but each
	// holds. Nil when insserv wrote no file (it refused, unforced).
	Boot, Start, Stop map[string][]string
	// The TARGETS lines, sorted: the scripts enabled in rcS.d (Boot), in
	// rc1.d to rc5.d (Start) and with K links in rc0.d to rc6.d (Stop).
	BootTargets, StartTargets, StopTargets []string
	// The INTERACTIVE lines, sorted: scripts started alone.
	BootInteractive, StartInteractive []string
	// Links lists the symlinks insserv left in each rc?.d ("rc2.d":
	// "S01foo", ...), sorted. Their numbers are insserv's levels.
	Links map[string][]string

	// Stderr is what insserv printed, verbatim, in the runs that decide:
	// the enabling run(s) and the check run. ExitCode is 0 if they all
	// exited 0, else the first other exit status (128+N for signal N).
	Stderr   string
	ExitCode int
	Messages []Message // Stderr parsed, one per distinct line

	// Runs is every insserv invocation, in order.
	Runs []Run
	// Forced is set when the enabling run refused and the .depend files
	// and links come from a rerun with -f (insserv ignores missing
	// services and loops and orders what it can).
	Forced bool
	// Crashed is set when the enabling run died on a signal: insserv
	// 1.24.0 crashes (use after free) when two scripts on its command line
	// provide the same name. RunInsserv then does what dpkg does when the
	// second package comes later: it enables the other scripts with the
	// later duplicates moved out of etc/init.d, puts them back and enables
	// each on its own ("enable-apart"), which insserv refuses.
	Crashed bool
}

// A Run is one insserv invocation.
type Run struct {
	Role     string // "enable", "enable-apart", "check" or "force"
	Args     []string
	Stderr   string
	ExitCode int // 128+N when killed by signal N
}

// RunInsserv runs the insserv binary of insservDeb (extracted, never
// installed) on root, as update-rc.d NAME defaults would for every script,
// so that insserv creates root's rc?.d links and writes root's
// etc/init.d/.depend.{boot,start,stop}; then it reads them back.
//
// insserv runs with cwd / and LC_ALL=C as
//
//	insserv -p ROOT/etc/init.d -i ROOT/etc/init.d -- NAME...      (enable)
//	insserv -p ROOT/etc/init.d -i ROOT/etc/init.d                 (check)
//
// where NAME... are the regular files of etc/init.d not starting with a dot
// (symlinks are left out, as update-rc.d's callers do; insserv decides about
// the rest). -p makes insserv read ROOT/etc/insserv.conf{,.d} and both
// override directories inside ROOT (-c and -o would send the
// /usr/share/insserv/overrides lookup to the host); -i makes it write the
// .depend files inside ROOT (without it they go to the host's
// /etc/init.d). The check run, with no script named, re-reads the links the
// enable run made and reports what insserv reports on a later run: a
// required script enabled in too few runlevels ("is missed in the
// runlevels").
//
// If the enable run refuses, the check run is replaced by a forced one
// (-f), so that the caller still has the order of what insserv could order
// (see Forced). If it crashes, see Crashed. RunInsserv fails the test if
// any file it watches outside root changed.
func RunInsserv(t testing.TB, insservDeb, root string) *Insserv {
	t.Helper()
	bin := insservBinary(t, insservDeb)
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if strings.Contains(root, "/etc/init.d") {
		t.Fatalf("oracle: root %s contains /etc/init.d: insserv would take a wrong root", root)
	}
	initd := filepath.Join(root, "etc", "init.d")
	names := scriptArgs(t, initd)
	guard := snapshotHost()

	res := &Insserv{}
	base := []string{"-p", initd, "-i", initd}
	run := func(role string, args ...string) Run {
		r := runInsserv(t, bin, role, args)
		res.Runs = append(res.Runs, r)
		return r
	}
	enable := names
	decisive := []Run{run("enable", append(slices.Clone(base), append([]string{"--"}, enable...)...)...)}
	var held []string
	if decisive[0].ExitCode > 128 {
		res.Crashed = true
		held = laterDuplicates(root, names)
	}
	if len(held) > 0 {
		// As dpkg would: configure the rest first, with the later
		// duplicates not yet unpacked, then each duplicate on its own.
		enable = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(held, n) })
		restore := hide(t, root, held)
		decisive = []Run{run("enable", append(slices.Clone(base), append([]string{"--"}, enable...)...)...)}
		if decisive[0].ExitCode != 0 {
			run("force", append(slices.Clone(base), append([]string{"-f", "--"}, enable...)...)...)
			res.Forced = true
		}
		restore()
		for _, h := range held {
			decisive = append(decisive, run("enable-apart", append(slices.Clone(base), "--", h)...))
		}
	} else if decisive[0].ExitCode != 0 {
		run("force", append(slices.Clone(base), append([]string{"-f", "--"}, enable...)...)...)
		res.Forced = true
	}
	if !res.Forced {
		decisive = append(decisive, run("check", base...))
	}
	guard.check(t)

	var stderr strings.Builder
	for _, r := range decisive {
		stderr.WriteString(r.Stderr)
		if res.ExitCode == 0 {
			res.ExitCode = r.ExitCode
		}
	}
	res.Stderr = stderr.String()
	res.Messages = ParseMessages(res.Stderr)
	refineMissing(res.Messages, providedNames(root, names))

	if d, err := readDepend(filepath.Join(initd, ".depend.boot")); err == nil {
		res.Boot, res.BootTargets, res.BootInteractive = d.deps, d.targets, d.interactive
	}
	if d, err := readDepend(filepath.Join(initd, ".depend.start")); err == nil {
		res.Start, res.StartTargets, res.StartInteractive = d.deps, d.targets, d.interactive
	}
	if d, err := readDepend(filepath.Join(initd, ".depend.stop")); err == nil {
		res.Stop, res.StopTargets = d.deps, d.targets
	}
	res.Links = readLinks(root)
	return res
}

// hide moves the named scripts out of ROOT/etc/init.d (to ROOT/.oracle-held)
// and returns the function that puts them back.
func hide(t testing.TB, root string, names []string) func() {
	t.Helper()
	aside := filepath.Join(root, ".oracle-held")
	if err := os.MkdirAll(aside, 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(root, "etc", "init.d", n), filepath.Join(aside, n)); err != nil {
			t.Fatalf("oracle: %v", err)
		}
	}
	return func() {
		t.Helper()
		for _, n := range names {
			if err := os.Rename(filepath.Join(aside, n), filepath.Join(root, "etc", "init.d", n)); err != nil {
				t.Fatalf("oracle: %v", err)
			}
		}
		if err := os.Remove(aside); err != nil {
			t.Fatalf("oracle: %v", err)
		}
	}
}

// scriptArgs lists the names RunInsserv passes to insserv: the regular
// files of initd, sorted, without dot files (insserv's own .depend.*) and
// without names insserv would split at " ,;\t".
func scriptArgs(t testing.TB, initd string) []string {
	t.Helper()
	entries, err := os.ReadDir(initd)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		if strings.ContainsAny(name, " ,;\t") {
			t.Logf("oracle: not naming %q to insserv: it would split the name", name)
			continue
		}
		names = append(names, name)
	}
	return names
}

func runInsserv(t testing.TB, bin, role string, args []string) Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Run{Role: role, Args: args, Stderr: stderr.String()}
	if stdout.Len() > 0 {
		t.Logf("oracle: insserv (%s) wrote to stdout:\n%s", role, stdout.Bytes())
	}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("oracle: running insserv: %v", err)
		}
		r.ExitCode = ee.ExitCode()
		if ws, ok := ee.Sys().(interface {
			Signaled() bool
			Signal() syscall.Signal
		}); ok && ws.Signaled() {
			r.ExitCode = 128 + int(ws.Signal())
		}
	}
	return r
}

// insservBinary returns the insserv program unpacked from deb.
func insservBinary(t testing.TB, deb string) string {
	t.Helper()
	if deb == "" {
		t.Fatalf("oracle: no insserv .deb given")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		Unavailable(t, "oracle: no dpkg-deb (needs Debian): %v", err)
	}
	dir, err := extractDeb(deb)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	for _, rel := range []string{"sbin/insserv", "usr/sbin/insserv"} {
		bin := filepath.Join(dir, rel)
		if fi, err := os.Stat(bin); err == nil && fi.Mode()&0o111 != 0 {
			return bin
		}
	}
	t.Fatalf("oracle: %s has no sbin/insserv", deb)
	return ""
}

// hostPaths are the files outside the root that insserv writes when it is
// run without the right options: the .depend files and the links of the
// host, and the directories it creates.
var hostPaths = []string{
	"/etc/init.d", "/etc/init.d/.depend.boot", "/etc/init.d/.depend.start", "/etc/init.d/.depend.stop",
	"/etc/rc0.d", "/etc/rc1.d", "/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", "/etc/rc6.d", "/etc/rcS.d",
	"/etc/insserv.conf", "/etc/insserv.conf.d", "/etc/insserv", "/lib/insserv", "/usr/share/insserv",
}

type hostSnapshot map[string]string

func snapshotHost() hostSnapshot {
	s := make(hostSnapshot)
	for _, p := range hostPaths {
		s[p] = describe(p)
	}
	return s
}

// describe sums up a path: absent, or its mode, size, mtime and, for a
// directory, its entries with their link targets.
func describe(p string) string {
	fi, err := os.Lstat(p)
	if err != nil {
		return "absent"
	}
	d := fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
	if fi.IsDir() {
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			target, _ := os.Readlink(filepath.Join(p, e.Name()))
			d += " " + e.Name() + ">" + target
		}
	}
	return d
}

func (s hostSnapshot) check(t testing.TB) {
	t.Helper()
	for _, p := range hostPaths {
		if now := describe(p); now != s[p] {
			t.Errorf("oracle: insserv changed %s outside the root:\nbefore: %s\nafter:  %s", p, s[p], now)
		}
	}
}
