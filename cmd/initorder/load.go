package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// goal is what boot to analyse.
type goal struct {
	runlevel string
	target   string
	stop     bool
	events   []string
}

// goalFlags registers the flags that say which boot to analyse.
func goalFlags(cmd *cobra.Command, gl *goal) {
	f := cmd.Flags()
	f.StringVar(&gl.runlevel, "runlevel", "", "runlevel to boot into: S or 0-6 (default: inittab's initdefault, else 2; systemd: runlevelN.target)")
	f.StringArrayVar(&gl.events, "event", nil, "an upstart event the outside world emits (repeatable)")
	f.StringVar(&gl.target, "target", "", "systemd target to boot into (default: the default.target link, else graphical.target)")
	f.BoolVar(&gl.stop, "stop", false, "the shutdown order instead (SysV K links; systemd: the start order reversed)")
}

// loaded is a root read for one goal.
type loaded struct {
	boot     render.Boot
	findings []graph.Finding // from reading and from the analyses, sorted
	note     string          // a hint for a terminal (which init system was read and why)
}

// load reads the root for the goal with the init system --init selects
// and runs the analyses.
func load(g *globals, gl goal) (*loaded, error) {
	l, err := read(g, g.root, gl)
	if err != nil {
		return nil, err
	}
	l.findings = append(l.findings, graph.Check(l.boot.Graph)...)
	graph.SortFindings(l.findings)
	return l, nil
}

// read reads root for the goal with the init system --init selects: the
// boot, and the findings of reading it without the analyses of Check.
func read(g *globals, root string, gl goal) (*loaded, error) {
	if gl.runlevel != "" && !slices.Contains([]string{"S", "s", "0", "1", "2", "3", "4", "5", "6"}, gl.runlevel) {
		return nil, fmt.Errorf("--runlevel %q: want S or 0 to 6", gl.runlevel)
	}
	if gl.runlevel != "" && gl.target != "" {
		return nil, errors.New("--runlevel and --target: give one (a runlevel N is systemd's runlevelN.target)")
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		return nil, fmt.Errorf("reading root: %w", err)
	}
	defer fsys.Close()
	init, sysv, err := pickInit(fsys, g.inits, g.pid1)
	if err != nil {
		return nil, err
	}
	l := &loaded{}
	if sysv {
		l.note = init + " as PID 1, with the etc/init.d scripts as it runs them"
	}
	switch init {
	case "systemd":
		sd, err := parse.ReadSystemd(fsys, parse.SystemdOptions{Target: gl.target, Runlevel: gl.runlevel, SysV: sysv})
		if err != nil {
			return nil, err
		}
		l.boot = render.Boot{Init: "systemd", Goal: sd.Target, Stop: gl.stop, Graph: sd.Graph}
		l.findings = sd.Findings
	case "upstart":
		if gl.stop {
			return nil, errors.New("--stop: the shutdown order is read for SysV only so far")
		}
		up, err := parse.ReadUpstart(fsys, parse.UpstartOptions{Runlevel: gl.runlevel, Events: gl.events, SysV: sysv})
		if err != nil {
			return nil, err
		}
		l.boot = render.Boot{Init: "upstart", Goal: "runlevel " + up.Runlevel, Graph: up.Graph}
		l.findings = up.Findings
	default:
		sv, err := parse.ReadSysV(fsys, parse.SysVOptions{Runlevel: gl.runlevel, Stop: gl.stop})
		if err != nil {
			return nil, err
		}
		goalName := "runlevel " + sv.Runlevel
		if gl.stop {
			goalName += " stop"
		}
		l.boot = render.Boot{Init: "sysv", Goal: goalName, Stop: gl.stop, Graph: sv.Graph}
		l.findings = sv.Findings
	}
	l.findings = append(l.findings, rootProblems(fsys)...)
	return l, nil
}

// rootProblems are the findings of what reading the root left out: an
// archive read in part is an error (what the rest holds is missing),
// members no file system holds a warning.
func rootProblems(fsys *rootfs.FS) []graph.Finding {
	var fs []graph.Finding
	for _, p := range fsys.Problems() {
		sev := graph.Warning
		if errors.Is(p, rootfs.ErrPartial) {
			sev = graph.Error
		}
		fs = append(fs, graph.Finding{Kind: graph.KindParseError, Severity: sev, Message: fsys.Path() + ": " + p.Error()})
	}
	return fs
}

