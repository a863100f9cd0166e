package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the renderer in a process of its
// own: go-graphviz picks its cache in package init, so only a new process
// shows which cache a render uses.
func TestMain(m *testing.M) {
	if os.Getenv("INITORDER_RENDER_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// renderProc renders dot to SVG in a new process with TMPDIR and
// XDG_CACHE_HOME set.
func renderProc(t *testing.T, tmpdir, cacheHome string) (stdout, stderr string, err error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-T", "svg")
	cmd.Env = append(os.Environ(), "INITORDER_RENDER_TEST_MAIN=1", "TMPDIR="+tmpdir, "XDG_CACHE_HOME="+cacheHome)
	cmd.Stdin = strings.NewReader(dot)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestCacheNotShared is issue 19's attack on the renderer: another local
// user creates $TMPDIR/go-graphviz first and puts native code in it with
// a valid checksum. The renderer must neither write nor read there, and
// must refuse a private cache that is not private.
func TestCacheNotShared(t *testing.T) {
	shared := t.TempDir()
	home := t.TempDir()

	// A render fills the private cache and leaves the shared TMPDIR alone.
	out, errOut, err := renderProc(t, shared, home)
	if err != nil || !strings.HasPrefix(out, "<?xml") {
		t.Fatalf("render: %v, stdout %.20q, stderr %q", err, out, errOut)
	}
	if _, err := os.Lstat(filepath.Join(shared, "go-graphviz")); err == nil {
		t.Errorf("render wrote %s/go-graphviz: the shared TMPDIR", shared)
	}
	private := filepath.Join(home, "initorder-render")
	if fi, err := os.Stat(private); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private cache %s: %v, %v; want a directory of mode 0700", private, fi, err)
	}
	cached := cacheFiles(t, filepath.Join(private, "go-graphviz"))
	if len(cached) == 0 {
		t.Fatalf("no compiled code cached under %s", private)
	}

	// The plant: the same files with their native code replaced by int3
	// (0xCC) and the checksum made right again.
	plant := func(dir string) {
		for rel, b := range cached {
			p := filepath.Join(dir, "go-graphviz", rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, trap(t, b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The plant is live: as this user's own private cache, it kills the
	// renderer (so the cases below would fail if it were used).
	live := t.TempDir()
	if err := os.Mkdir(filepath.Join(live, "initorder-render"), 0o700); err != nil {
		t.Fatal(err)
	}
	plant(filepath.Join(live, "initorder-render"))
	if out, errOut, err := renderProc(t, t.TempDir(), live); err == nil {
		t.Fatalf("the planted code did not run from a private cache: stdout %.20q, stderr %q; the test's plant is broken", out, errOut)
	}

	// Planted in the shared TMPDIR: unused, the render succeeds.
	attacker := t.TempDir()
	plant(attacker)
	if out, errOut, err := renderProc(t, attacker, t.TempDir()); err != nil || !strings.HasPrefix(out, "<?xml") {
		t.Errorf("render with code planted in TMPDIR/go-graphviz: %v, stdout %.20q, stderr %q", err, out, errOut)
	}

	// A private cache open to others, or owned by another user, is refused
	// and said so.
	refused := func(why, want string) {
		t.Helper()
		out, errOut, err := renderProc(t, t.TempDir(), live)
		if err != nil || !strings.HasPrefix(out, "<?xml") || !strings.Contains(errOut, "not cached") || !strings.Contains(errOut, want) {
			t.Errorf("render with a planted cache %s: %v, stdout %.20q, stderr %q; want a render and a note with %q", why, err, out, errOut, want)
		}
	}
	if err := os.Chmod(filepath.Join(live, "initorder-render"), 0o777); err != nil {
		t.Fatal(err)
	}
	refused("of mode 0777", "mode 0777")
	if os.Geteuid() != 0 {
		t.Log("not root: the case of a cache owned by another user is not tried")
		return
	}
	if err := os.Chmod(filepath.Join(live, "initorder-render"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(live, "initorder-render"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	refused("owned by uid 65534", "owned by uid 65534")
}

// cacheFiles reads every regular file under dir, by path relative to dir.
func cacheFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// trap returns a copy of a wazero compilation-cache file with its native
// code filled with int3 and its CRC-32C fixed. The file is: magic (6
// bytes), version length (1) and version, function count (4), one offset
// (8) per function, code length (8), code, CRC-32C of the code (4), the
// rest (wazero 1.10, internal/engine/wazevo/engine_cache.go).
func trap(t *testing.T, b []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	if len(b) < 7 {
		t.Fatalf("cache file of %d bytes", len(b))
	}
	off := 7 + int(b[6])
	n := int(binary.LittleEndian.Uint32(b[off:]))
	off += 4 + 8*n
	size := int(binary.LittleEndian.Uint64(b[off:]))
	off += 8
	if off+size+4 > len(b) {
		t.Fatalf("cache file of %d bytes: code of %d bytes at %d does not fit", len(b), size, off)
	}
	code := b[off : off+size]
	for i := range code {
		code[i] = 0xCC
	}
	binary.LittleEndian.PutUint32(b[off+size:], crc32.Checksum(code, crc32.MakeTable(crc32.Castagnoli)))
	return b
}
