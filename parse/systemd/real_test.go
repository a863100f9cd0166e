package systemd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/initorder/initorder/parse/rootfs"
)

// realUnitFiles lists the unit files and drop-ins of the search path of
// fsys: regular files with unit names, and the *.conf files of NAME.d
// directories. Symlinks (aliases, links, masks) are skipped: they lead to
// files listed here or outside the path.
func realUnitFiles(t *testing.T, fsys *rootfs.FS, dirs []string) []string {
	var files []string
	for _, d := range dirs {
		ents, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			p := d + "/" + e.Name()
			switch {
			case e.Type().IsRegular() && validUnitName(e.Name(), nameAny):
				files = append(files, p)
			case e.IsDir() && strings.HasSuffix(e.Name(), ".d"):
				sub, _ := fsys.ReadDir(p)
				for _, f := range sub {
					if f.Type().IsRegular() && strings.HasSuffix(f.Name(), ".conf") {
						files = append(files, p+"/"+f.Name())
					}
				}
			}
		}
	}
	return files
}

// realUnitRoots are the roots of real units the tests read: this
// machine's own ("/", read only), and those listed in
// $INITORDER_UNIT_ROOTS (separated by ":"), e.g. Debian packages
// extracted with dpkg-deb -x.
func realUnitRoots(t *testing.T) []string {
	var roots []string
	if _, err := os.Stat("/lib/systemd/system"); err == nil {
		roots = append(roots, "/")
	}
	for _, r := range strings.Split(os.Getenv("INITORDER_UNIT_ROOTS"), ":") {
		if r != "" {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		t.Skip("no /lib/systemd/system here, and no $INITORDER_UNIT_ROOTS")
	}
	return roots
}

// TestUnitsRealRoot reads real roots: readUnits must find no error in
// them.
func TestUnitsRealRoot(t *testing.T) {
	for _, root := range realUnitRoots(t) {
		t.Run(strings.ReplaceAll(root, "/", "_"), func(t *testing.T) { testUnitsRealRoot(t, root) })
	}
}

func testUnitsRealRoot(t *testing.T, root string) {
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	us, errs, err := readUnits(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	warnings := 0
	for _, e := range errs {
		if e.Warning {
			warnings++
			t.Logf("%v", e)
		} else {
			t.Errorf("%v", e)
		}
	}
	masked, withDropIns, links := 0, 0, 0
	for _, n := range us.Names {
		u := us.ByName[n]
		if u.Masked {
			masked++
		}
		if len(u.DropIns) > 0 {
			withDropIns++
		}
		links += len(u.Wants) + len(u.Requires) + len(u.Upholds)
		if u.LoadError != nil {
			t.Errorf("%s: %v", n, u.LoadError)
		}
	}
	t.Logf("%d units (%d names), default %s, %d masked, %d with drop-ins, %d .wants/.requires/.upholds links, %d warnings",
		len(us.Names), len(us.ByName), us.Default, masked, withDropIns, links, warnings)
	if len(us.Names) < 50 {
		t.Errorf("only %d units in the search path of %s", len(us.Names), root)
	}
}

// TestParseUnitFileGoSystemd compares parseUnitFile with go-systemd's
// unit.DeserializeOptions on every unit file and drop-in of the real roots
// that go-systemd can read (it rejects lines of 2048 bytes or more and
// lines without "="; systemd reads both). go-systemd keeps a continued
// value's backslash-newline where systemd has a space, and the blanks
// before a value that starts on a continuation line ("ReadWritePaths=\"
// then "    -/etc/x"), which systemd strips: both are normalised.
// Its other known bugs (a comment ending in a backslash swallows the next
// line, a comment inside a continued value becomes part of it) are counted
// apart if a file triggers them; any other difference fails.
func TestParseUnitFileGoSystemd(t *testing.T) {
	for _, root := range realUnitRoots(t) {
		t.Run(strings.ReplaceAll(root, "/", "_"), func(t *testing.T) { testParseUnitFileGoSystemd(t, root) })
	}
}

func testParseUnitFileGoSystemd(t *testing.T, root string) {
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	us, _, err := readUnits(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := realUnitFiles(t, fsys, us.dirs)
	if len(files) == 0 {
		t.Skip("no unit files on this machine")
	}
	var parsed, equal, options, empty int
	skipped := map[string]int{}
	var buggy []string
	for _, f := range files {
		data, err := fsys.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		uf, errs := parseUnitFile(data, f)
		parsed++
		for _, e := range errs {
			if !e.Warning {
				t.Errorf("%v", e)
			}
		}
		if len(data) == 0 {
			empty++ // a mask: go-systemd reads no option either
		}
		opts, err := unit.DeserializeOptions(bytes.NewReader(data))
		if err != nil {
			skipped[goSystemdReason(err)]++
			continue
		}
		got := make([]string, len(uf.Options))
		for i, o := range uf.Options {
			got[i] = fmt.Sprintf("[%s] %s=%s", o.Section, o.Name, o.Value)
		}
		want := make([]string, len(opts))
		for i, o := range opts {
			want[i] = fmt.Sprintf("[%s] %s=%s", o.Section, o.Name, strings.TrimSpace(strings.ReplaceAll(o.Value, "\\\n", " ")))
		}
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			equal++
			options += len(got)
			continue
		}
		if goSystemdBug.Match(data) {
			buggy = append(buggy, f)
			continue
		}
		t.Errorf("%s: parseUnitFile =\n%s\ngo-systemd =\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Logf("%d files parsed (%d empty), %d equal to go-systemd's (%d options), skipped where go-systemd fails: %v; differing by go-systemd's comment bugs: %d %q",
		parsed, empty, equal, options, skipped, len(buggy), buggy)
}

// goSystemdBug matches a comment line ending in a backslash, or a comment
// line right after a line ending in one.
var goSystemdBug = regexp.MustCompile(`(?m)^[ \t]*[#;].*\\[ \t]*$|\\\n[ \t]*[#;]`)

// goSystemdReason names why go-systemd could not read a file.
func goSystemdReason(err error) string {
	switch {
	case errors.Is(err, unit.ErrLineTooLong):
		return "line of 2048 bytes or more"
	case strings.Contains(err.Error(), "unexpected newline encountered while parsing option name"):
		return "line without ="
	}
	return err.Error()
}
