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
