package systemd

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// The differential tests of the generator emulations (issue 15): each case
// of testdata/generators is a root (its files; the "exec" section names
// the executable ones, "symlinks" makes links) and a kernel command line
// ("cmdline"). The real generators of this machine's systemd run on it,
// confined (oracle.RunGenerators), and must write the same files as the
// emulation: the same unit files with the same settings, the same links
// to the same targets, the same drop-ins. Cases with a "boot" section are
// then booted by systemd --test on a Debian 12 unit root with the case's
// files, with the generators' output, and initorder's transaction must
// agree (compareBoot); "cycle" names units systemd finds on an ordering
// cycle, which initorder must report too.

// genCase is a case of testdata/generators.
type genCase struct {
	name    string
	ar      *txtar.Archive
	cmdline []string
	boot    []string
	cycle   []string
}

func readGenCases(t *testing.T) []genCase {
	t.Helper()
	files, _ := filepath.Glob("testdata/generators/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/generators cases")
	}
	var cases []genCase
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := genCase{name: strings.TrimSuffix(filepath.Base(f), ".txtar"), ar: ar}
		for _, s := range ar.Files {
			switch s.Name {
			case "cmdline":
				c.cmdline = parse.SplitKernelCmdline(string(s.Data))
			case "boot":
				c.boot = strings.Fields(string(s.Data))
			case "cycle":
				c.cycle = strings.Fields(string(s.Data))
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// write writes the case's files into dir (not its sections), makes the
// ones "exec" names executable and the "symlinks".
func (c genCase) write(t *testing.T, dir string) {
	t.Helper()
	ar := &txtar.Archive{}
	var exec []string
	for _, f := range c.ar.Files {
		switch f.Name {
		case "cmdline", "boot", "cycle":
		case "exec":
			exec = strings.Fields(string(f.Data))
		default:
			ar.Files = append(ar.Files, f)
		}
	}
	roottest.Write(t, dir, ar)
	for _, e := range exec {
		if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(e)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// emulate runs the emulated generators on root.
func emulate(t *testing.T, root string, cmdline []string) *genOutput {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	_, out, _ := generators(fsys, parseKernelArgs(cmdline))
	return out
}

// genKey maps an oracle path ("normal/var.mount") to the emulation's
// ("run/systemd/generator/var.mount").
func genKey(p string) string {
	dir, rest, _ := strings.Cut(p, "/")
	switch dir {
	case "early":
		return genEarly + "/" + rest
	case "late":
		return genLate + "/" + rest
	}
	return genNormal + "/" + rest
}

// settingKeys are compared as written; the time spans the generators
// format with FORMAT_TIMESPAN and the Exec lines (no order) are not.
func comparedSetting(key string) bool {
	switch key {
	case "TimeoutSec", "TimeoutIdleSec", "JobRunningTimeoutSec", "JobTimeoutSec":
		return false
	}
	return !strings.HasPrefix(key, "Exec")
}

// settings lists a unit file's settings "Section/Key=Value", sorted.
func settings(data []byte) []string {
	var out []string
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		default:
			k, v, _ := strings.Cut(line, "=")
			if comparedSetting(k) {
				out = append(out, section+"/"+k+"="+v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func oracleSettings(u *oracle.GeneratedUnit) []string {
	var out []string
	for _, l := range u.Lines {
		if comparedSetting(l.Key) {
			out = append(out, l.Section+"/"+l.Key+"="+l.Value)
		}
	}
	sort.Strings(out)
	return out
}

// genCount counts what a comparison held, by generator.
type genCount struct{ units, settings, deps, links, dropins int }

func TestGeneratorsOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd's generators; not in -short")
	}
	counts := map[string]*genCount{}
	for _, c := range readGenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			c.write(t, root)
			ours := emulate(t, root, c.cmdline)
			args := parseKernelArgs(c.cmdline)
			real := oracle.RunGenerators(t, oracle.GeneratorInput{Root: root, Cmdline: strings.Join(c.cmdline, " "), Consoles: args.consoles}, emulatedNames()...)
			for _, r := range real.Runs {
				if r.ExitCode != 0 {
					t.Logf("%s exited %d (as it does on this input):\n%s", r.Name, r.ExitCode, lastLines(r.Stderr, 5))
				}
			}
			// Which generator wrote what: the emulation knows.
			by := func(p string) *genCount {
				pos := ours.origin[p]
				name := "systemd-fstab-generator"
				switch {
				case pos.File == "etc/crypttab" || strings.Contains(p, "cryptsetup") || strings.Contains(p, "keydev-"):
					name = "systemd-cryptsetup-generator"
				case pos.File == "etc/integritytab" || pos.File == "etc/veritytab":
					name = "systemd-integrity/veritysetup-generator"
				case pos.File == "etc/rc.local":
					name = "systemd-rc-local-generator"
				case pos.File == "system-update":
					name = "systemd-system-update-generator"
				case strings.Contains(p, "getty"):
					name = "systemd-getty-generator"
				case pos == cmdlinePos:
					name = "systemd-debug-generator"
				}
				if counts[name] == nil {
					counts[name] = &genCount{}
				}
				return counts[name]
			}
			seen := map[string]bool{}
			for p, target := range real.Links {
				k := genKey(p)
				seen[k] = true
				e, ok := ours.files[k]
				switch {
				case !ok:
					t.Errorf("the generator made the link %s -> %s; the emulation did not", k, target)
				case e.Link != target:
					t.Errorf("link %s -> %q, the generator's -> %q", k, e.Link, target)
				default:
					by(k).links++
				}
			}
			for p, u := range real.Files {
				k := genKey(p)
				seen[k] = true
				e, ok := ours.files[k]
				if !ok {
					t.Errorf("the generator wrote %s; the emulation did not:\n%s", k, strings.Join(oracleSettings(u), "\n"))
					continue
				}
				got, want := settings(e.Data), oracleSettings(u)
				if !slices.Equal(got, want) {
					t.Errorf("%s differs from the generator's:\n emulation: %s\n generator: %s", k, strings.Join(got, " | "), strings.Join(want, " | "))
					continue
				}
				n := by(k)
				if strings.Contains(path.Dir(k), ".d") {
					n.dropins++
				} else {
					n.units++
				}
				n.settings += len(want)
				for _, s := range want {
					for _, dk := range []string{"/After=", "/Before=", "/Requires=", "/Wants=", "/BindsTo=", "/RequiresMountsFor="} {
						if strings.Contains(s, dk) {
							n.deps++
						}
					}
				}
			}
			for k := range ours.files {
				if !seen[k] {
					t.Errorf("the emulation wrote %s; the generator did not", k)
				}
			}
		})
	}
	var names []string
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := counts[n]
		t.Logf("%s: %d units and %d drop-ins agree (%d settings, %d of them After/Before/Requires/Wants/BindsTo/RequiresMountsFor lines), %d links", n, c.units, c.dropins, c.settings, c.deps, c.links)
	}
}

// TestGeneratorBoots boots the cases with a "boot" section on a Debian 12
// unit root (the packages of oracle.SystemdPackages, enabled as their
// postinst scripts would) with the case's files, with systemd --test and
// with initorder, and compares the transactions.
func TestGeneratorBoots(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemd --test; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages)
	for _, c := range readGenCases(t) {
		if len(c.boot) == 0 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			root := oracle.BuildUnitRoot(t, debs, t.TempDir())
			c.write(t, root)
			for _, target := range c.boot {
				t.Run(target, func(t *testing.T) {
					tgt := target
					if tgt == "default.target" {
						tgt = ""
					}
					sd, want := compareBoot(t, root, Options{Target: tgt, KernelCmdline: c.cmdline}, 100, "")
					if len(c.cycle) > 0 {
						checkCycle(t, sd, want, c.cycle)
					}
				})
			}
		})
	}
}

