package systemd

import (
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/roottest"
)

// FuzzNameExpansion expands specifiers and instances from fuzzed text: a
// template t@.service whose [Unit] has the fuzzed dependency line, pulled
// in as the instance of the fuzzed instance name, with maxInstances made
// small. Properties: no panic, and Read ends; at most maxInstances
// instances are loaded; every service of the boot that was loaded has a
// valid unit name, shorter than UNIT_NAME_MAX (256); every name the boot
// names is no longer than what expansion can make of the line (the line,
// each specifier grown by at most a unit name or a path); and each
// finding's message is short (names quoted short).
func FuzzNameExpansion(f *testing.F) {
	for _, seed := range [][2]string{
		{"Wants=t@%ia.service t@%ib.service", "x"},
		{"Requires=t@%i%i.service\nAfter=t@%i%i.service", "ab"},
		{"Wants=t@%n.service %p@%I.service %j.service t@%f.service", `a\x2db-c`},
		{"Wants=t@.service\nBindsTo=%N.target", "-"},
		{"Wants=t@%y.service t@%Y.service t@%%.service t@%Z.service", "y"},
		{"Wants=" + strings.Repeat("t@%i.service ", 50), strings.Repeat("q", 240)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, line, instance string) {
		if strings.ContainsAny(line+instance, "\x00\r") || strings.Contains(instance, "/") || len(line) > 4096 || len(instance) > 300 {
			return // not a name a link can carry, or a line roottest writes as is
		}
		defer func(n int) { maxInstances = n }(maxInstances)
		maxInstances = 50
		link := "t@" + instance + ".service"
		fsys := roottest.Open(t, strings.Join([]string{
			`lib/systemd/system/multi-user.target: [Unit]`,
			`etc/systemd/system/default.target -> /lib/systemd/system/multi-user.target`,
			`lib/systemd/system/t@.service: [Unit]\n` + strings.ReplaceAll(line, "\n", `\n`) + `\n[Service]\nExecStart=/bin/true`,
			`etc/systemd/system/multi-user.target.wants/` + link + ` -> /lib/systemd/system/t@.service`,
		}, "\n"))
		b, err := Read(fsys, Options{})
		if err != nil {
			return
		}
		instances := 0
		longest := len(line) * (unitNameMax + 4096)
		for _, s := range b.Graph.Services {
			if len(s.Name) > longest+len(instance) {
				t.Fatalf("a name of %d bytes from a line of %d", len(s.Name), len(line))
			}
			if s.Missing || s.Hidden {
				continue
			}
			if unitNameKind(s.Name) == 0 && !implicitUnit(s.Name) {
				t.Fatalf("loaded unit %q has no valid name", s.Name)
			}
			if strings.HasPrefix(s.Name, "t@") && unitNameKind(s.Name) == nameInstance {
				instances++
			}
		}
		if instances > maxInstances {
			t.Fatalf("%d instances loaded, at most %d", instances, maxInstances)
		}
		for _, fd := range b.Findings {
			if len(fd.Message) > 64<<10 {
				t.Fatalf("a message of %d bytes: %.200s", len(fd.Message), fd.Message)
			}
		}
	})
}
