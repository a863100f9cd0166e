package systemd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// This file is the differential test of the presets (issue 14): the links
// PresetAll computes for a root must be the links the real
// `systemctl --root=COPY [--preset-mode=enable-only] preset-all` leaves in
// a copy of it, and the boot read through them the boot of that copy.

// presetLinks returns the symlinks under etc/systemd/system once the
// presets are applied, as oracle.PresetAll.Links gives them: path -> file
// name of the target.
func presetLinks(t *testing.T, fsys *rootfs.FS, p *Presets) map[string]string {
	t.Helper()
	with, err := fsys.With(p.Changes())
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, l := range symlinksUnder(with, "etc/systemd/system", 0) {
		target, err := with.Readlink(l)
		if err != nil {
			t.Fatal(err)
		}
		links[l] = filepath.Base(target)
	}
	return links
}

// bootOf is the started units of a transaction, one a line, with their
// waves, and the findings: what two reads of the same boot must share.
func bootOf(t *testing.T, fsys *rootfs.FS) string {
	t.Helper()
	sd, err := Read(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, st := range graph.Order(sd.Graph).Steps {
		fmt.Fprintf(&b, "%02d %s\n", st.Wave, sd.Graph.Services[st.Service].Name)
	}
	for _, f := range append(sd.Findings, graph.Check(sd.Graph)...) {
		if f.Kind != graph.KindParseError {
			fmt.Fprintf(&b, "%s: %s\n", f.Kind, f.Message)
		}
	}
	return b.String()
}

// comparePresets runs PresetAll and the real systemctl on a copy of root
// in one mode and compares the links, then the boots.
func comparePresets(t *testing.T, root string, enableOnly bool) (same int, copied string) {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	p, err := PresetAll(fsys, enableOnly)
	if err != nil {
		t.Fatal(err)
	}
	got := presetLinks(t, fsys, p)
	copied = filepath.Join(t.TempDir(), "root")
	if out, err := exec.Command("cp", "-a", root, copied).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v: %s", err, out)
	}
	res := oracle.RunPresetAll(t, copied, enableOnly)
	if res.ExitCode != 0 {
		// A masked unit, or an alias two units claim ("already exists"),
		// makes systemctl exit 1 after it has done the rest.
		t.Logf("systemctl preset-all: exit %d", res.ExitCode)
	}
	for _, l := range slices.Sorted(func(yield func(string) bool) {
		for l := range got {
			if !yield(l) {
				return
			}
		}
	}) {
		switch want, ok := res.Links[l]; {
		case !ok:
			t.Errorf("PresetAll leaves %s -> %s, systemctl does not", l, got[l])
		case want != got[l] && slices.Contains(p.Contested[l], want):
			t.Logf("%s: PresetAll makes it -> %s, systemctl -> %s: both claim it (directory order decides)", l, got[l], want)
			same++
		case want != got[l]:
			t.Errorf("PresetAll leaves %s -> %s, systemctl -> %s", l, got[l], want)
		default:
			same++
		}
	}
	for l, want := range res.Links {
		if _, ok := got[l]; !ok {
			t.Errorf("systemctl leaves %s -> %s, PresetAll does not", l, want)
		}
	}
	linked, err := rootfs.Open(copied)
	if err != nil {
		t.Fatal(err)
	}
	defer linked.Close()
	with, err := fsys.With(p.Changes())
	if err != nil {
		t.Fatal(err)
	}
	if ours, theirs := bootOf(t, with), bootOf(t, linked); ours != theirs {
		t.Errorf("the boot through PresetAll's links differs from the boot of the root systemctl linked:\n--- ours\n%s--- systemctl's\n%s", ours, theirs)
	}
	return same, copied
}

// TestPresetAll compares PresetAll with the real systemctl on the
// hand-made roots of testdata/presets, in both modes.
func TestPresetAll(t *testing.T) {
	cases, _ := filepath.Glob("testdata/presets/*.txtar")
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/presets")
	}
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, enableOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/enable-only=%v", filepath.Base(c), enableOnly), func(t *testing.T) {
				root := t.TempDir()
				roottest.Write(t, root, ar)
				comparePresets(t, root, enableOnly)
			})
		}
	}
}

