package upstart

import (
	"testing"

	"github.com/initorder/initorder/internal/roottest"
)

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
		for _, scripts := range []bool{false, true} {
			up, err := Read(fsys, Options{SysV: scripts, Events: []string{"static-network-up"}})
			if err != nil {
				continue
			}
			roottest.CheckBoot(t, fsys, up.Graph, up.Findings, nil)
		}
	})
}
