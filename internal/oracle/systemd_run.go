package oracle

// This file runs the systemd installed on the machine in test mode
// (`systemd --test`) on a root made by BuildUnitRoot, so that tests can hold
// initorder's systemd boot transaction against systemd's own. What
// `systemd --test` reads, prints and needs is written down in
// docs/systemd-oracle.md.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SystemdTest is what `systemd --test --system --unit=TARGET --no-pager`
// printed for a root, parsed.
type SystemdTest struct {
	Target string
	// Units is every unit with a job in the transaction, sorted. Units
	// systemd finds already active (see Active) get no start job and are
	// not in it.
	Units []string
	// Jobs maps each unit of Units to its job type (start, stop,
	// verify-active, ...).
	Jobs map[string]string
	// After maps a unit of Units to the units of Units it is ordered
	// after: its own "After:" lines and the "Before:" lines that name it,
	// sorted.
	After map[string][]string
	// Requires and Wants are the "Requires:" and "Wants:" lines of every
	// dumped unit, as dumped (also towards units outside the transaction,
	// and not-found ones), sorted.
	Requires, Wants map[string][]string
	// Deps holds every dependency line of the dump, by kind ("After",
	// "BindsTo", "PartOf", "Conflicts", "WantedBy", "Triggers", ...), for
	// every dumped unit.
	Deps map[string]map[string][]string
	// Edges are the dependency lines between two units of Units, with
	// where systemd says each comes from.
	Edges []SystemdEdge
	// Aliases maps a unit to its other names ("Alias:" lines).
	Aliases map[string][]string
	// Fragments maps a unit to its unit file, relative to the root when
	// inside it; units without a file (not-found, from
	// /proc/self/mountinfo) are absent.
	Fragments map[string]string
	// LoadState and ActiveState are each dumped unit's "Unit Load State"
	// (loaded, not-found, masked, bad-setting, ...) and "Unit Active State".
	LoadState, ActiveState map[string]string
	// Active lists the dumped units that are not inactive: host state
	// (-.slice, system.slice, init.scope, the mounts of the host's
	// /proc/self/mountinfo, their devices), sorted.
	Active []string
	// Queued is the unit of the "Queued start job for default target
	// UNIT." message: Target, or rescue.target when systemd fell back to
	// it because Target was not found.
	Queued string
	// Cycles are the ordering cycles systemd found and broke (or could
	// not break) while building the transaction, from Stderr; Deleted
	// lists their deleted jobs as "UNIT/JOBTYPE".
	Cycles  []SystemdCycle
	Deleted []string

	ExitCode int
	Duration time.Duration // wall time of the systemd process
	Raw      string        // stdout: the dump
	Stderr   string
	Command  string // the command line, with its environment, for logs
}

// A SystemdEdge is one dependency line of the dump: From has dependency
// Kind on To. Origin is systemd's annotation: origin-file (a directive
// of From's unit file or drop-in), origin-implicit, origin-default
// (DefaultDependencies=), origin-path (RequiresMountsFor= and paths),
// origin-slice-property, origin-mountinfo, origin-udev, and the matching
// destination-* when the line comes from the other unit.
type SystemdEdge struct {
	From, Kind, To string
	Origin         []string
}

// A SystemdCycle is one ordering cycle of systemd's log: "Found ordering
// cycle on A/start", "Found dependency on B/start"..., then "Job X/start
// deleted to break ordering cycle starting with A/start" or "Unable to
// break cycle starting with A/start".
type SystemdCycle struct {
	Units   []string // A, B, ...: the loop, in the order systemd logs it
	Deleted string   // "X/start", or "" if systemd could not break it
}

// SystemdBinary is where Debian 12 installs systemd.
var SystemdBinary = "/lib/systemd/systemd"

// SystemdUnitPath is the unit search path RunSystemdTest gives systemd
// through $SYSTEMD_UNIT_PATH, in the order of systemd's own system search
// path, each directory taken inside root. Without a trailing ":" systemd
// searches no other directory: not the host's /etc, /run or /lib, and
// none of the generator directories.
func SystemdUnitPath(root string) string {
	var dirs []string
	for _, d := range []string{"etc/systemd/system", "usr/local/lib/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"} {
		dirs = append(dirs, filepath.Join(root, filepath.FromSlash(d)))
	}
	return strings.Join(dirs, ":")
}

