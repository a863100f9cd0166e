package oracle

// This file runs the systemd-sysv-generator installed on the machine
// (SPEC §8) on a root, so that tests can hold the units initorder makes of
// a systemd root's init.d scripts against the ones systemd itself makes.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// SysvGeneratorBinary is where Debian 12 installs systemd-sysv-generator.
var SysvGeneratorBinary = "/lib/systemd/system-generators/systemd-sysv-generator"

// SysvGenerator is what systemd-sysv-generator wrote for a root.
type SysvGenerator struct {
	// Units maps the name of each unit file it wrote to its lines.
	Units map[string]*GeneratedUnit
	// Aliases maps each alias symlink it made (a Provides name) to the
	// unit it names.
	Aliases map[string]string
	// Wants maps a target to the units of its .wants/ directory (the rc
	// links), sorted.
	Wants map[string][]string
	// Native lists the scripts' unit names the generator did not convert
	// because a unit file of that name exists (or its lookup failed),
	// from its debug log, sorted.
	Native []string

	// Dir is the directory the generator wrote, removed when the test
	// ends: give it to RunSystemdTest to boot with the generated units.
	Dir string

	ExitCode int
	Duration time.Duration
	Stderr   string
	Command  string
}

// A GeneratedUnit is one unit file of the generator: its "Key=Value"
// lines by section, in the order written, with the root cut off the
// paths (SourcePath=/etc/init.d/foo).
type GeneratedUnit struct {
	Lines []GeneratedLine
}

// A GeneratedLine is one setting of a generated unit file.
type GeneratedLine struct {
	Section, Key, Value string
}

// Values returns the values of key in section, in the order written.
func (u *GeneratedUnit) Values(section, key string) []string {
	var vs []string
	for _, l := range u.Lines {
		if l.Section == section && l.Key == key {
			vs = append(vs, l.Value)
		}
	}
	return vs
}

// SysvGeneratorUnitPath is the search path, inside root, that
// systemd-sysv-generator looks for native units in: the system search
// path without the generator directories (lookup_paths_init with
// LOOKUP_PATHS_EXCLUDE_GENERATED), in the order of this machine's systemd.
func SysvGeneratorUnitPath(root string) string {
	var dirs []string
	for _, d := range []string{
		"etc/systemd/system.control", "run/systemd/system.control", "run/systemd/transient",
		"etc/systemd/system", "etc/systemd/system.attached", "run/systemd/system", "run/systemd/system.attached",
		"usr/local/lib/systemd/system", "lib/systemd/system", "usr/lib/systemd/system",
	} {
		dirs = append(dirs, filepath.Join(root, filepath.FromSlash(d)))
	}
	return strings.Join(dirs, ":")
}

// logNative matches the generator's debug message for a script it leaves
// to a native unit (enumerate_sysv).
var logNative = regexp.MustCompile(`^(?:Native unit for (\S+) already exists, skipping\.|Failed to detect whether (\S+) exists, skipping: .*)$`)

