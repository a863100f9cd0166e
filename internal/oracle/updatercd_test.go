package oracle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRunUpdateRCD runs the real update-rc.d, with and without the real
// insserv, on a hand-made root: with insserv the links are insserv's
// (numbered by depth, K over S, no K in rcS.d); without it, update-rc.d's
// own S01/K01 from the header, and a script that has links keeps them.
func TestRunUpdateRCD(t *testing.T) {
	needOracle(t)
	debs := Fetch(t, CacheDir(t), []string{"insserv", "init-system-helpers"})
	insserv, helpers := Find(debs, "insserv"), Find(debs, "init-system-helpers")
	scripts := []script{
		{"a", "a", "", "2 3 4 5", ""},
		{"b", "b", "a", "2 3 4 5", ""},
		{"early", "early", "", "S", ""},
	}
	t.Run("insserv", func(t *testing.T) {
		root := handRoot(t, insserv, scripts...)
		res := RunUpdateRCD(t, helpers, insserv, root, []string{"a", "b", "early"})
		for _, c := range res.Calls {
			if c.ExitCode != 0 {
				t.Errorf("update-rc.d %s defaults: exit %d: %s", c.Name, c.ExitCode, c.Stderr)
			}
		}
		want := map[string][]string{
			"rc0.d": {"K01b", "K02a"}, "rc1.d": {"K01b", "K02a"}, "rc2.d": {"S01a", "S02b"},
			"rc3.d": {"S01a", "S02b"}, "rc4.d": {"S01a", "S02b"}, "rc5.d": {"S01a", "S02b"},
			"rc6.d": {"K01b", "K02a"}, "rcS.d": {"S01early"},
		}
		for dir, names := range want {
			if !slices.Equal(res.Links[dir], names) {
				t.Errorf("Links[%s] = %v, want %v", dir, res.Links[dir], names)
			}
		}
		if _, err := os.Stat(filepath.Join(root, "etc", "init.d", ".depend.start")); err != nil {
			t.Errorf("insserv wrote no .depend.start in the root: %v", err)
		}
	})
	t.Run("plain", func(t *testing.T) {
		root := handRoot(t, insserv, scripts...)
		if err := os.MkdirAll(filepath.Join(root, "etc", "rc3.d"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../init.d/a", filepath.Join(root, "etc", "rc3.d", "S20a")); err != nil {
			t.Fatal(err)
		}
		res := RunUpdateRCD(t, helpers, "", root, []string{"a", "b", "early"})
		want := map[string][]string{
			"rc0.d": {"K01b"}, "rc1.d": {"K01b"}, "rc2.d": {"S01b"}, "rc3.d": {"S01b", "S20a"},
			"rc4.d": {"S01b"}, "rc5.d": {"S01b"}, "rc6.d": {"K01b"}, "rcS.d": {"S01early"},
		}
		for dir, names := range want {
			if !slices.Equal(res.Links[dir], names) {
				t.Errorf("Links[%s] = %v, want %v", dir, res.Links[dir], names)
			}
		}
	})
}