// RunSystemdTest runs `systemd --test --system --unit=TARGET --no-pager`
// (SystemdBinary) on root and parses what it prints: RunSystemdTestWith
// with the directories in late after the root's on the search path, as
// run/systemd/generator.late comes last (the output of RunSysvGenerator).
func RunSystemdTest(t testing.TB, root, target string, late ...string) *SystemdTest {
	t.Helper()
	return RunSystemdTestWith(t, root, target, SystemdTestOptions{Late: late})
}

// SystemdTestOptions are the generator directories to put on the search
// path and the systemd to run.
type SystemdTestOptions struct {
	// Early, Normal and Late are generator output directories, searched
	// where systemd searches run/systemd/generator.early (before the
	// root's etc/systemd/system), run/systemd/generator (after it) and
	// run/systemd/generator.late (after everything).
	Early, Normal, Late []string
	// Release is another systemd than the installed one (Systemd257).
	Release *SystemdRelease
}

// RunSystemdTestWith runs `systemd --test --system --unit=TARGET --no-pager`
// (SystemdBinary, or opt.Release's) on root and parses what it prints.
// systemd runs as the user nobody (when the test runs as root; as the
// user itself otherwise), with a clean environment:
//
//	SYSTEMD_UNIT_PATH=EARLY:ROOT/etc/systemd/system:NORMAL:ROOT/usr/local/lib/systemd/system:ROOT/lib/systemd/system:ROOT/usr/lib/systemd/system:LATE
//	SYSTEMD_GENERATOR_PATH=EMPTY SYSTEMD_ENVIRONMENT_GENERATOR_PATH=EMPTY
//	SYSTEMD_PROC_CMDLINE= SYSTEMD_IN_INITRD=0 HOME=EMPTY
//	SYSTEMD_LOG_LEVEL=info SYSTEMD_LOG_COLOR=0 LC_ALL=C PATH=...
//
// where EMPTY is an empty temporary directory: no generator runs, the
// host's kernel command line and ~/.config are not read. As nobody,
// systemd cannot create the cgroups and /run/systemd files its test mode
// would otherwise create on the host. RunSystemdTest makes root and the
// temporary directories above it traversable by nobody. A Release runs
// with its own loader and libraries, in a private mount namespace where
// its usr/lib/systemd is bound over /usr/lib/systemd (systemd 257 runs
// its systemd-executor from there), and drops to nobody with setpriv.
//
// It fails the test if systemd cannot be run, prints no dump while exiting
// 0, or queues another target than target (systemd falls back to
// rescue.target when target is not found, and exits 0); a systemd that refuses the transaction (exit status not 0,
// no dump) is returned as it is, with ExitCode and Stderr set.
func RunSystemdTestWith(t testing.TB, root, target string, opt SystemdTestOptions) *SystemdTest {
	t.Helper()
	binary := SystemdBinary
	if opt.Release != nil {
		binary = opt.Release.Binary
	}
	if _, err := os.Stat(binary); err != nil {
		Unavailable(t, "oracle: no systemd at %s (needs Debian with systemd): %v", binary, err)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	empty, err := os.MkdirTemp("", "initorder-systemd-empty-")
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	defer os.RemoveAll(empty)
	asNobody := os.Geteuid() == 0
	var attr *syscall.SysProcAttr
	var uid, gid uint64
	if asNobody {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			Unavailable(t, "oracle: no user nobody to run systemd --test as: %v", err)
		}
		uid, _ = strconv.ParseUint(nobody.Uid, 10, 32)
		gid, _ = strconv.ParseUint(nobody.Gid, 10, 32)
		attr = runAsAttr(uint32(uid), uint32(gid))
		dirs := append([]string{root, empty}, opt.Early...)
		dirs = append(append(dirs, opt.Normal...), opt.Late...)
		for _, dir := range dirs {
			traversable(t, dir)
		}
	} else if opt.Release != nil {
		Unavailable(t, "oracle: running systemd %d needs root (a mount namespace)", opt.Release.Version)
	}

	env := []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		"HOME=" + empty,
		"SYSTEMD_UNIT_PATH=" + systemdSearchPath(root, opt),
		"SYSTEMD_GENERATOR_PATH=" + empty,
		"SYSTEMD_ENVIRONMENT_GENERATOR_PATH=" + empty,
		"SYSTEMD_PROC_CMDLINE=",
		"SYSTEMD_IN_INITRD=0",
		"SYSTEMD_LOG_LEVEL=info",
		"SYSTEMD_LOG_COLOR=0",
		"SYSTEMD_COLORS=0",
	}
	args := []string{"--test", "--system", "--unit=" + target, "--no-pager"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	if r := opt.Release; r != nil {
		cmd = exec.CommandContext(ctx, "unshare", r.command(uid, gid, args)...)
		attr = nil // setpriv drops to nobody after the mount
	}
	cmd.Dir = "/"
	cmd.Env = env
	cmd.SysProcAttr = attr
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	exit := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("oracle: running %s: %v", binary, err)
		}
		exit = ee.ExitCode()
		if ws, ok := ee.Sys().(interface {
			Signaled() bool
			Signal() syscall.Signal
		}); ok && ws.Signaled() {
			exit = 128 + int(ws.Signal())
		}
	}
	as := ""
	if asNobody {
		as = "(as nobody) "
	}
	command := as + strings.Join(env, " ") + " " + binary + " " + strings.Join(args, " ")

	res, perr := ParseSystemdTest(stdout.String(), stderr.String(), root)
	if perr != nil {
		if exit == 0 {
			t.Fatalf("oracle: %s: %v\nstderr:\n%s", command, perr, lastLines(stderr.String(), 30))
		}
		res = &SystemdTest{Raw: stdout.String(), Stderr: stderr.String()}
		parseSystemdLog(res, res.Stderr)
		t.Logf("oracle: systemd --test exited %d without a dump:\n%s", exit, lastLines(stderr.String(), 30))
	}
	res.Target = target
	res.ExitCode = exit
	res.Duration = elapsed
	res.Command = command
	if exit == 0 && res.Queued != target {
		t.Errorf("oracle: systemd --test queued %q, not %s (a target it cannot find makes it fall back to rescue.target):\n%s", res.Queued, target, lastLines(res.Stderr, 10))
	}
	return res
}