// TestPresetAllDebian: the unit root of 115 Debian 12 packages
// (oracle.BuildUnitRoot, no preset file: every unit with an [Install]
// section is enabled), at its first boot and with a full preset-all.
func TestPresetAllDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches Debian packages and runs systemctl; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages)
	root := oracle.BuildUnitRoot(t, debs, t.TempDir())
	for _, enableOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("enable-only=%v", enableOnly), func(t *testing.T) {
			same, copied := comparePresets(t, root, enableOnly)
			t.Logf("%d links agree", same)
			if same < 150 {
				t.Errorf("%d links agree, want at least 150 on the Debian root", same)
			}
			// Then the existing oracle: systemd --test boots the copy
			// systemctl linked as initorder reads it (and so, by the
			// comparison above, as initorder reads the presets).
			if enableOnly {
				compareTransaction(t, copied, "multi-user.target", 500, "")
			}
		})
	}
}

// TestPresetErrors checks the lines systemctl cannot parse are said with
// their place, as systemctl says them.
func TestPresetErrors(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/presets/basic.txtar")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	roottest.Write(t, root, ar)
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	p, err := PresetAll(fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Error())
	}
	sort.Strings(got)
	want := []string{
		`usr/lib/systemd/system-preset/30-c.preset:5: couldn't parse line "ignore b.service", ignoring (systemd 252 knows enable and disable)`,
		`usr/lib/systemd/system-preset/30-c.preset:6: couldn't parse line "bogus line", ignoring (systemd 252 knows enable and disable)`,
		`usr/lib/systemd/system-preset/30-c.preset:7: couldn't parse line "enable q.service extra": instances follow a template only, ignoring`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if want := []string{"lib/systemd/system-preset/20-b.preset", "usr/local/lib/systemd/system-preset/20-b.preset"}; slices.Contains(p.Files, want[0]) || !slices.Contains(p.Files, want[1]) {
		t.Errorf("Files = %v: want the usr/local/lib 20-b.preset, not lib's", p.Files)
	}
}

// TestFirstBootCmdline: the kernel command line decides before
// etc/machine-id.
func TestFirstBootCmdline(t *testing.T) {
	root := t.TempDir()
	fsys, err := rootfs.Open(root) // no etc/machine-id: a first boot
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	for _, tc := range []struct {
		cmdline []string
		first   bool
	}{
		{nil, true},
		{[]string{"quiet", "systemd.condition-first-boot=0"}, false},
		{[]string{"systemd.condition_first_boot=no"}, false},
		{[]string{"systemd.condition-first-boot=0", "systemd.condition-first-boot=yes"}, true},
		{[]string{"systemd.condition-first-boot"}, true},
		{[]string{"systemd.condition-first-boot=maybe"}, true}, // ignored: etc/machine-id decides
	} {
		if got, _ := FirstBoot(fsys, tc.cmdline); got != tc.first {
			t.Errorf("FirstBoot(no machine-id, %q) = %v, want %v", tc.cmdline, got, tc.first)
		}
	}
}

// TestFirstBoot reads etc/machine-id as systemd 252 does.
func TestFirstBoot(t *testing.T) {
	for _, tc := range []struct {
		name, id string // id "-": no file
		first    bool
	}{
		{"missing", "-", true},
		{"uninitialized", "uninitialized\n", true},
		{"uninitialized, no newline", "uninitialized", true},
		{"empty", "", false},
		{"an id", "0123456789abcdef0123456789abcdef\n", false},
		{"uninitialized with a blank", "uninitialized \n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.id != "-" {
				os.MkdirAll(filepath.Join(root, "etc"), 0o755)
				if err := os.WriteFile(filepath.Join(root, "etc", "machine-id"), []byte(tc.id), 0o444); err != nil {
					t.Fatal(err)
				}
			}
			fsys, err := rootfs.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			if got, why := FirstBoot(fsys, nil); got != tc.first {
				t.Errorf("FirstBoot(%q) = %v (%s), want %v", tc.id, got, why, tc.first)
			}
		})
	}
}
