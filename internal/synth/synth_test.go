package synth

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// digest hashes a tree: every path, its type, and a file's contents or a
// link's target.
func digest(t *testing.T, root string) (string, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s %v\n", rel, d.Type())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "-> %s\n", target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n
}

func TestDeterministic(t *testing.T) {
	for _, tc := range []struct {
		kind      string
		gen       func(string, int, uint64) error
		wantFiles int // regular files for n = 400
	}{
		{"sysv", SysV, 400 + 1},
		// 400 services, 22 targets and units, 1 type drop-in, 36 sockets,
		// 14 timers, 57 drop-ins, 0 masked twins, 2 templates.
		{"systemd", Systemd, 400 + 22 + 1 + 36 + 14 + 57 + 2 + 1}, // + etc/machine-id
		// 400 services and 22 targets and units.
		{"systemd-light", SystemdLight, 400 + 22 + 1}, // + etc/machine-id
		// 400 jobs, mountall, rc-sysinit, 8 overrides.
		{"upstart", Upstart, 400 + 2 + 8},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
			for _, g := range []struct {
				dir  string
				seed uint64
			}{{a, 1}, {b, 1}, {c, 2}} {
				if err := tc.gen(g.dir, 400, g.seed); err != nil {
					t.Fatal(err)
				}
			}
			da, files := digest(t, a)
			db, _ := digest(t, b)
			dc, _ := digest(t, c)
			if da != db {
				t.Errorf("two trees of seed 1 differ")
			}
			if da == dc {
				t.Errorf("seeds 1 and 2 give the same tree")
			}
			if files != tc.wantFiles {
				t.Errorf("%d files, want %d", files, tc.wantFiles)
			}
		})
	}
}

func TestLayout(t *testing.T) {
	l := Layout("systemd", 4000, 100, 5)
	if !bytes.Equal(l, Layout("systemd", 4000, 100, 5)) {
		t.Fatal("Layout is not deterministic")
	}
	text := string(l)
	if got := strings.Count(text, "[node "); got != 100 {
		t.Errorf("%d nodes, want 100", got)
	}
	if got := strings.Count(text, "[role "); got != 10 {
		t.Errorf("%d roles, want 10", got)
	}
	sets := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "roles = ") {
			sets[line] = true
		}
	}
	if len(sets) != 5 {
		t.Errorf("%d role sets, want 5", len(sets))
	}
	leaves := Leaves("systemd", 4000)
	if len(leaves) != 100 || leaves[0] != "svc-03900.service" {
		t.Errorf("Leaves = %d names from %q, want 100 from svc-03900.service", len(leaves), leaves[0])
	}
	for _, s := range leaves {
		if !strings.Contains(text, s) {
			t.Errorf("%s is in no role", s)
		}
	}
	if !strings.Contains(text, "svc-03800.service") {
		t.Errorf("role000 does not hold a service of the layer below the leaves")
	}
}
