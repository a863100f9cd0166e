package sysv

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
)

// This file is the differential test of --defaults (issue 14): the links
// Defaults computes for a root without links must be the links the real
// tools leave there — insserv as update-rc.d NAME defaults calls it for
// every script (oracle.RunInsserv), and update-rc.d itself with that
// insserv, one call per script (oracle.RunUpdateRCD) — and the boot read
// with them must be the boot of the root the tools linked.

// defaultsLinks lists what Defaults gives for root, as oracle.Insserv.Links
// lists the links on disk: "rc2.d": "S01foo", sorted.
func defaultsLinks(t *testing.T, root string) (map[string][]string, *DefaultLinks) {
	t.Helper()
	_, d := openDefaults(t, root)
	links := map[string][]string{}
	for _, rl := range rcDirs {
		links["rc"+rl+".d"] = []string{}
	}
	for _, l := range d.Links {
		dir, name := path.Split(l.Path)
		dir = strings.TrimPrefix(strings.TrimSuffix(dir, "/"), "etc/")
		links[dir] = append(links[dir], name)
	}
	for _, names := range links {
		sort.Strings(names)
	}
	return links, d
}

// compareLinks reports every link one side has and the other lacks, and
// returns how many links agree. A link of a script in known differs as
// insserv's directory order makes it differ (the number only), which
// Defaults cannot know: it is logged.
func compareLinks(t *testing.T, tool string, got, want map[string][]string, known ...string) int {
	t.Helper()
	same := 0
	report := func(format string, dir, l string) {
		t.Helper()
		if ln, ok := linkName(l); ok && slices.Contains(known, ln.Name) {
			t.Logf(format+" (an insserv directory-order quirk, see docs/defaults-presets.md)", dir, tool, dir, l)
			return
		}
		t.Errorf(format, dir, tool, dir, l)
	}
	for _, rl := range rcDirs {
		dir := "rc" + rl + ".d"
		g, w := got[dir], want[dir]
		for _, l := range g {
			if slices.Contains(w, l) {
				same++
			} else {
				report("%s: Defaults makes, %s does not: %s/%s", dir, l)
			}
		}
		for _, l := range w {
			if !slices.Contains(g, l) {
				report("%s: %s makes %s/%s, Defaults does not", dir, l)
			}
		}
	}
	return same
}

// copyRoot copies the tree at src (files, directories, symlinks, modes)
// into a new temporary directory.
func copyRoot(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "root")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s: %v: %s", src, err, out)
	}
	return dst
}

// sameBoot checks that the root read with Defaults boots as the root the
// tool linked: the same services in the same waves, the same findings.
func sameBoot(t *testing.T, root, linked string, rl string) {
	t.Helper()
	fsys, d := openDefaults(t, root)
	with, err := fsys.With(d.Changes())
	if err != nil {
		t.Fatal(err)
	}
	ours, err := Read(with, Options{Runlevel: rl, Made: d.Made(fsys)})
	if err != nil {
		t.Fatal(err)
	}
	theirs, _ := readSysV(t, linked, Options{Runlevel: rl})
	dump := func(sv *Boot, fs []graph.Finding) string {
		var b strings.Builder
		for _, st := range graph.Order(sv.Graph).Steps {
			s := sv.Graph.Services[st.Service]
			fmt.Fprintf(&b, "S%02d %s %s\n", st.Wave, s.Name, s.Link)
		}
		for _, f := range fs {
			if f.Kind != graph.KindParseError && f.Kind != graph.KindNoHeader {
				fmt.Fprintf(&b, "%s\n", f)
			}
		}
		return b.String()
	}
	fs := append(ours.Findings, graph.Check(ours.Graph)...)
	graph.SortFindings(fs)
	_, theirFs := readSysV(t, linked, Options{Runlevel: rl})
	if got, want := dump(ours, fs), dump(theirs, theirFs); got != want {
		t.Errorf("runlevel %s: the boot with --defaults differs from the boot of the linked root:\n--- defaults\n%s--- linked\n%s", rl, got, want)
	}
}

