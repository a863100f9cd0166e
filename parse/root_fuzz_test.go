package parse

import (
	"bytes"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/roottest"
)

// FuzzSystemdRoot reads a fuzzed root as a systemd root, with and without
// its init.d scripts: the unit loader (search path, aliases, drop-ins,
// templates, .wants links, masks, specifiers), fstab and the transaction.
func FuzzSystemdRoot(f *testing.F) {
	roottest.AddSeeds(f, "testdata/systemd/*.txtar")
	f.Add("lib/systemd/system/a.service: [Unit]\\nRequires=b.service\\nAfter=b.service\netc/systemd/system/default.target -> /lib/systemd/system/multi-user.target\n" +
		"lib/systemd/system/multi-user.target: [Unit]\\nWants=a.service c@%i.service\netc/systemd/system/b.service -> /dev/null\n")
	f.Add("etc/fstab: /dev/sda1 / ext4 defaults 0 1\\nserver:/x /srv/x nfs _netdev 0 0\\n/dev/sdb none swap sw 0 0\nlib/systemd/system/x.service: [Unit]\\nRequiresMountsFor=/srv/x/y\\n\nlib/systemd/system/default.target: [Unit]\\nWants=x.service local-fs.target remote-fs.target swap.target\n")
	f.Add("etc/init.d/foo: ### BEGIN INIT INFO\\n# Provides: foo bar\\n# Required-Start: $network $remote_fs\\n# Default-Start: 2 3 4 5\\n### END INIT INFO\netc/rc2.d/S01foo -> ../init.d/foo\nlib/systemd/system/multi-user.target: [Unit]\\nDescription=x\n")
	f.Add("lib/systemd/system/a.service -> a.service\nlib/systemd/system/b.service -> ../../../lib/systemd/system/c.service\nlib/systemd/system/c.service -> /lib/systemd/system/b.service\nlib/systemd/system -> /lib/systemd/system\n")
	f.Fuzz(func(t *testing.T, spec string) {
		fsys := roottest.Open(t, spec)
		for _, sysv := range []bool{false, true} {
			sd, err := ReadSystemd(fsys, SystemdOptions{SysV: sysv})
			if err != nil {
				continue
			}
			roottest.CheckBoot(t, fsys, sd.Graph, sd.Findings, readLineCount)
		}
	})
}

// FuzzUpstartRoot reads a fuzzed root as an upstart root, with the SysV
// bridge: jobs in subdirectories, overrides, events and emitters, the rc
// jobs running rcN.d.
func FuzzUpstartRoot(f *testing.F) {
	f.Add("etc/init/a.conf: start on started b or runlevel [2345]\\nemits x\netc/init/b.conf: start on x and (startup or filesystem)\\ntask\netc/init/b.override: manual\n")
	f.Add("etc/init/rc-sysinit.conf: start on filesystem\\nenv DEFAULT_RUNLEVEL=3\\nexec telinit \"${DEFAULT_RUNLEVEL}\"\netc/init/mountall.conf: start on startup\netc/init/rc.conf: start on runlevel [0123456]\\nexec /etc/init.d/rc $RUNLEVEL\n" +
		"etc/init.d/foo: ### BEGIN INIT INFO\\n# Provides: foo\\n### END INIT INFO\netc/rc3.d/S01foo -> ../init.d/foo\netc/init.d/up -> /lib/init/upstart-job\n")
	f.Add("etc/init/net/a.conf: start on starting net/b\netc/init/net/b.conf: start on stopped net/a RESULT=ok\netc/init -> /etc/init/net\n")
	f.Add("etc/inittab: id:5:initdefault:\netc/init/x.conf: start on runlevel [5] and net-device-up IFACE!=lo\\npost-start script\\n  initctl emit --no-wait y\\nend script\netc/init/y.conf: start on y\n")
	f.Fuzz(func(t *testing.T, spec string) {
		fsys := roottest.Open(t, spec)
		for _, sysv := range []bool{false, true} {
			up, err := ReadUpstart(fsys, UpstartOptions{SysV: sysv, Events: []string{"static-network-up"}})
			if err != nil {
				continue
			}
			roottest.CheckBoot(t, fsys, up.Graph, up.Findings, nil)
		}
	})
}

// FuzzFstab reads any bytes as etc/fstab. Nothing may panic or change the
// input, every position must be a line of it, and every entry must be
// named by a valid mount or swap unit name (systemd-fstab-generator
// skips a line it cannot name).
func FuzzFstab(f *testing.F) {
	f.Add([]byte("# /etc/fstab\nUUID=1234 / ext4 errors=remount-ro 0 1\n/dev/sda2 none swap sw 0 0\nserver:/srv /srv nfs4 _netdev,nofail 0 0\n/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0\n"))
	f.Add([]byte("tmpfs /tmp tmpfs\n/x\n\t/dev/a /mnt/a\\x20b ext4\r\nproc /proc proc defaults\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		entries, errs := parseFstab(data)
		if !bytes.Equal(data, orig) {
			t.Fatalf("parseFstab modified its input")
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range errs {
			if e.Pos.File != "etc/fstab" || e.Pos.Line < 1 || e.Pos.Line > lines {
				t.Fatalf("%v: outside the input (%d lines)", e, lines)
			}
		}
		for _, e := range entries {
			if e.pos.Line < 1 || e.pos.Line > lines {
				t.Fatalf("entry %v at %v: outside the input (%d lines)", e, e.pos, lines)
			}
			if !validUnitName(e.unit, namePlain) || (!strings.HasSuffix(e.unit, ".mount") && !strings.HasSuffix(e.unit, ".swap")) {
				t.Fatalf("entry %q at %v: %q is not a mount or swap unit name", e.where, e.pos, e.unit)
			}
		}
	})
}

// FuzzInittab reads any bytes as etc/inittab: the default runlevel is a
// runlevel or nothing.
func FuzzInittab(f *testing.F) {
	f.Add([]byte("# inittab\nid:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\n"))
	f.Add([]byte("id:S:initdefault:\r\n  id:5:initdefault:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		got := inittabDefault(data)
		if !bytes.Equal(data, orig) {
			t.Fatalf("inittabDefault modified its input")
		}
		if got != "" && (len(got) != 1 || !strings.Contains("0123456Ss", got)) {
			t.Fatalf("inittabDefault = %q, not a runlevel", got)
		}
	})
}
