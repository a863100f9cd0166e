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
	defaults bool     // SysV: the links of update-rc.d NAME defaults for every script
	presets  bool     // systemd: the links of systemctl preset-all
}

// goalFlags registers the flags that say which boot to analyse.
func goalFlags(cmd *cobra.Command, gl *goal) {
	f := cmd.Flags()
	f.StringVar(&gl.runlevel, "runlevel", "", "runlevel to boot into: S or 0-6 (default: inittab's initdefault, else 2; systemd: runlevelN.target)")
	f.StringArrayVar(&gl.events, "event", nil, "an upstart event the outside world emits (repeatable)")
	f.StringVar(&gl.target, "target", "", "systemd target to boot into (default: the default.target link, else graphical.target)")
	f.BoolVar(&gl.stop, "stop", false, "the shutdown order instead (SysV K links; upstart: telinit 0 or --runlevel, its jobs and rc's K links; systemd: the start order reversed)")
	f.StringArrayVar(&gl.cmdline, "kernel-cmdline", nil, "the kernel command line, split at spaces as /proc/cmdline (repeatable): systemd.unit=, a runlevel word (single, 1-5, emergency), systemd.mask=, systemd.wants=, systemd.debug_shell, console=, fstab=, luks=")
	f.BoolVar(&gl.defaults, "defaults", false, "SysV: read the rc links as update-rc.d NAME defaults would make them for every script (insserv's numbers)")
	f.BoolVar(&gl.presets, "presets", false, "systemd: read the root as systemctl preset-all would leave it (its preset files; a first boot applies them, enable only, without it)")
}

