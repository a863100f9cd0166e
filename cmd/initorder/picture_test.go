package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/initorder/initorder/internal/oracle"
)

// debianPictures returns the unit root of 115 Debian 12 packages
// (oracle.BuildUnitRoot, fetched at test time), with initorder-render on
// PATH; it skips in -short.
func debianPictures(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("fetches Debian packages; not in -short")
	}
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages)
	root := oracle.BuildUnitRoot(t, debs, t.TempDir())
	t.Setenv("PATH", renderBin(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	return root
}

// TestPictureDebian draws the boot of a real root, the units of 115
// Debian 12 packages (oracle.BuildUnitRoot, fetched at test time), as
// DOT, SVG and PNG through initorder-render: every service of the boot is
// drawn, and the pictures decode. INITORDER_PICTURES=DIR keeps them in
// DIR: docs/boot-network.{png,svg} were made so.
func TestPictureDebian(t *testing.T) {
	root := debianPictures(t)
	keep := os.Getenv("INITORDER_PICTURES")
	for _, pic := range []struct {
		name string
		args []string
	}{
		{"ssh", []string{"--target", "multi-user.target", "--focus", "ssh.service", "--depth", "1", "--reduce"}},
		{"network", []string{"--target", "multi-user.target", "--focus", "network.target", "--depth", "1", "--reduce"}},
	} {
		t.Run(pic.name, func(t *testing.T) {
			dir := t.TempDir()
			if keep != "" {
				dir = keep
			}
			for _, format := range []string{"dot", "svg", "png"} {
				out := filepath.Join(dir, "boot-"+pic.name+"."+format)
				initorder(t, append([]string{"graph", "--root", root, "--init", "systemd", "--format", format, "-o", out}, pic.args...)...)
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				switch format {
				case "dot":
					if n := bytes.Count(data, []byte(" -> ")); n < 10 {
						t.Errorf("%s: %d edges, want a real boot's", out, n)
					}
				case "svg":
					if !bytes.Contains(data, []byte("<svg")) || !bytes.Contains(data, []byte("ssh.service")) && pic.name == "ssh" {
						t.Errorf("%s: not the SVG of the ssh boot", out)
					}
				case "png":
					img, err := png.Decode(bytes.NewReader(data))
					if err != nil {
						t.Fatalf("%s: %v", out, err)
					}
					t.Logf("%s: %v pixels", out, img.Bounds().Size())
				}
			}
		})
	}
}
