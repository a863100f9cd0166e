package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOverlay(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "run", "systemd", "system"), 0o755)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "fstab"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "run", "systemd", "system", "own.service"), []byte("own"), 0o644)
	base, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	f := base.Overlay(map[string]Entry{
		"run/systemd/generator/a.mount":                          {Data: []byte("[Mount]\n")},
		"run/systemd/generator/local-fs.target.requires/a.mount": {Link: "../a.mount"},
		"run/systemd/generator.early/x.service":                  {Link: "/dev/null"},
		"etc/fstab":                                              {Data: []byte("hidden")},
	})
	if b, err := f.ReadFile("run/systemd/generator/local-fs.target.requires/a.mount"); err != nil || string(b) != "[Mount]\n" {
		t.Errorf("ReadFile through an overlaid link = %q, %v", b, err)
	}
	if r, err := f.Resolve("run/systemd/generator/local-fs.target.requires/a.mount"); err != nil || r != "run/systemd/generator/a.mount" {
		t.Errorf("Resolve = %q, %v", r, err)
	}
	if !f.IsDevNull("run/systemd/generator.early/x.service") {
		t.Errorf("an overlaid link to /dev/null is not /dev/null")
	}
	if b, _ := f.ReadFile("etc/fstab"); string(b) != "hidden" {
		t.Errorf("an entry does not hide the root's file: %q", b)
	}
	names := func(d string) string {
		ents, err := f.ReadDir(d)
		if err != nil {
			t.Fatalf("ReadDir(%s): %v", d, err)
		}
		var s []string
		for _, e := range ents {
			s = append(s, e.Name()+":"+e.Type().String())
		}
		return strings.Join(s, " ")
	}
	if got, want := names("run/systemd"), "generator:d--------- generator.early:d--------- system:d---------"; got != want {
		t.Errorf("ReadDir(run/systemd) = %s, want %s", got, want)
	}
	if got, want := names("run/systemd/generator"), "a.mount:---------- local-fs.target.requires:d---------"; got != want {
		t.Errorf("ReadDir(generator) = %s, want %s", got, want)
	}
	if b, _ := base.ReadFile("etc/fstab"); string(b) != "x" {
		t.Errorf("the base changed")
	}
	if _, err := base.Lstat("run/systemd/generator"); err == nil {
		t.Errorf("the base has the overlay's directory")
	}
}
