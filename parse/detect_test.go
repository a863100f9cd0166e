package parse

import (
	"testing"

	"github.com/initorder/initorder/internal/roottest"
)

// TestDetect runs each of Detect's rules, the first that holds winning.
// Roots are roottest specs: "PATH: TEXT" a file, "PATH -> TARGET" a
// symlink, one a line.
func TestDetect(t *testing.T) {
	tests := []struct {
		name, root string
		want       Detection
	}{
		{"systemd", "lib/systemd/systemd: elf\nsbin/init -> /lib/systemd/systemd\netc/init.d/x: #!/bin/sh\netc/init/rc-sysinit.conf: task",
			Detection{Init: "systemd", Evidence: "sbin/init leads to lib/systemd/systemd", Scripts: true}},
		{"upstart itself", "sbin/init: elf\nsbin/initctl: elf\netc/init.d/x: #!/bin/sh",
			Detection{Init: "upstart", Evidence: "sbin/initctl", Scripts: true}},
		{"upstart through a link", "sbin/init -> upstart\nsbin/upstart: elf",
			Detection{Init: "upstart", Evidence: "sbin/init leads to sbin/upstart"}},
		{"upstart's rc-sysinit", "etc/init/rc-sysinit.conf: task\netc/rc2.d/S01x -> ../init.d/x",
			Detection{Init: "upstart", Evidence: "no sbin/init; etc/init/rc-sysinit.conf", Guess: true}},
		{"sysvinit", "sbin/init: elf\netc/init/tftpd-hpa.conf: start on runlevel [2345]",
			Detection{Init: "sysv", Evidence: "sbin/init, which is not systemd or upstart"}},
		{"sysvinit through a link", "sbin/init -> /lib/sysvinit/init\nlib/sysvinit/init: elf",
			Detection{Init: "sysv", Evidence: "sbin/init leads to lib/sysvinit/init, which is not systemd or upstart"}},
		{"usr/sbin/init", "usr/sbin/init -> ../lib/systemd/systemd\nusr/lib/systemd/systemd: elf",
			Detection{Init: "systemd", Evidence: "usr/sbin/init leads to usr/lib/systemd/systemd"}},
		// Without sbin/init, or with one whose binary the tree lacks.
		{"dangling systemd link", "sbin/init -> /lib/systemd/systemd\netc/init/x.conf: start on startup",
			Detection{Init: "systemd", Evidence: "sbin/init leads to lib/systemd/systemd, which the root does not have: its link says which init it is", Guess: true, Also: "etc/init has 1 job"}},
		{"dangling usr-merged link", "sbin -> usr/sbin\nlib -> usr/lib\nusr/sbin/init -> ../lib/systemd/systemd\nusr/lib/systemd/system/a.service: [Unit]\netc/init.d/x: #!/bin/sh",
			Detection{Init: "systemd", Evidence: "sbin/init leads to usr/lib/systemd/systemd, which the root does not have: its link says which init it is", Scripts: true, Guess: true, Also: "etc/init.d has 1 file"}},
		{"dangling other link", "sbin/init -> /bin/busybox\netc/inittab: ::sysinit:/etc/init.d/rcS",
			Detection{Init: "sysv", Evidence: "sbin/init leads to bin/busybox, which the root does not have; etc/inittab", Guess: true}},
		{"sysvinit /etc", "etc/inittab: id:2:initdefault:\netc/init.d/x: #!/bin/sh\netc/systemd/system/multi-user.target.wants/x.service -> /lib/systemd/system/x.service",
			Detection{Init: "sysv", Evidence: "no sbin/init; etc/inittab", Scripts: true, Guess: true}},
		{"systemd /etc", "etc/systemd/system/default.target -> /lib/systemd/system/graphical.target\netc/init.d/x: #!/bin/sh",
			Detection{Init: "systemd", Evidence: "no sbin/init; etc/systemd/system/default.target and no etc/inittab", Scripts: true, Guess: true, Also: "etc/init.d has 1 file"}},
		{"systemd /etc, .wants only", "etc/systemd/system/multi-user.target.wants/x.service -> /lib/systemd/system/x.service\netc/rc2.d/S01x -> ../init.d/x",
			Detection{Init: "systemd", Evidence: "no sbin/init; etc/systemd/system/multi-user.target.wants/x.service and no etc/inittab", Guess: true}},
		{"scripts", "etc/init.d/x: #!/bin/sh\netc/init/x.conf: start on startup\nlib/systemd/system/x.service: [Unit]",
			Detection{Init: "sysv", Evidence: "no sbin/init; etc/init.d", Scripts: true, Guess: true, Also: "lib/systemd/system has 1 entry, etc/init has 1 job"}},
		{"rc links", "etc/rc2.d/S01x -> ../init.d/x\nlib/systemd/system/x.service: [Unit]",
			Detection{Init: "sysv", Evidence: "no sbin/init; etc/rc2.d", Guess: true, Also: "lib/systemd/system has 1 entry"}},
		{"job set", "etc/init/x.conf: start on startup\nlib/systemd/system/x.service: [Unit]",
			Detection{Init: "upstart", Evidence: "no sbin/init; etc/init has jobs", Guess: true, Also: "lib/systemd/system has 1 entry"}},
		{"no jobs", "etc/init/README: not a job\nusr/lib/systemd/system/x.service: [Unit]",
			Detection{Init: "systemd", Evidence: "no sbin/init; usr/lib/systemd/system", Guess: true}},
		{"unit directories", "etc/systemd/system/x.service: [Unit]",
			Detection{Init: "systemd", Evidence: "no sbin/init; etc/systemd/system", Guess: true}},
		{"nothing", "etc/hostname: box",
			Detection{Init: "", Evidence: "no sbin/init, etc/init.d, etc/rc2.d, etc/init jobs or systemd unit directory", Guess: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(roottest.Open(t, tc.root)); got != tc.want {
				t.Errorf("Detect(%q) = %+v, want %+v", tc.root, got, tc.want)
			}
		})
	}
}
