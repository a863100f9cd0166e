package oracle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSystemdRoot(t *testing.T) {
	needOracle(t)
	dir := CacheDir(t)
	cached := len(cachedDebs(dir, SystemdPackages))
	start := time.Now()
	debs := Fetch(t, dir, SystemdPackages)
	t.Logf("Fetch: %d of %d packages in %v (%d were cached in %s)", len(debs), len(SystemdPackages), time.Since(start), cached, dir)

	start = time.Now()
	root := BuildUnitRoot(t, debs, t.TempDir())
	t.Logf("BuildUnitRoot: %d packages in %v", len(debs), time.Since(start))
	checkUnitRoot(t, root)

	for _, tc := range []struct {
		target string
		want   []string
	}{
		{"multi-user.target", []string{
			"multi-user.target", "basic.target", "sysinit.target", "sockets.target", "timers.target",
			"local-fs.target", "getty.target", "getty@tty1.service", "ssh.service", "cron.service",
			"dbus.socket", "dbus.service", "rsyslog.service", "syslog.socket", "systemd-journald.service",
			"chrony.service", "postgresql.service", "mariadb.service", "nginx.service", "apache2.service",
			"avahi-daemon.socket", "cups.path", "apt-daily.timer", "remote-fs.target",
		}},
		{"graphical.target", []string{"graphical.target", "multi-user.target", "lightdm.service", "ssh.service"}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			res := RunSystemdTest(t, root, tc.target)
			t.Logf("RunSystemdTest %s: exit %d in %v, %d units in the transaction, %d dumped, %d after-edges, %d active, %d jobs deleted",
				tc.target, res.ExitCode, res.Duration, len(res.Units), len(res.LoadState), countEdges(res.After), len(res.Active), len(res.Deleted))
			t.Logf("command: %s", res.Command)
			t.Logf("stderr:\n%s", lastLines(res.Stderr, 20))
			if res.ExitCode != 0 {
				t.Fatalf("systemd --test exited %d:\n%s", res.ExitCode, res.Stderr)
			}
			for _, u := range tc.want {
				if !slices.Contains(res.Units, u) {
					t.Errorf("%s is not in the transaction", u)
				}
			}
			for _, never := range []string{"ssh.socket", "nftables.service", "emergency.target", "rescue.target", "shutdown.target"} {
				if slices.Contains(res.Units, never) {
					t.Errorf("%s is in the transaction, want it left out", never)
				}
			}
			if len(res.Units) < 150 {
				t.Errorf("%d units in the transaction, want at least 150", len(res.Units))
			}
			for u, typ := range res.Jobs {
				if typ != "start" {
					t.Errorf("job %s/%s, want only start jobs", u, typ)
				}
			}
			for _, e := range [][2]string{
				{"basic.target", "sysinit.target"}, {"ssh.service", "basic.target"}, {"dbus.service", "dbus.socket"},
				{"multi-user.target", "ssh.service"}, {"sockets.target", "dbus.socket"}, {"getty@tty1.service", "systemd-user-sessions.service"},
			} {
				if !slices.Contains(res.After[e[0]], e[1]) {
					t.Errorf("After[%s] = %v, want %s in it", e[0], res.After[e[0]], e[1])
				}
			}
			if !slices.Contains(res.Requires["ssh.service"], "sysinit.target") {
				t.Errorf("Requires[ssh.service] = %v, want sysinit.target (DefaultDependencies)", res.Requires["ssh.service"])
			}
			if res.Fragments["ssh.service"] != "lib/systemd/system/ssh.service" {
				t.Errorf("Fragments[ssh.service] = %q", res.Fragments["ssh.service"])
			}
			for u := range res.After {
				if !slices.Contains(res.Units, u) {
					t.Errorf("After has %s, which has no job", u)
				}
			}
			for _, u := range res.Active {
				if slices.Contains(res.Units, u) {
					t.Errorf("active unit %s has a job", u)
				}
			}
		})
	}
}

