package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// systemdBinary is the manager run as the oracle (SPEC §8).
const systemdBinary = "/lib/systemd/systemd"

// oracleDeps are the dependency kinds compared with systemd's dump.
var oracleDeps = []string{
	"Wants", "Requires", "Requisite", "BindsTo", "PartOf", "Upholds", "Conflicts", "Before", "After",
	"OnFailure", "OnSuccess", "PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo",
	"StopPropagatedFrom", "JoinsNamespaceOf",
}

// dumpedUnit is one unit of "systemd --test"'s dump.
type dumpedUnit struct {
	loadState string
	fragment  string
	dropIns   []string
	aliases   []string
	deps      map[string][]string // dependency kind -> units, from unit files only (origin-file)
}

// oracleTarget is the target the oracle starts: it wants the units of
// the case's "oracle" section, and is not part of the case.
const oracleTarget = "initorder-oracle.target"

// TestUnitsOracle compares readUnits with systemd 252 itself on the
// testdata/units cases that have an "oracle" section (units to start):
// the root is copied with absolute symlink targets made host paths, and
// "systemd --test --system" run as nobody over it with SYSTEMD_UNIT_PATH
// set to the search path dumps every unit of the transaction. For each,
// the fragment, drop-ins, names, load state and the dependencies that come
// from files must be ours.
//
// Two known differences are allowed for: systemd 252 ignores .upholds/
// directories (its unit path cache keeps only .wants/, .requires/ and .d/
// ones; newer systemd reads them, as we do), and systemd adds implicit
// dependencies marked as from the file (slices, journald's socket, mount
// units), which are not compared.
func TestUnitsOracle(t *testing.T) {
	if _, err := os.Stat(systemdBinary); err != nil {
		oracle.Unavailable(t, "no %s", systemdBinary)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil || os.Geteuid() != 0 {
		oracle.Unavailable(t, "needs root and runuser to run systemd --test as nobody")
	}
	files, _ := filepath.Glob("testdata/units/*.txtar")
	cases := 0
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		start := strings.Fields(string(golden.Section(ar, "oracle")))
		if len(start) == 0 {
			continue
		}
		cases++
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			us, _, _, _ := readUnitRoot(t, ar)
			dump := runOracle(t, runuser, ar, start)
			compared := 0
			for _, n := range sortedUnitKeys(dump) {
				d := dump[n]
				if n == oracleTarget {
					continue
				}
				if d.loadState == "not-found" {
					if u := us.LoadUnit(n); u != nil && u.Path != "" {
						t.Errorf("%s: systemd finds no unit file, we have %s", n, u.Path)
					}
					continue
				}
				u := us.LoadUnit(n)
				if u == nil {
					if d.fragment != "" || len(d.dropIns) > 0 {
						t.Errorf("%s: systemd loads it (%s), we find nothing", n, d.loadState)
					}
					continue
				}
				compared++
				compareOracleUnit(t, us, n, u, d)
			}
			t.Logf("%d units compared with systemd's", compared)
		})
	}
	if cases == 0 {
		t.Fatal("no testdata/units case has an oracle section")
	}
}