// systemdSearchPath is $SYSTEMD_UNIT_PATH for a root and the generator
// directories of opt, in systemd's order (lookup_paths_init): early,
// etc/systemd/system, normal, usr/local/lib, lib and usr/lib, late.
func systemdSearchPath(root string, opt SystemdTestOptions) string {
	dirs := slices.Clone(opt.Early)
	dirs = append(dirs, filepath.Join(root, "etc", "systemd", "system"))
	dirs = append(dirs, opt.Normal...)
	for _, d := range []string{"usr/local/lib/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"} {
		dirs = append(dirs, filepath.Join(root, filepath.FromSlash(d)))
	}
	return strings.Join(append(dirs, opt.Late...), ":")
}

// traversable makes dir and the directories above it that are inside the
// temporary directory searchable by others (dir itself also readable),
// as t.TempDir makes them 0700; it fails the test if a directory outside
// the temporary directory is not searchable.
func traversable(t testing.TB, dir string) {
	t.Helper()
	tmp, _ := filepath.Abs(os.TempDir())
	for d, first := dir, true; ; d, first = filepath.Dir(d), false {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		want := fi.Mode().Perm() | 0o001
		if first {
			want |= 0o005
		}
		if want != fi.Mode().Perm() {
			if !strings.HasPrefix(d, tmp+string(filepath.Separator)) {
				t.Fatalf("oracle: %s (mode %v) is not searchable by nobody, who runs systemd --test: put the root under %s", d, fi.Mode().Perm(), tmp)
			}
			if err := os.Chmod(d, want); err != nil {
				t.Fatalf("oracle: %v", err)
			}
		}
		if d == filepath.Dir(d) {
			return
		}
	}
}

