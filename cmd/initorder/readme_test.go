package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readmeCommand is one "$ initorder ..." line of a console block of
// README.md and what the README shows after it.
type readmeCommand struct {
	line   int
	args   []string
	stdout []string // the lines shown after it
	stderr []string // the lines shown with "(on stderr)"
	exit   int      // from a "$ echo $?" that follows, else -1
}

// readmeCommands returns the commands of README.md's console blocks that
// read a root of testdata/: those run as shown from the top of the
// repository.
func readmeCommands(t *testing.T, readme []byte) []readmeCommand {
	t.Helper()
	var cmds []readmeCommand
	var cur *readmeCommand
	inBlock, indent, echo := false, "", false
	for i, raw := range strings.Split(string(readme), "\n") {
		trimmed := strings.TrimLeft(raw, " ")
		if strings.HasPrefix(trimmed, "```") {
			if !inBlock && trimmed == "```console" {
				inBlock, indent = true, raw[:len(raw)-len(trimmed)]
			} else {
				inBlock, cur = false, nil
			}
			continue
		}
		if !inBlock {
			continue
		}
		line := strings.TrimPrefix(raw, indent)
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			echo = cmd == "echo $?"
			if echo {
				continue
			}
			cur = nil
			if c, _, _ := strings.Cut(cmd, " #"); strings.HasPrefix(c, "initorder ") && strings.Contains(c, "testdata/") {
				cmds = append(cmds, readmeCommand{line: i + 1, args: strings.Fields(c)[1:], exit: -1})
				cur = &cmds[len(cmds)-1]
			}
			continue
		}
		switch {
		case cur == nil:
		case echo:
			n, err := strconv.Atoi(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("README.md:%d: %q after echo $?, want a number", i+1, line)
			}
			cur.exit, echo = n, false
		case strings.HasSuffix(line, "(on stderr)"):
			cur.stderr = append(cur.stderr, strings.TrimSpace(strings.TrimSuffix(line, "(on stderr)")))
		default:
			cur.stdout = append(cur.stdout, line)
		}
	}
	return cmds
}

// TestREADME runs every command of README.md's examples that reads a root
// of testdata/ and checks that it prints what the README shows: stdout
// line for line, the lines marked "(on stderr)" among stderr's lines, and
// the exit status an "echo $?" shows.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(t, readme)
	t.Logf("%d example commands on testdata/", len(cmds))
	if len(cmds) < 10 {
		t.Fatalf("README.md has %d example commands on testdata/, want at least 10", len(cmds))
	}
	bin := filepath.Join(t.TempDir(), "initorder")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range cmds {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		exit := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatal(err)
			}
			exit = ee.ExitCode()
		}
		name := "README.md:" + strconv.Itoa(c.line) + ": initorder " + strings.Join(c.args, " ")
		if got, want := strings.TrimSuffix(stdout.String(), "\n"), strings.Join(c.stdout, "\n"); got != want {
			t.Errorf("%s: stdout differs from the README\n--- got\n%s\n--- README\n%s", name, got, want)
		}
		for _, l := range c.stderr {
			if !strings.Contains("\n"+stderr.String(), "\n"+l+"\n") {
				t.Errorf("%s: stderr lacks %q; it is\n%s", name, l, stderr.String())
			}
		}
		if c.exit >= 0 && exit != c.exit {
			t.Errorf("%s: exit %d, the README shows %d", name, exit, c.exit)
		}
		if exit == 2 {
			t.Errorf("%s: exit 2: %s", name, stderr.String())
		}
	}
}
