package sysv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file is the differential test of issue 2: the real insserv (from
// Debian 12's insserv package, never installed) orders a root made of the
// init.d scripts of ~120 Debian packages; initorder reads the links and
// .depend files insserv left and must agree with it. The packages are
// fetched with apt-get download when the test runs; nothing of them is
// committed.

// oracleRoot fetches pkgs, builds a root from them and lets insserv
// enable every script in it.
func oracleRoot(t *testing.T, pkgs []string) (string, *oracle.Insserv) {
	t.Helper()
	if testing.Short() {
		t.Skip("fetches Debian packages and runs insserv; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), pkgs)
	root := oracle.BuildRoot(t, debs, t.TempDir())
	return root, oracle.RunInsserv(t, oracle.Find(debs, "insserv"), root)
}

func readSysV(t *testing.T, root string, opt Options) (*Boot, []graph.Finding) {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	sv, err := Read(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	fs := append(sv.Findings, graph.Check(sv.Graph)...)
	graph.SortFindings(fs)
	return sv, fs
}

// waves maps every started script to its wave.
func waves(sv *Boot, s graph.Schedule) map[string]int {
	w := map[string]int{}
	for _, st := range s.Steps {
		w[sv.Graph.Services[st.Service].Name] = st.Wave
	}
	return w
}

// linked returns the scripts insserv linked in dir with prefix S or K,
// with their numbers.
func linked(res *oracle.Insserv, dir string, prefix byte) map[string]int {
	m := map[string]int{}
	for _, l := range res.Links[dir] {
		if ln, ok := linkName(l); ok && l[0] == prefix {
			m[ln.Name] = ln.Number
		}
	}
	return m
}

// checkDepend checks that every edge "target: prereq" of a .depend file
// between two scripts of the boot holds in the waves: the prerequisite
// is in an earlier wave. It returns how many edges it checked.
func checkDepend(t *testing.T, file string, dep map[string][]string, w map[string]int, inBoot func(string) bool) int {
	t.Helper()
	n := 0
	for target, prereqs := range dep {
		for _, p := range prereqs {
			if !inBoot(target) || !inBoot(p) {
				continue
			}
			n++
			wt, okT := w[target]
			wp, okP := w[p]
			switch {
			case !okT || !okP:
				t.Errorf("%s: %s: %s, but initorder does not start %s (%v) or %s (%v)", file, target, p, target, okT, p, okP)
			case wt <= wp:
				t.Errorf("%s: %s: %s, but initorder puts %s in wave %d and %s in wave %d", file, target, p, target, wt, p, wp)
			}
		}
	}
	return n
}

func TestInsservDebianRoot(t *testing.T) {
	root, res := oracleRoot(t, oracle.DebianPackages)
	if res.ExitCode != 0 || res.Forced {
		t.Fatalf("insserv refused the Debian root (exit %d):\n%s", res.ExitCode, res.Stderr)
	}
	rcS, rc2 := linked(res, "rcS.d", 'S'), linked(res, "rc2.d", 'S')
	if len(rcS)+len(rc2) < 100 {
		t.Fatalf("insserv linked %d scripts in rcS.d and rc2.d, want at least 100", len(rcS)+len(rc2))
	}

	sv, fs := readSysV(t, root, Options{Runlevel: "2"})
	w := waves(sv, graph.Order(sv.Graph))

	// The same boot set: the scripts insserv linked in rcS.d and rc2.d.
	var want, got []string
	for name := range rcS {
		want = append(want, name)
	}
	for name := range rc2 {
		if _, ok := rcS[name]; !ok {
			want = append(want, name)
		}
	}
	for name := range w {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("boot set differs from insserv's links:\n got  %q\n want %q", got, want)
	}

	// Every edge of .depend.boot and .depend.start holds in the waves.
	inBoot := func(name string) bool { _, ok := w[name]; return ok }
	nBoot := checkDepend(t, ".depend.boot", res.Boot, w, inBoot)
	nStart := checkDepend(t, ".depend.start", res.Start, w, inBoot)
	t.Logf("%d scripts in the boot, %d .depend.boot and %d .depend.start edges hold", len(w), nBoot, nStart)
	if nBoot < 50 || nStart < 300 {
		t.Errorf("checked %d .depend.boot and %d .depend.start edges, want at least 50 and 300", nBoot, nStart)
	}

	// And the other way round: every ordering initorder takes from the
	// headers between two scripts of one runlevel is implied by the
	// .depend files (which drop implied prerequisites). Both ways
	// together: the same partial order as startpar's makefiles, so the
	// same waves.
	dep := map[string][]string{}
	for _, m := range []map[string][]string{res.Boot, res.Start} {
		for target, prereqs := range m {
			dep[target] = append(dep[target], prereqs...)
		}
	}
	implied := 0
	for _, e := range sv.Graph.Edges {
		first, then, ok := e.Ordering()
		a, b := &sv.Graph.Services[first], &sv.Graph.Services[then]
		if !ok || first == then || !a.Started() || a.Phase != b.Phase {
			continue
		}
		if !reaches(dep, b.Name, a.Name) {
			t.Errorf("initorder orders %s after %s (%s %s, %s); insserv's .depend files do not", b.Name, a.Name, e.Kind, e.Via, e.Pos)
		}
		implied++
	}
	t.Logf("%d initorder orderings are implied by insserv's .depend files", implied)
	levelsLog(t, sv, w, rcS, rc2)

	// insserv lists the interactive scripts that have prerequisites on
	// INTERACTIVE; each must start alone in initorder's waves.
	for _, name := range append(slices.Clone(res.BootInteractive), res.StartInteractive...) {
		i, ok := sv.Graph.Lookup(name)
		if !ok || !sv.Graph.Services[i].Alone {
			t.Errorf("insserv: INTERACTIVE %s; initorder does not start it alone", name)
		}
	}

	// insserv accepted the root: no errors from initorder either.
	for _, f := range fs {
		if f.Severity == graph.Error {
			t.Errorf("initorder: %v, but insserv accepted the root", f)
		} else {
			t.Logf("initorder: %v", f)
		}
	}

	// Shutdown: every .depend.stop edge between two K links of rc0.d.
	k0 := linked(res, "rc0.d", 'K')
	svStop, fsStop := readSysV(t, root, Options{Runlevel: "0", Stop: true})
	for _, f := range fsStop {
		if f.Severity == graph.Error {
			t.Errorf("initorder --stop: %v, but insserv accepted the root", f)
		}
	}
	ws := waves(svStop, graph.Order(svStop.Graph))
	if len(ws) != len(k0) {
		t.Errorf("stop set has %d scripts, insserv linked %d in rc0.d", len(ws), len(k0))
	}
	nStop := checkDepend(t, ".depend.stop", res.Stop, ws, func(name string) bool { _, ok := k0[name]; return ok })
	t.Logf("%d .depend.stop edges hold in rc0.d", nStop)
}

// reaches reports whether from reaches to along "target: prereq" edges.
func reaches(dep map[string][]string, from, to string) bool {
	seen := map[string]bool{from: true}
	stack := []string{from}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range dep[v] {
			if w == to {
				return true
			}
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return false
}

// levelsLog logs where initorder's level within a runlevel differs from
// insserv's link number. startpar boots from the .depend files, not from
// the numbers, and insserv's numbers are not the depth of the .depend
// graph (winbind is S08 in this root with .depend prerequisites that are
// all S01), so this is information, not a check.
func levelsLog(t *testing.T, sv *Boot, w map[string]int, rcS, rc2 map[string]int) {
	offset := phaseOffsets(sv, w)
	mismatch := 0
	for i := range sv.Graph.Services {
		s := &sv.Graph.Services[i]
		if !s.Started() {
			continue
		}
		runlevel := strings.TrimSuffix(sv.Graph.Phases[s.Phase], " $all")
		num := rcS[s.Name]
		if runlevel != "rcS" {
			num = rc2[s.Name]
		}
		if w[s.Name]-offset[runlevel] != num {
			mismatch++
		}
	}
	t.Logf("%d of %d levels differ from insserv's link numbers", mismatch, len(w))
}

// phaseOffsets returns, per runlevel (rcS, rc2), the wave before its
// first one.
func phaseOffsets(sv *Boot, w map[string]int) map[string]int {
	off := map[string]int{"rcS": 0}
	maxS := 0
	for i := range sv.Graph.Services {
		s := &sv.Graph.Services[i]
		if s.Started() && strings.HasPrefix(sv.Graph.Phases[s.Phase], "rcS") && w[s.Name] > maxS {
			maxS = w[s.Name]
		}
	}
	for _, p := range sv.Graph.Phases {
		if !strings.HasPrefix(p, "rcS") {
			off[strings.TrimSuffix(p, " $all")] = maxS
		}
	}
	return off
}

// findingKind maps insserv's refusals to initorder's finding kinds.
var findingKind = map[string]string{
	oracle.KindLoop:              graph.KindCycle,
	oracle.KindMissing:           graph.KindMissingDependency,
	oracle.KindNotEnabled:        graph.KindMissingDependency,
	oracle.KindDuplicateProvides: graph.KindDuplicateProvides,
}

// checkRefusals checks that every refusal insserv printed has a finding
// of the same kind about the same services, and that every error
// initorder reports is one insserv reported too.
func checkRefusals(t *testing.T, res *oracle.Insserv, fs []graph.Finding) {
	t.Helper()
	about := func(f graph.Finding, name string) bool {
		return slices.Contains(f.Services, name) || strings.Contains(f.Message, name)
	}
	matched := make([]bool, len(fs))
	refusals := 0
	for _, m := range res.Messages {
		kind, ok := findingKind[m.Kind]
		if !ok {
			continue
		}
		refusals++
		found := false
		for i, f := range fs {
			if f.Kind == kind && !slices.ContainsFunc(m.Services, func(s string) bool { return !about(f, s) }) {
				found, matched[i] = true, true
			}
		}
		if !found {
			t.Errorf("insserv: %q (%s %v); initorder has no %s finding about %v", m.Text, m.Kind, m.Services, kind, m.Services)
		}
	}
	if refusals == 0 {
		t.Errorf("insserv refused nothing; the case is wrong:\n%s", res.Stderr)
	}
	for i, f := range fs {
		if f.Severity == graph.Error && !matched[i] {
			t.Errorf("initorder: %v; insserv said nothing of it:\n%s", f, res.Stderr)
		}
	}
}

func TestInsservRefusals(t *testing.T) {
	for _, c := range oracle.RefusalCases {
		t.Run(c.Name, func(t *testing.T) {
			root, res := oracleRoot(t, c.Packages)
			_, fs := readSysV(t, root, Options{Runlevel: "2"})
			checkRefusals(t, res, fs)
		})
	}
}

// TestInsservLoops runs insserv on hand-written scripts with ordering
// loops (no Debian package has one) and compares its loops with ours.
func TestInsservLoops(t *testing.T) {
	scripts := map[string]string{
		"a":    "Required-Start: b",
		"b":    "Required-Start: c",
		"c":    "Required-Start: a",
		"d":    "Required-Start: $remote_fs",
		"last": "Required-Start: $all",
		"e":    "Should-Start: last",
		"x":    "X-Start-Before: y",
		"y":    "Required-Start: x",
	}
	for _, loop := range [][]string{{"a", "b", "c"}, {"last", "e"}} {
		t.Run(strings.Join(loop, "-"), func(t *testing.T) {
			// insserv enables the packages' scripts first; what it says
			// then is not the case's.
			root, _ := oracleRoot(t, []string{"insserv", "initscripts"})
			for _, name := range loop {
				writeScript(t, root, name, scripts[name])
			}
			res := oracle.RunInsserv(t, oracle.Find(oracle.Fetch(t, oracle.CacheDir(t), []string{"insserv"}), "insserv"), root)
			_, fs := readSysV(t, root, Options{Runlevel: "2"})
			checkRefusals(t, res, fs)
		})
	}
}

// writeScript writes an executable init script with an LSB header.
func writeScript(t *testing.T, root, name, deps string) {
	t.Helper()
	body := "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: " + name + "\n# " + strings.ReplaceAll(deps, "; ", "\n# ") +
		"\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\nexit 0\n"
	if err := os.WriteFile(filepath.Join(root, "etc", "init.d", name), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestInsservOverrides runs insserv on hand-written scripts with
// overrides and compares: etc/insserv/overrides/ov replaces the header
// ov has (its Required-Start b, not $remote_fs); usr/share/insserv/
// overrides/bare gives a header to a script that has none; and
// usr/share/insserv/overrides/kept replaces the header kept has too:
// insserv 1.24's code reads it whenever it finds it, where its man page
// says "only when the script has no header" (and SPEC §3.1 with it).
func TestInsservOverrides(t *testing.T) {
	root, _ := oracleRoot(t, []string{"insserv", "initscripts"})
	writeScript(t, root, "b", "Required-Start: $local_fs")
	writeScript(t, root, "ov", "Required-Start: $remote_fs")
	writeScript(t, root, "kept", "Required-Start: $local_fs")
	if err := os.WriteFile(filepath.Join(root, "etc/init.d/bare"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	header := func(name, deps string) []byte {
		return []byte("### BEGIN INIT INFO\n# Provides: " + name + "\n# " + deps + "\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\n")
	}
	for path, data := range map[string][]byte{
		"etc/insserv/overrides/ov":         header("ov", "Required-Start: b"),
		"usr/share/insserv/overrides/bare": header("bare", "Required-Start: ov"),
		"usr/share/insserv/overrides/kept": header("kept", "Required-Start: ov"),
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := oracle.RunInsserv(t, oracle.Find(oracle.Fetch(t, oracle.CacheDir(t), []string{"insserv"}), "insserv"), root)
	if res.ExitCode != 0 {
		t.Fatalf("insserv refused the root (exit %d):\n%s", res.ExitCode, res.Stderr)
	}
	for _, e := range [][2]string{{"ov", "b"}, {"bare", "ov"}, {"kept", "ov"}} {
		if !slices.Contains(res.Start[e[0]], e[1]) {
			t.Fatalf("insserv's .depend.start has no %s: %s; it has %s: %q (the case expects insserv to read the override)", e[0], e[1], e[0], res.Start[e[0]])
		}
	}
	sv, _ := readSysV(t, root, Options{Runlevel: "2"})
	w := waves(sv, graph.Order(sv.Graph))
	inBoot := func(name string) bool { _, ok := w[name]; return ok }
	if n := checkDepend(t, ".depend.start", res.Start, w, inBoot); n == 0 {
		t.Errorf("no .depend.start edge checked")
	}
	if w["ov"] <= w["b"] || w["bare"] <= w["ov"] {
		t.Errorf("waves b %d, ov %d, bare %d: want b < ov < bare, as the overrides say", w["b"], w["ov"], w["bare"])
	}
	if w["kept"] <= w["ov"] {
		t.Errorf("waves ov %d, kept %d: want kept after ov, as usr/share's override says", w["ov"], w["kept"])
	}
}