// fits refuses a goal flag that means nothing for the init system read
// as PID 1, rather than ignoring it: --target is systemd's, --event
// upstart's, --presets systemd's.
func (gl goal) fits(init string) error {
	if gl.target != "" && init != "systemd" {
		return fmt.Errorf("--target %s: targets are systemd's, and this root boots %s (use --runlevel)", gl.target, init)
	}
	if len(gl.events) > 0 && init != "upstart" {
		return fmt.Errorf("--event %s: events are upstart's, and this root boots %s", gl.events[0], init)
	}
	if gl.presets && init != "systemd" {
		return fmt.Errorf("--presets: preset files are systemd's, and this root boots %s", init)
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
	g.progress.step("reading "+root, -1)
	fsys, err := rootfs.Open(root)
	if err != nil {
		return nil, fmt.Errorf("reading root: %w", err)
	}
	defer fsys.Close()
	l := &loaded{}
	// say puts a note about the root in ls -l and JSON (Boot.Notes) and
	// on stderr.
	say := func(note string) {
		l.boot.Notes = append(l.boot.Notes, note)
		g.note(root, note)
	}
	if in := fsys.Inside(); in != "" {
		say("every member of the archive is under " + in + "/: the root is read from inside it")
	}
	if note := parse.ImageNote(fsys.Image()); note != "" {
		say(note)
	}
	var made map[string]bool
	var defaultErrs []graph.Finding
	if gl.defaults {
		if fsys, made, defaultErrs, err = withDefaults(fsys, say); err != nil {
			return nil, err
		}
	}
	d := parse.Detect(fsys)
	init, scripts, detected, err := pickInit(d, g.inits, g.pid1)
	if err != nil {
		return nil, err
	}
	if note := d.Note(); detected && note != "" {
		say(note)
	}
	if note := d.Overruled(init, initFlag(g.pid1, init)); !detected && note != "" {
		say(note)
	}
	if err := gl.fits(init); err != nil {
		return nil, err
	}
	words := parse.SplitKernelCmdline(gl.cmdline...)
	runlevel := gl.runlevel
	if runlevel == "" && gl.target == "" && init != "systemd" {
		runlevel = parse.KernelRunlevel(words) // sysvinit and upstart read a runlevel word too
	}
	if scripts {
		l.note = init + " as PID 1, with the etc/init.d scripts as it runs them"
	}
	switch init {
	case "systemd":
		opt := systemd.Options{Target: gl.target, Runlevel: gl.runlevel, SysV: scripts, KernelCmdline: words}
		var presetErrs []graph.Finding
		if fsys, presetErrs, err = withPresets(fsys, gl.presets, &opt, say); err != nil {
			return nil, err
		}
		sd, err := systemd.Read(fsys, opt)
		if err != nil {
			return nil, err
		}
		l.boot = render.Boot{Init: "systemd", Goal: sd.Target, Stop: gl.stop, Graph: sd.Graph, Notes: l.boot.Notes,
			Version: sd.Version, VersionFrom: sd.VersionFrom}
		l.findings = append(sd.Findings, presetErrs...)
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
		sv, err := sysv.Read(fsys, sysv.Options{Runlevel: runlevel, Stop: gl.stop, Made: made})
		if err != nil {
			return nil, err
		}
		goalName := "runlevel " + sv.Runlevel
		if gl.stop {
			goalName += " stop"
		}
		l.boot = render.Boot{Init: "sysv", Goal: goalName, Stop: gl.stop, Graph: sv.Graph, Notes: l.boot.Notes}
		l.findings = sv.Findings
		if d.Init == "sysv" { // the root's own PID 1: its units' links are left for a systemd boot
			l.findings = append(l.findings, sysv.UnitsNeverRun(fsys, sv.Graph)...)
		}
	}
	l.findings = append(l.findings, defaultErrs...)
	for _, p := range fsys.Problems() {
		f := rootProblem(fsys, p)
		l.findings = append(l.findings, f)
		if f.Severity == graph.Error { // an archive read in part: said as an empty boot is
			l.boot.Notes = append(l.boot.Notes, p.Error())
			if g.verb != "check" {
				g.note(root, p.Error())
			}
		}
	}
	sayEmpty(g, root, l, d, detected)
	return l, nil
}

// withDefaults returns root read with the rc links update-rc.d NAME
// defaults would make for every script, the links it makes or renumbers
// and the rc directories it could not read (findings), and says what it
// did on stderr.
func withDefaults(fsys *rootfs.FS, say func(string)) (*rootfs.FS, map[string]bool, []graph.Finding, error) {
	dl, err := sysv.Defaults(fsys)
	if err != nil {
		return nil, nil, nil, err
	}
	made := dl.Made(fsys)
	with, err := fsys.With(dl.Changes())
	if err != nil {
		return nil, nil, nil, err
	}
	msg := fmt.Sprintf("--defaults: %d rc links as update-rc.d NAME defaults would leave them (insserv's numbers), %d of them made or renumbered", len(dl.Links), len(made))
	if len(dl.Disabled) > 0 {
		msg += fmt.Sprintf("; enabled nowhere (no header or no Default-Start): %s", strings.Join(dl.Disabled, ", "))
	}
	say(msg)
	return with, made, dl.Errors.Findings(), nil
}

// withPresets returns root read as systemd 252 would boot it after its
// preset files: with --presets, as systemctl preset-all leaves it; at a
// first boot (no etc/machine-id, or "uninitialized"), as the manager's
// own preset-all leaves it (enable only). It says so on stderr and sets
// the notes of opt; the findings are the preset lines systemctl cannot
// parse.
func withPresets(fsys *rootfs.FS, full bool, opt *systemd.Options, say func(string)) (*rootfs.FS, []graph.Finding, error) {
	first, why := systemd.FirstBoot(fsys, opt.KernelCmdline)
	opt.FirstBoot = first
	if !full && !first {
		return fsys, nil, nil
	}
	p, err := systemd.PresetAll(fsys, !full)
	if err != nil {
		return nil, nil, err
	}
	if !full && len(p.Links) == 0 {
		return fsys, p.Errors.Findings(), nil // a first boot that changes nothing
	}
	with, err := fsys.With(p.Changes())
	if err != nil {
		return nil, nil, err
	}
	opt.Preset = map[string]bool{}
	for _, n := range p.Enabled {
		opt.Preset[n] = true
	}
	what := fmt.Sprintf("%s enabled (%s made)", count(len(p.Enabled), "unit"), count(len(p.Links), "link"))
	if full {
		what += fmt.Sprintf(", %s disabled (%s removed)", count(len(p.Disabled), "unit"), count(len(p.Removed), "link"))
	}
	if len(p.Files) == 0 {
		what += "; no preset file: every unit with an [Install] section is enabled"
	}
	switch {
	case full:
		opt.PresetNote = "enabled by --presets (systemctl preset-all)"
		say("--presets: the root as systemctl preset-all leaves it: " + what)
	default:
		opt.PresetNote = "enabled at the first boot by the preset files"
		say(fmt.Sprintf("first boot: %s, so systemd 252 applies the preset files before it starts anything (preset-all, enable only): %s (--presets applies them in full; an etc/machine-id with an ID, or --kernel-cmdline systemd.condition-first-boot=0, reads the root as a machine that has booted)", why, what))
	}
	return with, p.Errors.Findings(), nil
}

// count says n things: "1 unit", "2 units".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// sayEmpty completes an empty-boot finding with what the root holds of
// the other init systems when the init system was guessed (--pid1 reads
// it as one of those), puts it in the notes of ls -l and JSON, and says
// it on stderr for every verb but check, which prints it with the other
// findings.
func sayEmpty(g *globals, root string, l *loaded, d parse.Detection, detected bool) {
	for k := range l.findings {
		f := &l.findings[k]
		if f.Kind != graph.KindEmptyBoot {
			continue
		}
		if detected && d.Guess && d.Also != "" {
			f.Message += "; --pid1 reads the root as another init system (" + d.Also + ")"
		}
		l.boot.Notes = append(l.boot.Notes, f.Message)
		if g.verb != "check" {
			g.note(root, f.Message)
		}
	}
}

// rootProblem is the finding of a problem of the root (rootfs.FS.Problems):
// an archive read in part is an error (what the rest holds is missing),
// members no file system holds a warning.
func rootProblem(fsys *rootfs.FS, p error) graph.Finding {
	sev := graph.Warning
	if errors.Is(p, rootfs.ErrPartial) {
		sev = graph.Error
	}
	return graph.Finding{Kind: graph.KindParseError, Severity: sev, Message: fsys.Path() + ": " + p.Error()}
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
//
// detected reports whether parse.Detect chose PID 1 (neither --pid1 nor
// --init named it).
func pickInit(d parse.Detection, inits []string, pid1Flag string) (init string, scripts, detected bool, err error) {
	for _, in := range inits {
		switch in {
		case "auto", "sysv", "upstart", "systemd":
		default:
			return "", false, false, fmt.Errorf("--init %q: want auto, sysv, upstart or systemd", in)
		}
	}
	switch pid1Flag {
	case "", "sysv", "upstart", "systemd":
	default:
		return "", false, false, fmt.Errorf("--pid1 %q: want sysv, upstart or systemd", pid1Flag)
	}
	explicit := slices.DeleteFunc(slices.Clone(inits), func(s string) bool { return s == "auto" })
	slices.Sort(explicit)
	explicit = slices.Compact(explicit)
	auto := len(explicit) < len(inits) || len(inits) == 0
	hasSysV := slices.Contains(explicit, "sysv")
	pid1 := slices.DeleteFunc(slices.Clone(explicit), func(s string) bool { return s == "sysv" })
	switch {
	case len(pid1) > 1:
		return "", false, false, fmt.Errorf("--init %s: a machine boots one of upstart and systemd, and neither runs the other's jobs: give one (with sysv, the scripts join its graph)", strings.Join(explicit, ","))
	case len(pid1) == 1 && pid1Flag != "" && pid1Flag != pid1[0]:
		return "", false, false, fmt.Errorf("--pid1 %s, but --init reads %s", pid1Flag, pid1[0])
	case len(pid1) == 1:
		return pid1[0], hasSysV || auto && d.Scripts, false, nil
	case hasSysV && !auto && pid1Flag != "" && pid1Flag != "sysv":
		return "", false, false, fmt.Errorf("--pid1 %s, but --init sysv reads the scripts alone (add --init %s)", pid1Flag, pid1Flag)
	case hasSysV && !auto:
		return "sysv", false, false, nil
	}
	init = pid1Flag
	if init == "" {
		if d.Init == "" && d.Err != nil {
			return "", false, false, fmt.Errorf("reading the root: %w: where the init configuration would be could not be read (--init names one to read anyway)", d.Err)
		}
		if d.Init == "" {
			return "", false, false, fmt.Errorf("no init configuration in the root: %s (--init names one to read anyway)", d.Evidence)
		}
		init = d.Init
	}
	return init, init != "sysv" && d.Scripts, pid1Flag == "", nil
}

// initFlag names the flag that made init PID 1: "--pid1 sysv", else
// "--init sysv".
func initFlag(pid1Flag, init string) string {
	if pid1Flag != "" {
		return "--pid1 " + pid1Flag
	}
	return "--init " + init
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
