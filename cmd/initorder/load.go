package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/parse/systemd"
	"github.com/initorder/initorder/parse/sysv"
	"github.com/initorder/initorder/parse/upstart"
	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// goal is what boot to analyse.
type goal struct {
	runlevel string
	target   string
	stop     bool
	events   []string
	cmdline  []string // --kernel-cmdline values, each as /proc/cmdline holds it
}

// goalFlags registers the flags that say which boot to analyse.
func goalFlags(cmd *cobra.Command, gl *goal) {
	f := cmd.Flags()
	f.StringVar(&gl.runlevel, "runlevel", "", "runlevel to boot into: S or 0-6 (default: inittab's initdefault, else 2; systemd: runlevelN.target)")
	f.StringArrayVar(&gl.events, "event", nil, "an upstart event the outside world emits (repeatable)")
	f.StringVar(&gl.target, "target", "", "systemd target to boot into (default: the default.target link, else graphical.target)")
	f.BoolVar(&gl.stop, "stop", false, "the shutdown order instead (SysV K links; upstart: telinit 0 or --runlevel, its jobs and rc's K links; systemd: the start order reversed)")
	f.StringArrayVar(&gl.cmdline, "kernel-cmdline", nil, "the kernel command line, split at spaces as /proc/cmdline (repeatable): systemd.unit=, a runlevel word (single, 1-5, emergency), systemd.mask=, systemd.wants=, systemd.debug_shell, console=, fstab=, luks=")
}

// fits refuses a goal flag that means nothing for the init system read
// as PID 1, rather than ignoring it: --target is systemd's, --event
// upstart's.
func (gl goal) fits(init string) error {
	if gl.target != "" && init != "systemd" {
		return fmt.Errorf("--target %s: targets are systemd's, and this root boots %s (use --runlevel)", gl.target, init)
	}
	if len(gl.events) > 0 && init != "upstart" {
		return fmt.Errorf("--event %s: events are upstart's, and this root boots %s", gl.events[0], init)
	}
	return nil
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
	l.findings = graph.LimitPerLine(l.findings)
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
	init, scripts, err := pickInit(parse.Detect(fsys), g.inits, g.pid1)
	if err != nil {
		return nil, err
	}
	if err := gl.fits(init); err != nil {
		return nil, err
	}
	words := parse.SplitKernelCmdline(gl.cmdline...)
	runlevel := gl.runlevel
	if runlevel == "" && gl.target == "" && init != "systemd" {
		runlevel = parse.KernelRunlevel(words) // sysvinit and upstart read a runlevel word too
	}
	l := &loaded{}
	if note := parse.ImageNote(fsys.Image()); note != "" {
		l.boot.Notes = append(l.boot.Notes, note)
		g.note(root, note)
	}
	if scripts {
		l.note = init + " as PID 1, with the etc/init.d scripts as it runs them"
	}
	switch init {
	case "systemd":
		sd, err := systemd.Read(fsys, systemd.Options{Target: gl.target, Runlevel: gl.runlevel, SysV: scripts, KernelCmdline: words})
		if err != nil {
			return nil, err
		}
		l.boot = render.Boot{Init: "systemd", Goal: sd.Target, Stop: gl.stop, Graph: sd.Graph, Notes: l.boot.Notes,
			Version: sd.Version, VersionFrom: sd.VersionFrom}
		l.findings = sd.Findings
	case "upstart":
		// --runlevel with --stop is the runlevel the shutdown enters; a
		// runlevel word of the kernel command line is the boot's.
		opt := upstart.Options{Runlevel: runlevel, Events: gl.events, SysV: scripts}
		if gl.stop {
			opt.Runlevel, opt.BootRunlevel, opt.Stop = gl.runlevel, parse.KernelRunlevel(words), true
		}
		up, err := upstart.Read(fsys, opt)
		if err != nil {
			return nil, err
		}
		goalName := "runlevel " + up.Runlevel
		if gl.stop {
			goalName += " stop"
		}
		if up.Dialect == "chromeos" {
			l.boot.Notes = append(l.boot.Notes, "ChromeOS's upstart: its jobs use the import and tmpfiles stanzas")
		}
		l.boot = render.Boot{Init: "upstart", Goal: goalName, Stop: gl.stop, Graph: up.Graph, Notes: l.boot.Notes}
		l.findings = up.Findings
	default:
		sv, err := sysv.Read(fsys, sysv.Options{Runlevel: runlevel, Stop: gl.stop})
		if err != nil {
			return nil, err
		}
		goalName := "runlevel " + sv.Runlevel
		if gl.stop {
			goalName += " stop"
		}
		l.boot = render.Boot{Init: "sysv", Goal: goalName, Stop: gl.stop, Graph: sv.Graph, Notes: l.boot.Notes}
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
// "Mixed"), from the flags and what parse.Detect found in the root.
// --init may be given several times (or as a list):
//
//   - auto (the default) reads the init system that is PID 1 (--pid1, else
//     as parse.Detect decides); with systemd or upstart, the root's
//     etc/init.d scripts join the graph as that init runs them.
//   - one of sysv, upstart or systemd reads that one alone.
//   - upstart or systemd with sysv: that init as PID 1, and the scripts
//     in its graph. With auto too, the scripts join when there are any.
//   - upstart with systemd is refused: a machine boots one of them, and
//     neither runs the other's jobs.
func pickInit(d parse.Detection, inits []string, pid1Flag string) (init string, scripts bool, err error) {
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
		return pid1[0], hasSysV || auto && d.Scripts, nil
	case hasSysV && !auto && pid1Flag != "" && pid1Flag != "sysv":
		return "", false, fmt.Errorf("--pid1 %s, but --init sysv reads the scripts alone (add --init %s)", pid1Flag, pid1Flag)
	case hasSysV && !auto:
		return "sysv", false, nil
	}
	init = pid1Flag
	if init == "" {
		if d.Init == "" && d.Err != nil {
			return "", false, fmt.Errorf("reading the root: %w: where the init configuration would be could not be read (--init names one to read anyway)", d.Err)
		}
		if d.Init == "" {
			return "", false, fmt.Errorf("no init configuration in the root: %s (--init names one to read anyway)", d.Evidence)
		}
		init = d.Init
	}
	return init, init != "sysv" && d.Scripts, nil
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
