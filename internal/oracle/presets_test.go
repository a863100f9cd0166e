package oracle

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRunPresetAll runs the real systemctl preset-all on a hand-made root,
// in both modes: enable-only leaves the link of a unit the presets
// disable; the full mode removes it.
func TestRunPresetAll(t *testing.T) {
	write := func(t *testing.T, root, name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mkroot := func(t *testing.T) string {
		root := t.TempDir()
		install := "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"
		write(t, root, "lib/systemd/system/on.service", install)
		write(t, root, "lib/systemd/system/off.service", install)
		write(t, root, "lib/systemd/system/multi-user.target", "[Unit]\n")
		write(t, root, "lib/systemd/system-preset/50-test.preset", "disable off.service\n")
		dir := filepath.Join(root, "etc", "systemd", "system", "multi-user.target.wants")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/lib/systemd/system/off.service", filepath.Join(dir, "off.service")); err != nil {
			t.Fatal(err)
		}
		return root
	}
	for _, tc := range []struct {
		enableOnly bool
		want       map[string]string
		removed    []string
	}{
		{true, map[string]string{
			"etc/systemd/system/multi-user.target.wants/on.service":  "on.service",
			"etc/systemd/system/multi-user.target.wants/off.service": "off.service",
		}, nil},
		{false, map[string]string{
			"etc/systemd/system/multi-user.target.wants/on.service": "on.service",
		}, []string{"etc/systemd/system/multi-user.target.wants/off.service"}},
	} {
		res := RunPresetAll(t, mkroot(t), tc.enableOnly)
		if res.ExitCode != 0 || !maps.Equal(res.Links, tc.want) || !slices.Equal(res.Removed, tc.removed) {
			t.Errorf("RunPresetAll(enableOnly %v): exit %d, links %v, removed %v; want %v, removed %v\n%s",
				tc.enableOnly, res.ExitCode, res.Links, res.Removed, tc.want, tc.removed, res.Stderr)
		}
		if want := []string{"etc/systemd/system/multi-user.target.wants/on.service"}; !slices.Equal(res.Created, want) {
			t.Errorf("RunPresetAll(enableOnly %v): created %v, want %v", tc.enableOnly, res.Created, want)
		}
	}
}
