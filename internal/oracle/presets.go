package oracle

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// SystemctlBinary is the systemctl the preset oracle runs.
const SystemctlBinary = "/bin/systemctl"

// PresetAll is what the real `systemctl --root=ROOT preset-all` did.
type PresetAll struct {
	// Links maps every symlink under etc/systemd/system after the run
	// (slash-separated, relative to the root: "etc/systemd/system/
	// multi-user.target.wants/foo.service") to the file name of its
	// target ("foo.service"): what decides which unit it stands for.
	Links map[string]string
	// Created and Removed are the links systemctl says it made and
	// removed, relative to the root, sorted.
	Created, Removed []string
	Stderr           string
	ExitCode         int
}

// RunPresetAll runs `systemctl --root=ROOT preset-all` (enableOnly: with
// --preset-mode=enable-only, what systemd 252 does itself at a first
// boot) on root, which it changes: give it a copy. systemctl --root works
// on the directory alone, offline; RunPresetAll checks that the host's
// /etc/systemd/system did not change.
func RunPresetAll(t testing.TB, root string, enableOnly bool) *PresetAll {
	t.Helper()
	if _, err := os.Stat(SystemctlBinary); err != nil {
		Unavailable(t, "oracle: no systemctl at %s (needs Debian with systemd): %v", SystemctlBinary, err)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	args := []string{"--root=" + root, "--no-pager"}
	if enableOnly {
		args = append(args, "--preset-mode=enable-only")
	}
	args = append(args, "preset-all")
	before := describeTree("/etc/systemd/system")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, SystemctlBinary, args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "SYSTEMD_LOG_COLOR=0", "SYSTEMD_COLORS=0"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := &PresetAll{}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("oracle: running systemctl: %v", err)
		}
		res.ExitCode = ee.ExitCode()
	}
	if after := describeTree("/etc/systemd/system"); after != before {
		t.Errorf("oracle: systemctl --root changed the host's /etc/systemd/system")
	}
	res.Stderr = stderr.String()
	for _, line := range strings.Split(stdout.String()+stderr.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "Created symlink "); ok {
			// "→" in a UTF-8 locale, "->" under LC_ALL=C.
			for _, arrow := range []string{" → ", " -> "} {
				if i := strings.Index(rest, arrow); i > 0 {
					res.Created = append(res.Created, strings.TrimPrefix(rest[:i], root+"/"))
					break
				}
			}
		}
		if rest, ok := strings.CutPrefix(line, "Removed "); ok {
			rest = strings.TrimSuffix(strings.Trim(strings.TrimSuffix(rest, "."), `"`), `"`)
			res.Removed = append(res.Removed, strings.TrimPrefix(rest, root+"/"))
		}
	}
	sort.Strings(res.Created)
	sort.Strings(res.Removed)
	res.Links = map[string]string{}
	etc := filepath.Join(root, "etc", "systemd", "system")
	filepath.WalkDir(etc, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		res.Links[filepath.ToSlash(rel)] = filepath.Base(target)
		return nil
	})
	return res
}

// describeTree sums up a directory tree: each entry's path, mode and link
// target.
func describeTree(dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			b.WriteString(p + " error\n")
			return nil
		}
		target, _ := os.Readlink(p)
		b.WriteString(p + " " + d.Type().String() + " " + target + "\n")
		return nil
	})
	return b.String()
}
