package systemd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

func readBoot(t *testing.T, archive string, opt Options) *Boot {
	t.Helper()
	root := t.TempDir()
	ar := txtar.Parse([]byte(archive))
	roottest.Write(t, root, ar)
	for _, f := range ar.Files {
		if strings.Contains(f.Name, "system-generators/") && !strings.Contains(f.Name, "zfs") || f.Name == "etc/rc.local" {
			os.Chmod(filepath.Join(root, f.Name), 0o755)
		}
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	b, err := Read(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const genBase = `-- lib/systemd/system/multi-user.target --
[Unit]
Requires=basic.target
-- lib/systemd/system/basic.target --
[Unit]
Requires=sysinit.target
-- lib/systemd/system/sysinit.target --
[Unit]
Wants=local-fs.target swap.target
-- lib/systemd/system/local-fs.target --
[Unit]
-- lib/systemd/system/swap.target --
[Unit]
-- lib/systemd/system/remote-fs.target --
[Unit]
-- lib/systemd/system/rescue.target --
[Unit]
-- lib/systemd/system/systemd-remount-fs.service --
[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/true
`

func started(b *Boot, name string) bool {
	i, ok := b.Graph.Lookup(name)
	return ok && b.Graph.Services[i].Started()
}

func TestGeneratorsInTheBoot(t *testing.T) {
	b := readBoot(t, genBase+`-- etc/fstab --
/dev/sda2 /var ext4 defaults 0 2
/dev/sda3 /var/log ext4 nofail 0 0
-- usr/lib/systemd/system-generators/postgresql-generator --
#!/bin/sh
-- lib/systemd/system-generators/zfs-mount-generator --
`, Options{Target: "multi-user.target"})
	for _, u := range []string{"var.mount", "var-log.mount", "systemd-remount-fs.service", "dev-sda2.device"} {
		if !started(b, u) {
			t.Errorf("%s does not start", u)
		}
	}
	i, _ := b.Graph.Lookup("var.mount")
	if s := b.Graph.Services[i].Source; s.File != "etc/fstab" || s.Line != 1 {
		t.Errorf("var.mount comes from %v, want etc/fstab:1", s)
	}
	var notEmulated []string
	for _, f := range b.Findings {
		if f.Kind == graph.KindNotEmulated {
			notEmulated = append(notEmulated, f.Services[0])
		}
	}
	// zfs-mount-generator is not executable: the manager does not run it.
	if !slices.Equal(notEmulated, []string{"postgresql-generator"}) {
		t.Errorf("not-emulated findings for %v, want postgresql-generator", notEmulated)
	}
}

// TestBlockdevOrderSaysNothing: systemd-fstab-generator orders every mount
// and swap of a /dev/ path after its blockdev@ target, which only the
// units that make the device (cryptsetup) pull in. That order is the
// generator's, on every fstab line of a real machine, and has effect
// where it may: no no-effect-order about it (on a Debian 12 fstab, one
// info a line). A unit file's own After=blockdev@ is still said.
func TestBlockdevOrderSaysNothing(t *testing.T) {
	b := readBoot(t, genBase+`-- etc/fstab --
UUID=0a3407de-014b-458b-b5c1-848e92a327a3 / ext4 errors=remount-ro 0 1
/dev/sda2 /var ext4 defaults 0 2
/dev/sda3 none swap sw 0 0
-- lib/systemd/system/own.service --
[Unit]
After=blockdev@dev-sdb.target
[Service]
ExecStart=/bin/true
-- symlinks --
lib/systemd/system/multi-user.target.wants/own.service -> ../own.service
`, Options{Target: "multi-user.target"})
	var about []string
	for _, f := range b.Findings {
		if f.Kind == graph.KindNoEffectOrder && strings.HasPrefix(f.Services[1], "blockdev@") {
			about = append(about, f.Services[0])
		}
	}
	if !slices.Equal(about, []string{"own.service"}) {
		t.Errorf("no-effect-order on a blockdev@ target for %v, want own.service only", about)
	}
}

func TestLiveGeneratorOutput(t *testing.T) {
	// A live machine's run/systemd/generator is read; fstab is not
	// emulated again.
	b := readBoot(t, genBase+`-- etc/fstab --
/dev/sda2 /var ext4 defaults 0 2
-- run/systemd/generator/srv.mount --
[Mount]
What=/dev/sdb1
Where=/srv
-- symlinks --
run/systemd/generator/local-fs.target.requires/srv.mount -> ../srv.mount
`, Options{Target: "multi-user.target"})
	if !started(b, "srv.mount") {
		t.Errorf("the live generator output is not read")
	}
	if _, ok := b.Graph.Lookup("var.mount"); ok {
		t.Errorf("fstab is emulated beside a live generator output")
	}
}

func TestKernelCmdline(t *testing.T) {
	base := genBase + `-- lib/systemd/system/cron.service --
[Service]
ExecStart=/bin/true
-- lib/systemd/system/ssh.service --
[Service]
ExecStart=/bin/true
-- lib/systemd/system/debug-shell.service --
[Unit]
DefaultDependencies=no
[Service]
ExecStart=/bin/sh
-- lib/systemd/system/serial-getty@.service --
[Service]
ExecStart=/sbin/agetty
-- lib/systemd/system/getty.target --
[Unit]
-- lib/systemd/system/emergency.target --
[Unit]
-- symlinks --
lib/systemd/system/multi-user.target.wants/cron.service -> ../cron.service
lib/systemd/system/multi-user.target.wants/getty.target -> ../getty.target
lib/systemd/system/default.target -> multi-user.target
`
	words := parse.SplitKernelCmdline(`quiet systemd.mask=cron.service "systemd.wants=ssh.service" systemd.debug_shell console=ttyS0,115200n8 console=tty0`)
	b := readBoot(t, base, Options{KernelCmdline: words})
	if started(b, "cron.service") {
		t.Errorf("systemd.mask=cron.service: cron.service starts")
	}
	for _, u := range []string{"ssh.service", "debug-shell.service", "serial-getty@ttyS0.service"} {
		if !started(b, u) {
			t.Errorf("%s does not start", u)
		}
	}
	if _, ok := b.Graph.Lookup("serial-getty@tty0.service"); ok {
		t.Errorf("a getty on the virtual console tty0")
	}
	for word, target := range map[string]string{"single": "rescue.target", "emergency": "emergency.target", "systemd.unit=rescue.target": "rescue.target", "3": "multi-user.target"} {
		b := readBoot(t, base, Options{KernelCmdline: []string{word}})
		if b.Target != target {
			t.Errorf("--kernel-cmdline %s boots %s, want %s", word, b.Target, target)
		}
	}
}

func TestSplitKernelCmdline(t *testing.T) {
	got := parse.SplitKernelCmdline(`a  "b c" d='e f' g\ h`, "i")
	want := []string{"a", "b c", "d=e f", `g\`, "h", "i"}
	if !slices.Equal(got, want) {
		t.Errorf("SplitKernelCmdline = %q, want %q", got, want)
	}
	if lv := parse.KernelRunlevel([]string{"quiet", "single"}); lv != "S" {
		t.Errorf("KernelRunlevel(single) = %q, want S", lv)
	}
	if lv := parse.KernelRunlevel([]string{"3", "5"}); lv != "5" {
		t.Errorf("KernelRunlevel(3 5) = %q, want 5", lv)
	}
}

func TestDetectVersion(t *testing.T) {
	for _, tc := range []struct {
		files string
		want  int
	}{
		{"-- usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so --\n", 252},
		{"-- usr/lib/systemd/libsystemd-shared-256.so --\n", 256},
		{"-- var/lib/dpkg/status --\nPackage: udev\nStatus: install ok installed\nVersion: 1\n\nPackage: systemd\nStatus: install ok installed\nVersion: 257.9-1~deb13u1\n", 257},
		{"-- etc/hostname --\n", defaultVersion},
	} {
		b := readBoot(t, genBase+tc.files, Options{Target: "multi-user.target"})
		if b.Version != tc.want {
			t.Errorf("version of %q = %d, want %d", tc.files, b.Version, tc.want)
		}
	}
}

func TestRequiresMissingRule(t *testing.T) {
	root := genBase + `-- lib/systemd/system/x.service --
[Unit]
Requires=gone.service
[Service]
ExecStart=/bin/true
-- symlinks --
lib/systemd/system/multi-user.target.wants/x.service -> ../x.service
`
	for version, starts := range map[string]bool{"252": true, "257": false} {
		b := readBoot(t, root+"-- usr/lib/systemd/libsystemd-shared-"+version+".so --\n", Options{Target: "multi-user.target"})
		if started(b, "x.service") != starts {
			t.Errorf("systemd %s: x.service starts %v, want %v", version, !starts, starts)
		}
		n := 0
		for _, f := range b.Findings {
			if f.Kind == graph.KindMissingDependency && f.Services[0] == "x.service" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("systemd %s: %d missing-dependency findings for x.service, want 1", version, n)
		}
	}
}

// TestRequiresMissingWants: the manager adds a unit's Wants= only after
// its Requires= (transaction_add_job_and_dependencies, systemd 252), and
// gives up on the rest when one of those cannot be added: what the unit
// wants is not pulled in by it. A Debian 12 minbase with systemd and no
// dbus: systemd-logind (BusName=, so Requires=dbus.socket) gets its job,
// and modprobe@drm.service and user.slice, which only it wants, none.
func TestRequiresMissingWants(t *testing.T) {
	root := genBase + `-- lib/systemd/system/x.service --
[Unit]
Wants=w.service
[Service]
BusName=org.example.X
ExecStart=/bin/true
-- lib/systemd/system/w.service --
[Service]
ExecStart=/bin/true
-- lib/systemd/system/y.service --
[Unit]
Wants=v.service
[Service]
ExecStart=/bin/true
-- lib/systemd/system/v.service --
[Service]
ExecStart=/bin/true
-- symlinks --
lib/systemd/system/multi-user.target.wants/x.service -> ../x.service
lib/systemd/system/multi-user.target.wants/y.service -> ../y.service
`
	for version, starts := range map[string]bool{"252": true, "257": false} {
		b := readBoot(t, root+"-- usr/lib/systemd/libsystemd-shared-"+version+".so --\n", Options{Target: "multi-user.target"})
		if started(b, "x.service") != starts {
			t.Errorf("systemd %s: x.service starts %v, want %v", version, !starts, starts)
		}
		if !started(b, "v.service") {
			t.Errorf("systemd %s: v.service, which y.service wants, does not start", version)
		}
		if _, ok := b.Graph.Lookup("w.service"); ok {
			t.Errorf("systemd %s: w.service, which only x.service (Requires=dbus.socket, not found) wants, is in the transaction", version)
		}
	}
	// Where nothing fails, what a unit wants and requires is pulled in.
	b := readBoot(t, root+"-- lib/systemd/system/dbus.socket --\n[Socket]\nListenStream=/run/dbus/system_bus_socket\n", Options{Target: "multi-user.target"})
	for _, name := range []string{"x.service", "w.service"} {
		if !started(b, name) {
			t.Errorf("with dbus.socket: %s does not start", name)
		}
	}
}

// TestBusNameWithoutSocket: a Requires= the manager adds of its own
// accord is said with what adds it, at its line: BusName= (so Type=dbus)
// needs dbus.socket, and a user who looks for "Requires=dbus.socket" in
// the unit finds no such line.
func TestBusNameWithoutSocket(t *testing.T) {
	root := genBase + `-- lib/systemd/system/x.service --
[Unit]
Description=x
[Service]
BusName=org.example.X
ExecStart=/bin/true
-- lib/systemd/system/t.service --
[Service]
Type=dbus
BusName=org.example.T
ExecStart=/bin/true
-- symlinks --
lib/systemd/system/multi-user.target.wants/x.service -> ../x.service
lib/systemd/system/multi-user.target.wants/t.service -> ../t.service
`
	for _, version := range []string{"252", "257"} {
		b := readBoot(t, root+"-- usr/lib/systemd/libsystemd-shared-"+version+".so --\n", Options{Target: "multi-user.target"})
		for _, tc := range []struct {
			unit, says string
			line       int
		}{{"x.service", "BusName=", 4}, {"t.service", "Type=dbus", 2}} {
			n := 0
			for _, f := range b.Findings {
				if f.Kind != graph.KindMissingDependency || f.Services[0] != tc.unit {
					continue
				}
				n++
				if !strings.Contains(f.Message, tc.says) || len(f.Sources) == 0 || f.Sources[0].Line != tc.line {
					t.Errorf("systemd %s: %v: want %s named, at line %d", version, f, tc.says, tc.line)
				}
			}
			if n != 1 {
				t.Errorf("systemd %s: %d missing-dependency findings for %s, want 1", version, n, tc.unit)
			}
		}
	}
}

func TestConflictsWording(t *testing.T) {
	root := genBase + `-- lib/systemd/system/a.service --
[Unit]
Conflicts=b.service
[Service]
ExecStart=/bin/true
-- lib/systemd/system/b.service --
[Unit]
Conflicts=a.service
[Service]
ExecStart=/bin/true
-- lib/systemd/system/c.service --
[Unit]
Conflicts=d.service
[Service]
ExecStart=/bin/true
-- lib/systemd/system/d.service --
[Service]
ExecStart=/bin/true
-- symlinks --
lib/systemd/system/multi-user.target.wants/a.service -> ../a.service
lib/systemd/system/multi-user.target.wants/b.service -> ../b.service
lib/systemd/system/multi-user.target.wants/c.service -> ../c.service
lib/systemd/system/multi-user.target.wants/d.service -> ../d.service
`
	b := readBoot(t, root, Options{Target: "multi-user.target"})
	var mutual, oneWay []graph.Finding
	for _, f := range b.Findings {
		if f.Kind != graph.KindOrderConflict {
			continue
		}
		if slices.Contains(f.Services, "a.service") {
			mutual = append(mutual, f)
		} else {
			oneWay = append(oneWay, f)
		}
	}
	if len(mutual) != 1 || mutual[0].Severity != graph.Warning || !strings.Contains(mutual[0].Message, "varies from boot to boot") {
		t.Errorf("a and b conflict with each other: %v, want one warning that the dropped one varies", mutual)
	}
	if len(oneWay) != 1 || oneWay[0].Severity != graph.Info || !strings.Contains(oneWay[0].Message, "drops the start job of d.service") || started(b, "d.service") {
		t.Errorf("c Conflicts=d: %v, want d.service dropped, always", oneWay)
	}
}

func TestLuksWords(t *testing.T) {
	k := parseKernelArgs(parse.SplitKernelCmdline("luks.uuid=luks-1234-abcd luks.name=aaaa=data luks.name=zz=bad luks.options=discard " +
		"luks.options=1234-abcd=noauto luks.key=/k luks.key=0123456789abcdef0123456789abcdef=/k2:LABEL=X luks.key=123=/nope " +
		"luks.uuid rd.luks.uuid=7777"))
	l := k.luksVolumes
	if !l.allowList || l.options != "discard" || l.keyFile != "/k" {
		t.Errorf("allow list %v, default options %q, key %q", l.allowList, l.options, l.keyFile)
	}
	var got []string
	for _, v := range l.list {
		got = append(got, fmt.Sprintf("%s name=%q opts=%q key=%q dev=%q create=%v", v.uuid, v.name, v.options, v.keyFile, v.keyDev, v.create))
	}
	want := []string{
		`1234-abcd name="" opts="noauto" key="" dev="" create=true`,
		`aaaa name="data" opts="" key="" dev="" create=true`,
		`0123456789abcdef0123456789abcdef name="" opts="" key="/k2" dev="/dev/disk/by-label/X" create=false`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("volumes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range []struct {
		s  string
		ok bool
	}{{"0123456789abcdef0123456789abcdef", true}, {"01234567-89ab-cdef-0123-456789abcdef", true}, {"0123456789abcdef0123456789abcdeg", false}, {"01234567-89ab-cdef-0123_456789abcdef", false}, {"1234", false}} {
		if id128Valid(c.s) != c.ok {
			t.Errorf("id128Valid(%q) = %v", c.s, !c.ok)
		}
	}
	for _, c := range []struct{ name, device, uuid string }{
		{"data", "UUID=12-ab", "12-ab"}, {"data", "/dev/disk/by-uuid/12-ab", "12-ab"}, {"luks-12-ab", "/dev/sda", "12-ab"}, {"data", "/dev/sda", ""},
	} {
		if got := crypttabUUID(c.name, c.device); got != c.uuid {
			t.Errorf("crypttabUUID(%q, %q) = %q, want %q", c.name, c.device, got, c.uuid)
		}
	}
}