func countEdges(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// checkUnitRoot checks the layout BuildUnitRoot promises.
func checkUnitRoot(t *testing.T, root string) {
	t.Helper()
	links := map[string]string{
		"lib":                                   "usr/lib",
		"usr/lib/systemd/system/default.target": "graphical.target",
		"etc/systemd/system/multi-user.target.wants/ssh.service":                 "../../../../lib/systemd/system/ssh.service",
		"etc/systemd/system/sshd.service":                                        "../../../lib/systemd/system/ssh.service",
		"etc/systemd/system/getty.target.wants/getty@tty1.service":               "../../../../lib/systemd/system/getty@.service",
		"etc/systemd/system/syslog.service":                                      "../../../lib/systemd/system/rsyslog.service",
		"etc/systemd/system/display-manager.service":                             "../../../lib/systemd/system/lightdm.service",
		"etc/systemd/system/sockets.target.wants/avahi-daemon.socket":            "../../../../lib/systemd/system/avahi-daemon.socket",
		"etc/systemd/system/timers.target.wants/apt-daily.timer":                 "../../../../lib/systemd/system/apt-daily.timer",
		"etc/systemd/system/multi-user.target.wants/remote-fs.target":            "../../../../lib/systemd/system/remote-fs.target",
		"etc/systemd/system/multi-user.target.wants/unattended-upgrades.service": "../../../../lib/systemd/system/unattended-upgrades.service",
	}
	for rel, want := range links {
		got, err := os.Readlink(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil || got != want {
			t.Errorf("%s -> %q (%v), want -> %q", rel, got, err, want)
		}
	}
	for _, absent := range []string{
		"etc/fstab", "etc/init.d",
		"etc/systemd/system/sockets.target.wants/ssh.socket",          // --no-enable
		"etc/systemd/system/multi-user.target.wants/nftables.service", // --no-enable
	} {
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(absent))); err == nil {
			t.Errorf("%s exists, want it absent", absent)
		}
	}
	for _, file := range []string{
		"usr/lib/systemd/system/mariadb@bootstrap.service.d/use_galera_new_cluster.conf",
		"usr/lib/systemd/system/user@.service.d/10-login-barrier.conf",
		"usr/lib/systemd/system/user@.service.d/10-oomd-user-service-defaults.conf",
	} {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(file))); err != nil {
			t.Errorf("drop-in: %v", err)
		}
	}
}

func TestPostinstEnables(t *testing.T) {
	script := `#!/bin/sh
if [ -z "$2" ]; then
    systemctl ${DPKG_ROOT:+--root="$DPKG_ROOT"} enable getty@tty1.service || true
fi
		systemctl enable unattended-upgrades >&2 || true
	if deb-systemd-helper --quiet was-enabled 'ssh.service'; then
		deb-systemd-helper enable 'ssh.service' >/dev/null || true
	fi
	if deb-systemd-helper debian-installed 'ssh.socket'; then
		if deb-systemd-helper --quiet was-enabled 'ssh.socket'; then
			deb-systemd-helper enable 'ssh.socket' >/dev/null || true
		fi
	fi
	systemctl disable ssh.service
	systemctl --quiet enable a.timer b.socket || true
# mariadb-server 10.11.14: enabled, then the same unit guarded again
	if deb-systemd-helper --quiet was-enabled 'mariadb.service'; then
		deb-systemd-helper enable 'mariadb.service' >/dev/null || true
	fi
	if deb-systemd-helper debian-installed 'mariadb.service'; then
		if deb-systemd-helper --quiet was-enabled 'mariadb.service'; then
			deb-systemd-helper enable 'mariadb.service' >/dev/null || true
		fi
	fi
`
	got := postinstEnables(script)
	want := []string{"getty@tty1.service", "unattended-upgrades", "ssh.service", "a.timer", "b.socket", "mariadb.service"}
	if !slices.Equal(got, want) {
		t.Errorf("postinstEnables = %v, want %v", got, want)
	}
}