// dumpDep matches a dependency line of a unit's dump:
// "After: basic.target (origin-default)".
var dumpDep = regexp.MustCompile(`^([A-Za-z]+): (\S+) \(((?:origin|destination)-[a-z-]+(?: (?:origin|destination)-[a-z-]+)*)\)$`)

// The log lines of an ordering cycle and of the target queued.
var (
	logCycleStart = regexp.MustCompile(`Found ordering cycle on (\S+)/\S+$`)
	logCycleDep   = regexp.MustCompile(`Found dependency on (\S+)/\S+$`)
	logDeleted    = regexp.MustCompile(`Job (\S+/\S+) deleted to break ordering cycle starting with`)
	logUnbroken   = regexp.MustCompile(`Unable to break cycle starting with`)
	logQueued     = regexp.MustCompile(`Queued start job for default target (\S+)\.$`)
)

// ParseSystemdTest parses the output of `systemd --test`: stdout is the
// dump ("-> By units:" then "-> By jobs:"), stderr the log. root, if not
// empty, is cut off the fragment paths.
func ParseSystemdTest(stdout, stderr, root string) (*SystemdTest, error) {
	res := &SystemdTest{
		Jobs:        make(map[string]string),
		After:       make(map[string][]string),
		Requires:    make(map[string][]string),
		Wants:       make(map[string][]string),
		Deps:        make(map[string]map[string][]string),
		Aliases:     make(map[string][]string),
		Fragments:   make(map[string]string),
		LoadState:   make(map[string]string),
		ActiveState: make(map[string]string),
		Raw:         stdout,
		Stderr:      stderr,
	}
	type dep struct{ from, kind, to, origin string }
	var deps []dep
	section, unit, job := "", "", ""
	sawUnits, sawJobs := false, false
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "-> By units:":
			section, sawUnits = "units", true
			continue
		case line == "-> By jobs:":
			section, sawJobs = "jobs", true
			continue
		}
		if rest, ok := strings.CutPrefix(line, "\t-> Unit "); ok && section == "units" {
			unit = strings.TrimSuffix(rest, ":")
			continue
		}
		if rest, ok := strings.CutPrefix(line, "\t-> Job "); ok && section == "jobs" {
			job = strings.TrimSuffix(rest, ":")
			continue
		}
		body, ok := strings.CutPrefix(line, "\t\t")
		if !ok {
			continue
		}
		switch section {
		case "jobs":
			if action, ok := strings.CutPrefix(body, "Action: "); ok {
				u, typ, ok := strings.Cut(action, " -> ")
				if !ok || job == "" {
					return nil, fmt.Errorf("job %s: cannot read %q", job, line)
				}
				res.Jobs[u] = typ
			}
		case "units":
			if unit == "" {
				continue
			}
			key, value, _ := strings.Cut(body, ": ")
			switch key {
			case "Alias":
				res.Aliases[unit] = append(res.Aliases[unit], value)
				continue
			case "Fragment Path":
				if root != "" {
					if rel, err := filepath.Rel(root, value); err == nil && !strings.HasPrefix(rel, "..") {
						value = filepath.ToSlash(rel)
					}
				}
				res.Fragments[unit] = value
				continue
			case "Unit Load State":
				res.LoadState[unit] = value
				continue
			case "Unit Active State":
				res.ActiveState[unit] = value
				continue
			}
			m := dumpDep.FindStringSubmatch(body)
			if m == nil || strings.HasPrefix(m[2], "/") {
				continue // a setting, or RequiresMountsFor= and other paths
			}
			deps = append(deps, dep{unit, m[1], m[2], m[3]})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sawUnits || !sawJobs {
		return nil, errors.New(`no "-> By units:" and "-> By jobs:" dump on stdout`)
	}

	for u := range res.Jobs {
		res.Units = append(res.Units, u)
	}
	slices.Sort(res.Units)
	for u, s := range res.ActiveState {
		if s != "inactive" {
			res.Active = append(res.Active, u)
		}
	}
	slices.Sort(res.Active)
	inTx := func(u string) bool { _, ok := res.Jobs[u]; return ok }
	for _, d := range deps {
		if res.Deps[d.kind] == nil {
			res.Deps[d.kind] = make(map[string][]string)
		}
		res.Deps[d.kind][d.from] = append(res.Deps[d.kind][d.from], d.to)
		switch d.kind {
		case "Requires":
			res.Requires[d.from] = append(res.Requires[d.from], d.to)
		case "Wants":
			res.Wants[d.from] = append(res.Wants[d.from], d.to)
		}
		if !inTx(d.from) || !inTx(d.to) {
			continue
		}
		res.Edges = append(res.Edges, SystemdEdge{From: d.from, Kind: d.kind, To: d.to, Origin: strings.Fields(d.origin)})
		switch d.kind {
		case "After":
			res.After[d.from] = append(res.After[d.from], d.to)
		case "Before":
			res.After[d.to] = append(res.After[d.to], d.from)
		}
	}
	for _, m := range []map[string][]string{res.After, res.Requires, res.Wants, res.Aliases} {
		for k, v := range m {
			slices.Sort(v)
			m[k] = slices.Compact(v)
		}
	}
	for _, m := range res.Deps {
		for k, v := range m {
			slices.Sort(v)
			m[k] = slices.Compact(v)
		}
	}
	slices.SortFunc(res.Edges, func(a, b SystemdEdge) int {
		return strings.Compare(a.From+"\x00"+a.Kind+"\x00"+a.To, b.From+"\x00"+b.Kind+"\x00"+b.To)
	})
	parseSystemdLog(res, stderr)
	return res, nil
}

