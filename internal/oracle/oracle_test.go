package oracle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needOracle skips tests that download packages and run insserv unless
// INITORDER_ORACLE=1 or CI=true.
func needOracle(t *testing.T) {
	t.Helper()
	if os.Getenv("INITORDER_ORACLE") != "1" && os.Getenv("CI") != "true" {
		t.Skip("downloads Debian packages and runs the real insserv: set INITORDER_ORACLE=1 (CI=true does too)")
	}
}

// allPackages is every package these tests use, so that one Fetch (one
// apt-get call) gets them all.
func allPackages() []string {
	pkgs := slices.Clone(DebianPackages)
	for _, c := range RefusalCases {
		for _, p := range c.Packages {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs
}

func fetchAll(t *testing.T) []string {
	t.Helper()
	dir := CacheDir(t)
	cached := len(cachedDebs(dir, allPackages()))
	start := time.Now()
	debs := Fetch(t, dir, allPackages())
	t.Logf("Fetch: %d of %d packages in %v (%d were cached in %s)", len(debs), len(allPackages()), time.Since(start), cached, dir)
	return debs
}

func TestDebianRoot(t *testing.T) {
	needOracle(t)
	debs := fetchAll(t)
	var base []string
	for _, p := range DebianPackages {
		if d := Find(debs, p); d != "" {
			base = append(base, d)
		}
	}

	start := time.Now()
	root := BuildRoot(t, base, t.TempDir())
	t.Logf("BuildRoot: %d packages in %v", len(base), time.Since(start))
	start = time.Now()
	res := RunInsserv(t, Find(debs, "insserv"), root)
	entries, _ := os.ReadDir(filepath.Join(root, "etc", "init.d"))
	t.Logf("RunInsserv: %d init.d entries, %d named, %d runs in %v, exit %d, %d messages",
		len(entries), len(res.Runs[0].Args)-5, len(res.Runs), time.Since(start), res.ExitCode, len(res.Messages))
	for _, m := range res.Messages {
		t.Logf("insserv: %s [%s %v]", m.Text, m.Kind, m.Services)
	}

	if res.ExitCode != 0 || res.Forced || res.Crashed {
		t.Fatalf("insserv refused the Debian root: exit %d, forced %v, crashed %v:\n%s", res.ExitCode, res.Forced, res.Crashed, res.Stderr)
	}
	for _, m := range res.Messages {
		if m.Kind != KindOther {
			t.Errorf("insserv on the Debian root: %s (%s), want no refusal", m.Text, m.Kind)
		}
	}
	if n := len(res.StartTargets); n < 100 {
		t.Errorf("StartTargets has %d scripts, want at least 100", n)
	}
	for _, want := range []string{"mountkernfs.sh", "udev", "checkroot.sh", "mountall.sh", "networking", "hwclock.sh"} {
		if !slices.Contains(res.BootTargets, want) {
			t.Errorf("BootTargets = %v, want it to hold %s", res.BootTargets, want)
		}
	}
	for _, want := range []string{"rsyslog", "ssh", "cron", "apache2", "rc.local", "avahi-daemon", "network-manager"} {
		if !slices.Contains(res.StartTargets, want) {
			t.Errorf("StartTargets lacks %s", want)
		}
	}
	for _, never := range []string{"README", "rc", "rcS", "ups-monitor", ".depend.start"} {
		if slices.Contains(res.StartTargets, never) || slices.Contains(res.BootTargets, never) {
			t.Errorf("insserv enabled %s, want it ignored", never)
		}
	}
	// rc.local needs $all: every other rc2 script starts before it.
	for _, link := range res.Links["rc2.d"] {
		if name := link[3:]; link[0] == 'S' && name != "rc.local" && name != "stop-bootlogd" && name != "plymouth" &&
			linkNumber(t, res.Links["rc2.d"], name, 'S') >= linkNumber(t, res.Links["rc2.d"], "rc.local", 'S') {
			t.Errorf("%s does not start before rc.local in rc2.d: %v", link, res.Links["rc2.d"])
		}
	}
	checkLinksHoldEdges(t, res)
}

// checkLinksHoldEdges checks that the numbers of insserv's links agree with
// its .depend files: a prerequisite starts at a lower S number (rcS.d for
// .depend.boot, rc2.d for .depend.start) and stops at a lower K number in
// rc0.d. insserv's K numbers lose stop edges towards a script's second
// Provides name (saned Should-Stop avahi-daemon, which avahi-daemon's
// script provides after "avahi"): those contradictions are logged only.
func checkLinksHoldEdges(t *testing.T, res *Insserv) {
	t.Helper()
	for _, c := range []struct {
		dir  string
		kind byte
		deps map[string][]string
	}{{"rcS.d", 'S', res.Boot}, {"rc2.d", 'S', res.Start}, {"rc0.d", 'K', res.Stop}} {
		links := res.Links[c.dir]
		edges := 0
		for target, prereqs := range c.deps {
			tn := linkNumber(t, links, target, c.kind)
			for _, p := range prereqs {
				pn := linkNumber(t, links, p, c.kind)
				if tn < 0 || pn < 0 {
					continue // not both in this runlevel
				}
				edges++
				if pn >= tn && c.kind == 'K' {
					t.Logf("insserv's own contradiction: %s: %s needs %s but %c%02d >= %c%02d", c.dir, target, p, c.kind, pn, c.kind, tn)
				} else if pn >= tn {
					t.Errorf("%s: %s needs %s but %c%02d >= %c%02d", c.dir, target, p, c.kind, pn, c.kind, tn)
				}
			}
		}
		t.Logf("%s: %d links, %d .depend edges checked against their numbers", c.dir, len(links), edges)
	}
}

// linkNumber is the NN of link KIND NN name in links, or -1.
func linkNumber(t *testing.T, links []string, name string, kind byte) int {
	t.Helper()
	for _, l := range links {
		if len(l) > 3 && l[0] == kind && l[3:] == name {
			n, err := strconv.Atoi(l[1:3])
			if err != nil {
				t.Fatalf("link %s: %v", l, err)
			}
			return n
		}
	}
	return -1
}

func TestRefusalCases(t *testing.T) {
	needOracle(t)
	debs := fetchAll(t)
	for _, c := range RefusalCases {
		t.Run(c.Name, func(t *testing.T) {
			var sel []string
			for _, p := range c.Packages {
				d := Find(debs, p)
				if d == "" {
					t.Skipf("package %s not fetched", p)
				}
				sel = append(sel, d)
			}
			root := BuildRoot(t, sel, t.TempDir())
			res := RunInsserv(t, Find(debs, "insserv"), root)
			for _, r := range res.Runs {
				t.Logf("run %s: exit %d\n%s", r.Role, r.ExitCode, r.Stderr)
			}
			if res.ExitCode == 0 {
				t.Errorf("insserv accepted %v, want a refusal", c.Packages)
			}
			if !hasMessage(res.Messages, c.Kind, c.Services) {
				t.Errorf("Messages = %+v, want a %s message about %v", res.Messages, c.Kind, c.Services)
			}
		})
	}
}

func hasMessage(msgs []Message, kind string, services []string) bool {
	return slices.ContainsFunc(msgs, func(m Message) bool { return m.Kind == kind && slices.Equal(m.Services, services) })
}

// script is one hand-made init.d script.
type script struct {
	name, provides, requiredStart, defaultStart, extra string
}

func (s script) text() string {
	defaultStop := "0 1 6"
	if s.defaultStart == "S" || s.defaultStart == "" {
		defaultStop = ""
	}
	return fmt.Sprintf("#!/bin/sh\n### BEGIN INIT INFO\n# Provides: %s\n# Required-Start: %s\n# Required-Stop: %s\n%s# Default-Start: %s\n# Default-Stop: %s\n### END INIT INFO\nexit 0\n",
		s.provides, s.requiredStart, s.requiredStart, s.extra, s.defaultStart, defaultStop)
}

// handRoot writes scripts and the insserv.conf of the insserv .deb into a
// fresh root.
func handRoot(t *testing.T, insservDeb string, scripts ...script) string {
	t.Helper()
	root := BuildRoot(t, []string{insservDeb}, t.TempDir())
	for _, s := range scripts {
		if err := os.WriteFile(filepath.Join(root, "etc", "init.d", s.name), []byte(s.text()), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestHandMadeRoots covers the refusals no Debian 12 package provokes.
func TestHandMadeRoots(t *testing.T) {
	needOracle(t)
	deb := Find(Fetch(t, CacheDir(t), []string{"insserv"}), "insserv")
	tests := []struct {
		name     string
		scripts  []script
		exit     int
		forced   bool
		kind     string
		services []string
	}{
		{
			name: "loop",
			scripts: []script{
				{"a", "a", "b", "2 3 4 5", ""},
				{"b", "b", "a", "2 3 4 5", ""},
			},
			exit: 1, forced: true, kind: KindLoop, services: []string{"a", "b"},
		},
		{
			name: "loop through X-Start-Before",
			scripts: []script{
				{"a", "a", "b", "2 3 4 5", ""},
				{"b", "b", "", "2 3 4 5", "# X-Start-Before: a\n"},
				{"c", "c", "a", "2 3 4 5", "# X-Start-Before: b\n"},
			},
			exit: 1, forced: true, kind: KindLoop, services: []string{"a", "b"},
		},
		{
			name: "needs a $all script",
			scripts: []script{
				{"a", "a", "b", "2 3 4 5", ""},
				{"b", "b", "$all", "2 3 4 5", ""},
			},
			exit: 1, forced: true, kind: KindLoop, services: []string{"a", "b"},
		},
		{
			name: "required name nobody provides",
			scripts: []script{
				{"web", "web", "$remote_fs nosuch", "2 3 4 5", ""},
			},
			exit: 1, forced: true, kind: KindMissing, services: []string{"web", "nosuch"},
		},
		{
			name: "required script started in fewer runlevels",
			scripts: []script{
				{"dep", "dep", "", "3", ""},
				{"web", "web", "dep", "2 3 4 5", ""},
			},
			exit: 1, kind: KindNotEnabled, services: []string{"web", "dep"},
		},
		{
			name: "rcS script needs a runlevel script",
			scripts: []script{
				{"dep", "dep", "", "2 3 4 5", ""},
				{"early", "early", "dep", "S", ""},
			},
			exit: 1, kind: KindNotEnabled, services: []string{"early", "dep"},
		},
		{
			name: "required script never started is accepted",
			scripts: []script{
				{"dep", "dep", "", "", ""},
				{"web", "web", "dep", "2 3 4 5", ""},
			},
			exit: 0,
		},
		{
			name: "duplicate provides",
			scripts: []script{
				{"p1", "p1 mta", "", "2 3 4 5", ""},
				{"p2", "p2 mta", "", "2 3 4 5", ""},
			},
			exit: 1, forced: true, kind: KindDuplicateProvides, services: []string{"p2", "mta"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := RunInsserv(t, deb, handRoot(t, deb, tc.scripts...))
			if res.ExitCode != tc.exit || res.Forced != tc.forced {
				t.Errorf("RunInsserv: exit %d, forced %v; want exit %d, forced %v\n%s", res.ExitCode, res.Forced, tc.exit, tc.forced, res.Stderr)
			}
			if tc.kind != "" && !hasMessage(res.Messages, tc.kind, tc.services) {
				t.Errorf("Messages = %+v, want a %s message about %v", res.Messages, tc.kind, tc.services)
			}
			if !tc.forced && tc.exit == 0 && res.Start == nil {
				t.Errorf("no .depend.start after an accepted run")
			}
			if tc.forced && res.Start == nil {
				t.Errorf("no .depend.start after a forced run: %+v", res.Runs)
			}
		})
	}
}

// TestRunInsservStaysInRoot checks the depend files land in the root and
// that insserv named only regular files.
func TestRunInsservStaysInRoot(t *testing.T) {
	needOracle(t)
	deb := Find(Fetch(t, CacheDir(t), []string{"insserv"}), "insserv")
	root := handRoot(t, deb, script{"a", "a", "$remote_fs", "2 3 4 5", ""})
	if err := os.Symlink("a", filepath.Join(root, "etc", "init.d", "alias")); err != nil {
		t.Fatal(err)
	}
	res := RunInsserv(t, deb, root)
	for _, f := range []string{".depend.boot", ".depend.start", ".depend.stop"} {
		if _, err := os.Stat(filepath.Join(root, "etc", "init.d", f)); err != nil {
			t.Errorf("insserv wrote no %s in the root: %v", f, err)
		}
	}
	if got := strings.Join(res.Runs[0].Args, " "); !strings.HasSuffix(got, "-- a") {
		t.Errorf("enable run args = %q, want only the regular file a named", got)
	}
	if want := []string{"S01a"}; !slices.Equal(res.Links["rc2.d"], want) {
		t.Errorf("Links[rc2.d] = %v, want %v", res.Links["rc2.d"], want)
	}
}