// RunSysvGenerator runs SysvGeneratorBinary on root and reads what it
// wrote. It runs with a clean environment, as
//
//	SYSTEMD_SYSVINIT_PATH=ROOT/etc/init.d SYSTEMD_SYSVRCND_PATH=ROOT/etc \
//	SYSTEMD_UNIT_PATH=SysvGeneratorUnitPath(ROOT) SYSTEMD_LOG_TARGET=console \
//	SYSTEMD_LOG_LEVEL=debug systemd-sysv-generator OUT OUT OUT
//
// where OUT is a fresh temporary directory (the generator writes into its
// third argument, the "late" one), kept until the test ends (Dir). SYSTEMD_UNIT_PATH keeps the host's units
// from shadowing the root's scripts. One difference with a boot remains:
// the generator takes /etc/systemd/system and /run/systemd/system of the
// host, not of the root, for the configuration directories whose symlinks
// it does not follow (path_is_config).
//
// It skips the test when the generator is not installed, and fails it when
// the generator cannot be run or writes something it does not know.
func RunSysvGenerator(t testing.TB, root string) *SysvGenerator {
	t.Helper()
	if _, err := os.Stat(SysvGeneratorBinary); err != nil {
		Unavailable(t, "oracle: no %s (needs Debian with systemd): %v", SysvGeneratorBinary, err)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	out, err := os.MkdirTemp("", "initorder-sysv-generator-")
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	env := []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		"SYSTEMD_SYSVINIT_PATH=" + filepath.Join(root, "etc", "init.d"),
		"SYSTEMD_SYSVRCND_PATH=" + filepath.Join(root, "etc"),
		"SYSTEMD_UNIT_PATH=" + SysvGeneratorUnitPath(root),
		"SYSTEMD_LOG_TARGET=console",
		"SYSTEMD_LOG_LEVEL=debug",
		"SYSTEMD_LOG_COLOR=0",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, SysvGeneratorBinary, out, out, out)
	cmd.Dir = "/"
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	err = cmd.Run()
	res := &SysvGenerator{
		Units:    map[string]*GeneratedUnit{},
		Aliases:  map[string]string{},
		Wants:    map[string][]string{},
		Dir:      out,
		Duration: time.Since(start),
		Stderr:   stderr.String(),
		Command:  strings.Join(env, " ") + " " + SysvGeneratorBinary + " OUT OUT OUT",
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("oracle: running %s: %v", SysvGeneratorBinary, err)
		}
		res.ExitCode = ee.ExitCode()
	}
	sc := bufio.NewScanner(strings.NewReader(res.Stderr))
	for sc.Scan() {
		if m := logNative.FindStringSubmatch(sc.Text()); m != nil {
			res.Native = append(res.Native, m[1]+m[2])
		}
	}
	slices.Sort(res.Native)
	if err := res.read(out, root); err != nil {
		t.Fatalf("oracle: reading what %s wrote: %v\n%s", SysvGeneratorBinary, err, lastLines(res.Stderr, 20))
	}
	return res
}

// read reads the generator's directory: unit files, alias symlinks and
// TARGET.wants/ directories.
func (res *SysvGenerator) read(out, root string) error {
	ents, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range ents {
		p := filepath.Join(out, e.Name())
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			res.Aliases[e.Name()] = target
		case e.IsDir() && strings.HasSuffix(e.Name(), ".wants"):
			links, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			target := strings.TrimSuffix(e.Name(), ".wants")
			for _, l := range links {
				res.Wants[target] = append(res.Wants[target], l.Name())
			}
			slices.Sort(res.Wants[target])
		case e.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			res.Units[e.Name()] = parseGenerated(string(data), root)
		default:
			return errors.New("unexpected " + e.Name())
		}
	}
	return nil
}

// parseGenerated reads a unit file as the generator writes it: sections,
// "Key=Value" lines and comments, nothing else.
func parseGenerated(text, root string) *GeneratedUnit {
	u := &GeneratedUnit{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		default:
			k, v, _ := strings.Cut(line, "=")
			u.Lines = append(u.Lines, GeneratedLine{Section: section, Key: k, Value: strings.ReplaceAll(v, root, "")})
		}
	}
	return u
}

// MergeSysV moves the SysV part of sysvRoot (a root of BuildRoot, with the
// rc links RunInsserv made) into unitRoot (a root of BuildUnitRoot): its
// etc/init.d, etc/rc?.d, etc/insserv.conf, etc/insserv.conf.d and
// etc/insserv, so that one root holds a Debian 12 system's units and its
// enabled init scripts, as a machine with both would. The two must be on
// one file system (two t.TempDir()s are).
func MergeSysV(t testing.TB, sysvRoot, unitRoot string) {
	t.Helper()
	for _, rel := range []string{"etc/init.d", "etc/rc0.d", "etc/rc1.d", "etc/rc2.d", "etc/rc3.d", "etc/rc4.d", "etc/rc5.d", "etc/rc6.d", "etc/rcS.d", "etc/insserv.conf", "etc/insserv.conf.d", "etc/insserv"} {
		from := filepath.Join(sysvRoot, filepath.FromSlash(rel))
		to := filepath.Join(unitRoot, filepath.FromSlash(rel))
		if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if _, err := os.Lstat(to); err == nil {
			t.Fatalf("oracle: MergeSysV: %s is already in %s", rel, unitRoot)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatalf("oracle: %v", err)
		}
		if err := os.Rename(from, to); err != nil {
			t.Fatalf("oracle: MergeSysV: %v", err)
		}
	}
}
