package systemd

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// conditionRoot has a file, an empty file, an executable, a directory
// with a file and an empty one, under usr (settled by the root) and etc
// (not: the boot may write it).
const conditionRoot = `-- usr/lib/x/file --
x
-- usr/lib/x/empty --
-- usr/lib/x/dir/a --
a
-- usr/lib/x/hidden/.a --
a
-- etc/x/file --
x
-- symlinks --
usr/lib/x/link -> file
`

func TestSkippedBy(t *testing.T) {
	root := t.TempDir()
	roottest.Write(t, root, txtar.Parse([]byte(conditionRoot)))
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	for _, tc := range []struct {
		name  string
		conds string // [Unit] lines
		want  string // the condition that skips it, "" for none
	}{
		{"none", "", ""},
		{"exists", "ConditionPathExists=/usr/lib/x/file", ""},
		{"missing", "ConditionPathExists=/usr/lib/x/gone", "ConditionPathExists=/usr/lib/x/gone"},
		{"negated", "ConditionPathExists=!/usr/lib/x/file", "ConditionPathExists=!/usr/lib/x/file"},
		{"negated missing", "ConditionPathExists=!/usr/lib/x/gone", ""},
		{"etc is not settled", "ConditionPathExists=/etc/x/gone", ""},
		{"run is not settled", "ConditionPathExists=/run/gone", ""},
		{"relative", "ConditionPathExists=usr/lib/x/gone", ""},
		{"specifier", "ConditionPathExists=/usr/lib/%N", ""},
		{"other kinds are not settled", "ConditionVirtualization=!container", ""},
		{"triggers, one holds", "ConditionPathExists=|/usr/lib/x/gone\nConditionPathExists=|/usr/lib/x/file", ""},
		{"triggers, none holds", "ConditionPathExists=|/usr/lib/x/gone\nConditionPathExists=|/usr/lib/x/gone2", "ConditionPathExists=|/usr/lib/x/gone"},
		{"triggers, one unsettled", "ConditionPathExists=|/usr/lib/x/gone\nConditionPathExists=|/etc/x/gone", ""},
		{"trigger negated", "ConditionPathExists=|!/usr/lib/x/file", "ConditionPathExists=|!/usr/lib/x/file"},
		{"plain fails though a trigger holds", "ConditionPathExists=|/usr/lib/x/file\nConditionPathExists=/usr/lib/x/gone", "ConditionPathExists=/usr/lib/x/gone"},
		{"reset", "ConditionPathExists=/usr/lib/x/gone\nConditionVirtualization=\nConditionPathExists=/usr/lib/x/file", ""},
		{"directory", "ConditionPathIsDirectory=/usr/lib/x/file", "ConditionPathIsDirectory=/usr/lib/x/file"},
		{"symlink", "ConditionPathIsSymbolicLink=/usr/lib/x/link", ""},
		{"not a symlink", "ConditionPathIsSymbolicLink=/usr/lib/x/file", "ConditionPathIsSymbolicLink=/usr/lib/x/file"},
		{"not empty", "ConditionFileNotEmpty=/usr/lib/x/file", ""},
		{"empty", "ConditionFileNotEmpty=/usr/lib/x/empty", "ConditionFileNotEmpty=/usr/lib/x/empty"},
		{"not executable", "ConditionFileIsExecutable=/usr/lib/x/file", "ConditionFileIsExecutable=/usr/lib/x/file"},
		{"directory not empty", "ConditionDirectoryNotEmpty=/usr/lib/x/dir", ""},
		{"only hidden files", "ConditionDirectoryNotEmpty=/usr/lib/x/hidden", "ConditionDirectoryNotEmpty=/usr/lib/x/hidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &Unit{Name: "x.service"}
			for k, line := range strings.Split(tc.conds, "\n") {
				if name, value, ok := strings.Cut(line, "="); ok {
					u.Options = append(u.Options, Option{Section: "Unit", Name: name, Value: value, Pos: graph.Pos{File: "x.service", Line: k + 1}})
				}
			}
			c, ok := skippedBy(fsys, u)
			got := ""
			if ok {
				got = c.Name + "=" + c.Value
			}
			if got != tc.want {
				t.Errorf("skippedBy(%q) = %q, want %q", tc.conds, got, tc.want)
			}
		})
	}
}

