package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The hostile roots of this file are written by the test (symlinks,
// FIFOs, sparse 100 MB files and 10,000-file chains do not live in git
// nicely). Each is read by the real command line, as a process, with ls
// and check: it must finish (exit 0 or 1, never 2, never a crash), say
// what is wrong as positioned diagnostics, still order the root's sound
// service, read nothing outside the root and stay within bounded memory.

// hostileInit writes, for one init system, the sound service "ok" and a
// service of a given name from a file's contents or a symlink.
type hostileInit struct {
	name string
	ok   func(w *rootWriter)                     // the sound service "ok"
	file func(w *rootWriter, svc string) string  // the path of service svc's file
	text func(svc string, deps ...string) string // a sound file of svc, after deps
	on   func(w *rootWriter, svc string)         // enable svc (link, wants ...)
	dir  string                                  // the directory of service files
}

// rootWriter writes a root, failing the test on the first error.
type rootWriter struct {
	t    *testing.T
	root string
}

func (w *rootWriter) path(name string) string {
	p := filepath.Join(w.root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *rootWriter) write(name, text string) {
	if err := os.WriteFile(w.path(name), []byte(text), 0o755); err != nil {
		w.t.Fatal(err)
	}
}

func (w *rootWriter) link(name, target string) {
	if err := os.Symlink(target, w.path(name)); err != nil {
		w.t.Fatal(err)
	}
}

func (w *rootWriter) mkdir(name string) {
	if err := os.MkdirAll(w.path(name), 0o755); err != nil {
		w.t.Fatal(err)
	}
}

func lsb(svc string, deps ...string) string {
	return fmt.Sprintf("#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          %s\n# Required-Start:    %s\n# Required-Stop:\n# Default-Start:     2 3 4 5\n# Default-Stop:      0 1 6\n# Short-Description: %s\n### END INIT INFO\nexit 0\n",
		svc, strings.Join(deps, " "), svc)
}

func job(svc string, deps ...string) string {
	on := "startup"
	if len(deps) > 0 {
		var evs []string
		for _, d := range deps {
			evs = append(evs, "started "+d)
		}
		on = strings.Join(evs, " and ")
	}
	return fmt.Sprintf("description \"%s\"\nstart on %s\nexec /usr/sbin/%s\n", svc, on, svc)
}

func unit(svc string, deps ...string) string {
	var b strings.Builder
	b.WriteString("[Unit]\nDescription=" + svc + "\nDefaultDependencies=no\n")
	for _, d := range deps {
		fmt.Fprintf(&b, "Requires=%s.service\nAfter=%s.service\n", d, d)
	}
	b.WriteString("\n[Service]\nExecStart=/usr/sbin/" + svc + "\n")
	return b.String()
}

var hostileInits = []hostileInit{
	{
		name: "sysv", dir: "etc/init.d",
		file: func(w *rootWriter, svc string) string { return "etc/init.d/" + svc },
		text: lsb,
		on:   func(w *rootWriter, svc string) { w.link("etc/rc2.d/S02"+svc, "../init.d/"+svc) },
		ok: func(w *rootWriter) {
			w.write("etc/init.d/ok", lsb("ok"))
			w.link("etc/rc2.d/S01ok", "../init.d/ok")
		},
	},
	{
		name: "upstart", dir: "etc/init",
		file: func(w *rootWriter, svc string) string { return "etc/init/" + svc + ".conf" },
		text: job,
		on:   func(w *rootWriter, svc string) {},
		ok:   func(w *rootWriter) { w.write("etc/init/ok.conf", job("ok")) },
	},
	{
		name: "systemd", dir: "lib/systemd/system",
		file: func(w *rootWriter, svc string) string { return "lib/systemd/system/" + svc + ".service" },
		text: unit,
		on: func(w *rootWriter, svc string) {
			w.link("etc/systemd/system/multi-user.target.wants/"+svc+".service", "../../../../lib/systemd/system/"+svc+".service")
		},
		ok: func(w *rootWriter) {
			w.write("lib/systemd/system/multi-user.target", "[Unit]\nDescription=Multi-User System\n")
			w.link("etc/systemd/system/default.target", "../../../lib/systemd/system/multi-user.target")
			w.write("lib/systemd/system/ok.service", unit("ok"))
			w.link("etc/systemd/system/multi-user.target.wants/ok.service", "../../../../lib/systemd/system/ok.service")
		},
	},
}

// hostileCase is one kind of garbage, written for each init system.
type hostileCase struct {
	name  string
	build func(w *rootWriter, in hostileInit)
	// want are regular expressions check's output (stdout and stderr)
	// must match, by init system ("" for all).
	want map[string][]string
	// wantLS are regular expressions ls's output must match.
	wantLS map[string][]string
	// maxRSS bounds the resident memory of each run, in MiB (default 200).
	maxRSS int64
}

var hostileCases = []hostileCase{
	{
		name: "control-chars",
		build: func(w *rootWriter, in hostileInit) {
			// A name that would clear the screen and forge a line of output.
			evil := "evil\x1b[2J\nS01 forged"
			w.write(in.file(w, evil), in.text(evil, "gone\x1b]0;title\x07"))
			in.on(w, evil)
		},
		want: map[string][]string{"": {`evil\\x1b\[2J\\x0aS01 forged`}, "sysv": {`Required-Start gone\\x1b\]0: nothing provides it`}},
	},
	{
		name: "nul",
		build: func(w *rootWriter, in hostileInit) {
			w.write(in.file(w, "nul"), strings.Replace(in.text("nul", "ok"), "\n", "\n\x00\x00garbage\x00\n", 2))
			in.on(w, "nul")
		},
		want: map[string][]string{
			"sysv":    {`etc/init\.d/nul:4: warning: parse-error: line in the INIT INFO block does not start with #`},
			"upstart": {`etc/init/nul\.conf:2: error: parse-error: binary file \(NUL byte\), not read`},
			"systemd": {`lib/systemd/system/nul\.service:3: warning: parse-error: Missing '=', ignoring line`},
		},
	},
	{
		name: "invalid-utf8",
		build: func(w *rootWriter, in hostileInit) {
			w.write(in.file(w, "bad\xff\xfe"), in.text("bad\xff\xfe", "ok\xc3"))
			in.on(w, "bad\xff\xfe")
			w.write(in.file(w, "latin"), strings.Replace(in.text("latin", "ok"), "latin", "caf\xe9", 1))
			in.on(w, "latin")
		},
		want: map[string][]string{
			"sysv":    {`etc/init\.d/bad\\xff\\xfe:4: error: missing-dependency: bad\\xff\\xfe Required-Start ok\\xc3: nothing provides it`},
			"upstart": {`etc/init/bad\\xff\\xfe\.conf:2: error: never-starts: bad\\xff\\xfe never starts: it waits for start on started ok\\xc3`},
			"systemd": {`multi-user\.target\.wants/bad\\xff\\xfe\.service: warning: parse-error: Wants dependency dropin is not a valid unit name`, `lib/systemd/system/latin\.service:2: error: parse-error: String is not UTF-8 clean`},
		},
	},
	{
		name: "crlf",
		build: func(w *rootWriter, in hostileInit) {
			w.write(in.file(w, "crlf"), strings.ReplaceAll(in.text("crlf", "ok"), "\n", "\r\n"))
			in.on(w, "crlf")
		},
		want: map[string][]string{
			"": {`(?m)^0 errors, 0 warnings, 0 infos$`},
		},
		wantLS: map[string][]string{
			"sysv":    {`(?m)^S02 crlf$`},
			"upstart": {`(?m)^S02 crlf$`},
			"systemd": {`(?m)^S03 crlf\.service$`}, // after system.slice and ok
		},
	},
	{
		name: "huge-line",
		build: func(w *rootWriter, in hostileInit) {
			long := strings.Repeat("x", 1<<20+10)
			w.write(in.file(w, "long"), strings.Replace(in.text("long", "ok"), "\n", "\n# "+long+"\n", 2))
			in.on(w, "long")
			w.write(in.file(w, "longdep"), in.text("longdep", long))
			in.on(w, "longdep")
		},
		want: map[string][]string{
			"sysv":    {`etc/init\.d/long:4: error: parse-error: line of 1048588 bytes in the INIT INFO block, ignoring it`, `etc/init\.d/longdep:4: error: parse-error: line of \d+ bytes`},
			"upstart": {`etc/init/longdep\.conf:2: error: never-starts: longdep never starts`},
			"systemd": {`lib/systemd/system/long\.service:2: error: parse-error: line too long: 1048576 bytes or more`, `lib/systemd/system/longdep\.service:4: error: parse-error: line too long`},
		},
		wantLS: map[string][]string{
			"sysv": {`(?m)^S02 long$`},
		},
	},
	{
		name: "big-file",
		build: func(w *rootWriter, in hostileInit) {
			f, err := os.Create(w.path(in.file(w, "big")))
			if err != nil {
				w.t.Fatal(err)
			}
			f.WriteString(in.text("big", "ok"))
			if err := f.Truncate(100 << 20); err != nil { // sparse: no disk used
				w.t.Fatal(err)
			}
			f.Close()
			os.Chmod(f.Name(), 0o755)
			in.on(w, "big")
		},
		want: map[string][]string{
			"": {`: error: parse-error: file too large: 104857600 bytes, limit 8388608`},
		},
	},
	{
		name: "binary",
		build: func(w *rootWriter, in hostileInit) {
			r := rand.New(rand.NewPCG(1, 2))
			data := make([]byte, 7<<20)
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			w.write(in.file(w, "binary"), string(data))
			in.on(w, "binary")
		},
		want: map[string][]string{
			"sysv":    {`etc/init\.d/binary: info: no-header: binary has no LSB header`},
			"upstart": {`etc/init/binary\.conf:2: error: parse-error: binary file \(NUL byte\), not read`},
			"systemd": {`lib/systemd/system/binary\.service:1: error: parse-error: String is not UTF-8 clean`},
		},
	},
	{
		name: "symlink-loop",
		build: func(w *rootWriter, in hostileInit) {
			w.link(in.file(w, "loop1"), filepath.Base(in.file(w, "loop2")))
			w.link(in.file(w, "loop2"), filepath.Base(in.file(w, "loop1")))
			w.link(in.file(w, "self"), filepath.Base(in.file(w, "self")))
			in.on(w, "loop1")
			w.link(in.dir+"/dirloop", ".")
			w.link(in.dir+"/up", "..")
		},
		want: map[string][]string{
			"sysv":    {`etc/rc2\.d/S02loop1: warning: dangling-link: link etc/rc2\.d/S02loop1: too many levels of symbolic links`},
			"upstart": {`etc/init/loop1\.conf: error: parse-error: too many levels of symbolic links`, `etc/init/self\.conf: error: parse-error: too many levels of symbolic links`, `etc/init/dirloop: warning: parse-error: directory loop, not read`},
			"systemd": {`lib/systemd/system/loop1\.service: warning: dangling-link: link lib/systemd/system/loop1\.service leads to /lib/systemd/system/loop2\.service: too many levels of symbolic links`},
		},
	},
	{
		name: "escape",
		build: func(w *rootWriter, in hostileInit) {
			// A sound service file beside the root: reading it would be a
			// service named "secret" in the boot.
			outside := filepath.Join(filepath.Dir(w.root), "outside")
			os.MkdirAll(outside, 0o755)
			os.WriteFile(filepath.Join(outside, filepath.Base(in.file(w, "secret"))), []byte(in.text("secret", "ok")), 0o755)
			depth := strings.Count(in.file(w, "x"), "/")
			w.link(in.file(w, "secret"), strings.Repeat("../", depth+1)+"outside/"+filepath.Base(in.file(w, "secret")))
			in.on(w, "secret")
			w.link(in.file(w, "passwd"), strings.Repeat("../", 20)+"etc/passwd")
			in.on(w, "passwd")
			w.link(in.file(w, "abs"), outside+"/"+filepath.Base(in.file(w, "secret")))
			in.on(w, "abs")
			w.link(in.dir+"/outdir", outside)
		},
		want: map[string][]string{
			"sysv":    {`etc/rc2\.d/S02secret: warning: dangling-link: link etc/rc2\.d/S02secret leads to /outside/secret, which does not exist`, `etc/rc2\.d/S02passwd: warning: dangling-link: link etc/rc2\.d/S02passwd leads to /etc/passwd, which does not exist`},
			"upstart": {`etc/init/secret\.conf: error: parse-error: no such file or directory`, `etc/init/abs\.conf: error: parse-error: no such file or directory`},
			"systemd": {`lib/systemd/system/secret\.service: warning: parse-error: symlink to a file that does not exist, unit not found`, `lib/systemd/system/abs\.service: warning: parse-error: symlink to a file that does not exist`},
		},
	},
	{
		name: "deep-nesting",
		build: func(w *rootWriter, in hostileInit) {
			deep := in.dir + strings.Repeat("/d", 1000)
			w.mkdir(deep)
			w.write(deep+"/deep.conf", in.text("deep", "ok"))
			w.write(in.file(w, "ok")+".d"+strings.Repeat("/d", 500)+"/x.conf", "[Unit]\nAfter=nothing.service\n")
		},
		want: map[string][]string{
			"upstart": {`etc/init(/d){33}: warning: parse-error: directories nested more than 32 deep, not read`},
		},
	},
	{
		name: "chain",
		build: func(w *rootWriter, in hostileInit) {
			// c00000 needs c00001 ... needs c09999, which needs gone.
			for i := 0; i < 10000; i++ {
				next := fmt.Sprintf("c%05d", i+1)
				if i == 9999 {
					next = "gone"
				}
				svc := fmt.Sprintf("c%05d", i)
				w.write(in.file(w, svc), in.text(svc, next))
				in.on(w, svc)
			}
			// systemd 257 fails the start job of a unit that Requires= a
			// missing one (252 starts it): the chain never starts.
			if in.name == "systemd" {
				w.write("usr/lib/systemd/libsystemd-shared-257.so", "")
			}
			// and a sound chain of 10,000: d00000 after d00001 ...
			for i := 0; i < 10000; i++ {
				svc := fmt.Sprintf("d%05d", i)
				var deps []string
				if i < 9999 {
					deps = append(deps, fmt.Sprintf("d%05d", i+1))
				}
				w.write(in.file(w, svc), in.text(svc, deps...))
				in.on(w, svc)
			}
		},
		maxRSS: 400,
		want: map[string][]string{
			"sysv":    {`etc/init\.d/c09999:4: error: missing-dependency: c09999 Required-Start gone: nothing provides it`},
			"upstart": {`etc/init/c00000\.conf:2: error: never-starts: c00000 never starts: it waits for start on started c00001 .*, and c00008 never starts, nor do the 9990 services it waits for in turn, down to c09999, which never starts: it waits for start on started gone \(etc/init/c09999\.conf:2\), and nothing provides gone\n`},
			"systemd": {`lib/systemd/system/c00000\.service:4: error: never-starts: c00000\.service never starts: it needs Requires c00001\.service .*, and c00008\.service never starts, nor do the 9990 units it needs in turn, down to c09999\.service, which never starts: it needs Requires gone\.service \(lib/systemd/system/c09999\.service:4\), and gone\.service is not found in any unit directory\n`, `(?m)^10000 errors, 0 warnings`},
		},
		wantLS: map[string][]string{
			"sysv":    {`(?m)^S10000 d00000$`},
			"upstart": {`(?m)^S10000 d00000$`},
			"systemd": {`(?m)^S10001 d00000\.service$`},
		},
	},
	{
		name: "empty",
		build: func(w *rootWriter, in hostileInit) {
			w.write(in.file(w, "empty"), "")
			in.on(w, "empty")
			w.write(in.file(w, "blank"), "\n\n   \n")
			in.on(w, "blank")
		},
		want: map[string][]string{
			"sysv":    {`etc/init\.d/empty: info: no-header`},
			"systemd": {`lib/systemd/system/blank\.service: error: missing-dependency: blank\.service Requires=sysinit\.target, which is not found in any unit directory: systemd 252 starts blank\.service all the same`},
		},
	},
	{
		name: "fifo-and-dir",
		build: func(w *rootWriter, in hostileInit) {
			if err := syscall.Mkfifo(w.path(in.file(w, "fifo")), 0o644); err != nil {
				w.t.Fatal(err)
			}
			in.on(w, "fifo")
			w.mkdir(in.file(w, "dir"))
			in.on(w, "dir")
		},
		want: map[string][]string{
			"sysv": {`etc/rc2\.d/S02fifo: warning: never-starts: link etc/rc2\.d/S02fifo leads to /etc/init\.d/fifo, which is not a regular file: it is not run`, `etc/rc2\.d/S02dir: warning: never-starts: link etc/rc2\.d/S02dir leads to /etc/init\.d/dir, which is a directory`},
		},
	},
}

// TestHostile runs ls and check on every hostile root of every init
// system, as a directory and as a container image (writeImage), then the
// hostile runs of issue 19 (hostile_runs_test.go).
func TestHostile(t *testing.T) {
	t.Run("issue19", hostileIssue19)
	bin := filepath.Join(t.TempDir(), "initorder")
	if err := os.Symlink(os.Args[0], bin); err != nil { // TestMain runs Main under that name
		t.Fatal(err)
	}
	for _, hc := range hostileCases {
		for _, in := range hostileInits {
			t.Run(hc.name+"/"+in.name, func(t *testing.T) {
				t.Parallel()
				base := t.TempDir()
				w := &rootWriter{t: t, root: filepath.Join(base, "root")}
				in.ok(w)
				hc.build(w, in)
				image := filepath.Join(base, "image")
				writeImage(t, image, w.root, in.dir)
				for _, verb := range []string{"ls", "check"} {
					out, rss := runHostile(t, bin, verb, "--root", w.root, "--init", in.name)
					// The same root as an OCI image of two layers: every
					// guarantee holds for every layer, and it reads the same.
					imageOut, imageRSS := runHostile(t, bin, verb, "--root", image, "--init", in.name)
					// (A tar or image root says fs.ErrNotExist's "file does
					// not exist" where a directory says ENOENT's words.)
					if strings.ReplaceAll(imageOut, "file does not exist", "no such file or directory") != out {
						t.Errorf("%s of the root as an image:\n%s\nof the directory:\n%s", verb, trim(imageOut), trim(out))
					}
					rss = max(rss, imageRSS)
					if verb == "ls" && !regexp.MustCompile(`(?m)^S\d+ ok(\.service)?$`).MatchString(out) {
						t.Errorf("ls does not list ok:\n%s", trim(out))
					}
					if regexp.MustCompile(`(?m)^S\d+ secret`).MatchString(out) {
						t.Errorf("%s read a file outside the root:\n%s", verb, trim(out))
					}
					limit := hc.maxRSS
					if limit == 0 {
						limit = 200
					}
					if rss > limit<<20 {
						t.Errorf("%s: max RSS %d MiB, want at most %d", verb, rss>>20, limit)
					}
					if strings.ContainsAny(out, "\x1b\x07") {
						t.Errorf("%s printed a control character:\n%q", verb, trim(out))
					}
					wants := hc.wantLS
					if verb == "check" {
						wants = hc.want
					}
					{
						for _, k := range []string{"", in.name} {
							for _, re := range wants[k] {
								if !regexp.MustCompile(re).MatchString(out) {
									t.Errorf("%s output does not match %q:\n%s", verb, re, trim(out))
								}
							}
						}
					}
					if testing.Verbose() {
						t.Logf("%s (max RSS %d MiB):\n%s", verb, rss>>20, trim(out))
					}
				}
			})
		}
	}
}

// runHostile runs the command line and returns its output (stdout, then
// stderr) and its peak resident memory. A run that exits with 2 or on a
// signal, or panics, fails the test.
func runHostile(t *testing.T, bin string, args ...string) (string, int64) {
	t.Helper()
	// The peak resident memory of the command itself: /usr/bin/time
	// forks it from a small process (a child of the test inherits the
	// test's own memory in its rusage until it execs).
	var timeOut string
	cmd := exec.Command(bin, args...)
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		timeOut = filepath.Join(t.TempDir(), "time")
		cmd = exec.Command("/usr/bin/time", append([]string{"-o", timeOut, "-f", "%M", bin}, args...)...)
	}
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String() + stderr.String()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code != 1 {
		t.Fatalf("initorder %s: %v (exit %d):\n%s", strings.Join(args, " "), err, code, trim(out))
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
		t.Fatalf("initorder %s panicked:\n%s", strings.Join(args, " "), trim(out))
	}
	var rss int64
	if timeOut != "" {
		data, err := os.ReadFile(timeOut)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Fields(string(data))
		if _, err := fmt.Sscan(lines[len(lines)-1], &rss); err != nil {
			t.Fatalf("/usr/bin/time wrote %q", data)
		}
		rss <<= 10 // kilobytes
	}
	return out, rss
}

// trim shortens output for a failure message.
func trim(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n...\n" + s[len(s)-2000:]
	}
	return s
}
