package systemd

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestSystemdTransaction is the differential test of issue 3: the units
// of 115 Debian 12 packages (apt-get download at test time, not
// committed), with the links their postinst scripts would make; systemd
// --test computes the boot transaction, initorder computes its own, and
// they must agree: the same units, and every After/Before order systemd
// dumps between two of them holds in initorder's waves.
func TestSystemdTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemd --test; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages)
	root := oracle.BuildUnitRoot(t, debs, t.TempDir())
	for _, target := range []string{"multi-user.target", "graphical.target"} {
		t.Run(target, func(t *testing.T) {
			compareTransaction(t, root, target, 500, "")
		})
	}
	// Every unit file and drop-in of those packages read by our lexer and
	// by go-systemd's (real_test.go).
	t.Run("go-systemd", func(t *testing.T) { testParseUnitFileGoSystemd(t, root) })
}

// TestSystemdTransactionMore is TestSystemdTransaction on the packages of
// SystemdPackages and 342 more (oracle.MorePackages), as issue 15 measured
// (561 units agreed, 9 units and 44 orders were missing then); then with
// the SysV scripts of DebianPackages too, converted by the real
// systemd-sysv-generator where no unit of their name exists.
func TestSystemdTransactionMore(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemd --test; not in -short")
	}
	pkgs := append(slices.Clone(oracle.SystemdPackages), oracle.MorePackages...)
	t.Run("units", func(t *testing.T) {
		root := oracle.BuildUnitRoot(t, oracle.Fetch(t, oracle.CacheDir(t), pkgs), t.TempDir())
		for _, target := range []string{"multi-user.target", "graphical.target"} {
			t.Run(target, func(t *testing.T) { compareTransaction(t, root, target, 2000, "") })
		}
	})
	t.Run("with-scripts", func(t *testing.T) {
		if _, err := os.Stat(oracle.SysvGeneratorBinary); err != nil {
			t.Skipf("no %s", oracle.SysvGeneratorBinary)
		}
		seen := map[string]bool{}
		all := slices.DeleteFunc(append(append(slices.Clone(pkgs), oracle.DebianPackages...), "insserv"), func(p string) bool {
			dup := seen[p]
			seen[p] = true
			return dup
		})
		debs := oracle.Fetch(t, oracle.CacheDir(t), all)
		root := oracle.BuildUnitRoot(t, debs, t.TempDir())
		sysvRoot := oracle.BuildRoot(t, debs, t.TempDir())
		oracle.RunInsserv(t, oracle.Find(debs, "insserv"), sysvRoot)
		oracle.MergeSysV(t, sysvRoot, root)
		res := runGenerator(t, root)
		scripts, _ := os.ReadDir(filepath.Join(root, "etc", "init.d"))
		t.Logf("%d entries in etc/init.d, %d left to native units", len(scripts), len(res.Native))
		for _, target := range []string{"multi-user.target", "graphical.target"} {
			t.Run(target, func(t *testing.T) { compareTransaction(t, root, target, 2000, res.Dir) })
		}
	})
}

// TestSystemdHostRoot compares initorder with systemd --test on this
// machine's own root, the README's "initorder ls": the default target,
// the host's units (generators off on both sides: initorder runs none).
func TestSystemdHostRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd --test; not in -short")
	}
	needSystemdHost(t)
	compareTransaction(t, "/", "", 50, "")
}

// needSystemdHost skips a test of this machine's own root unless the
// machine boots systemd.
func needSystemdHost(t *testing.T) {
	t.Helper()
	fsys, err := rootfs.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	pid1, err := fsys.Resolve("sbin/init")
	fsys.Close()
	if err != nil || !strings.HasSuffix(pid1, "systemd/systemd") {
		t.Skipf("this machine does not boot systemd (/sbin/init is %q)", pid1)
	}
}

// compareTransaction checks initorder's transaction for target (""
// for the default) against systemd --test on root: the same units, and
// every After/Before order systemd dumps between two of them holds. With
// sysvOut, the directory systemd-sysv-generator wrote for root, systemd
// also reads the units made of the root's scripts, and initorder makes
// them (Options.SysV).
func compareTransaction(t *testing.T, root, target string, minOrders int, sysvOut string) {
	t.Helper()
	compareBoot(t, root, Options{Target: target, SysV: sysvOut != ""}, minOrders, sysvOut)
}

// emulatedNames are the generators initorder emulates, to run for real.
func emulatedNames() []string {
	var names []string
	for _, g := range emulatedGenerators {
		names = append(names, g.name)
	}
	return names
}

// compareBoot is compareTransaction with any Options: systemd's own
// generators of those initorder emulates run on the root first (confined,
// oracle.RunGenerators, with the kernel command line of opt), and
// systemd --test reads their output as the manager would.
func compareBoot(t *testing.T, root string, opt Options, minOrders int, sysvOut string) (*Boot, *oracle.SystemdTest) {
	t.Helper()
	return compareBootWith(t, root, opt, minOrders, sysvOut, nil)
}

