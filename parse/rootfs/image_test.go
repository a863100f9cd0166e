package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// The images of these tests are written here, byte by byte, in the OCI
// image layout (image-layout.md, manifest.md, config.md) and in docker
// save's format, so that each hostile variant can be written too. The
// images umoci and skopeo build are read in cmd/initorder's image tests.

// testImage is an image to write: its layers, each a tar of members, and
// its command.
type testImage struct {
	layers [][]member
	gzip   bool // compress the layers
	cmd    []string
	tag    string // the ref.name annotation ("" for none)
}

// blobWriter writes content-addressed blobs into a layout directory.
type blobWriter struct {
	t   testing.TB
	dir string
}

func (w blobWriter) blob(data []byte) (digest string) {
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	p := filepath.Join(w.dir, "blobs", "sha256", h)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return "sha256:" + h
}

func (w blobWriter) file(name string, data []byte) {
	if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// layerBlobs returns the layers as they go in blobs (compressed or not)
// and their diff_ids.
func (img testImage) layerBlobs(t testing.TB) (blobs [][]byte, diffIDs []string) {
	for _, l := range img.layers {
		raw := tarBytes(t, l)
		sum := sha256.Sum256(raw)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		if img.gzip {
			raw = gzipBytes(t, raw)
		}
		blobs = append(blobs, raw)
	}
	return blobs, diffIDs
}

func (img testImage) config(t testing.TB, diffIDs []string) []byte {
	return mustJSON(t, map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Cmd": img.cmd},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
}

// writeOCI writes img as an OCI image layout in dir.
func writeOCI(t testing.TB, dir string, imgs ...testImage) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := blobWriter{t, dir}
	w.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	var ms []descriptor
	for _, img := range imgs {
		blobs, diffIDs := img.layerBlobs(t)
		cfg := img.config(t, diffIDs)
		man := map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": descriptor{"application/vnd.oci.image.config.v1+json", w.blob(cfg), len(cfg), nil},
		}
		var layers []descriptor
		for _, b := range blobs {
			mt := "application/vnd.oci.image.layer.v1.tar"
			if img.gzip {
				mt += "+gzip"
			}
			layers = append(layers, descriptor{mt, w.blob(b), len(b), nil})
		}
		man["layers"] = layers
		mb := mustJSON(t, man)
		d := descriptor{"application/vnd.oci.image.manifest.v1+json", w.blob(mb), len(mb), nil}
		if img.tag != "" {
			d.Annotations = map[string]string{"org.opencontainers.image.ref.name": img.tag}
		}
		ms = append(ms, d)
	}
	w.file("index.json", mustJSON(t, map[string]any{"schemaVersion": 2, "manifests": ms}))
}

