//go:build linux

package main

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The hostile runs of issue 19 in the parsers: inputs a few bytes to a
// few hundred megabytes long that made the readers of systemd, upstart
// and SysV roots run out of memory or time, or say nothing of what they
// could not read. They run as the others do (hostileRuns): each command
// line a process, its CPU time (at most 20 s) and peak RSS asserted.
func init() { hostileRuns = append(hostileRuns, parseRuns...) }

var parseRuns = []hostileRun{
	{
		// A 150-byte template that pulls in two longer instances of itself:
		// 2^245 units before their names reach UNIT_NAME_MAX. Past 4 GB
		// and 120 s; now 20,000 instances are loaded, and a warning says
		// how many were not.
		name: "template-instances",
		build: func(t *testing.T, dir string) string {
			w := systemdRoot(t, dir)
			// The instances' Requires=sysinit.target (DefaultDependencies=yes)
			// must be found, or systemd pulls in nothing they want.
			w.write("lib/systemd/system/sysinit.target", "[Unit]\nDescription=sysinit\n")
			w.write("lib/systemd/system/t@.service", "[Unit]\nDescription=t\nWants=t@%ia.service t@%ib.service\n[Service]\nExecStart=/bin/true\n")
			w.link("etc/systemd/system/multi-user.target.wants/t@x.service", "../../../../lib/systemd/system/t@.service")
			return w.root
		},
		runs: []hostileCmd{
			{args: []string{"check"}, exit: []int{0}, maxRSS: 400, want: []string{
				`(?m)^lib/systemd/system/t@\.service: warning: parse-error: \d+ instances of t@\.service are not loaded, the first t@x[ab]+\.service: the boot pulls in more than 20000 instances of templates`,
				`(?m)^lib/systemd/system/t@\.service:3: warning: race: \d+ more race findings of this line are not shown: at most 100 of a kind of a line are$`,
			}},
			{args: []string{"ls"}, exit: []int{0}, maxRSS: 400, want: []string{`(?m)^S\d+ ok\.service$`}},
		},
	},
	{
		// A 1 MB event name that the first of a chain of 1,000 jobs waits
		// for, quoted whole in each never-starts message: 24.5 s and
		// 3.1 GB. Now quoted short.
		name: "upstart-event-name",
		build: func(t *testing.T, dir string) string {
			w := &rootWriter{t: t, root: filepath.Join(dir, "root")}
			hostileInits[1].ok(w)
			w.write("sbin/initctl", "elf")
			w.write("etc/init/j0000.conf", "start on "+strings.Repeat("e", 1<<20)+"\nexec /bin/true\n")
			for i := 1; i < 1000; i++ {
				w.write(fmt.Sprintf("etc/init/j%04d.conf", i), fmt.Sprintf("start on started j%04d\nexec /bin/true\n", i-1))
			}
			return w.root
		},
		runs: []hostileCmd{
			{args: []string{"check"}, exit: []int{1}, want: []string{
				`(?m)^etc/init/j0000\.conf:1: error: never-starts: j0000 never starts: it waits for start on e{100}… \(1048576 bytes\)`,
			}, check: func(t *testing.T, r runResult) {
				if n := len(r.stdout); n > 2<<20 {
					t.Errorf("check printed %d bytes for 1,000 findings", n)
				}
			}},
		},
	},
	{
		// 4,999 or-ed pairs in each of 12 jobs: 31.7 s. Now linear.
		name: "upstart-or",
		build: func(t *testing.T, dir string) string {
			w := &rootWriter{t: t, root: filepath.Join(dir, "root")}
			hostileInits[1].ok(w)
			w.write("sbin/initctl", "elf")
			for j := range 12 {
				var b strings.Builder
				for i := range 4999 {
					if i > 0 {
						b.WriteString(" or ")
					}
					fmt.Fprintf(&b, "(e%d_%d and f%d_%d)", j, i, j, i)
				}
				w.write(fmt.Sprintf("etc/init/or%02d.conf", j), "start on "+b.String()+"\nexec /bin/true\n")
			}
			return w.root
		},
		runs: []hostileCmd{{args: []string{"check"}, exit: []int{1}, maxRSS: 600, want: []string{
			`(?m)^etc/init/or00\.conf:1: error: never-starts: or00 never starts: it waits for start on e0_0 \(etc/init/or00\.conf:1\) or .* or \d+ more, and `,
		}}},
	},
	{
		// Twenty 8 MiB units of "After=a" lines: each line a finding
		// (1,048,574 a unit, 0.9 GB), and out of memory for twenty. Three
		// more of seven 1 MiB lines of "After=a a a ...": 55 s and 3.8 GB
		// for twenty. systemd keeps each dependency once.
		name: "repeated-dependencies",
		build: func(t *testing.T, dir string) string {
			w := systemdRoot(t, dir)
			lines := "[Unit]\n" + strings.Repeat("After=a\n", 1048574)
			for i := range 20 {
				name := fmt.Sprintf("big%02d.service", i)
				w.write("lib/systemd/system/"+name, lines)
				w.link("etc/systemd/system/multi-user.target.wants/"+name, "../../../../lib/systemd/system/"+name)
			}
			var words strings.Builder
			words.WriteString("[Unit]\n")
			for k := range 7 {
				fmt.Fprintf(&words, "After=%sb%d\n", strings.Repeat("a ", 1<<19-8), k)
			}
			for i := range 3 {
				name := fmt.Sprintf("words%d.service", i)
				w.write("lib/systemd/system/"+name, words.String())
				w.link("etc/systemd/system/multi-user.target.wants/"+name, "../../../../lib/systemd/system/"+name)
			}
			return w.root
		},
		runs: []hostileCmd{{args: []string{"check"}, exit: []int{0, 1}, maxRSS: 600, want: []string{
			`(?m)^lib/systemd/system/big00\.service:2: info: no-effect-order: big00\.service After=a, but nothing pulls a into the boot`,
			`(?m)^lib/systemd/system/words2\.service:2: info: no-effect-order: words2\.service After=a, but nothing pulls a into the boot`,
		}, check: func(t *testing.T, r runResult) {
			if n := strings.Count(r.stdout, " After=a, but"); n != 23 {
				t.Errorf("%d findings of After=a, want 23, one a unit", n)
			}
		}}},
	},
	{
		// 10,000 scripts without LSB headers at two link numbers under
		// systemd: fix_order's 25 million orders ran past 120 s and 4 GB
		// (2,000 took 0.9 GB). Now through barriers, in the same waves.
		name: "headerless-systemd",
		build: func(t *testing.T, dir string) string {
			w := systemdRoot(t, dir)
			for g := 1; g <= 2; g++ {
				for i := range 5000 {
					svc := fmt.Sprintf("h%d_%05d", g, i)
					w.write("etc/init.d/"+svc, "#!/bin/sh\nexit 0\n")
					w.link(fmt.Sprintf("etc/rc2.d/S%02d%s", 10+g, svc), "../init.d/"+svc)
				}
			}
			return w.root
		},
		runs: []hostileCmd{{args: []string{"ls"}, exit: []int{0}, maxRSS: 400, check: func(t *testing.T, r runResult) {
			waves := map[string]map[string]bool{}
			for _, m := range regexp.MustCompile(`(?m)^(S\d+) (h[12])_\d+\.service$`).FindAllStringSubmatch(r.stdout, -1) {
				if waves[m[2]] == nil {
					waves[m[2]] = map[string]bool{}
				}
				waves[m[2]][m[1]] = true
			}
			if len(waves["h1"]) != 1 || len(waves["h2"]) != 1 {
				t.Fatalf("the scripts of each link number are not in one wave each: %v", waves)
			}
			for w1 := range waves["h1"] {
				for w2 := range waves["h2"] {
					if w1 >= w2 {
						t.Errorf("S11 scripts in wave %s, S12 scripts in %s: want the S12 ones after", w1, w2)
					}
				}
			}
		}}},
	},
	{
		// A million LSB scripts of 95 bytes (a tar.gz of 13 MB): 2.45 GB
		// and 49 s of CPU. Now under 1 GiB and 20 s (README, Hostile input).
		name: "lsb-scripts",
		build: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "scripts.tar.gz")
			writeTarGz(t, p, func(t *testing.T, tw *tar.Writer) {
				for i := range 1000000 {
					s := fmt.Sprintf("s%07d", i)
					addMember(t, tw, "etc/init.d/"+s, "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: "+s+"\n# Default-Start: 2 3 4 5\n### END INIT INFO\n")
				}
			})
			return p
		},
		runs: []hostileCmd{{args: []string{"check", "--init", "sysv"}, exit: []int{0}, maxRSS: 1024, want: []string{
			`^0 errors, 0 warnings, 0 infos\n$`,
		}}},
	},
	{
		// FIFOs and devices where unit and job files are: nothing was said.
		name: "special-files",
		build: func(t *testing.T, dir string) string {
			w := systemdRoot(t, dir)
			hostileInits[1].ok(w)
			mkfifo(t, w.path("lib/systemd/system/fifo.service"))
			w.link("etc/systemd/system/multi-user.target.wants/fifo.service", "../../../../lib/systemd/system/fifo.service")
			mkfifo(t, w.path("etc/init/fifo.conf"))
			if err := syscall.Mknod(w.path("lib/systemd/system/zero.service"), syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
				t.Fatal(err)
			}
			return w.root
		},
		skip: func() string {
			if os.Geteuid() != 0 {
				return "not root: cannot make a device"
			}
			return ""
		},
		runs: []hostileCmd{
			{args: []string{"check", "--init", "systemd"}, exit: []int{1}, want: []string{
				`(?m)^lib/systemd/system/fifo\.service: error: parse-error: a FIFO, not a unit file: systemd would block opening it`,
				`(?m)^lib/systemd/system/zero\.service: warning: parse-error: a character device: systemd takes it for a mask`,
			}},
			{args: []string{"check", "--init", "upstart"}, exit: []int{0, 1}, want: []string{
				`(?m)^etc/init/fifo\.conf: warning: parse-error: a FIFO, not a job file: upstart would block opening it`,
			}},
		},
	},
	{
		// Run as root on a root whose job is a hard link to a host file
		// such as /etc/shadow, the errors quoted its lines, hashes and all.
		name: "job-hard-link",
		build: func(t *testing.T, dir string) string {
			w := &rootWriter{t: t, root: filepath.Join(dir, "root")}
			hostileInits[1].ok(w)
			host := filepath.Join(dir, "shadow")
			writeFile(t, host, "root:$6$SeCrEtSaLt$SeCrEtHaSh:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
			if err := os.Link(host, w.path("etc/init/shadow.conf")); err != nil {
				t.Fatal(err)
			}
			return w.root
		},
		runs: []hostileCmd{{args: []string{"check"}, exit: []int{1}, want: []string{
			`(?m)^etc/init/shadow\.conf:1: error: parse-error: \(a word of 48 bytes\): Unknown stanza$`,
		}, check: func(t *testing.T, r runResult) {
			if strings.Contains(r.stdout+r.stderr, "SeCrEt") {
				t.Errorf("the host file's contents are printed:\n%s", trim(r.stdout))
			}
		}}},
	},
	{
		// An unreadable etc with --init systemd said only that
		// graphical.target is not found.
		name: "unreadable-etc-systemd",
		build: func(t *testing.T, dir string) string {
			w := systemdRoot(t, dir)
			if err := os.Chmod(filepath.Join(w.root, "etc"), 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(w.root, "etc"), 0o755) })
			return w.root
		},
		runs: []hostileCmd{{args: []string{"check", "--init", "systemd"}, nobody: true, exit: []int{1}, want: []string{
			`(?m)^etc/systemd/system\.control: error: parse-error: unit directory etc/systemd/system\.control, etc/systemd/system, etc/systemd/system\.attached could not be read: directory etc: permission denied`,
			`the boot target graphical\.target .* is not found in any unit directory that could be read`,
		}}},
	},
}

// systemdRoot writes the sound systemd root of hostileInits, booted by
// systemd, under dir.
func systemdRoot(t *testing.T, dir string) *rootWriter {
	w := &rootWriter{t: t, root: filepath.Join(dir, "root")}
	hostileInits[2].ok(w)
	w.write("lib/systemd/systemd", "elf")
	w.link("sbin/init", "/lib/systemd/systemd")
	return w
}

func mkfifo(t *testing.T, p string) {
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}
