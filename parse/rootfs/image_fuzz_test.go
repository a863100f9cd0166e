package rootfs

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzImage applies three arbitrary layers (tars, plain or gzip, or
// garbage) as an OCI image whose digests match them, so that the input
// reaches the layer reader, and reads the root. Properties: those of
// FuzzTar for every layer, and no whiteout is ever a file of the root.
func FuzzImage(f *testing.F) {
	f.Add(tarBytes(f, []member{dir("etc/"), reg("etc/a", "a"), reg("etc/init.d/x", "x"), sym("etc/rc2.d/S01x", "../init.d/x")}),
		tarBytes(f, []member{wh("etc/.wh.a"), wh("etc/init.d/.wh..wh..opq"), reg("etc/init.d/y", "y")}),
		tarBytes(f, []member{wh(".wh.etc"), reg("etc/b", "b")}))
	f.Add(tarBytes(f, []member{dir("private/etc/"), sym("etc", "/private/etc"), reg("opt/x.service", "[Unit]\n")}),
		tarBytes(f, []member{reg("etc/c", "c"), wh("etc/.wh.c"), {name: "etc/hl", typ: tar.TypeLink, link: "opt/x.service"}}),
		gzipBytes(f, tarBytes(f, []member{sym("etc/systemd/system/x.service", "/opt/x.service"), reg("etc", "file over a symlink"), wh("../../.wh.opt")})))
	f.Add([]byte("not a tar"), []byte{}, tarBytes(f, []member{reg("etc/a/.wh..wh..opq", ""), dir("etc/a/")}))
	names := []string{
		".", "etc", "etc/a", "etc/init.d/x", "etc/rc2.d/S01x", "etc/systemd/system/x.service",
		"private/etc/c", "/dev/null", "a/../../b",
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, l1, l2, l3 []byte) {
		p := filepath.Join(dir, "image")
		os.RemoveAll(p)
		writeRawOCI(t, p, [][]byte{l1, l2, l3})
		fsys, err := Open(p)
		if err != nil {
			return
		}
		defer fsys.Close()
		probeRoot(t, fsys, names)
		var walk func(d string, depth int)
		walk = func(d string, depth int) {
			ents, _ := fsys.ReadDir(d)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), whiteoutPrefix) {
					t.Errorf("%s/%s: a whiteout is a file of the root", d, e.Name())
				}
				if e.IsDir() && depth < 8 {
					walk(join(d, e.Name()), depth+1)
				}
			}
		}
		walk(".", 0)
	})
}

// FuzzImageArchive opens arbitrary bytes as an image archive, as they are
// and compressed with gzip (docker save | gzip): never a panic, and an
// archive that opens reads as a root (probeRoot's properties).
func FuzzImageArchive(f *testing.F) {
	d := f.TempDir()
	img := testImage{layers: [][]member{{dir("etc/"), reg("etc/init.d/a", "a")}, {wh("etc/init.d/.wh.a"), reg("etc/init.d/b", "b")}}, tag: "v1"}
	writeDocker(f, filepath.Join(d, "docker.tar"), img)
	writeOCI(f, filepath.Join(d, "oci"), img)
	tarDir(f, filepath.Join(d, "oci"), filepath.Join(d, "oci.tar"))
	for _, name := range []string{"docker.tar", "oci.tar"} {
		data, err := os.ReadFile(filepath.Join(d, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(tarBytes(f, []member{reg("manifest.json", `[{"Config":"c.json","Layers":["l"]}]`), sym("c.json", "manifest.json"), sym("l", "l")}))
	names := []string{".", "etc", "etc/init.d/a", "etc/init.d/b", "manifest.json"}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, gzipBytes(t, data)} {
			p := filepath.Join(dir, "image.tar")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, root := range []string{p, "docker-archive:" + p, "oci-archive:" + p} {
				fsys, err := Open(root)
				if err != nil {
					continue
				}
				probeRoot(t, fsys, names)
				fsys.Close()
			}
		}
	})
}