// parseSystemdLog reads Queued, Cycles and Deleted from systemd's log.
func parseSystemdLog(res *SystemdTest, stderr string) {
	var cycle *SystemdCycle
	for _, line := range strings.Split(stderr, "\n") {
		if m := logQueued.FindStringSubmatch(line); m != nil {
			res.Queued = m[1]
		}
		if m := logCycleStart.FindStringSubmatch(line); m != nil {
			res.Cycles = append(res.Cycles, SystemdCycle{Units: []string{m[1]}})
			cycle = &res.Cycles[len(res.Cycles)-1]
			continue
		}
		if cycle == nil {
			continue
		}
		if m := logCycleDep.FindStringSubmatch(line); m != nil {
			cycle.Units = append(cycle.Units, m[1])
		} else if m := logDeleted.FindStringSubmatch(line); m != nil {
			cycle.Deleted = m[1]
			res.Deleted = append(res.Deleted, m[1])
			cycle = nil
		} else if logUnbroken.MatchString(line) {
			cycle = nil
		}
	}
}

// RunAnalyzeVerify runs `systemd-analyze verify --man=no --generators=no
// --recursive-errors=yes UNIT` on root, as RunSystemdTest runs systemd
// (as nobody when root, the search path replaced), and returns what it
// printed: its ordering-cycle lines are what initorder's cycles are
// checked against.
func RunAnalyzeVerify(t testing.TB, root, unit string) string {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		Unavailable(t, "oracle: no systemd-analyze: %v", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	var attr *syscall.SysProcAttr
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			Unavailable(t, "oracle: no user nobody to run systemd-analyze as: %v", err)
		}
		uid, _ := strconv.ParseUint(nobody.Uid, 10, 32)
		gid, _ := strconv.ParseUint(nobody.Gid, 10, 32)
		attr = runAsAttr(uint32(uid), uint32(gid))
		traversable(t, root)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, analyze, "verify", "--man=no", "--generators=no", "--recursive-errors=yes", unit)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "SYSTEMD_UNIT_PATH=" + SystemdUnitPath(root), "SYSTEMD_LOG_COLOR=0", "SYSTEMD_COLORS=0"}
	cmd.SysProcAttr = attr
	out, _ := cmd.CombinedOutput()
	return string(out)
}
