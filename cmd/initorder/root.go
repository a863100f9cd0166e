package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/initorder/initorder/render"
	"github.com/spf13/cobra"
)

// Exit codes (SPEC §6).
const (
	exitOK       = 0 // ran; nothing at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // could not run: bad flags, unreadable root
)

// memoryLimit is the soft memory limit Main sets (see README
// "Performance").
const memoryLimit = 896 << 20

// gcPercent is the GOGC Main sets under the memory limit.
const gcPercent = 300

// errFindings makes Main exit 1 after the findings were printed.
var errFindings = errors.New("findings at or above --fail-on")

// Main runs the command line and returns the exit code. Only Main prints
// errors, once, as "initorder: ..." on stderr.
func Main() int {
	// A soft memory limit, unless GOMEMLIMIT sets one: the garbage
	// collector works harder as the heap nears it, so that a root of
	// 100,000 units stays under 1 GiB (SPEC §7) where the default
	// (GOGC=100) lets the heap grow to twice what is live.
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
		// Below the limit, the heap may grow to four times what is
		// live before a collection (GOGC=300), more while it is small:
		// no collection before 256 MB, eleven times what is live after
		// (paceGC), unless GOGC says otherwise. A check of 10,000 units
		// spent a third of its CPU collecting a heap of 60 MB at
		// GOGC=100 (README "Performance"); the limit still holds the
		// peak.
		if _, set := os.LookupEnv("GOGC"); !set {
			paceGC()
		}
	}
	cmd := newRoot()
	err := cmd.Execute()
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFindings
	}
	fmt.Fprintf(os.Stderr, "initorder: %s\n", message(err))
	return exitUsage
}

// message is err as Main prints it, escaped once, here: an error may quote
// a name from the root (a tar member's, a file's), which must not write to
// the terminal itself. The errors of a list (errors.Join) have a line each.
func message(err error) string {
	if list, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range list.Unwrap() {
			lines = append(lines, message(e))
		}
		return strings.Join(lines, "\n")
	}
	return render.Printable(err.Error())
}

// globals are the flags every verb shares, and where notes go.
type globals struct {
	root    string
	inits   []string
	pid1    string
	format  string
	noColor bool

	stderr   io.Writer       // the command's stderr, for notes
	noted    map[string]bool // the notes said so far, each said once
	verb     string          // the verb that runs: ls, check, ... (check says an empty boot as a finding, not a note)
	progress *progress       // of check and graph, on a terminal; nil: none
}

// note says something about the input on stderr, once, whatever the
// format: a note is not a finding, but must not go unsaid.
func (g *globals) note(root, msg string) {
	if msg == "" || g.noted[root+"\x00"+msg] || g.stderr == nil {
		return
	}
	if g.noted == nil {
		g.noted = map[string]bool{}
	}
	g.noted[root+"\x00"+msg] = true
	fmt.Fprintf(g.stderr, "initorder: note: %s: %s\n", render.Printable(root), render.Printable(msg))
}

func newRoot() *cobra.Command {
	g := &globals{}
	cmd := &cobra.Command{
		Use:   "initorder",
		Short: "Show the real boot order of a machine's init configuration, offline",
		Long: `initorder reads the init configuration of a root without booting it:
SysV rc.d scripts with LSB headers, upstart jobs, systemd units, or a mix
(a systemd or upstart root's init.d scripts as that init runs them).
It shows the real boot order (which services start together), the races,
the ordering loops and the dependencies that can never be met, for the
root or for each node of a layout of roles on nodes.

Nothing in the root is executed; every path is read inside --root, which
may be a directory, a .tar/.tar.gz image, or a container image: an OCI
image layout (oci:PATH[:TAG], a directory or an archive) or a docker save
archive (docker-archive:PATH[:NAME:TAG]), found without the prefix too.`,
		Example: `  initorder ls                       # this machine, runlevel 2 (or inittab's initdefault)
  initorder ls -l --root /srv/image  # with init system and source of each service
  initorder check --root image.tar.gz --format json
  initorder check --layout fleet.ini --format sarif
  initorder diff golden/ node.tar.gz`,
		Version:           version(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	cmd.PersistentPreRun = func(c *cobra.Command, _ []string) { g.stderr, g.verb = c.ErrOrStderr(), c.Name() }
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.root, "root", "/", "the root to read: a directory, a .tar/.tar.gz image, an OCI image (oci:PATH[:TAG]) or a docker save archive")
	pf.StringSliceVar(&g.inits, "init", []string{"auto"}, "init systems to read, repeatable: auto, sysv, upstart or systemd (upstart or systemd with sysv: the scripts join its graph)")
	pf.StringVar(&g.pid1, "pid1", "", "the init system that is PID 1: sysv, upstart or systemd (default: as the root's /sbin/init says)")
	pf.StringVar(&g.format, "format", "text", "output format: text or json; sarif, junit or codequality for check; dot, svg or png for graph")
	pf.BoolVar(&g.noColor, "no-color", false, "no colours, even on a terminal (also NO_COLOR)")
	cmd.AddCommand(newLSCmd(g), newCheckCmd(g))
	cmd.AddCommand(newDiffCmd(g), newGraphCmd(g), newWhyCmd(g))
	return cmd
}

// version is the module version of a released build, else "devel" and
// the commit it was built from, when the build recorded one.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v, modified := "devel", false
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			v += " " + s.Value[:12]
		case s.Key == "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		v += " (modified)"
	}
	return v
}
