package oracle

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeGenRoot writes files ("path: text", a text starting with "-> "
// makes a symlink, a path ending in "*" an executable) into a new root.
func writeGenRoot(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		name, text, _ := strings.Cut(f, ": ")
		mode := os.FileMode(0o644)
		if n, ok := strings.CutSuffix(name, "*"); ok {
			name, mode = n, 0o755
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(text, "-> "); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, `\n`, "\n")), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func wantFile(t *testing.T, g *Generated, path string, lines ...string) {
	t.Helper()
	u := g.Files[path]
	if u == nil {
		t.Errorf("no %s written; files: %v\n%s", path, keys(g.Files), g.Stderr())
		return
	}
	var got []string
	for _, l := range u.Lines {
		got = append(got, l.Section+"/"+l.Key+"="+l.Value)
	}
	for _, l := range lines {
		if !slices.Contains(got, l) {
			t.Errorf("%s has no %s; it has %v", path, l, got)
		}
	}
}

func wantLink(t *testing.T, g *Generated, path, target string) {
	t.Helper()
	if got, ok := g.Links[path]; !ok || got != target {
		t.Errorf("link %s -> %q, want -> %q; links: %v\n%s", path, got, target, g.Links, g.Stderr())
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestRunFstabGenerator(t *testing.T) {
	needOracle(t)
	root := writeGenRoot(t,
		"etc/fstab: UUID=1111-aaaa / ext4 errors=remount-ro 0 1\n/dev/sda2 /var ext4 defaults 0 2\ntmpfs /tmp tmpfs defaults 0 0\nUUID=2222-bbbb none swap sw 0 0\n",
		"usr/sbin/fsck*: ", "usr/sbin/fsck.ext4*: ", "sbin: -> usr/sbin")
	hostBefore, _ := os.ReadDir("/run/systemd")
	g := RunGenerators(t, GeneratorInput{Root: root}, "systemd-fstab-generator")
	if g.Runs[0].ExitCode != 0 {
		t.Fatalf("exit %d:\n%s", g.Runs[0].ExitCode, g.Stderr())
	}
	if !strings.Contains(g.Stderr(), "Found container virtualization none") {
		t.Errorf("the generator finds a container; want none:\n%s", g.Stderr())
	}
	wantFile(t, g, "normal/var.mount", "Unit/Requires=systemd-fsck@dev-sda2.service", "Unit/After=systemd-fsck@dev-sda2.service", "Unit/Before=local-fs.target", "Mount/What=/dev/sda2")
	wantFile(t, g, `normal/dev-disk-by\x2duuid-2222\x2dbbbb.swap`, "Swap/What=/dev/disk/by-uuid/2222-bbbb")
	wantLink(t, g, "normal/local-fs.target.wants/systemd-remount-fs.service", "/lib/systemd/system/systemd-remount-fs.service")
	wantLink(t, g, "normal/local-fs.target.wants/systemd-fsck-root.service", "/lib/systemd/system/systemd-fsck-root.service")
	wantLink(t, g, `normal/swap.target.requires/dev-disk-by\x2duuid-2222\x2dbbbb.swap`, `../dev-disk-by\x2duuid-2222\x2dbbbb.swap`)
	wantLink(t, g, "normal/local-fs.target.requires/tmp.mount", "../tmp.mount")

	// fsck.TYPE is looked for in the root, not on the host.
	root2 := writeGenRoot(t, "etc/fstab: /dev/sda2 /var ext4 defaults 0 2\n")
	g2 := RunGenerators(t, GeneratorInput{Root: root2}, "systemd-fstab-generator")
	wantFile(t, g2, "normal/var.mount", "Mount/What=/dev/sda2")
	if u := g2.Files["normal/var.mount"]; u != nil {
		for _, l := range u.Lines {
			if strings.Contains(l.Value, "fsck") {
				t.Errorf("var.mount has %s=%s, but the root has no fsck", l.Key, l.Value)
			}
		}
	}
	// SYSTEMD_FSTAB and the kernel command line.
	g3 := RunGenerators(t, GeneratorInput{Root: root2, Fstab: "/dev/sdb1 /srv xfs nofail 0 0\n", Cmdline: "systemd.volatile=state"}, "systemd-fstab-generator")
	wantFile(t, g3, "normal/srv.mount", "Mount/What=/dev/sdb1")
	wantFile(t, g3, "late/var.mount", "Mount/What=tmpfs")
	if _, ok := g3.Files["normal/var.mount"]; ok {
		t.Errorf("SYSTEMD_FSTAB is not read instead of the root's fstab")
	}

	hostAfter, _ := os.ReadDir("/run/systemd")
	if len(hostAfter) != len(hostBefore) {
		t.Errorf("the host's /run/systemd changed: %d entries before, %d after", len(hostBefore), len(hostAfter))
	}
}

func TestRunSmallGenerators(t *testing.T) {
	needOracle(t)
	root := writeGenRoot(t, "etc/rc.local*: #!/bin/sh\nexit 0\n", "system-update: -> /var/lib/system-update",
		"etc/crypttab: cryptdata UUID=1234-abcd none luks\n")
	g := RunGenerators(t, GeneratorInput{
		Root:     root,
		Cmdline:  "console=ttyS0,115200 systemd.mask=foo.service systemd.wants=bar.service systemd.debug_shell 3",
		Consoles: []string{"ttyS0", "tty0"},
	}, "systemd-rc-local-generator", "systemd-system-update-generator", "systemd-getty-generator",
		"systemd-debug-generator", "systemd-cryptsetup-generator")
	for _, r := range g.Runs {
		if r.ExitCode != 0 {
			t.Errorf("%s exited %d:\n%s", r.Name, r.ExitCode, r.Stderr)
		}
	}
	wantLink(t, g, "normal/multi-user.target.wants/rc-local.service", "/lib/systemd/system/rc-local.service")
	wantLink(t, g, "early/default.target", "/lib/systemd/system/system-update.target")
	wantLink(t, g, "normal/getty.target.wants/serial-getty@ttyS0.service", "/lib/systemd/system/serial-getty@.service")
	wantLink(t, g, "early/foo.service", "/dev/null")
	wantLink(t, g, "early/multi-user.target.wants/bar.service", "/lib/systemd/system/bar.service")
	wantLink(t, g, "early/multi-user.target.wants/debug-shell.service", "/lib/systemd/system/debug-shell.service")
	wantFile(t, g, "normal/systemd-cryptsetup@cryptdata.service", `Unit/BindsTo=dev-disk-by\x2duuid-1234\x2dabcd.device`, "Unit/Before=cryptsetup.target")
	wantLink(t, g, "normal/cryptsetup.target.requires/systemd-cryptsetup@cryptdata.service", "../systemd-cryptsetup@cryptdata.service")
	if len(keys(g.Links))+len(keys(g.Files)) > 20 {
		t.Errorf("more was written than asked for: %v %v", keys(g.Files), keys(g.Links))
	}
}

// hostUnitRoot is a root whose unit directory is the host's own
// (/usr/lib/systemd/system), with etc/systemd/system from files.
func hostUnitRoot(t *testing.T, files ...string) string {
	t.Helper()
	root := writeGenRoot(t, append(files, "usr/lib/systemd/system: -> /usr/lib/systemd/system", "lib: -> usr/lib")...)
	if err := os.MkdirAll(filepath.Join(root, "etc", "systemd", "system"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestSystemdTestWithGenerated(t *testing.T) {
	needOracle(t)
	if _, err := os.Stat("/usr/lib/systemd/system/multi-user.target"); err != nil {
		Unavailable(t, "no systemd units on this machine: %v", err)
	}
	root := hostUnitRoot(t, "etc/fstab: /dev/sda2 /var ext4 defaults 0 2\n/dev/sda3 /var/log ext4 defaults 0 2\n", "usr/sbin/fsck*: ", "usr/sbin/fsck.ext4*: ")
	g := RunGenerators(t, GeneratorInput{Root: root}, "systemd-fstab-generator")
	res := RunSystemdTestWith(t, root, "multi-user.target", SystemdTestOptions{Early: []string{g.Early()}, Normal: []string{g.Normal()}, Late: []string{g.Late()}})
	for _, u := range []string{"var.mount", "var-log.mount", "systemd-fsck@dev-sda2.service", "dev-sda2.device", "systemd-remount-fs.service"} {
		if !slices.Contains(res.Units, u) {
			t.Errorf("%s is not in the transaction", u)
		}
	}
	for _, after := range [][2]string{{"var.mount", "systemd-fsck@dev-sda2.service"}, {"var-log.mount", "var.mount"}, {"var.mount", "dev-sda2.device"}} {
		if !slices.Contains(res.After[after[0]], after[1]) {
			t.Errorf("%s is not after %s: %v", after[0], after[1], res.After[after[0]])
		}
	}
}

// TestReleasesRequiresMissing: the machine's systemd 252 starts a unit
// that Requires= a unit that does not exist, and the releases the oracle
// fetches (254 from Debian 12's backports, 257 from Debian 13) do not.
func TestReleasesRequiresMissing(t *testing.T) {
	needOracle(t)
	if _, err := os.Stat("/usr/lib/systemd/system/multi-user.target"); err != nil {
		Unavailable(t, "no systemd units on this machine: %v", err)
	}
	root := hostUnitRoot(t, `etc/systemd/system/x.service: [Unit]\nRequires=gone.service\n[Service]\nExecStart=/bin/true\n`,
		"etc/systemd/system/multi-user.target.wants/x.service: -> ../x.service")
	res252 := RunSystemdTest(t, root, "multi-user.target")
	if !slices.Contains(res252.Units, "x.service") {
		t.Errorf("systemd 252 does not start x.service, which Requires= a unit that does not exist")
	}
	for _, release := range []func(testing.TB) *SystemdRelease{Systemd254, Systemd257} {
		r := release(t)
		res := RunSystemdTestWith(t, root, "multi-user.target", SystemdTestOptions{Release: r})
		t.Logf("252: %d units, %d: %d units", len(res252.Units), r.Version, len(res.Units))
		if slices.Contains(res.Units, "x.service") {
			t.Errorf("systemd %d starts x.service, which Requires= a unit that does not exist", r.Version)
		}
		if !slices.Contains(res.Units, "multi-user.target") || len(res.Units) < 50 {
			t.Errorf("systemd %d's transaction has %d units: %v\n%s", r.Version, len(res.Units), res.Units, lastLines(res.Stderr, 10))
		}
	}
}
