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
			Detection{"systemd", "sbin/init leads to lib/systemd/systemd", true, nil}},
		{"upstart itself", "sbin/init: elf\nsbin/initctl: elf\netc/init.d/x: #!/bin/sh",
			Detection{"upstart", "sbin/initctl", true, nil}},
		{"upstart's rc-sysinit", "etc/init/rc-sysinit.conf: task\netc/rc2.d/S01x -> ../init.d/x",
			Detection{"upstart", "etc/init/rc-sysinit.conf", false, nil}},
		{"sysvinit", "sbin/init: elf\netc/init/tftpd-hpa.conf: start on runlevel [2345]",
			Detection{"sysv", "sbin/init, which is not systemd", false, nil}},
		{"sysvinit through a link", "sbin/init -> /lib/sysvinit/init\nlib/sysvinit/init: elf",
			Detection{"sysv", "sbin/init leads to lib/sysvinit/init, which is not systemd", false, nil}},
		{"scripts", "etc/init.d/x: #!/bin/sh\netc/init/x.conf: start on startup\nlib/systemd/system/x.service: [Unit]",
			Detection{"sysv", "etc/init.d", true, nil}},
		{"rc links", "etc/rc2.d/S01x -> ../init.d/x\nlib/systemd/system/x.service: [Unit]",
			Detection{"sysv", "etc/rc2.d", false, nil}},
		{"dangling systemd link", "sbin/init -> /lib/systemd/systemd\netc/init/x.conf: start on startup",
			Detection{"upstart", "etc/init has jobs", false, nil}},
		{"job set", "etc/init/x.conf: start on startup\nlib/systemd/system/x.service: [Unit]",
			Detection{"upstart", "etc/init has jobs", false, nil}},
		{"no jobs", "etc/init/README: not a job\nusr/lib/systemd/system/x.service: [Unit]",
			Detection{"systemd", "usr/lib/systemd/system", false, nil}},
		{"unit directories", "etc/systemd/system/x.service: [Unit]",
			Detection{"systemd", "etc/systemd/system", false, nil}},
		{"nothing", "etc/hostname: box",
			Detection{"", "no sbin/init, etc/init.d, etc/rc2.d, etc/init jobs or systemd unit directory", false, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detect(roottest.Open(t, tc.root)); got != tc.want {
				t.Errorf("Detect(%q) = %+v, want %+v", tc.root, got, tc.want)
			}
		})
	}
}
