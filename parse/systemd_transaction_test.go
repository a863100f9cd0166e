package parse

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/parse/rootfs"
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
			compareTransaction(t, root, target, 500)
		})
	}
}

// TestSystemdHostRoot compares initorder with systemd --test on this
// machine's own root, the README's "initorder ls": the default target,
// the host's units (generators off on both sides: initorder runs none).
func TestSystemdHostRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd --test; not in -short")
	}
	fsys, err := rootfs.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	pid1, err := fsys.Resolve("sbin/init")
	fsys.Close()
	if err != nil || !strings.HasSuffix(pid1, "systemd/systemd") {
		t.Skipf("this machine does not boot systemd (/sbin/init is %q)", pid1)
	}
	compareTransaction(t, "/", "", 50)
}

// compareTransaction checks initorder's transaction for target (""
// for the default) against systemd --test on root: the same units, and
// every After/Before order systemd dumps between two of them holds.
func compareTransaction(t *testing.T, root, target string, minOrders int) {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	sd, err := ReadSystemd(fsys, SystemdOptions{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	target = sd.Target
	want := oracle.RunSystemdTest(t, root, target)
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
	for _, f := range sd.Findings {
		if f.Kind == graph.KindNeverStarts {
			inTransaction[f.Services[0]] = true
		}
	}
	// Units systemd finds active already (the host's mounts,
	// -.slice, init.scope) have no job: not comparable.
	active := map[string]bool{}
	for _, u := range want.Active {
		active[u] = true
	}
	var missing, extra []string
	for _, u := range want.Units {
		if !inTransaction[u] {
			missing = append(missing, u)
		}
	}
	for u := range inTransaction {
		if !slices.Contains(want.Units, u) && !active[u] {
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
}
