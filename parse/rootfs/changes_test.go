package rootfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWith reads a root with links added and removed as if a tool had
// made them: new links in an existing directory and in directories that
// do not exist, a link replaced, one removed; the root underneath is not
// touched.
func TestWith(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"etc/init.d/a":                 "#!/bin/sh\n",
		"lib/systemd/system/a.service": "[Unit]\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"etc/rc2.d/S20old": "../init.d/a",
		"etc/rc2.d/K01a":   "../init.d/a",
		"private":          "etc",
	} {
		p := filepath.Join(dir, filepath.FromSlash(link))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	base, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	f, err := base.With(Changes{
		Links: map[string]string{
			"etc/rc2.d/S01a": "../init.d/a",
			"etc/rc2.d/K01a": "../init.d/gone",
			"etc/rc3.d/S01a": "../init.d/a",
			"etc/systemd/system/multi-user.target.wants/a.service": "/lib/systemd/system/a.service",
			"private/rc5.d/S01a": "../init.d/a",
		},
		Removed: []string{"etc/rc2.d/S20old"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []fsCase{
		{"added", "read", "etc/rc2.d/S01a", "#!/bin/sh\n", nil},
		{"listing", "readdir", "etc/rc2.d", "K01a@ S01a@", nil},
		{"replaced", "resolve", "etc/rc2.d/K01a", "etc/init.d/gone", fs.ErrNotExist},
		{"removed", "lstat", "etc/rc2.d/S20old", "", fs.ErrNotExist},
		{"new directory", "read", "etc/rc3.d/S01a", "#!/bin/sh\n", nil},
		{"new directories", "read", "etc/systemd/system/multi-user.target.wants/a.service", "[Unit]\n", nil},
		{"made directory listed", "readdir", "etc/systemd/system", "multi-user.target.wants/", nil},
		{"made where the path leads", "readdir", "etc/rc5.d", "S01a@", nil},
		{"the rest as it is", "readdir", "etc", "init.d/ rc2.d/ rc3.d/ rc5.d/ systemd/", nil},
	} {
		got, err := do(f, c.op, c.arg)
		checkErr(t, c.op, c.arg, err, c.err)
		if (c.err == nil || c.op == "resolve") && got != c.want {
			t.Errorf("%s: %s(%q) = %q, want %q", c.name, c.op, c.arg, got, c.want)
		}
	}
	// The root underneath is unchanged, on disk and as base reads it.
	if got, _ := do(base, "readdir", "etc/rc2.d"); got != "K01a@ S20old@" {
		t.Errorf("base readdir(etc/rc2.d) = %q, want K01a@ S20old@", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "etc", "rc3.d")); err == nil {
		t.Errorf("With wrote etc/rc3.d on disk")
	}
	if _, err := base.With(Changes{Links: map[string]string{"/": "x"}}); err == nil || !strings.Contains(err.Error(), "not a path") {
		t.Errorf("With(link at the root itself) = %v, want an error", err)
	}
}