func TestParseInstall(t *testing.T) {
	in := parseInstall([]byte(`[Unit]
WantedBy=not-this.target
[Install]
WantedBy=multi-user.target \
  graphical.target
Alias=sshd.service
Also=ssh.socket
RequiredBy=a.target
RequiredBy=
DefaultInstance=tty1
# WantedBy=comment.target
`))
	if !slices.Equal(in.wantedBy, []string{"multi-user.target", "graphical.target"}) || !slices.Equal(in.alias, []string{"sshd.service"}) ||
		!slices.Equal(in.also, []string{"ssh.socket"}) || in.requiredBy != nil || in.defaultInstance != "tty1" {
		t.Errorf("parseInstall = %+v", in)
	}
	if got := expandInstallSpecifiers("%p-%i.target %n %N %% %Z", "foo@bar.service", "foo", "bar"); got != "foo-bar.target foo@bar.service foo@bar % %Z" {
		t.Errorf("expandInstallSpecifiers = %q", got)
	}
}

// systemdDump is a cut-down `systemd --test` dump of systemd 252.
const systemdDump = `-> By units:
	-> Unit ssh.service:
		Description: OpenBSD Secure Shell server
		Instance: n/a
		Unit Load State: loaded
		Unit Active State: inactive
		Alias: sshd.service
		Fragment Path: /r/lib/systemd/system/ssh.service
		WantedBy: multi-user.target (destination-file)
		Requires: system.slice (origin-slice-property)
		Requires: sysinit.target (origin-default)
		Wants: network.target (origin-default)
		Conflicts: shutdown.target (origin-default)
		Before: multi-user.target (destination-file destination-default)
		Before: shutdown.target (origin-default)
		After: basic.target (origin-default)
		After: -.mount (origin-path)
		After: network.target (origin-file)
		RequiresMountsFor: /run/sshd (origin-file)
		Type: notify
	-> Unit -.mount:
		Description: Root Mount
		Unit Load State: loaded
		Unit Active State: active
	-> Unit multi-user.target:
		Unit Load State: loaded
		Unit Active State: inactive
		Alias: runlevel3.target
		Alias: runlevel2.target
		Wants: ssh.service (origin-file)
		After: basic.target (origin-file)
	-> Unit basic.target:
		Unit Load State: loaded
		Unit Active State: inactive
-> By jobs:
	-> Job 1:
		Action: multi-user.target -> start
		State: waiting
	-> Job 7:
		Action: ssh.service -> start
		State: waiting
	-> Job 9:
		Action: basic.target -> start
		State: waiting
`

