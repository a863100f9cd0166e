package systemd

import (
	"bytes"
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
)

// FuzzSystemdRoot reads a fuzzed root as a systemd root, with and without
// its init.d scripts: the unit loader (search path, aliases, drop-ins,
// templates, .wants links, masks, specifiers), fstab and the transaction.
func FuzzSystemdRoot(f *testing.F) {
	roottest.AddSeeds(f, "testdata/units/*.txtar")
	f.Add("lib/systemd/system/a.service: [Unit]\\nRequires=b.service\\nAfter=b.service\netc/systemd/system/default.target -> /lib/systemd/system/multi-user.target\n" +
		"lib/systemd/system/multi-user.target: [Unit]\\nWants=a.service c@%i.service\netc/systemd/system/b.service -> /dev/null\n")
	f.Add("etc/fstab: /dev/sda1 / ext4 defaults 0 1\\nserver:/x /srv/x nfs _netdev 0 0\\n/dev/sdb none swap sw 0 0\nlib/systemd/system/x.service: [Unit]\\nRequiresMountsFor=/srv/x/y\\n\nlib/systemd/system/default.target: [Unit]\\nWants=x.service local-fs.target remote-fs.target swap.target\n")
	f.Add("etc/init.d/foo: ### BEGIN INIT INFO\\n# Provides: foo bar\\n# Required-Start: $network $remote_fs\\n# Default-Start: 2 3 4 5\\n### END INIT INFO\netc/rc2.d/S01foo -> ../init.d/foo\nlib/systemd/system/multi-user.target: [Unit]\\nDescription=x\n")
	f.Add("lib/systemd/system/a.service -> a.service\nlib/systemd/system/b.service -> ../../../lib/systemd/system/c.service\nlib/systemd/system/c.service -> /lib/systemd/system/b.service\nlib/systemd/system -> /lib/systemd/system\n")
	f.Fuzz(func(t *testing.T, spec string) {
		fsys := roottest.Open(t, spec)
		for _, sysv := range []bool{false, true} {
			sd, err := Read(fsys, Options{SysV: sysv})
			if err != nil {
				continue
			}
			roottest.CheckBoot(t, fsys, sd.Graph, sd.Findings, readLineCount)
		}
	})
}

// FuzzFstab reads any bytes as etc/fstab and emulates
// systemd-fstab-generator on it. Nothing may panic or change the input,
// every position must be a line of it, every file written must be in a
// generator directory under a valid unit name, and every unit file must
// read back without an error.
func FuzzFstab(f *testing.F) {
	f.Add([]byte("# /etc/fstab\nUUID=1234 / ext4 errors=remount-ro 0 1\n/dev/sda2 none swap sw 0 0\nserver:/srv /srv nfs4 _netdev,nofail 0 0\n/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0\n"))
	f.Add([]byte("tmpfs /tmp tmpfs\n/x\n\t/dev/a /mnt/a\\x20b ext4\r\nproc /proc proc defaults\n"))
	f.Add([]byte("/dev/sdc1 /auto ext4 x-systemd.automount,x-systemd.idle-timeout=5min,x-systemd.requires=/x,x-systemd.makefs,x-systemd.growfs,x-systemd.device-timeout=3 0 2\n"))
	fsys, err := rootfs.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer fsys.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		g := &genContext{fsys: fsys, args: parseKernelArgs(nil), out: newGenOutput()}
		g.out.gen = "systemd-fstab-generator"
		for _, e := range parseFstab(data, "etc/fstab") {
			fstabEntry(g, e)
		}
		if !bytes.Equal(data, orig) {
			t.Fatalf("parseFstab modified its input")
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, e := range g.out.errs {
			if e.Pos.File != "etc/fstab" || e.Pos.Line < 1 || e.Pos.Line > lines {
				t.Fatalf("%v: outside the input (%d lines)", e, lines)
			}
		}
		for p, pos := range g.out.origin {
			if pos.File != "etc/fstab" || pos.Line < 1 || pos.Line > lines {
				t.Fatalf("%s from %v: outside the input (%d lines)", p, pos, lines)
			}
			dir, name := path.Split(p)
			if !strings.HasPrefix(dir, "run/systemd/generator") {
				t.Fatalf("%s is written outside the generator directories", p)
			}
			if strings.HasSuffix(dir, ".d/") {
				continue
			}
			if !validUnitName(name, nameAny) {
				t.Fatalf("%s is not named as a unit", p)
			}
			if e := g.out.files[p]; e.Link == "" {
				// Bytes that are not UTF-8 are written by the
				// generator too, and refused by the manager's
				// parser as they are by ours.
				if uf, errs := parseUnitFile(e.Data, p); uf.Err != nil && utf8.Valid(e.Data) {
					t.Fatalf("%s does not read back: %v\n%s", p, errs, e.Data)
				}
			}
		}
	})
}
