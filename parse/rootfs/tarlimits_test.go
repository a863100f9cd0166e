package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openLimits writes the archive of ms and opens it with the limits l.
func openLimits(t testing.TB, ms []member, l tarLimits) *FS {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(p, tarBytes(t, ms), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := openTarLimits(p, l)
	if err != nil {
		t.Fatalf("openTarLimits: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestTarLimits: an archive past a limit of the index is read up to it,
// with a problem that says where it stopped (ErrPartial); members no file
// system holds are left out and counted; contents past their limit are
// not kept. What was read stays readable.
func TestTarLimits(t *testing.T) {
	var many []member
	for i := range 20 {
		many = append(many, member{name: fmt.Sprintf("etc/init.d/s%02d", i), typ: tar.TypeReg, data: "script"})
	}
	long := strings.Repeat("n", 256)
	for _, tc := range []struct {
		name     string
		ms       []member
		l        tarLimits
		read     []string // read back
		missing  []string // not in the root
		notKept  []string // in the root, contents not kept
		problems []string // each a part of one problem, in order
		partial  bool
	}{
		{
			name: "index bytes", ms: many, l: tarLimits{kept: 1 << 20, index: 10 * (entryCost + 16), headers: 100},
			// etc and etc/init.d are implied: two entries more.
			read: []string{"etc/init.d/s00", "etc/init.d/s07"}, missing: []string{"etc/init.d/s08", "etc/init.d/s19"},
			problems: []string{`reading stopped at member 9 ("etc/init.d/s08"), where the index would pass 0 MiB (names, link targets and 176 bytes an entry): the rest of the archive is not read`},
			partial:  true,
		},
		{
			name: "headers", ms: many, l: tarLimits{kept: 1 << 20, index: 1 << 20, headers: 5},
			read: []string{"etc/init.d/s04"}, missing: []string{"etc/init.d/s05"},
			problems: []string{`reading stopped at member 6 ("etc/init.d/s05"), past 5 headers`},
			partial:  true,
		},
		{
			name: "names no file system holds",
			ms: []member{
				{name: "etc/" + long + "/x", typ: tar.TypeReg, data: "x"},
				{name: "etc/" + strings.Repeat("d/", 2046) + "x", typ: tar.TypeReg, data: "x"},
				{name: "etc/far", typ: tar.TypeSymlink, link: strings.Repeat("d/", 2048)},
				{name: "etc/" + long[:255], typ: tar.TypeReg, data: "255 bytes"},
				{name: "etc/near", typ: tar.TypeSymlink, link: long[:255]},
			},
			l:        defaultTarLimits,
			read:     []string{"etc/" + long[:255], "etc/near"},
			missing:  []string{"etc/" + long, "etc/far", "etc/d"},
			problems: []string{`3 members left out: a name of 4096 bytes or more or with a component of more than 255, or a symlink target of 4096 bytes or more, which no file system holds (the first: "etc/nnnnnn`},
		},
		{
			name: "contents", ms: many[:4], l: tarLimits{kept: 13, index: 1 << 20, headers: 100},
			read: []string{"etc/init.d/s00", "etc/init.d/s01"}, notKept: []string{"etc/init.d/s02", "etc/init.d/s03"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := openLimits(t, tc.ms, tc.l)
			for _, name := range tc.read {
				if _, err := f.ReadFile(name); err != nil {
					t.Errorf("ReadFile(%.40q) = %v, want its contents", name, err)
				}
			}
			for _, name := range tc.missing {
				if _, err := f.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Lstat(%.40q) = %v, want it missing", name, err)
				}
			}
			for _, name := range tc.notKept {
				if _, err := f.ReadFile(name); !errors.Is(err, ErrNotKept) || !strings.Contains(err.Error(), "over the 0 MiB kept") {
					t.Errorf("ReadFile(%.40q) = %v, want ErrNotKept, over the limit", name, err)
				}
			}
			ps := f.Problems()
			if len(ps) != len(tc.problems) {
				t.Fatalf("Problems() = %v, want %d", ps, len(tc.problems))
			}
			for k, p := range ps {
				if !strings.Contains(p.Error(), tc.problems[k]) {
					t.Errorf("problem %d = %q, want it to contain %q", k, p, tc.problems[k])
				}
				if errors.Is(p, ErrPartial) != (tc.partial && k == len(ps)-1) {
					t.Errorf("problem %q: errors.Is ErrPartial = %v", p, !tc.partial)
				}
			}
		})
	}
}