// compareBootWith is compareBoot with another systemd than the
// installed one (oracle.Systemd257).
func compareBootWith(t *testing.T, root string, opt Options, minOrders int, sysvOut string, release *oracle.SystemdRelease) (*Boot, *oracle.SystemdTest) {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	sd, err := Read(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	target := sd.Target
	args := parseKernelArgs(opt.KernelCmdline)
	gen := oracle.RunGenerators(t, oracle.GeneratorInput{Root: root, Cmdline: strings.Join(opt.KernelCmdline, " "), Consoles: args.consoles}, emulatedNames()...)
	for _, r := range gen.Runs {
		if r.ExitCode != 0 {
			t.Logf("%s exited %d:\n%s", r.Name, r.ExitCode, lastLines(r.Stderr, 5))
		}
	}
	late := []string{gen.Late()}
	if sysvOut != "" {
		late = append(late, sysvOut)
	}
	want := oracle.RunSystemdTestWith(t, root, target, oracle.SystemdTestOptions{Early: []string{gen.Early()}, Normal: []string{gen.Normal()}, Late: late, Release: release})
	if want.ExitCode != 0 {
		t.Fatalf("systemd --test refused the transaction:\n%s", want.Stderr)
	}
	s := graph.Order(sd.Graph)
	wave := map[string]int{}
	for _, st := range s.Steps {
		wave[sd.Graph.Services[st.Service].Name] = st.Wave
	}
	// systemd's transaction also holds the jobs that will fail
	// for a missing dependency: initorder says they never start.
	inTransaction := map[string]bool{}
	for u := range wave {
		inTransaction[u] = true
	}
	// (A masked script's unit that nothing pulls in is no job: only
	// services of the graph count.)
	// (From systemd 254 on, those jobs fail when the transaction is
	// built: they are not in it.)
	for _, f := range sd.Findings {
		if sd.Version >= requiresMissingFails {
			break
		}
		if _, ok := sd.Graph.Lookup(f.Services[0]); ok && (f.Kind == graph.KindNeverStarts || f.Kind == graph.KindMissingDependency || f.Kind == graph.KindMasked) {
			inTransaction[f.Services[0]] = true
		}
	}
	// Units systemd finds active already (the host's mounts,
	// -.slice, init.scope) have no job: not comparable.
	active := map[string]bool{}
	for _, u := range want.Active {
		active[u] = true
	}
	// Where systemd broke ordering cycles, which job it deleted depends
	// on its hash tables (it changes from run to run): a unit either side
	// deleted to break one may differ.
	deleted := map[string]bool{}
	for _, d := range want.Deleted {
		deleted[strings.Split(d, "/")[0]] = true
	}
	for _, s := range sd.Graph.Services {
		if strings.Contains(s.Note, "start job deleted") {
			deleted[s.Name] = true
		}
	}
	// ... and so may what needs such a unit (transaction_delete_unit
	// deletes the jobs that require a deleted one).
	for changed := len(deleted) > 0; changed; {
		changed = false
		for _, e := range sd.Graph.Edges {
			from, to := sd.Graph.Services[e.From].Name, sd.Graph.Services[e.To].Name
			if (e.Kind.Needs() || e.Kind == graph.Requisite) && deleted[to] && !deleted[from] {
				deleted[from], changed = true, true
			}
		}
	}
	var missing, extra []string
	for _, u := range want.Units {
		if !inTransaction[u] && !deleted[u] {
			missing = append(missing, u)
		}
	}
	for u := range inTransaction {
		if !slices.Contains(want.Units, u) && !active[u] && !deleted[u] {
			extra = append(extra, u)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("transaction for %s: %d units in systemd's, %d in initorder's\n missing: %s\n extra: %s",
			target, len(want.Units), len(inTransaction), strings.Join(missing, " "), strings.Join(extra, " "))
	}
	held, broken := 0, 0
	for u, afters := range want.After {
		for _, v := range afters {
			wu, ok1 := wave[u]
			wv, ok2 := wave[v]
			if !ok1 || !ok2 {
				continue
			}
			if wu <= wv {
				broken++
				if broken <= 20 {
					t.Errorf("systemd orders %s after %s; initorder puts them in waves %d and %d", u, v, wu, wv)
				}
				continue
			}
			held++
		}
	}
	t.Logf("%s: %d units in the transaction (systemd %d), %d start, %d waves; %d of systemd's After orders hold, %d do not",
		target, len(inTransaction), len(want.Units), len(wave), s.Waves, held, broken)
	if held < minOrders {
		t.Errorf("only %d After orders compared, want at least %d", held, minOrders)
	}
	return sd, want
}

// TestSystemdCyclesAgreeWithAnalyze writes roots with ordering cycles and
// checks initorder's cycle findings against systemd-analyze verify: the
// same units on the loop; a start job deleted when some unit of the loop
// does not matter to the target (systemd's choice among those varies from
// run to run, so only that both delete one that does not matter), and
// "the transaction fails" when every unit matters.
func TestSystemdCyclesAgreeWithAnalyze(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd-analyze; not in -short")
	}
	unit := func(after string) string {
		return "[Unit]\nDefaultDependencies=no\nAfter=" + after + "\n[Service]\nExecStart=/bin/true\n"
	}
	tests := []struct {
		name   string
		files  map[string]string
		fails  bool
		loop   []string
		notOne string // a unit systemd must not delete (it matters)
	}{
		{"two wanted", map[string]string{
			"t.target": "[Unit]\nWants=a.service b.service\n", "a.service": unit("b.service"), "b.service": unit("a.service"),
		}, false, []string{"a.service", "b.service"}, ""},
		{"three, one required", map[string]string{
			"t.target":   "[Unit]\nRequires=c1.service\nWants=c2.service c3.service\n",
			"c1.service": unit("c2.service"), "c2.service": unit("c3.service"), "c3.service": unit("c1.service"),
		}, false, []string{"c1.service", "c2.service", "c3.service"}, "c1.service"},
		{"all required", map[string]string{
			"t.target": "[Unit]\nRequires=c1.service c2.service\n", "c1.service": unit("c2.service"), "c2.service": unit("c1.service"),
		}, true, []string{"c1.service", "c2.service"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, err := os.MkdirTemp("", "initorder-cycle-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(root)
			dir := filepath.Join(root, "lib/systemd/system")
			os.MkdirAll(dir, 0o755)
			for name, text := range tc.files {
				os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			}
			out := oracle.RunAnalyzeVerify(t, root, "t.target")
			var sdLoop []string
			deleted := ""
			for _, line := range strings.Split(out, "\n") {
				if _, rest, ok := strings.Cut(line, "Found ordering cycle on "); ok {
					sdLoop = append(sdLoop, strings.TrimSuffix(rest, "/start"))
				} else if _, rest, ok := strings.Cut(line, "Found dependency on "); ok {
					sdLoop = append(sdLoop, strings.TrimSuffix(rest, "/start"))
				} else if _, rest, ok := strings.Cut(line, "Job "); ok && strings.Contains(rest, "deleted to break") {
					deleted, _, _ = strings.Cut(rest, "/start")
				}
			}
			slices.Sort(sdLoop)
			sdLoop = slices.Compact(sdLoop)
			if !slices.Equal(sdLoop, tc.loop) {
				t.Fatalf("systemd-analyze verify: loop %v, want %v; it printed:\n%s", sdLoop, tc.loop, out)
			}
			sdFails := strings.Contains(out, "Unable to break cycle")
			if sdFails != tc.fails || (!tc.fails && (deleted == "" || deleted == tc.notOne)) {
				t.Fatalf("systemd-analyze verify: fails %v, deleted %q; the case expects fails %v:\n%s", sdFails, deleted, tc.fails, out)
			}

			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			sd, err := Read(fsys, Options{Target: "t.target"})
			if err != nil {
				t.Fatal(err)
			}
			var cycle *graph.Finding
			for i, f := range sd.Findings {
				if f.Kind == graph.KindCycle {
					cycle = &sd.Findings[i]
				}
			}
			if cycle == nil {
				t.Fatalf("initorder found no cycle; findings: %v", sd.Findings)
			}
			ours := slices.Clone(cycle.Services)
			slices.Sort(ours)
			if !slices.Equal(ours, sdLoop) {
				t.Errorf("initorder's loop %v, systemd-analyze's %v", ours, sdLoop)
			}
			if fails := strings.Contains(cycle.Message, "the transaction fails"); fails != sdFails {
				t.Errorf("initorder: %q; systemd-analyze fails: %v", cycle.Message, sdFails)
			}
			if !sdFails {
				ourDeleted := cycle.Message[strings.LastIndex(cycle.Message, "start job of ")+len("start job of "):]
				ourDeleted = strings.TrimSuffix(ourDeleted, " to break it")
				if !slices.Contains(sdLoop, ourDeleted) || ourDeleted == tc.notOne {
					t.Errorf("initorder deletes the start job of %q; systemd deleted %q, and %q matters", ourDeleted, deleted, tc.notOne)
				}
			}
		})
	}
}

// TestTargetAfterRequisite: a target is ordered after what it names with
// Requisite= too, when that unit is outside the transaction and the
// Requisite= is what brings it into the graph (as a unit that does not
// start).
func TestTargetAfterRequisite(t *testing.T) {
	root := t.TempDir()
	roottest.Write(t, root, txtar.Parse([]byte(`-- lib/systemd/system/t.target --
[Unit]
Requisite=x.service
-- lib/systemd/system/x.service --
[Service]
ExecStart=/bin/true
`)))
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	sd, err := Read(fsys, Options{Target: "t.target"})
	if err != nil {
		t.Fatal(err)
	}
	g := sd.Graph
	var kinds []string
	for _, e := range g.Edges {
		if g.Services[e.From].Name == "t.target" && g.Services[e.To].Name == "x.service" {
			kinds = append(kinds, e.Kind.String())
		}
	}
	slices.Sort(kinds)
	if want := []string{"After", "Requisite"}; !slices.Equal(kinds, want) {
		t.Errorf("edges t.target -> x.service: %v, want %v", kinds, want)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