func TestParseSystemdTest(t *testing.T) {
	log := `systemd 252.38-1~deb12u1 running in test system mode (+PAM ...)
cyc-b.service: Found ordering cycle on cyc-a.service/start
cyc-b.service: Found dependency on cyc-b.service/start
cyc-b.service: Job cyc-a.service/start deleted to break ordering cycle starting with cyc-b.service/start
Queued start job for default target multi-user.target.
`
	res, err := ParseSystemdTest(systemdDump, log, "/r")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if g, w := fmtAny(got), fmtAny(want); g != w {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	check("Units", res.Units, []string{"basic.target", "multi-user.target", "ssh.service"})
	check("Jobs", res.Jobs, map[string]string{"basic.target": "start", "multi-user.target": "start", "ssh.service": "start"})
	check("After", res.After, map[string][]string{"multi-user.target": {"basic.target", "ssh.service"}, "ssh.service": {"basic.target"}})
	check("Requires", res.Requires, map[string][]string{"ssh.service": {"sysinit.target", "system.slice"}})
	check("Wants", res.Wants, map[string][]string{"multi-user.target": {"ssh.service"}, "ssh.service": {"network.target"}})
	check("Aliases", res.Aliases, map[string][]string{"multi-user.target": {"runlevel2.target", "runlevel3.target"}, "ssh.service": {"sshd.service"}})
	check("Fragments", res.Fragments, map[string]string{"ssh.service": "lib/systemd/system/ssh.service"})
	check("Active", res.Active, []string{"-.mount"})
	check("Deleted", res.Deleted, []string{"cyc-a.service/start"})
	check("Cycles", res.Cycles, []SystemdCycle{{Units: []string{"cyc-a.service", "cyc-b.service"}, Deleted: "cyc-a.service/start"}})
	check("Queued", res.Queued, "multi-user.target")
	check("Deps[Conflicts]", res.Deps["Conflicts"], map[string][]string{"ssh.service": {"shutdown.target"}})
	check("Deps[RequiresMountsFor]", res.Deps["RequiresMountsFor"], map[string][]string(nil))
	want := SystemdEdge{From: "ssh.service", Kind: "Before", To: "multi-user.target", Origin: []string{"destination-file", "destination-default"}}
	if !slices.ContainsFunc(res.Edges, func(e SystemdEdge) bool { return fmtAny(e) == fmtAny(want) }) {
		t.Errorf("Edges = %+v, want %+v in it", res.Edges, want)
	}
	if _, err := ParseSystemdTest("", "", ""); err == nil {
		t.Errorf("ParseSystemdTest of nothing: no error")
	}
}

func fmtAny(v any) string { return fmt.Sprintf("%+v", v) }

// TestSystemdHandMade records what systemd --test does with an ordering
// cycle, a wanted unit whose Requires= is missing, and a required one.
func TestSystemdHandMade(t *testing.T) {
	needOracle(t)
	debs := Fetch(t, CacheDir(t), []string{"systemd"})
	root := BuildUnitRoot(t, debs, t.TempDir())
	etc := filepath.Join(root, "etc", "systemd", "system")
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(etc, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(rel, target string) {
		t.Helper()
		p := filepath.Join(etc, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write("cyc-a.service", "[Unit]\nAfter=cyc-b.service\n[Service]\nExecStart=/bin/true\n")
	write("cyc-b.service", "[Unit]\nAfter=cyc-a.service\n[Service]\nExecStart=/bin/true\n")
	write("req.service", "[Unit]\nRequires=missing.service\n[Service]\nExecStart=/bin/true\n")
	for _, u := range []string{"cyc-a.service", "cyc-b.service", "req.service"} {
		link("multi-user.target.wants/"+u, "../"+u)
	}

	res := RunSystemdTest(t, root, "multi-user.target")
	if res.ExitCode != 0 || len(res.Cycles) != 1 || len(res.Deleted) != 1 {
		t.Fatalf("exit %d, cycles %+v, deleted %v; want exit 0 and one broken cycle\n%s", res.ExitCode, res.Cycles, res.Deleted, res.Stderr)
	}
	c := res.Cycles[0]
	if !slices.Contains(c.Units, "cyc-a.service") || !slices.Contains(c.Units, "cyc-b.service") {
		t.Errorf("cycle %+v, want cyc-a and cyc-b in it", c)
	}
	deleted, _, _ := strings.Cut(c.Deleted, "/")
	if slices.Contains(res.Units, deleted) {
		t.Errorf("%s is deleted but has a job", deleted)
	}
	// A wanted unit whose Requires= names a missing unit keeps its job:
	// it would fail at run time, not when the transaction is built.
	if !slices.Contains(res.Units, "req.service") {
		t.Errorf("req.service is not in the transaction")
	}
	t.Logf("cycle %+v; %d units", c, len(res.Units))

	// Required by the target itself, the missing unit fails the whole
	// transaction: exit 1 and no dump.
	link("multi-user.target.requires/req.service", "../req.service")
	res = RunSystemdTest(t, root, "multi-user.target")
	if res.ExitCode == 0 || len(res.Units) != 0 || !strings.Contains(res.Stderr, "missing.service not found") {
		t.Errorf("exit %d, %d units, want a refusal naming missing.service\n%s", res.ExitCode, len(res.Units), res.Stderr)
	}
}
