package systemd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
)

// TestTemplateInstancesBounded: a template that pulls in two longer
// instances of itself would make 2^245 units before their names reach
// UNIT_NAME_MAX. At most maxInstances are loaded, a warning at the
// template says how many were not, and the rest of the boot is read.
func TestTemplateInstancesBounded(t *testing.T) {
	fsys := roottest.Open(t, strings.Join([]string{
		`lib/systemd/system/multi-user.target: [Unit]`,
		`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
		`lib/systemd/system/sysinit.target: [Unit]`, // the services' Requires=: found, or they pull in nothing
		`lib/systemd/system/t@.service: [Unit]\nWants=t@%ia.service t@%ib.service\n[Service]\nExecStart=/bin/true`,
		`etc/systemd/system/multi-user.target.wants/t@x.service -> /lib/systemd/system/t@.service`,
		`lib/systemd/system/ok.service: [Service]\nExecStart=/bin/true`,
		`etc/systemd/system/multi-user.target.wants/ok.service -> /lib/systemd/system/ok.service`,
	}, "\n"))
	b, err := Read(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for _, s := range b.Graph.Services {
		if strings.HasPrefix(s.Name, "t@") && !s.Missing {
			loaded++
		}
	}
	if loaded != maxInstances {
		t.Errorf("%d instances of t@.service loaded, want %d", loaded, maxInstances)
	}
	if i, ok := b.Graph.Lookup("ok.service"); !ok || !b.Graph.Services[i].Started() {
		t.Errorf("ok.service does not start")
	}
	found := false
	for _, f := range b.Findings {
		if f.Kind == graph.KindParseError && strings.Contains(f.Message, "instances of t@.service are not loaded") {
			found = true
			if f.Sources[0].File != "lib/systemd/system/t@.service" {
				t.Errorf("the warning is at %v, want the template", f.Sources[0])
			}
		}
	}
	if !found {
		t.Errorf("no finding says instances were not loaded")
	}
}

// TestRepeatedDependenciesMerged: systemd keeps each dependency once; a
// unit that repeats one, on many lines, in one line, or in a drop-in,
// has one edge and at most one finding of it.
func TestRepeatedDependenciesMerged(t *testing.T) {
	fsys := roottest.Open(t, strings.Join([]string{
		`lib/systemd/system/multi-user.target: [Unit]`,
		`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
		`lib/systemd/system/sysinit.target: [Unit]`, // the services' Requires=: found, or they pull in nothing
		`lib/systemd/system/big.service: [Unit]\n` + strings.Repeat(`After=a\nWants=b.service\n`, 1000) + `After=a a a\nAfter=a\n[Service]\nExecStart=/bin/true`,
		`lib/systemd/system/big.service.d/x.conf: [Unit]\nAfter=a\nWants=b.service b.service`,
		`lib/systemd/system/b.service: [Service]\nExecStart=/bin/true`,
		`etc/systemd/system/multi-user.target.wants/big.service -> /lib/systemd/system/big.service`,
	}, "\n"))
	b, err := Read(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	edges := map[graph.Kind]int{}
	for _, e := range b.Graph.Edges {
		if b.Graph.Services[e.From].Name == "big.service" && b.Graph.Services[e.To].Name == "b.service" {
			edges[e.Kind]++
		}
	}
	if edges[graph.Wants] != 1 {
		t.Errorf("%d Wants= edges from big.service to b.service, want 1", edges[graph.Wants])
	}
	n := 0
	for _, f := range b.Findings {
		if f.Kind == graph.KindNoEffectOrder && strings.Contains(f.Message, "After=a,") {
			n++
			if f.Sources[0].Line != 2 {
				t.Errorf("no-effect-order at %v, want line 2, the first", f.Sources[0])
			}
		}
	}
	if n != 1 {
		t.Errorf("%d no-effect-order findings of After=a, want 1", n)
	}
}

// TestFixOrderBarriers: fix_order's orders through barriers (past
// maxFixOrderPairs) give every script the wave the orders written into
// the units give it: scripts with and without LSB headers at several
// link numbers, two of them with headers at the same number, one with a
// header after one without, and one with a header at a number after
// only scripts with headers (it starts with them).
func TestFixOrderBarriers(t *testing.T) {
	lsb := func(name, req string) string {
		return `#!/bin/sh\n### BEGIN INIT INFO\n# Provides: ` + name + `\n# Required-Start: ` + req + `\n# Default-Start: 2 3 4 5\n### END INIT INFO\n`
	}
	spec := []string{
		`lib/systemd/system/multi-user.target: [Unit]`,
		`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
	}
	scripts := []struct {
		name string
		prio int
		text string
	}{
		{"a", 10, `#!/bin/sh`}, {"b", 10, lsb("b", "")}, {"c", 20, lsb("c", "")}, {"d", 20, `#!/bin/sh`},
		{"e", 30, lsb("e", "")}, {"f", 30, lsb("f", "c")}, {"g", 40, `#!/bin/sh`}, {"h", 50, lsb("h", "")},
		{"i", 50, `#!/bin/sh`}, {"j", 60, lsb("j", "")}, {"l", 70, lsb("l", "")},
	}
	for _, s := range scripts {
		spec = append(spec, fmt.Sprintf("etc/init.d/%s: %s", s.name, s.text), fmt.Sprintf("etc/rc2.d/S%02d%s -> ../init.d/%s", s.prio, s.name, s.name))
	}
	fsys := roottest.Open(t, strings.Join(spec, "\n"))
	waves := func() (map[string]int, int) {
		b, err := Read(fsys, Options{SysV: true})
		if err != nil {
			t.Fatal(err)
		}
		w := map[string]int{}
		for _, st := range graph.Order(b.Graph).Steps {
			w[b.Graph.Services[st.Service].Name] = st.Wave
		}
		return w, len(b.Graph.Edges)
	}
	written, writtenEdges := waves()
	defer func(n int) { maxFixOrderPairs = n }(maxFixOrderPairs)
	maxFixOrderPairs = 0
	barriers, barrierEdges := waves()
	if fmt.Sprint(written) != fmt.Sprint(barriers) {
		t.Errorf("waves with the orders written into the units:\n%v\nthrough barriers:\n%v", written, barriers)
	}
	if written["l.service"] != written["j.service"] {
		t.Errorf("l (LSB, S70) does not start with j (LSB, S60): %v", written)
	}
	t.Logf("%d edges written, %d through barriers: %v", writtenEdges, barrierEdges, barriers)
}

// TestSpecialUnitFiles: a FIFO where a unit file is cannot be read
// (systemd would block opening it): an error says so, and the unit is not
// loaded; a character device is a mask to systemd, and a warning says so.
func TestSpecialUnitFiles(t *testing.T) {
	dir := t.TempDir()
	roottest.WriteSpec(t, dir, strings.Join([]string{
		`lib/systemd/system/multi-user.target: [Unit]\nWants=fifo.service dev.service`,
		`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
	}, "\n"))
	if err := syscall.Mkfifo(filepath.Join(dir, "lib/systemd/system/fifo.service"), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := os.Geteuid() == 0
	if dev {
		if err := syscall.Mknod(filepath.Join(dir, "lib/systemd/system/dev.service"), syscall.S_IFCHR|0o644, 1<<8|3); err != nil {
			t.Fatal(err)
		}
	}
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	b, err := Read(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, f := range b.Findings {
		msgs = append(msgs, f.String())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "lib/systemd/system/fifo.service: error: parse-error: a FIFO, not a unit file") {
		t.Errorf("no error for the FIFO:\n%s", all)
	}
	if i, ok := b.Graph.Lookup("fifo.service"); !ok || b.Graph.Services[i].Started() {
		t.Errorf("fifo.service starts, or is not in the boot")
	}
	if dev {
		if !strings.Contains(all, "lib/systemd/system/dev.service: warning: parse-error: a character device: systemd takes it for a mask") {
			t.Errorf("no warning for the device:\n%s", all)
		}
		if i, ok := b.Graph.Lookup("dev.service"); !ok || !b.Graph.Services[i].Masked {
			t.Errorf("dev.service is not masked")
		}
	}
}

// TestLongNamesIgnored: a dependency on a name of UNIT_NAME_MAX (256)
// bytes or more is no dependency (systemd 252's unit_name_is_valid
// refuses it and config_parse_unit_deps goes on): a warning, once a
// line, quoting the name short; the unit starts. A name of 255 bytes is
// a name.
func TestLongNamesIgnored(t *testing.T) {
	long, ok := strings.Repeat("x", 300)+".service", strings.Repeat("y", 247)+".service"
	fsys := roottest.Open(t, strings.Join([]string{
		`lib/systemd/system/multi-user.target: [Unit]\nWants=a.service`,
		`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
		`lib/systemd/system/sysinit.target: [Unit]`, // the services' Requires=: found, or they pull in nothing
		`lib/systemd/system/a.service: [Unit]\nRequires=` + long + `\nWants=` + ok + `\n[Service]\nExecStart=/bin/true`,
	}, "\n"))
	b, err := Read(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, found := b.Graph.Lookup(long); found {
		t.Errorf("the 308-byte name is in the boot")
	}
	if _, found := b.Graph.Lookup(ok); !found {
		t.Errorf("the 255-byte name is not in the boot")
	}
	if i, found := b.Graph.Lookup("a.service"); !found || !b.Graph.Services[i].Started() {
		t.Errorf("a.service does not start")
	}
	n := 0
	for _, f := range b.Findings {
		if strings.Contains(f.Message, "failed to add dependency on") {
			n++
			if !strings.Contains(f.Message, "… (308 bytes)") || f.Severity != graph.Warning {
				t.Errorf("finding %v", f)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings of the long name, want 1", n)
	}
}