// TestSkippedByAgreesWithSystemd compares skippedBy, on this machine's
// own root (read, never written), with systemd-analyze condition, which
// evaluates conditions on the running machine: where skippedBy settles a
// list, systemd must give the same verdict.
func TestSkippedByAgreesWithSystemd(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		oracle.Unavailable(t, "systemd-analyze: %v", err)
	}
	fsys, err := rootfs.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	for _, conds := range [][]string{
		{"ConditionPathExists=/usr/bin"},
		{"ConditionPathExists=/usr/bin/no-such-program"},
		{"ConditionPathExists=!/usr/bin/no-such-program"},
		{"ConditionPathExists=|/usr/bin/no-such-program", "ConditionPathExists=|/usr/lib/no-such-dir"},
		{"ConditionPathExists=|/usr/bin/no-such-program", "ConditionPathExists=|/usr/bin"},
		{"ConditionPathExists=|!/usr/bin", "ConditionPathIsDirectory=/usr/bin"},
		{"ConditionPathIsDirectory=/usr/bin/env"},
		{"ConditionFileIsExecutable=/usr/bin/env"},
		{"ConditionFileNotEmpty=/usr/bin/env"},
		{"ConditionDirectoryNotEmpty=/usr/bin"},
		{"ConditionPathIsSymbolicLink=/usr/bin/env"},
		{"ConditionPathExists=/usr/bin/no-such-program", "ConditionPathExists=|/usr/bin"},
	} {
		u := &Unit{Name: "x.service"}
		for _, c := range conds {
			name, value, _ := strings.Cut(c, "=")
			u.Options = append(u.Options, Option{Section: "Unit", Name: name, Value: value})
		}
		_, skipped := skippedBy(fsys, u)
		out, err := exec.Command(tool, append([]string{"condition"}, conds...)...).CombinedOutput()
		sdSkips := strings.Contains(string(out), "Conditions failed.")
		if err != nil && !sdSkips {
			t.Fatalf("systemd-analyze condition %q: %v\n%s", conds, err, out)
		}
		if skipped != sdSkips {
			t.Errorf("%q: skippedBy says skipped %v, systemd-analyze condition:\n%s", conds, skipped, out)
		}
	}
}

// TestRequiresMissingSkipped is Debian 12's systemd-logind on a root
// without dbus: BusName= requires dbus.socket, which is not there, but
// ConditionPathExists=|/lib/systemd/system/dbus.service skips logind, so
// nothing fails at boot: an info, not an error, and the unit's note says
// it is skipped. With dbus.service there, the error stays.
func TestRequiresMissingSkipped(t *testing.T) {
	root := genBase + `-- lib/systemd/system/systemd-logind.service --
[Unit]
Description=User Login Management
ConditionPathExists=|/lib/systemd/system/dbus.service
ConditionPathExists=|/lib/systemd/system/dbus-broker.service
[Service]
BusName=org.freedesktop.login1
ExecStart=/lib/systemd/systemd-logind
-- symlinks --
lib/systemd/system/multi-user.target.wants/systemd-logind.service -> ../systemd-logind.service
`
	for _, tc := range []struct {
		name, extra string
		sev         graph.Severity
	}{
		{"without dbus", "", graph.Info},
		{"with dbus.service but no socket", "-- lib/systemd/system/dbus.service --\n[Service]\nExecStart=/usr/bin/dbus-daemon\n", graph.Error},
	} {
		b := readBoot(t, root+tc.extra, Options{Target: "multi-user.target"})
		n := 0
		for _, f := range b.Findings {
			if f.Kind != graph.KindMissingDependency {
				continue
			}
			n++
			if f.Severity != tc.sev || tc.sev == graph.Info && !strings.Contains(f.Message, "ConditionPathExists=|/lib/systemd/system/dbus.service") {
				t.Errorf("%s: %v; want severity %v and, at info, the condition named", tc.name, f, tc.sev)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d missing-dependency findings, want 1", tc.name, n)
		}
		i, ok := b.Graph.Lookup("systemd-logind.service")
		if note := b.Graph.Services[i].Note; !ok || (tc.sev == graph.Info) != strings.Contains(note, "systemd skips it") {
			t.Errorf("%s: note %q", tc.name, note)
		}
	}
}
