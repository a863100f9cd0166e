package systemd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// This file is the differential test of issue 7: the real
// systemd-sysv-generator (systemd 252, installed on this machine) and
// generateSysV convert the init scripts of the same roots — Debian 12
// packages' scripts with the rc links insserv made, alone and beside the
// packages' own units, and the hand-made testdata/sysv-generator cases that
// have an "oracle" section — and must write the same units: the same
// settings (every Before=, After=, Wants=, Description=, PIDFile=,
// ExecReload= ...), the same .wants/ links and the same aliases.

// generated is what generateSysV made of a root, with the Units it ran on.
type generated struct {
	us    *Units
	units []*sysvUnit
	found []graph.Finding
	errs  parse.ErrorList
}

func generate(t *testing.T, root string) *generated {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	us, _, err := readUnits(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	units, found, errs, _ := generateSysV(fsys, us.nativeUnit)
	return &generated{us: us, units: units, found: found, errs: errs}
}

// generatorCounts is what compareGenerator compared.
type generatorCounts struct{ units, deps, wants, aliases, hashOrder int }

func (c generatorCounts) String() string {
	return fmt.Sprintf("%d units, %d Before/After/Wants lines, %d .wants links, %d aliases (%d in hash order)", c.units, c.deps, c.wants, c.aliases, c.hashOrder)
}

// compareGenerator compares what generateSysV made with what the
// generator wrote. Where the generator goes by hash order (a Provides name
// two scripts claim), any of the claimants generateSysV names in its
// duplicate-provides finding will do.
func compareGenerator(t *testing.T, gen *generated, res *oracle.SysvGenerator) generatorCounts {
	t.Helper()
	var c generatorCounts
	ours := map[string]*sysvUnit{}
	for _, su := range gen.units {
		ours[su.name] = su
	}
	for _, n := range sortedUnitKeys(res.Units) {
		if ours[n] == nil {
			t.Errorf("%s: the generator writes it (from %q), generateSysV does not", n, res.Units[n].Values("Unit", "SourcePath"))
		}
	}
	for _, n := range sortedUnitKeys(ours) {
		su := ours[n]
		theirs := res.Units[n]
		if theirs == nil {
			t.Errorf("%s: generateSysV makes it of %s, the generator does not", n, su.script)
			continue
		}
		c.units++
		var a, b []string
		for _, o := range su.options {
			a = append(a, o.Section+"."+o.Name+"="+o.Value)
		}
		for _, l := range theirs.Lines {
			b = append(b, l.Section+"."+l.Key+"="+l.Value)
			if l.Section == "Unit" && (l.Key == "Before" || l.Key == "After" || l.Key == "Wants") {
				c.deps++
			}
		}
		if missing, extra := setDiff(b, a); len(missing)+len(extra) > 0 {
			t.Errorf("%s (%s): generateSysV lacks %q and has %q more than the generator", n, su.script, missing, extra)
		}
	}

	// .wants/ links.
	wants := map[string][]string{}
	for _, su := range gen.units {
		for _, w := range su.wantedBy {
			wants[w.Name] = append(wants[w.Name], su.name)
		}
	}
	for _, tgt := range sortedUnitKeys(mergeKeys(wants, res.Wants)) {
		if missing, extra := setDiff(res.Wants[tgt], wants[tgt]); len(missing)+len(extra) > 0 {
			t.Errorf("%s.wants: generateSysV lacks %q and has %q more than the generator", tgt, missing, extra)
		}
		c.wants += len(res.Wants[tgt])
	}

	// Aliases: the symlinks the generator left (those of a name that is a
	// converted script's own became that unit). One to a unit the
	// generator did not write (its script stopped loading) leads nowhere
	// and is not compared.
	alias := map[string]string{}
	for _, su := range gen.units {
		for _, a := range su.aliases {
			alias[a.Name] = su.name
		}
	}
	claimants := map[string][]string{}
	for _, f := range gen.found {
		if f.Kind != graph.KindDuplicateProvides {
			continue
		}
		if _, a, ok := strings.Cut(f.Message, " both provide "); ok {
			a, _, _ = strings.Cut(a, ":")
			claimants[a] = append(claimants[a], f.Services...)
		}
	}
	for _, a := range sortedUnitKeys(res.Aliases) {
		to := res.Aliases[a]
		if res.Units[to] == nil {
			continue
		}
		c.aliases++
		switch {
		case alias[a] == to:
		case len(claimants[a]) > 0 && slices.Contains(claimants[a], to):
			c.hashOrder++ // hash order: the generator took another claimant this time
		default:
			t.Errorf("alias %s: the generator links it to %s, generateSysV to %q", a, to, alias[a])
		}
	}
	for _, a := range sortedUnitKeys(alias) {
		if _, ok := res.Aliases[a]; !ok {
			t.Errorf("alias %s -> %s: generateSysV makes it, the generator does not", a, alias[a])
		}
	}
	return c
}

// setDiff returns what want has and got lacks, and what got has more,
// each sorted and without repeats.
func setDiff(want, got []string) (missing, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range got {
		g[s] = true
	}
	for s := range w {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for s := range g {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// TestSysvGeneratorDebian runs the generator and generateSysV on two roots
// made of the DebianPackages: their init scripts with the rc links insserv
// makes (every script is converted), then the same beside the units those
// packages and systemd's own ship, enabled as their postinst scripts
// would (the native units shadow most scripts; systemd masks
// cryptdisks, hwclock, rc, rcS and x11-common).
func TestSysvGeneratorDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemd-sysv-generator; not in -short")
	}
	if _, err := os.Stat(oracle.SysvGeneratorBinary); err != nil {
		t.Skipf("no %s", oracle.SysvGeneratorBinary)
	}
	pkgs := append(slices.Clone(oracle.DebianPackages), "systemd", "dbus-system-bus-common")
	debs := oracle.Fetch(t, oracle.CacheDir(t), pkgs)
	start := time.Now()
	sysvRoot := oracle.BuildRoot(t, debs, t.TempDir())
	oracle.RunInsserv(t, oracle.Find(debs, "insserv"), sysvRoot)
	scripts, _ := os.ReadDir(filepath.Join(sysvRoot, "etc", "init.d"))
	t.Logf("%d packages, %d entries in etc/init.d, root built in %v", len(debs), len(scripts), time.Since(start))

	t.Run("scripts", func(t *testing.T) {
		start := time.Now()
		res := runGenerator(t, sysvRoot)
		gen := generate(t, sysvRoot)
		c := compareGenerator(t, gen, res)
		t.Logf("%v; generator %v, whole comparison %v", c, res.Duration, time.Since(start))
		if c.units < 100 || c.deps < 500 || c.wants < 100 || c.aliases < 10 {
			t.Errorf("compared only %v; want at least 100 units, 500 dependency lines, 100 links and 10 aliases", c)
		}
	})

	t.Run("with-units", func(t *testing.T) {
		root := oracle.BuildUnitRoot(t, debs, t.TempDir())
		oracle.MergeSysV(t, sysvRoot, root)
		start := time.Now()
		res := runGenerator(t, root)
		gen := generate(t, root)
		c := compareGenerator(t, gen, res)
		native := 0
		for _, f := range gen.found {
			if f.Kind == graph.KindMasked {
				native++
			}
		}
		t.Logf("%v; %d scripts left to native units (%d masked); generator %v, whole comparison %v", c, len(res.Native), native, res.Duration, time.Since(start))
		if len(res.Native) < 50 || native < 3 || c.units < 10 {
			t.Errorf("%d scripts left to native units, %d masked, %d units compared: want at least 50, 3 and 10", len(res.Native), native, c.units)
		}
		// And the boot: systemd --test with the generator's units last on
		// the search path, initorder with SysV.
		for _, target := range []string{"multi-user.target", "graphical.target"} {
			t.Run(target, func(t *testing.T) {
				compareTransaction(t, root, target, 500, res.Dir)
			})
		}
	})
}

// runGenerator runs the generator and fails the test if it fails.
func runGenerator(t *testing.T, root string) *oracle.SysvGenerator {
	t.Helper()
	res := oracle.RunSysvGenerator(t, root)
	if res.ExitCode != 0 {
		t.Fatalf("%s: exit %d\n%s", res.Command, res.ExitCode, res.Stderr)
	}
	return res
}

// TestSysvGeneratorCases runs the generator on the testdata/sysv-generator
// cases that have an "oracle" section (the others hold what the generator
// does only on a real boot, or depends on directory order).
func TestSysvGeneratorCases(t *testing.T) {
	if _, err := os.Stat(oracle.SysvGeneratorBinary); err != nil {
		t.Skipf("no %s", oracle.SysvGeneratorBinary)
	}
	files, _ := filepath.Glob("testdata/sysv-generator/*.txtar")
	cases := 0
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if golden.Section(ar, "oracle") == nil {
			continue
		}
		cases++
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			dir := t.TempDir()
			roottest.WriteSysV(t, dir, ar)
			host := t.TempDir()
			roottest.WriteSysV(t, host, hostSymlinks(ar, host))
			res := runGenerator(t, host)
			c := compareGenerator(t, generate(t, dir), res)
			t.Logf("%v", c)
		})
	}
	if cases == 0 {
		t.Fatal("no testdata/sysv-generator case has an oracle section")
	}
}