// writeDocker writes img as a docker save archive at path.
func writeDocker(t testing.TB, path string, img testImage) {
	t.Helper()
	blobs, diffIDs := img.layerBlobs(t)
	ms := []member{{name: "config.json", typ: tar.TypeReg, data: string(img.config(t, diffIDs))}}
	var names []string
	for i, b := range blobs {
		n := fmt.Sprintf("%d/layer.tar", i)
		names = append(names, n)
		ms = append(ms, member{name: n, typ: tar.TypeReg, data: string(b)})
	}
	tags := []string{}
	if img.tag != "" {
		tags = append(tags, img.tag)
	}
	ms = append(ms, member{name: "manifest.json", typ: tar.TypeReg, data: string(mustJSON(t, []map[string]any{{"Config": "config.json", "RepoTags": tags, "Layers": names}}))})
	if err := os.WriteFile(path, tarBytes(t, ms), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tarDir packs the directory dir (regular files and directories) into a
// tar at path, as skopeo's oci-archive does.
func tarDir(t testing.TB, dir, path string) {
	t.Helper()
	var ms []member
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			ms = append(ms, member{name: filepath.ToSlash(rel) + "/", typ: tar.TypeDir})
			return nil
		}
		data, err := os.ReadFile(p)
		ms = append(ms, member{name: filepath.ToSlash(rel), typ: tar.TypeReg, data: string(data)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, tarBytes(t, ms), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dump lists the whole root: each name with its type, a symlink's target
// and a regular file's contents (or why they are not there), sorted.
func dump(t testing.TB, f *FS) string {
	t.Helper()
	var lines []string
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := f.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir(%q): %v", dir, err)
		}
		for _, e := range ents {
			p := join(dir, e.Name())
			switch {
			case e.IsDir():
				lines = append(lines, p+"/")
				walk(p)
			case e.Type()&fs.ModeSymlink != 0:
				target, _ := f.Readlink(p)
				lines = append(lines, p+" -> "+target)
			default:
				data, err := f.ReadFile(p)
				if err != nil {
					lines = append(lines, p+" ("+err.Error()+")")
				} else {
					lines = append(lines, p+" = "+string(data))
				}
			}
		}
	}
	walk(".")
	return strings.Join(lines, "\n")
}

func reg(name, data string) member { return member{name: name, typ: tar.TypeReg, data: data} }
func dir(name string) member       { return member{name: name, typ: tar.TypeDir} }
func sym(name, link string) member { return member{name: name, typ: tar.TypeSymlink, link: link} }
func wh(name string) member        { return member{name: name, typ: tar.TypeReg} }

// TestLayers applies layers as a container runtime does (OCI image spec,
// layer.md "Applying Changesets" and "Whiteouts").
func TestLayers(t *testing.T) {
	base := []member{
		dir("etc/"), reg("etc/a", "a1"), reg("etc/b", "b1"),
		dir("etc/init.d/"), reg("etc/init.d/x", "x1"), reg("etc/init.d/y", "y1"),
	}
	for _, tc := range []struct {
		name   string
		layers [][]member
		want   string
	}{
		{"one layer", [][]member{base},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"overwrite", [][]member{base, {reg("etc/a", "a2")}},
			"etc/\netc/a = a2\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"whiteout file", [][]member{base, {wh("etc/.wh.a")}},
			"etc/\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"whiteout dir", [][]member{base, {wh("etc/.wh.init.d")}},
			"etc/\netc/a = a1\netc/b = b1"},
		{"whiteout then recreate", [][]member{base, {wh("etc/.wh.init.d")}, {reg("etc/init.d/z", "z3")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/z = z3"},
		{"whiteout of what the layer adds, after it", [][]member{base, {reg("etc/init.d/z", "z2"), wh("etc/.wh.init.d")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/z = z2"},
		{"whiteout of what the layer adds, before it", [][]member{base, {wh("etc/.wh.init.d"), reg("etc/init.d/z", "z2")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/z = z2"},
		{"whiteout of a file the layer rewrites", [][]member{base, {reg("etc/a", "a2"), wh("etc/.wh.a")}},
			"etc/\netc/a = a2\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"opaque after", [][]member{base, {dir("etc/init.d/"), reg("etc/init.d/z", "z2"), wh("etc/init.d/.wh..wh..opq")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/z = z2"},
		{"opaque before", [][]member{base, {wh("etc/init.d/.wh..wh..opq"), reg("etc/init.d/z", "z2")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/z = z2"},
		{"opaque root", [][]member{base, {wh(".wh..wh..opq"), reg("etc/c", "c2")}},
			"etc/\netc/c = c2"},
		{"nested whiteouts", [][]member{base, {wh("etc/init.d/.wh.x"), wh("etc/.wh.init.d"), wh("etc/init.d/.wh..wh..opq"), wh(".wh.etc"), reg("etc/init.d/w", "w2")}},
			"etc/\netc/init.d/\netc/init.d/w = w2"},
		{"whiteout of nothing", [][]member{base, {wh("etc/.wh.gone"), wh("gone/.wh.x"), wh("gone/.wh..wh..opq")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"aufs metadata ignored", [][]member{base, {wh(".wh..wh.plnk"), dir(".wh..wh.orph/"), wh("etc/.wh..wh.aufs")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"whiteouts that would climb", [][]member{base, {wh("../../.wh.etc"), wh("etc/.wh..."), wh("etc/.wh.."), wh("etc/.wh.")}},
			""},
		{"file over directory", [][]member{base, {reg("etc/init.d", "now a file")}},
			"etc/\netc/a = a1\netc/b = b1\netc/init.d = now a file"},
		{"directory over file, then its files", [][]member{base, {dir("etc/a/"), reg("etc/a/in", "in2")}},
			"etc/\netc/a/\netc/a/in = in2\netc/b = b1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"through a symlinked directory", [][]member{
			{dir("private/etc/"), reg("private/etc/a", "a1"), reg("private/etc/b", "b1"), sym("etc", "/private/etc")},
			{reg("etc/c", "c2"), wh("etc/.wh.a")}},
			"etc -> /private/etc\nprivate/\nprivate/etc/\nprivate/etc/b = b1\nprivate/etc/c = c2"},
		{"through a symlink that climbs out", [][]member{
			{sym("etc", "../../../.."), reg("x", "x1"), reg("y", "y1")},
			{reg("etc/x", "x2"), wh("etc/.wh.y"), reg("etc/../../z", "z2")}},
			"etc -> ../../../..\nx = x2\nz = z2"},
		{"hard link to a lower file, which a whiteout removes", [][]member{
			base, {{name: "etc/hl", typ: tar.TypeLink, link: "etc/a"}}, {wh("etc/.wh.a")}},
			"etc/\netc/b = b1\netc/hl = a1\netc/init.d/\netc/init.d/x = x1\netc/init.d/y = y1"},
		{"symlink to a lower file outside the kept directories", [][]member{
			{reg("opt/x.service", "[Unit]\n")}, {sym("etc/systemd/system/x.service", "/opt/x.service")}},
			"etc/\netc/systemd/\netc/systemd/system/\netc/systemd/system/x.service -> /opt/x.service\nopt/\nopt/x.service = [Unit]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "whiteouts that would climb" {
				tc.want = "" // etc is whited out at the root; the rest names nothing
			}
			d := t.TempDir()
			writeOCI(t, d, testImage{layers: tc.layers})
			f, err := Open(d)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := dump(t, f); got != tc.want {
				t.Errorf("layers:\n%v\nread as\n%s\nwant\n%s", tc.layers, got, tc.want)
			}
		})
	}
}

// TestImageFormats reads one image written in each format and through
// each way of naming it.
func TestImageFormats(t *testing.T) {
	img := testImage{
		layers: [][]member{
			{dir("etc/"), dir("etc/init.d/"), reg("etc/init.d/a", "a1"), reg("etc/init.d/b", "b1"), sym("etc/rc2.d/S01a", "../init.d/a")},
			{reg("etc/init.d/a", "a2"), wh("etc/init.d/.wh.b"), sym("sbin/init", "/lib/systemd/systemd")},
		},
		cmd: []string{"/usr/sbin/nginx", "-g", "daemon off;"},
		tag: "v1",
	}
	want := "etc/\netc/init.d/\netc/init.d/a = a2\netc/rc2.d/\netc/rc2.d/S01a -> ../init.d/a\nsbin/\nsbin/init -> /lib/systemd/systemd"
	d := t.TempDir()
	oci := filepath.Join(d, "oci")
	writeOCI(t, oci, img)
	gz := filepath.Join(d, "oci-gz")
	imgGz := img
	imgGz.gzip = true
	writeOCI(t, gz, imgGz)
	tarDir(t, oci, filepath.Join(d, "oci.tar"))
	writeDocker(t, filepath.Join(d, "docker.tar"), img)
	writeDocker(t, filepath.Join(d, "docker-gz.tar"), imgGz)
	// docker save | gzip, and an OCI archive compressed as a whole.
	for _, name := range []string{"docker.tar", "oci.tar"} {
		data, err := os.ReadFile(filepath.Join(d, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name+".gz"), gzipBytes(t, data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	colon := filepath.Join(d, "a:b")
	writeOCI(t, colon, img)
	for _, tc := range []struct{ root, format, tag string }{
		{oci, "oci", ""},
		{"oci:" + oci, "oci", ""},
		{"oci:" + oci + ":v1", "oci", "v1"},
		{gz, "oci", ""},
		{filepath.Join(d, "oci.tar"), "oci", ""},
		{"oci:" + filepath.Join(d, "oci.tar") + ":v1", "oci", "v1"},
		{"oci-archive:" + filepath.Join(d, "oci.tar"), "oci", ""},
		{filepath.Join(d, "docker.tar"), "docker-archive", ""},
		{"docker-archive:" + filepath.Join(d, "docker.tar") + ":v1", "docker-archive", "v1"},
		{filepath.Join(d, "docker-gz.tar"), "docker-archive", ""},
		{filepath.Join(d, "docker.tar.gz"), "docker-archive", ""},
		{"docker-archive:" + filepath.Join(d, "docker.tar.gz") + ":v1", "docker-archive", "v1"},
		{filepath.Join(d, "oci.tar.gz"), "oci", ""},
		{"oci-archive:" + filepath.Join(d, "oci.tar.gz") + ":v1", "oci", "v1"},
		{"oci:" + colon + ":v1", "oci", "v1"},
		{colon, "oci", ""},
	} {
		t.Run(strings.TrimPrefix(tc.root, d), func(t *testing.T) {
			f, err := Open(tc.root)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := dump(t, f); got != want {
				t.Errorf("Open(%q) reads\n%s\nwant\n%s", tc.root, got, want)
			}
			im := f.Image()
			if im == nil || im.Format != tc.format || im.Tag != tc.tag || im.Layers != 2 || !slices.Equal(im.Cmd, img.cmd) || f.Path() != tc.root {
				t.Errorf("Open(%q).Image() = %+v, Path %q, want format %s, tag %q, 2 layers, Cmd %q", tc.root, im, f.Path(), tc.format, tc.tag, img.cmd)
			}
		})
	}
	// A directory or a tar is no image.
	f, err := Open(filepath.Join(oci, "blobs"))
	if err != nil || f.Image() != nil {
		t.Errorf("Open(a directory) = %v, %v, want a root that is no image", f, err)
	}
}

// TestImageErrors opens images that are broken or hostile: each is an
// error that says what is wrong, never a hang, a crash or a file outside
// the image.
func TestImageErrors(t *testing.T) {
	good := testImage{layers: [][]member{{reg("etc/a", "content-one")}}, tag: "v1"}
	for _, tc := range []struct {
		name  string
		root  string // appended to the image's path
		write func(t *testing.T, dir string)
		want  string
	}{
		{"no such tag", ":v2", func(t *testing.T, d string) { writeOCI(t, d, good) }, `no image tagged "v2" in index.json (tags: v1)`},
		{"two images", "", func(t *testing.T, d string) {
			other := good
			other.tag = "v0"
			writeOCI(t, d, good, other)
		}, "index.json lists 2 images: name one with oci:PATH:TAG (tags: v0, v1)"},
		{"not a layout", "", func(t *testing.T, d string) {}, "not an OCI image layout (no oci-layout file)"},
		{"layer digest mismatch", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			corrupt(t, d, "content-one", "content-two")
		}, "contents do not match"},
		{"config digest mismatch", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			corrupt(t, d, `"amd64"`, `"arm64"`)
		}, "contents do not match the digest"},
		{"blob a symlink out of the layout", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			outside := filepath.Join(filepath.Dir(d), "outside")
			os.WriteFile(outside, tarBytes(t, []member{reg("etc/secret", "s")}), 0o644)
			layer := blobOf(t, d, "etc/a")
			os.Remove(layer)
			os.Symlink(outside, layer)
		}, "path escapes from parent"},
		{"blob a FIFO", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			layer := blobOf(t, d, "etc/a")
			os.Remove(layer)
			if err := syscall.Mkfifo(layer, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"blob missing", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			os.Remove(blobOf(t, d, "etc/a"))
		}, "no such file"},
		{"huge index.json", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			f, _ := os.OpenFile(filepath.Join(d, "index.json"), os.O_RDWR, 0)
			f.Truncate(1 << 30) // sparse
			f.Close()
		}, "more than the 4194304 an image's JSON may have"},
		{"digest that names a path", "", func(t *testing.T, d string) {
			writeOCI(t, d, good)
			os.WriteFile(filepath.Join(d, "index.json"), []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../etc/passwd","size":1}]}`), 0o644)
		}, "index.json"},
		{"index of indexes of ...", "", func(t *testing.T, d string) {
			w := blobWriter{t, d}
			w.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
			idx := []byte(`{"schemaVersion":2,"manifests":[]}`)
			for range 6 {
				idx = mustJSON(t, map[string]any{"schemaVersion": 2, "manifests": []descriptor{{"application/vnd.oci.image.index.v1+json", w.blob(idx), len(idx), nil}}})
			}
			w.file("index.json", idx)
		}, "image indexes nested more than 4 deep"},
		{"trailing garbage", "", func(t *testing.T, d string) {
			big := good
			big.layers = [][]member{{reg("etc/a", "a")}}
			writeOCI(t, d, big)
			raw := tarBytes(t, big.layers[0])
			raw = append(raw, make([]byte, 2<<20)...) // diff_id of this, so only the size is wrong
			rewriteLayer(t, d, raw)
		}, "more than 1048576 bytes after the end of the tar archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "image")
			os.MkdirAll(d, 0o755)
			tc.write(t, d)
			f, err := Open("oci:" + d + tc.root)
			if err == nil {
				f.Close()
				t.Fatalf("Open(%s) = nil error, want %q", tc.name, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
				t.Errorf("Open(%s) error = %q, want it to say %q", tc.name, err, tc.want)
			}
		})
	}
	t.Run("docker archive of two images", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "d.tar")
		blobs, ids := good.layerBlobs(t)
		cfg := good.config(t, ids)
		man := `[{"Config":"c.json","RepoTags":["a:1"],"Layers":["l.tar"]},{"Config":"c.json","RepoTags":["b:2"],"Layers":["l.tar"]}]`
		os.WriteFile(p, tarBytes(t, []member{reg("c.json", string(cfg)), reg("l.tar", string(blobs[0])), reg("manifest.json", man)}), 0o644)
		if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "manifest.json has 2 images: name one with docker-archive:PATH:NAME:TAG (tags: a:1, b:2)") {
			t.Errorf("Open(two images) error = %v", err)
		}
		f, err := Open("docker-archive:" + p + ":b:2")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	})
}

// blobOf returns the path of the blob of d that contains s.
func blobOf(t *testing.T, d, s string) string {
	t.Helper()
	ents, _ := filepath.Glob(filepath.Join(d, "blobs", "sha256", "*"))
	for _, p := range ents {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			return p
		}
	}
	t.Fatalf("no blob holds %q", s)
	return ""
}

// corrupt replaces old by new in the blob that holds old, keeping its name.
func corrupt(t *testing.T, d, old, new string) {
	t.Helper()
	p := blobOf(t, d, old)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644)
}

// rewriteLayer replaces the image's one layer by raw, with the config's
// diff_id and every digest on the way made to match.
func rewriteLayer(t *testing.T, d string, raw []byte) {
	t.Helper()
	os.RemoveAll(d)
	writeRawOCI(t, d, [][]byte{raw})
}

// writeRawOCI writes an OCI layout in d whose layers are the blobs
// layers, as they are, with digests and diff_ids that match them.
func writeRawOCI(t testing.TB, d string, layers [][]byte) {
	t.Helper()
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	w := blobWriter{t, d}
	w.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	var diffIDs []string
	var descs []descriptor
	for _, raw := range layers {
		u := raw
		if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
			if r, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
				u, _ = io.ReadAll(io.LimitReader(r, 64<<20))
			}
		}
		sum := sha256.Sum256(u)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
		descs = append(descs, descriptor{"application/vnd.oci.image.layer.v1.tar", w.blob(raw), len(raw), nil})
	}
	cfg := mustJSON(t, map[string]any{"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	man := mustJSON(t, map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": descriptor{"application/vnd.oci.image.config.v1+json", w.blob(cfg), len(cfg), nil},
		"layers": descs,
	})
	w.file("index.json", mustJSON(t, map[string]any{"schemaVersion": 2, "manifests": []descriptor{{"application/vnd.oci.image.manifest.v1+json", w.blob(man), len(man), nil}}}))
}

// TestImageLimits: the limits of a tar root hold for an image's layers
// together: contents kept over all layers, members no file system holds
// counted, and past the headers limit the rest of the image (the rest of
// its layer, and the layers above) not read, and said so (ErrPartial).
func TestImageLimits(t *testing.T) {
	defer func(l tarLimits) { imageLimits = l }(imageLimits)
	imageLimits = tarLimits{kept: 6, index: 1 << 20, headers: 5}
	d := t.TempDir()
	long := "etc/" + strings.Repeat("n", nameMax+1)
	writeOCI(t, d, testImage{gzip: true, layers: [][]member{
		{reg("etc/a", "aaaa"), reg(long, "x")},
		{reg("etc/b", "bbbb"), reg("etc/c", "c"), reg("etc/d", "d"), reg("etc/e", "e")},
		{reg("etc/f", "f")},
	}})
	f, err := Open(d)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := dump(t, f), "etc/\netc/a = aaaa\netc/b (read etc/b: contents not kept: over the 0 MiB kept for a tar root)\netc/c = c\netc/d = d"; got != want {
		t.Errorf("read as\n%s\nwant\n%s", got, want)
	}
	if _, err := f.ReadFile("etc/b"); !errors.Is(err, ErrNotKept) {
		t.Errorf("ReadFile(etc/b) = %v, want ErrNotKept (over the contents kept)", err)
	}
	ps := f.Problems()
	if len(ps) != 2 || !strings.Contains(ps[0].Error(), "1 members left out") || !errors.Is(ps[1], ErrPartial) || !strings.Contains(ps[1].Error(), `member 6 ("etc/e")`) {
		t.Errorf("Problems() = %v, want one member left out and reading stopped at etc/e", ps)
	}
}