func compareOracleUnit(t *testing.T, us *Units, n string, u *Unit, d *dumpedUnit) {
	t.Helper()
	if u.Path != d.fragment {
		t.Errorf("%s: fragment %q, systemd %q", n, u.Path, d.fragment)
	}
	if !slices.Equal(u.DropIns, d.dropIns) {
		t.Errorf("%s: drop-ins %q, systemd %q", n, u.DropIns, d.dropIns)
	}
	// systemd names a unit by its id; Alias lists the others.
	aliases := append([]string(nil), d.aliases...)
	sort.Strings(aliases)
	if u.Name != n || !slices.Equal(u.Aliases, aliases) && !(len(u.Aliases) == 0 && len(aliases) == 0) {
		t.Errorf("%s: names %s %q, systemd %s %q", n, u.Name, u.Aliases, n, aliases)
	}
	// "bad-setting" is a unit whose settings systemd rejects (a service
	// without ExecStart=): loaded as far as files go.
	switch {
	case u.Masked != (d.loadState == "masked"):
		t.Errorf("%s: masked %v, systemd load state %s", n, u.Masked, d.loadState)
	case (u.LoadError != nil) != (d.loadState == "error"):
		t.Errorf("%s: load error %v, systemd load state %s", n, u.LoadError, d.loadState)
	}
	// systemd names a dependency by the id of the unit it loads: an
	// alias (default.target) by its unit's (graphical.target).
	id := func(name string) string {
		if x := us.LoadUnit(name); x != nil {
			return x.Name
		}
		return name
	}
	for _, k := range oracleDeps {
		var ours []string
		for _, v := range u.Values("Unit", k) {
			if !validUnitName(v.Value, namePlain|nameInstance) {
				continue
			}
			x := id(v.Value)
			if x != u.Name && !slices.Contains(ours, x) { // systemd ignores a dependency on itself
				ours = append(ours, x)
			}
		}
		// Links, and settings of other sections that add dependencies from
		// the file (a socket's Service= adds them as implicit ones).
		links := append([]Option(nil), map[string][]Option{"Wants": u.Wants, "Requires": u.Requires}[k]...)
		switch k {
		case "Before":
			links = append(append(links, u.Values("Timer", "Unit")...), u.Values("Path", "Unit")...)
		case "Wants", "After":
			links = append(links, u.Values("Service", "Sockets")...)
		}
		for i, l := range links {
			if l.Section != "" { // a setting's value, not a link
				links[i].Name = l.Value
			}
		}
		for _, l := range links {
			if validUnitName(l.Name, namePlain|nameInstance) && !slices.Contains(ours, id(l.Name)) {
				ours = append(ours, id(l.Name))
			}
		}
		var theirs []string
		for _, x := range d.deps[k] {
			if implicitDep(x) && !slices.Contains(ours, x) {
				continue
			}
			theirs = append(theirs, x)
		}
		sort.Strings(ours)
		sort.Strings(theirs)
		if !slices.Equal(ours, theirs) {
			t.Errorf("%s: %s %q, systemd %q", n, k, ours, theirs)
		}
	}
}

// implicitDep reports whether systemd may add a dependency on x that no
// setting of ours names while marking it as from the unit file.
func implicitDep(x string) bool {
	switch x {
	case "systemd-journald.socket", "dbus.socket", "systemd-tmpfiles-setup.service", "systemd-remount-fs.service":
		return true // logging, Type=dbus, PrivateTmp= and the like, ProtectSystem= and the like
	}
	return strings.HasSuffix(x, ".slice") || strings.HasSuffix(x, ".mount")
}

func sortedUnitKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runOracle writes the case's root under a directory nobody can read, runs
// systemd --test over it and parses the dump, paths made root-relative.
func runOracle(t *testing.T, runuser string, ar *txtar.Archive, start []string) map[string]*dumpedUnit {
	dir, err := os.MkdirTemp("", "initorder-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Absolute targets are inside the root: make them host paths.
	roottest.Write(t, dir, hostSymlinks(ar, dir))
	out := runSystemdTest(t, runuser, dir, start)
	units := parseSystemdDump(out, dir+"/")
	if len(units) == 0 {
		t.Fatalf("systemd --test dumped no unit:\n%s", out)
	}
	return units
}

// runSystemdTest runs systemd --test as nobody over the root dir, with
// the search path of readUnits and, last, a directory of its own holding
// oracleTarget, which wants the units of start. It runs as
// docs/systemd-oracle.md says: no generators, nothing from the host's
// environment or kernel command line.
func runSystemdTest(t *testing.T, runuser, dir string, start []string) string {
	extra, err := os.MkdirTemp("", "initorder-oracle-target-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(extra) })
	empty := filepath.Join(extra, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(extra, oracleTarget), []byte("[Unit]\nWants="+strings.Join(start, " ")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(extra, 0o755); err != nil {
		t.Fatal(err)
	}
	// readUnits reads merged directories once; systemd reads both, to the
	// same effect, but names files by the first: give it our list.
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	us, _, err := readUnits(fsys, nil)
	fsys.Close()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range us.dirs {
		paths = append(paths, filepath.Join(dir, d))
	}
	paths = append(paths, extra)
	cmd := exec.Command(runuser, "-u", "nobody", "--", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
		"HOME="+empty, "SYSTEMD_UNIT_PATH="+strings.Join(paths, ":"),
		"SYSTEMD_GENERATOR_PATH="+empty, "SYSTEMD_ENVIRONMENT_GENERATOR_PATH="+empty,
		"SYSTEMD_PROC_CMDLINE=", "SYSTEMD_IN_INITRD=0", "SYSTEMD_LOG_COLOR=0",
		systemdBinary, "--test", "--system", "--unit="+oracleTarget, "--no-pager")
	cmd.Dir = "/"
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// parseSystemdDump reads the "-> By units:" part of systemd --test's
// output.
func parseSystemdDump(out, prefix string) map[string]*dumpedUnit {
	units := map[string]*dumpedUnit{}
	var cur *dumpedUnit
	in := false
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "-> By units:":
			in = true
			continue
		case strings.HasPrefix(line, "-> "):
			in = false
		}
		if !in {
			continue
		}
		if n, ok := strings.CutPrefix(line, "\t-> Unit "); ok {
			cur = &dumpedUnit{deps: map[string][]string{}}
			units[strings.TrimSuffix(n, ":")] = cur
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "\t\t"), ": ")
		if cur == nil || !ok || !strings.HasPrefix(line, "\t\t") || strings.HasPrefix(line, "\t\t\t") {
			continue
		}
		switch k {
		case "Unit Load State":
			cur.loadState = v
		case "Fragment Path":
			cur.fragment = strings.TrimPrefix(v, prefix)
		case "DropIn Path":
			cur.dropIns = append(cur.dropIns, strings.TrimPrefix(v, prefix))
		case "Alias":
			cur.aliases = append(cur.aliases, v)
		default:
			if slices.Contains(oracleDeps, k) {
				name, origin, _ := strings.Cut(v, " (")
				if strings.Contains(origin, "origin-file") {
					cur.deps[k] = append(cur.deps[k], name)
				}
			}
		}
	}
	return units
}

// TestUnitsOracleRealRoots is TestUnitsOracle on the real roots of
// realUnitRoots: systemd starts every unit readUnits found there (but
// templates), and every unit it dumps must be loaded as we load it. An
// absolute symlink is read by systemd on this machine, not in the root:
// give roots whose absolute links (other than to /dev/null) mean the same
// here, like this machine's own.
func TestUnitsOracleRealRoots(t *testing.T) {
	if _, err := os.Stat(systemdBinary); err != nil {
		oracle.Unavailable(t, "no %s", systemdBinary)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil || os.Geteuid() != 0 {
		oracle.Unavailable(t, "needs root and runuser to run systemd --test as nobody")
	}
	for _, root := range realUnitRoots(t) {
		t.Run(strings.ReplaceAll(root, "/", "_"), func(t *testing.T) {
			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			us, _, err := readUnits(fsys, nil)
			if err != nil {
				t.Fatal(err)
			}
			var start []string
			for _, n := range us.Names {
				if !validUnitName(n, nameTemplate) {
					start = append(start, n)
				}
			}
			prefix := strings.TrimSuffix(root, "/") + "/"
			dump := parseSystemdDump(runSystemdTest(t, runuser, root, start), prefix)
			compared := 0
			for _, n := range sortedUnitKeys(dump) {
				d := dump[n]
				if n == oracleTarget || d.loadState == "not-found" {
					continue
				}
				u := us.LoadUnit(n)
				if u == nil {
					if d.fragment != "" || len(d.dropIns) > 0 {
						t.Errorf("%s: systemd loads it (%s), we find nothing", n, d.loadState)
					}
					continue
				}
				compared++
				compareOracleUnit(t, us, n, u, d)
			}
			t.Logf("%d of %d units compared with systemd's", compared, len(dump))
			if compared < len(start)/2 {
				t.Errorf("only %d units compared, of %d started", compared, len(start))
			}
		})
	}
}