// hostSymlinks returns ar with the absolute targets of its "symlinks"
// section (but /dev/null) under dir, so that a program that does not read
// the root as its / (systemd-sysv-generator, systemd --test) finds them
// where initorder does.
func hostSymlinks(ar *txtar.Archive, dir string) *txtar.Archive {
	host := &txtar.Archive{}
	for _, f := range ar.Files {
		if f.Name != "symlinks" {
			host.Files = append(host.Files, f)
			continue
		}
		var b strings.Builder
		for _, line := range strings.Split(string(f.Data), "\n") {
			if link, target, ok := strings.Cut(line, " -> "); ok && strings.HasPrefix(target, "/") && target != "/dev/null" {
				line = link + " -> " + dir + target
			}
			b.WriteString(line + "\n")
		}
		host.Files = append(host.Files, txtar.File{Name: "symlinks", Data: []byte(b.String())})
	}
	return host
}

// TestSysvGeneratorLongLine: a line of 1 MiB or more stops load_sysv, and
// no unit is made of the script (the alias its Provides line made before
// stays, leading nowhere); the other scripts are converted.
func TestSysvGeneratorLongLine(t *testing.T) {
	if _, err := os.Stat(oracle.SysvGeneratorBinary); err != nil {
		t.Skipf("no %s", oracle.SysvGeneratorBinary)
	}
	dir := t.TempDir()
	long := "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: long other-name\n### END INIT INFO\n# " + strings.Repeat("x", longLineMax) + "\n"
	for name, text := range map[string]string{"long": long, "short": "#!/bin/sh\n"} {
		if err := os.MkdirAll(filepath.Join(dir, "etc", "init.d"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "etc", "init.d", name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	res := runGenerator(t, dir)
	gen := generate(t, dir)
	compareGenerator(t, gen, res)
	if len(res.Units) != 1 || res.Units["short.service"] == nil {
		t.Errorf("the generator wrote %q, want short.service only", sortedUnitKeys(res.Units))
	}
	if got := gen.errs.String(); !strings.Contains(got, "etc/init.d/long:5: line of 1048576 bytes or more") {
		t.Errorf("diagnostics %q, want one for etc/init.d/long:5", got)
	}
}

// TestSysvGeneratorHostRoot compares generateSysV with the generator on
// this machine's own root, then initorder's boot with systemd --test's
// when the generator's units are on the search path.
func TestSysvGeneratorHostRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd --test; not in -short")
	}
	if _, err := os.Stat("/etc/init.d"); err != nil {
		t.Skip("this machine has no /etc/init.d")
	}
	needSystemdHost(t)
	res := runGenerator(t, "/")
	c := compareGenerator(t, generate(t, "/"), res)
	t.Logf("%v; %d scripts left to native units", c, len(res.Native))
	compareTransaction(t, "/", "", 50, res.Dir)
}

// TestSysvGeneratorFails: a script whose name makes no unit name (250
// characters: 258 with ".service") makes the generator fail before it
// writes anything, and no script becomes a unit.
func TestSysvGeneratorFails(t *testing.T) {
	if _, err := os.Stat(oracle.SysvGeneratorBinary); err != nil {
		t.Skipf("no %s", oracle.SysvGeneratorBinary)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc", "init.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ok", strings.Repeat("a", 250)} {
		if err := os.WriteFile(filepath.Join(dir, "etc", "init.d", name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	res := oracle.RunSysvGenerator(t, dir)
	gen := generate(t, dir)
	if res.ExitCode == 0 || len(res.Units) != 0 {
		t.Errorf("the generator exited %d and wrote %q; want a failure and no unit", res.ExitCode, sortedUnitKeys(res.Units))
	}
	if len(gen.units) != 0 || len(gen.found) != 1 || gen.found[0].Severity != graph.Error {
		t.Errorf("generateSysV made %d units and found %v; want none and one error", len(gen.units), gen.found)
	}
}

// TestAliasToSysvUnit: an alias link whose target is a unit only
// systemd-sysv-generator makes (etc/systemd/system/syslog.service ->
// rsyslog.service, rsyslog an init.d script) is that unit, as systemd 252
// loads it from generator.late: a .wants/ link through the alias starts
// the script's unit, and the alias is no dangling link.
func TestAliasToSysvUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd --test; not in -short")
	}
	ar := txtar.Parse([]byte(`-- lib/systemd/system/multi-user.target --
[Unit]
Description=Multi-User System
AllowIsolate=yes
-- etc/init.d/rsyslog --
#!/bin/sh
### BEGIN INIT INFO
# Provides:       rsyslog
# Default-Start:  2 3 4 5
### END INIT INFO
-- symlinks --
etc/systemd/system/syslog.service -> ../../../lib/systemd/system/rsyslog.service
etc/systemd/system/multi-user.target.wants/syslog.service -> ../../../../lib/systemd/system/syslog.service
`))
	root := t.TempDir()
	roottest.WriteSysV(t, root, ar)
	res := runGenerator(t, root)
	sd, _ := compareBoot(t, root, Options{Target: "multi-user.target", SysV: true}, 0, res.Dir)
	if _, ok := sd.Graph.Find("rsyslog.service"); !ok {
		t.Errorf("rsyslog.service is not in the boot; want it, through the alias syslog.service")
	}
	for _, f := range sd.Findings {
		if f.Kind == graph.KindDanglingLink || f.Kind == graph.KindParseError {
			t.Errorf("finding %v; want none", f)
		}
	}
}