// pickInit returns the init system to read as PID 1 and whether the
// SysV scripts join its graph (SPEC §2, §3.2 "SysV bridge", §3.3
// "Mixed"). --init may be given several times (or as a list):
//
//   - auto (the default) reads the init system that is PID 1 (--pid1, else
//     as autoInit decides); with systemd or upstart, the root's etc/init.d
//     scripts join the graph as that init runs them.
//   - one of sysv, upstart or systemd reads that one alone.
//   - upstart or systemd with sysv: that init as PID 1, and the scripts
//     in its graph. With auto too, the scripts join when there are any.
//   - upstart with systemd is refused: a machine boots one of them, and
//     neither runs the other's jobs.
func pickInit(fsys *rootfs.FS, inits []string, pid1Flag string) (init string, sysv bool, err error) {
	for _, in := range inits {
		switch in {
		case "auto", "sysv", "upstart", "systemd":
		default:
			return "", false, fmt.Errorf("--init %q: want auto, sysv, upstart or systemd", in)
		}
	}
	switch pid1Flag {
	case "", "sysv", "upstart", "systemd":
	default:
		return "", false, fmt.Errorf("--pid1 %q: want sysv, upstart or systemd", pid1Flag)
	}
	explicit := slices.DeleteFunc(slices.Clone(inits), func(s string) bool { return s == "auto" })
	slices.Sort(explicit)
	explicit = slices.Compact(explicit)
	auto := len(explicit) < len(inits) || len(inits) == 0
	hasSysV := slices.Contains(explicit, "sysv")
	pid1 := slices.DeleteFunc(slices.Clone(explicit), func(s string) bool { return s == "sysv" })
	switch {
	case len(pid1) > 1:
		return "", false, fmt.Errorf("--init %s: a machine boots one of upstart and systemd, and neither runs the other's jobs: give one (with sysv, the scripts join its graph)", strings.Join(explicit, ","))
	case len(pid1) == 1 && pid1Flag != "" && pid1Flag != pid1[0]:
		return "", false, fmt.Errorf("--pid1 %s, but --init reads %s", pid1Flag, pid1[0])
	case len(pid1) == 1:
		return pid1[0], hasSysV || auto && hasDir(fsys, "etc/init.d"), nil
	case hasSysV && !auto && pid1Flag != "" && pid1Flag != "sysv":
		return "", false, fmt.Errorf("--pid1 %s, but --init sysv reads the scripts alone (add --init %s)", pid1Flag, pid1Flag)
	case hasSysV && !auto:
		return "sysv", false, nil
	}
	init = pid1Flag
	if init == "" {
		if init, err = autoInit(fsys); err != nil {
			return "", false, err
		}
	}
	return init, init != "sysv" && hasDir(fsys, "etc/init.d"), nil
}

// autoInit decides which init system is PID 1 as the distribution would
// boot the root:
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
// A root with none of these has no init configuration: an error. When a
// probe could not look (an unreadable etc, a loop), that is the error
// instead: the root may well have one.
func autoInit(fsys *rootfs.FS) (string, error) {
	var failed error // the first probe that failed other than by a missing name
	look := func(err error) bool {
		if err != nil && failed == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			failed = err
		}
		return err == nil
	}
	exists := func(name string) bool { _, err := fsys.Stat(name); return look(err) }
	isDir := func(name string) bool { fi, err := fsys.Stat(name); return look(err) && fi.IsDir() }
	pid1, err := fsys.Resolve("sbin/init")
	look(err)
	switch {
	case err == nil && strings.HasSuffix(pid1, "systemd/systemd"):
		return "systemd", nil
	case exists("sbin/initctl") || exists("etc/init/rc-sysinit.conf"):
		return "upstart", nil
	case err == nil || isDir("etc/init.d") || isDir("etc/rc2.d"):
		return "sysv", nil
	case hasUpstartJobs(fsys, look):
		return "upstart", nil
	case isDir("lib/systemd/system") || isDir("usr/lib/systemd/system") || isDir("etc/systemd/system"):
		return "systemd", nil
	case failed != nil:
		return "", fmt.Errorf("reading the root: %w: where the init configuration would be could not be read (--init names one to read anyway)", failed)
	}
	return "", errors.New("no init configuration in the root: no sbin/init, etc/init.d, etc/rc2.d, etc/init jobs or systemd unit directory (--init names one to read anyway)")
}

func hasDir(fsys *rootfs.FS, name string) bool {
	fi, err := fsys.Stat(name)
	return err == nil && fi.IsDir()
}

// hasUpstartJobs reports whether the root has upstart jobs in etc/init;
// look is told how listing it went.
func hasUpstartJobs(fsys *rootfs.FS, look func(error) bool) bool {
	ents, err := fsys.ReadDir("etc/init")
	if !look(err) {
		return false
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".conf") {
			return true
		}
	}
	return false
}

// options returns the text options for w: colour only on a terminal and
// never with --no-color or NO_COLOR (no-color.org).
func options(g *globals, w io.Writer, long bool) render.Options {
	return render.Options{Long: long, Color: !g.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
