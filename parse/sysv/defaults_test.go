package sysv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/initorder/initorder/parse/rootfs"
)

// TestDefaults computes the links of update-rc.d NAME defaults on small
// roots whose links the real insserv 1.24 made by experiment (recorded
// here; the differential tests in defaults_oracle_test.go run it).
func TestDefaults(t *testing.T) {
	hdr := func(provides, body string) string {
		return "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: " + provides + "\n# Required-Stop:\n" + strings.ReplaceAll(body, "|", "\n") + "\n### END INIT INFO\n"
	}
	tests := []struct {
		name    string
		scripts map[string]string
		links   map[string]string // made before
		want    string            // the links, sorted, space-separated
	}{
		{
			name: "depth, K over S, no K in rcS",
			scripts: map[string]string{
				"a":    hdr("a", "# Required-Start:|# Default-Start: 2 3 4 5|# Default-Stop: 0 1 6"),
				"b":    hdr("b", "# Required-Start: a|# Default-Start: 2 3 4 5|# Default-Stop: 0 1 6"),
				"both": hdr("both", "# Required-Start:|# Default-Start: S 2 3|# Default-Stop: 3 0 S"),
			},
			want: "rc0.d/K01a rc0.d/K01b rc0.d/K01both rc1.d/K01a rc1.d/K01b rc2.d/S01a rc2.d/S01both rc2.d/S02b rc3.d/K01both rc3.d/S01a rc3.d/S02b rc4.d/S01a rc4.d/S02b rc5.d/S01a rc5.d/S02b rc6.d/K01a rc6.d/K01b",
		},
		{
			name: "a name no script provides orders through it",
			scripts: map[string]string{
				"a": hdr("a", "# Required-Start:|# Default-Start: 2 3 4 5|# Default-Stop:"),
				"b": hdr("b", "# Required-Start: a|# X-Start-Before: virt|# Default-Start: 2 3 4 5|# Default-Stop:"),
				"c": hdr("c", "# Required-Start:|# Should-Start: virt|# Default-Start: 2 3 4 5|# Default-Stop:"),
			},
			want: "rc2.d/S01a rc2.d/S02b rc2.d/S03c rc3.d/S01a rc3.d/S02b rc3.d/S03c rc4.d/S01a rc4.d/S02b rc4.d/S03c rc5.d/S01a rc5.d/S02b rc5.d/S03c",
		},
		{
			name: "an interactive script's bump counts the name a level",
			scripts: map[string]string{
				"i": hdr("i", "# Required-Start:|# X-Interactive: true|# Default-Start: 2|# Default-Stop:"),
				"a": hdr("a", "# Required-Start:|# Default-Start: 2|# Default-Stop:"),
				"b": hdr("b", "# Required-Start: a|# X-Start-Before: virt|# Default-Start: 2|# Default-Stop:"),
				"c": hdr("c", "# Required-Start:|# Should-Start: virt|# Default-Start: 2|# Default-Stop:"),
			},
			want: "rc2.d/S01i rc2.d/S02a rc2.d/S03b rc2.d/S05c",
		},
		{
			name: "existing links keep their runlevels, dangling ones go",
			scripts: map[string]string{
				"c":      hdr("c", "# Required-Start:|# Default-Start: 2 3 4 5|# Default-Stop: 0 1 6"),
				"d":      hdr("d", "# Required-Start:|# Default-Start: 2 3 4 5|# Default-Stop: 0 1 6"),
				"e":      hdr("e", "# Required-Start: c|# Default-Start: 2 3 4 5|# Default-Stop:"),
				"legacy": "#!/bin/sh\n",
			},
			links: map[string]string{"etc/rc3.d/S05c": "../init.d/c", "etc/rc2.d/K01d": "../init.d/d", "etc/rc2.d/S09gone": "../init.d/gone"},
			want:  "rc2.d/K01d rc2.d/S02e rc3.d/S01c rc3.d/S02e rc4.d/S02e rc5.d/S02e",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, text := range tc.scripts {
				p := filepath.Join(root, "etc", "init.d", name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for p, target := range tc.links {
				full := filepath.Join(root, filepath.FromSlash(p))
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.Symlink(target, full); err != nil {
					t.Fatal(err)
				}
			}
			_, d := openDefaults(t, root)
			var got []string
			for _, l := range d.Links {
				got = append(got, strings.TrimPrefix(l.Path, "etc/"))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("Defaults links =\n %s\nwant\n %s", g, tc.want)
			}
			for p := range tc.links {
				if !strings.Contains(p, "gone") {
					continue
				}
				if !strings.Contains(strings.Join(d.Removed, " "), p) {
					t.Errorf("Removed = %v, want the dangling %s", d.Removed, p)
				}
			}
		})
	}
}

// openDefaults opens root and computes its Defaults; the root is closed
// when the test ends.
func openDefaults(t *testing.T, root string) (*rootfs.FS, *DefaultLinks) {
	t.Helper()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	d, err := Defaults(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, d
}