// checkCycle checks that systemd found an ordering cycle through units
// and deleted a job, and that initorder reports that cycle and which job
// goes.
func checkCycle(t *testing.T, sd *Boot, want *oracle.SystemdTest, units []string) {
	t.Helper()
	found := false
	for _, c := range want.Cycles {
		if containsAll(c.Units, units) {
			found = true
			t.Logf("systemd: ordering cycle %s, deleted %s", strings.Join(c.Units, " -> "), c.Deleted)
		}
	}
	if !found {
		t.Errorf("systemd found no ordering cycle through %v: %v", units, want.Cycles)
	}
	found = false
	for _, f := range sd.Findings {
		if f.Kind == graph.KindCycle && containsAll(f.Services, units) {
			found = true
			t.Logf("initorder: %s", f.Message)
			if !strings.Contains(f.Message, "deletes the start job of") {
				t.Errorf("initorder's cycle finding does not say which job systemd deletes: %s", f.Message)
			}
		}
	}
	if !found {
		t.Errorf("initorder reports no cycle through %v", units)
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// TestRequiresMissingVersions: a unit that Requires= a unit that does not
// exist starts with systemd 252 and not with 254 or 257 (issue 15: the
// rule changed in 254), and what it Wants= is pulled in by none
// (compareBootWith compares the transactions). The same Debian 12 unit
// root with such a unit is booted by each, initorder reading the version
// from the root's libsystemd-shared-NNN.so.
func TestRequiresMissingVersions(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemd --test; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages)
	for _, tc := range []struct {
		version int
		starts  bool
	}{{252, true}, {254, false}, {257, false}} {
		t.Run(fmt.Sprint(tc.version), func(t *testing.T) {
			var release *oracle.SystemdRelease
			switch tc.version {
			case 254:
				release = oracle.Systemd254(t)
			case 257:
				release = oracle.Systemd257(t)
			}
			root := oracle.BuildUnitRoot(t, debs, t.TempDir())
			ar := txtar.Parse([]byte(fmt.Sprintf(`-- etc/systemd/system/needs-gone.service --
[Unit]
Requires=gone.service
After=gone.service
Wants=only-wanted.service
[Service]
ExecStart=/bin/true
-- etc/systemd/system/only-wanted.service --
[Service]
ExecStart=/bin/true
-- usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-%d.so --
-- symlinks --
etc/systemd/system/multi-user.target.wants/needs-gone.service -> ../needs-gone.service
`, tc.version)))
			roottest.Write(t, root, ar)
			sd, want := compareBootWith(t, root, Options{Target: "multi-user.target"}, 400, "", release)
			if sd.Version != tc.version || !strings.HasSuffix(sd.VersionFrom, fmt.Sprintf("libsystemd-shared-%d.so", tc.version)) {
				t.Errorf("version %d from %q, want %d from the root's libsystemd-shared", sd.Version, sd.VersionFrom, tc.version)
			}
			s, _ := sd.Graph.Lookup("needs-gone.service")
			started := s >= 0 && sd.Graph.Services[s].Started()
			if started != tc.starts || slices.Contains(want.Units, "needs-gone.service") != tc.starts {
				t.Errorf("needs-gone.service starts: initorder %v, systemd %d %v; want %v", started, tc.version, slices.Contains(want.Units, "needs-gone.service"), tc.starts)
			}
			reported := false
			for _, f := range sd.Findings {
				if f.Kind == graph.KindMissingDependency && f.Services[0] == "needs-gone.service" {
					reported = true
					t.Logf("%s", f.Message)
				}
			}
			if !reported {
				t.Errorf("no missing-dependency finding for needs-gone.service")
			}
		})
	}
}
