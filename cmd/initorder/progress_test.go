package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestWantProgress(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
		env      map[string]string
		want     bool
	}{
		{"terminal", true, nil, true},
		{"terminal, CI=true", true, map[string]string{"CI": "true"}, false},
		{"terminal, CI=1", true, map[string]string{"CI": "1"}, false},
		{"terminal, CI=TRUE", true, map[string]string{"CI": "TRUE"}, false},
		{"terminal, CI=false", true, map[string]string{"CI": "false"}, true},
		{"terminal, CI=0", true, map[string]string{"CI": "0"}, true},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
		{"pipe", false, nil, false},
		{"pipe, CI=false", false, map[string]string{"CI": "false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wantProgress(tc.terminal, func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("wantProgress(terminal %v, %v) = %v, want %v", tc.terminal, tc.env, got, tc.want)
			}
		})
	}
}

// TestProgressNotATerminal: a pipe or a file gets no progress.
func TestProgressNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, out := range []io.Writer{w, f, &bytes.Buffer{}} {
		if p := newProgress(out, func(string) string { return "" }, "check"); p != nil {
			t.Errorf("newProgress(%T) shows progress", out)
		}
	}
}

// openPTY returns a terminal and a function that closes it and returns
// all that was written on it.
func openPTY(t *testing.T) (*os.File, func() string) {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 24, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, master) // until the terminal closes (EIO)
		close(done)
	}()
	return tty, func() string {
		tty.Close()
		<-done
		master.Close()
		return out.String()
	}
}

// ansi matches the escape sequences a progress bar draws with.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// TestProgressPTY: on a terminal, work that runs past a second shows a
// spinner, then a bar with its count, and clears its line at the end;
// work that ends sooner shows nothing.
func TestProgressPTY(t *testing.T) {
	noCI := func(string) string { return "" }
	tty, written := openPTY(t)
	p := newProgress(tty, noCI, "check")
	if p == nil {
		t.Fatal("newProgress(a terminal) = nil")
	}
	p.step("reading root", -1)
	time.Sleep(progressDelay + 300*time.Millisecond)
	p.step("writing the findings of 4 nodes", 4)
	p.add(2)
	time.Sleep(200 * time.Millisecond)
	p.add(1)
	p.end()
	p.add(1) // after the end: nothing
	out := written()
	plain := ansi.ReplaceAllString(out, "")
	for _, want := range []string{"reading root", "writing the findings of 4 nodes", "(3/4)"} {
		if !strings.Contains(plain, want) {
			t.Errorf("progress on a terminal lacks %q:\n%q", want, out)
		}
	}
	if last := plain[strings.LastIndexByte(plain, '\r')+1:]; strings.TrimSpace(last) != "" {
		t.Errorf("progress did not clear its line at the end: %q", last)
	}

	tty, written = openPTY(t)
	p = newProgress(tty, noCI, "check")
	p.step("reading root", -1)
	p.end()
	time.Sleep(progressDelay + 300*time.Millisecond)
	if out := written(); out != "" {
		t.Errorf("work of less than a second shows progress: %q", out)
	}
}

// TestCheckProgress runs initorder check with its stderr on a terminal,
// on a pipe and on a terminal under CI=true, while the layout it reads
// (a FIFO) makes it wait 1.5 s: only the first shows progress, the
// others only the summary. Stdout is check's in all three.
func TestCheckProgress(t *testing.T) {
	bin := initorderBin(t)
	root, err := filepath.Abs("../../testdata/roots")
	if err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(root, "debian-mini")
	const layout = "[role \"web\"]\nservices = ssh\n[node \"web1\"]\nroles = web\n[node \"db1\"]\nroles =\n"
	for _, tc := range []struct {
		name     string
		terminal bool
		ci       string
		want     bool
	}{
		{"terminal", true, "", true},
		{"pipe", false, "", false},
		{"terminal, CI=true", true, "true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fifo := filepath.Join(t.TempDir(), "fleet.ini")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("no FIFO: %v", err)
			}
			cmd := exec.Command(bin, "check", "--root", root, "--layout", fifo)
			cmd.Env = append(os.Environ(), "CI="+tc.ci, "TERM=xterm", "NO_COLOR=1")
			var stdout, pipe bytes.Buffer
			cmd.Stdout = &stdout
			var written func() string
			if tc.terminal {
				var tty *os.File
				tty, written = openPTY(t)
				cmd.Stderr = tty
				defer tty.Close()
			} else {
				cmd.Stderr = &pipe
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(progressDelay + 500*time.Millisecond)
			if err := os.WriteFile(fifo, []byte(layout), 0o600); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code > 1 {
				t.Fatalf("initorder check: %v", err)
			}
			stderr := pipe.String()
			if tc.terminal {
				if c, ok := cmd.Stderr.(*os.File); ok {
					c.Close()
				}
				stderr = written()
			}
			shown := strings.Contains(stderr, "check") && strings.Contains(stderr, "\r")
			if shown != tc.want {
				t.Errorf("stderr on %s: progress shown %v, want %v:\n%q", tc.name, shown, tc.want, stderr)
			}
			if !tc.want && !regexp.MustCompile(`^\d+ errors?, \d+ warnings?, \d+ infos?\r?\n$`).MatchString(stderr) {
				t.Errorf("stderr on %s = %q, want only the summary", tc.name, stderr)
			}
			if !strings.Contains(stdout.String(), "== node web1\n") {
				t.Errorf("stdout is not check's:\n%s", stdout.String())
			}
		})
	}
}