// TestDefaultsInsserv: the Debian 12 root of TestInsservDebianRoot (119
// packages, no links): Defaults against the links of insserv NAME... for
// every script, then the boots.
func TestDefaultsInsserv(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs insserv; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.DebianPackages)
	root := oracle.BuildRoot(t, debs, t.TempDir())
	got, d := defaultsLinks(t, root)
	linked := copyRoot(t, root)
	res := oracle.RunInsserv(t, oracle.Find(debs, "insserv"), linked)
	if res.ExitCode != 0 || res.Forced {
		t.Fatalf("insserv refused the Debian root (exit %d):\n%s", res.ExitCode, res.Stderr)
	}
	// avahi-daemon: saned Should-Stop avahi-daemon, the second name of
	// "Provides: avahi avahi-daemon"; insserv drops that stop edge when it
	// reads saned before avahi-daemon (clear_all removes links to an alias
	// made after them), which depends on readdir order: K01 or K02.
	same := compareLinks(t, "insserv", got, res.Links, "avahi-daemon")
	t.Logf("%d of %d links agree; %d scripts enabled nowhere", same, len(d.Links), len(d.Disabled))
	if same < 800 {
		t.Errorf("%d links agree, want at least 800 on the Debian root", same)
	}
	for _, rl := range []string{"2", "S", "3"} {
		sameBoot(t, root, linked, rl)
	}
	// The same root through update-rc.d NAME defaults itself, one call a
	// script in name order, as dpkg configures packages one by one. It
	// takes about 70 s (156 runs of insserv over the whole root), so it
	// runs on request: INITORDER_UPDATERCD=1. Measured: 820 of 826 links;
	// open-iscsi and iscsid get other K numbers, as the order of the calls
	// makes them (a later call renumbers only from the links it finds).
	if os.Getenv("INITORDER_UPDATERCD") != "1" {
		checkDefaultsDepend(t, root, d, res)
		return
	}
	helpers := oracle.Find(oracle.Fetch(t, oracle.CacheDir(t), []string{"init-system-helpers"}), "init-system-helpers")
	var names []string
	ents, err := os.ReadDir(filepath.Join(root, "etc", "init.d"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	urc := oracle.RunUpdateRCD(t, helpers, oracle.Find(debs, "insserv"), copyRoot(t, root), names)
	failed := 0
	for _, c := range urc.Calls {
		if c.ExitCode != 0 {
			failed++
			t.Logf("update-rc.d %s defaults: exit %d: %s", c.Name, c.ExitCode, c.Stderr)
		}
	}
	sameURC := compareLinks(t, "update-rc.d", got, urc.Links, "avahi-daemon", "open-iscsi", "iscsid")
	t.Logf("update-rc.d, %d calls (%d failed): %d of %d links agree", len(urc.Calls), failed, sameURC, len(d.Links))
	checkDefaultsDepend(t, root, d, res)
}

// checkDefaultsDepend is the existing oracle for the boot read with
// Defaults: every edge of insserv's .depend.boot and .depend.start holds
// in its waves.
func checkDefaultsDepend(t *testing.T, root string, d *DefaultLinks, res *oracle.Insserv) {
	t.Helper()
	// Then the existing oracle: every edge of insserv's .depend.boot and
	// .depend.start holds in the waves of the boot read with Defaults.
	fsys, _ := openDefaults(t, root)
	with, err := fsys.With(d.Changes())
	if err != nil {
		t.Fatal(err)
	}
	sv, err := Read(with, Options{Runlevel: "2", Made: d.Made(fsys)})
	if err != nil {
		t.Fatal(err)
	}
	w := waves(sv, graph.Order(sv.Graph))
	inBoot := func(name string) bool { _, ok := w[name]; return ok }
	nBoot := checkDepend(t, ".depend.boot", res.Boot, w, inBoot)
	nStart := checkDepend(t, ".depend.start", res.Start, w, inBoot)
	t.Logf("--defaults boot: %d scripts; %d .depend.boot and %d .depend.start edges hold", len(w), nBoot, nStart)
}

// TestDefaultsUpdateRCD: hand-made roots through the real update-rc.d
// (init-system-helpers) and insserv, one call per script as dpkg makes
// them: scripts with links keep their runlevels and are renumbered, a
// runlevel in both Default-Start and Default-Stop gets a K link (none in
// rcS.d), X-Start-Before, $all, an interactive script, a facility with an
// optional member, a dangling link removed, a headerless script left
// disabled.
func TestDefaultsUpdateRCD(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs update-rc.d; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), []string{"insserv", "init-system-helpers"})
	insserv, helpers := oracle.Find(debs, "insserv"), oracle.Find(debs, "init-system-helpers")
	script := func(provides, req, should, start, stop, extra string) string {
		return fmt.Sprintf("#!/bin/sh\n### BEGIN INIT INFO\n# Provides: %s\n# Required-Start: %s\n# Required-Stop: %s\n# Should-Start: %s\n# Default-Start: %s\n# Default-Stop: %s\n%s### END INIT INFO\nexit 0\n",
			provides, req, req, should, start, stop, extra)
	}
	for _, tc := range []struct {
		name    string
		scripts map[string]string
		links   map[string]string // path -> target, made before update-rc.d runs
		conf    string            // etc/insserv.conf
	}{
		{
			name: "debian-like",
			conf: "$local_fs +mountall +mountnfs\n$remote_fs $local_fs\n$syslog rsyslog\n$time +hwclock\n<interactive> console\n",
			scripts: map[string]string{
				"mountall":   script("mountall", "", "", "S", "", ""),
				"mountnfs":   script("mountnfs", "mountall", "", "S", "", ""),
				"hwclock":    script("hwclock", "mountall", "", "S", "0 6", ""),
				"console":    script("console", "", "", "S", "", ""),
				"udev":       script("udev", "", "", "S", "0 6", "# X-Start-Before: mountall\n"),
				"rsyslog":    script("rsyslog", "$remote_fs $time", "", "2 3 4 5", "0 1 6", ""),
				"cron":       script("cron", "$remote_fs $syslog", "$network", "2 3 4 5", "", ""),
				"ssh":        script("ssh sshd", "$remote_fs $syslog", "", "2 3 4 5", "0 1 6", ""),
				"web":        script("web", "$remote_fs sshd", "cron", "2 3 4 5", "0 1 6", "# X-Interactive: true\n"),
				"rc.local":   script("rc.local", "$all", "", "2 3 4 5", "", ""),
				"both":       script("both", "", "", "S 2 3", "3 0 S", ""),
				"local-only": script("local-only", "$remote_fs", "", "2 3 4 5", "0 1 6", ""),
				"legacy":     "#!/bin/sh\nexit 0\n",
			},
			links: map[string]string{
				"etc/rc3.d/S20local-only": "../init.d/local-only", // enabled in rc3 only: stays so
				"etc/rc2.d/S05gone":       "../init.d/gone",       // dangling: insserv removes it
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write := func(p, data string, mode os.FileMode) {
				p = filepath.Join(root, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), mode); err != nil {
					t.Fatal(err)
				}
			}
			write("etc/insserv.conf", tc.conf, 0o644)
			var names []string
			for name, text := range tc.scripts {
				write("etc/init.d/"+name, text, 0o755)
				names = append(names, name)
			}
			sort.Strings(names)
			for p, target := range tc.links {
				full := filepath.Join(root, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, full); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := defaultsLinks(t, root)
			linked := copyRoot(t, root)
			res := oracle.RunUpdateRCD(t, helpers, insserv, linked, names)
			for _, c := range res.Calls {
				if c.ExitCode != 0 {
					t.Logf("update-rc.d %s defaults: exit %d: %s", c.Name, c.ExitCode, c.Stderr)
				}
			}
			same := compareLinks(t, "update-rc.d", got, res.Links)
			t.Logf("%d links agree", same)
			for _, rl := range []string{"2", "3", "S"} {
				sameBoot(t, root, linked, rl)
			}
		})
	}
}
