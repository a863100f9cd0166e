package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/oracle"
)

// The images of these tests are built by the real tools from test roots:
// umoci writes OCI image layouts (its insert and repack write the layers,
// whiteouts included), skopeo converts them to an OCI archive and to a
// docker save archive. Each must read as the directory it was made from.

// imageTools returns umoci and skopeo, or ends the test (oracle.Unavailable:
// under CI=true a missing tool fails it).
func imageTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"umoci", "skopeo"} {
		if _, err := exec.LookPath(tool); err != nil {
			oracle.Unavailable(t, "%s not installed (Debian package %s)", tool, tool)
		}
	}
}

// tool runs a command in dir and fails the test when it fails.
func tool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// initorderBin is the test binary under the name initorder: TestMain runs
// Main for it.
func initorderBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "initorder")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// run runs initorder and returns its stdout and stderr; exit 2 fails the test.
func run(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("initorder %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

var noteLine = regexp.MustCompile(`(?m)^# note: .*\n`)

// views is what the test compares of a root: ls, ls -l (less the image's
// note), and check as JSON.
func views(t *testing.T, bin, root string, extra ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range [][]string{{"ls"}, {"ls", "-l"}, {"check", "--format", "json"}} {
		stdout, _ := run(t, bin, append(append(v, "--root", root), extra...)...)
		out[strings.Join(v, " ")] = noteLine.ReplaceAllString(stdout, "")
	}
	return out
}

func sameViews(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: initorder %s =\n%s\nwant (the directory's)\n%s", what, k, got[k], w)
		}
	}
}

// imageRoots writes a root for each init system: the sound service ok,
// a, and b after a, all enabled; b is what the whiteout tests delete.
func imageRoots(t *testing.T, dir string) map[string]string {
	roots := map[string]string{"debian-mini": "../../testdata/roots/debian-mini"}
	for _, in := range hostileInits {
		w := &rootWriter{t: t, root: filepath.Join(dir, in.name)}
		in.ok(w)
		for _, s := range []struct{ name, dep string }{{"a", "ok"}, {"b", "a"}} {
			w.write(in.file(w, s.name), in.text(s.name, s.dep))
			in.on(w, s.name)
		}
		roots[in.name] = w.root
	}
	return roots
}

// TestImages builds an image of each test root with umoci (two layers:
// the root, then its service directory again), converts it with skopeo to
// an OCI archive and a docker save archive, and reads each as a root, by
// every name: ls, ls -l and check must print what they print for the
// directory.
func TestImages(t *testing.T) {
	imageTools(t)
	bin := initorderBin(t)
	dir := t.TempDir()
	for name, root := range imageRoots(t, dir) {
		t.Run(name, func(t *testing.T) {
			root, _ = filepath.Abs(root)
			want := views(t, bin, root)
			d := t.TempDir()
			tool(t, d, "umoci", "init", "--layout", "img")
			tool(t, d, "umoci", "new", "--image", "img:base")
			tool(t, d, "umoci", "insert", "--image", "img:base", root, "/")
			svcDir := map[string]string{"debian-mini": "etc/init.d", "sysv": "etc/init.d", "upstart": "etc/init", "systemd": "lib/systemd/system"}[name]
			tool(t, d, "umoci", "insert", "--image", "img:base", filepath.Join(root, svcDir), "/"+svcDir)
			tool(t, d, "umoci", "config", "--image", "img:base", "--config.cmd", "/usr/sbin/nginx")
			tool(t, d, "skopeo", "copy", "oci:img:base", "oci-archive:img-oci.tar:base")
			tool(t, d, "skopeo", "copy", "oci:img:base", "docker-archive:img-docker.tar:initorder/test:base")
			for _, r := range []string{"img", "oci:img:base", "img-oci.tar", "oci:img-oci.tar:base", "img-docker.tar", "docker-archive:img-docker.tar:initorder/test:base"} {
				got := views(t, bin, strings.Replace(r, "img", filepath.Join(d, "img"), 1))
				sameViews(t, r, got, want)
			}
			// The image's command is no init system: a note says so.
			stdout, stderr := run(t, bin, "ls", "-l", "--root", filepath.Join(d, "img-docker.tar"))
			for _, out := range []string{stdout, stderr} {
				if !strings.Contains(out, "the image's command /usr/sbin/nginx is not an init system") {
					t.Errorf("ls -l of an nginx image does not say it is no init system:\n%s", out)
				}
			}
		})
	}
}

// TestImageWhiteouts deletes a service file in a layer of its own, as
// umoci insert --whiteout and umoci repack (from an unpacked bundle with
// the file removed) write it, and replaces a directory with an opaque
// layer (umoci insert --opaque): the image then reads as the changed
// directory, and its boot differs from the original's.
func TestImageWhiteouts(t *testing.T) {
	imageTools(t)
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "umoci unpack keeps owners only as root")
	}
	bin := initorderBin(t)
	dir := t.TempDir()
	roots := imageRoots(t, dir)
	for _, name := range []string{"sysv", "upstart", "systemd"} {
		t.Run(name, func(t *testing.T) {
			in := hostileInits[map[string]int{"sysv": 0, "upstart": 1, "systemd": 2}[name]]
			root := roots[name]
			gone := in.file(nil, "b")
			before := views(t, bin, root)
			d := t.TempDir()
			tool(t, d, "umoci", "init", "--layout", "img")
			tool(t, d, "umoci", "new", "--image", "img:base")
			tool(t, d, "umoci", "insert", "--image", "img:base", root, "/")

			// insert --whiteout: a layer with .wh.b.
			tool(t, d, "umoci", "insert", "--image", "img:base", "--tag", "wh", "--whiteout", "/"+gone)
			want := filepath.Join(d, "want-wh")
			tool(t, d, "cp", "-a", root, want)
			tool(t, d, "rm", "-r", filepath.Join(want, gone))
			wantViews := views(t, bin, want)
			if wantViews["ls"] == before["ls"] {
				t.Fatalf("deleting %s does not change the boot: the test shows nothing", gone)
			}
			tool(t, d, "skopeo", "copy", "oci:img:wh", "docker-archive:wh.tar:initorder/test:wh")
			sameViews(t, "oci:img:wh", views(t, bin, "oci:"+filepath.Join(d, "img")+":wh"), wantViews)
			sameViews(t, "wh.tar", views(t, bin, filepath.Join(d, "wh.tar")), wantViews)

			// unpack, delete, repack: umoci writes the whiteout from the diff.
			tool(t, d, "umoci", "unpack", "--image", "img:base", "bundle")
			tool(t, d, "rm", "-r", filepath.Join(d, "bundle/rootfs", gone))
			tool(t, d, "umoci", "repack", "--image", "img:repacked", "bundle")
			sameViews(t, "oci:img:repacked", views(t, bin, "oci:"+filepath.Join(d, "img")+":repacked"), views(t, bin, filepath.Join(d, "bundle/rootfs")))

			// insert --opaque: the service directory holds only what the
			// layer brings (ok), as in a copy with the directory replaced.
			only := filepath.Join(d, "only-ok")
			tool(t, d, "mkdir", only)
			okFile := in.file(nil, "ok")
			tool(t, d, "cp", "-a", filepath.Join(root, okFile), only)
			tool(t, d, "umoci", "insert", "--image", "img:base", "--tag", "opaque", "--opaque", only, "/"+in.dir)
			want = filepath.Join(d, "want-opaque")
			tool(t, d, "cp", "-a", root, want)
			tool(t, d, "rm", "-r", filepath.Join(want, in.dir))
			tool(t, d, "cp", "-a", only, filepath.Join(want, in.dir))
			sameViews(t, "oci:img:opaque", views(t, bin, "oci:"+filepath.Join(d, "img")+":opaque"), views(t, bin, want))
		})
	}
}

// writeImage writes the directory root as an OCI image layout at path,
// by hand (a FIFO, a 100 MB sparse file and 10,000-file chains are more
// than umoci needs to show): two gzip layers, the whole root, then the
// directory svcDir again over it, and a command that is an init system.
// Symlinks stay symlinks, FIFOs FIFOs.
func writeImage(t *testing.T, path, root, svcDir string) {
	t.Helper()
	layers := [][]byte{packLayer(t, root, ""), packLayer(t, root, svcDir)}
	var diffIDs, descs []string
	blob := func(data []byte) string {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		p := filepath.Join(path, "blobs", "sha256", h)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"mediaType":"%%s","digest":"sha256:%s","size":%d}`, h, len(data))
	}
	for _, l := range layers {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(l)
		zw.Close()
		sum := sha256.Sum256(l)
		diffIDs = append(diffIDs, `"sha256:`+hex.EncodeToString(sum[:])+`"`)
		descs = append(descs, fmt.Sprintf(blob(gz.Bytes()), "application/vnd.oci.image.layer.v1.tar+gzip"))
	}
	cfg := fmt.Sprintf(blob([]byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["/sbin/init"]},"rootfs":{"type":"layers","diff_ids":[`+strings.Join(diffIDs, ",")+`]}}`)), "application/vnd.oci.image.config.v1+json")
	man := fmt.Sprintf(blob([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":`+cfg+`,"layers":[`+strings.Join(descs, ",")+`]}`)), "application/vnd.oci.image.manifest.v1+json")
	if err := os.WriteFile(filepath.Join(path, "index.json"), []byte(`{"schemaVersion":2,"manifests":[`+man+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

// packLayer is a tar of the tree under root/sub (the whole root for ""),
// with names relative to root.
func packLayer(t *testing.T, root, sub string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := tarTree(tw, root, filepath.Join(root, sub), func(rel string) string { return rel })
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImageDebianPackages builds an image of real Debian 12 packages,
// one layer each as a Dockerfile of "COPY" steps would (umoci insert of
// each package's files, fetched with apt-get download), then a layer
// that deletes a unit the boot starts: ls, ls -l and check, for the
// systemd boot and the SysV one, read it as they read the directory the
// packages make when unpacked one over the other.
func TestImageDebianPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test on Debian packages (-short)")
	}
	imageTools(t)
	debs := oracle.Fetch(t, oracle.CacheDir(t), oracle.SystemdPackages[:24])
	bin := initorderBin(t)
	d := t.TempDir()
	root := filepath.Join(d, "root")
	tool(t, d, "umoci", "init", "--layout", "img")
	tool(t, d, "umoci", "new", "--image", "img:pkgs")
	for i, deb := range debs {
		pkg := filepath.Join(d, "pkg", fmt.Sprint(i))
		tool(t, d, "mkdir", "-p", pkg, root)
		tool(t, d, "dpkg-deb", "-x", deb, pkg)
		tool(t, d, "dpkg-deb", "-x", deb, root)
		tool(t, d, "umoci", "insert", "--image", "img:pkgs", pkg, "/")
	}
	image := "oci:" + filepath.Join(d, "img") + ":pkgs"
	for _, init := range []string{"systemd", "sysv"} {
		sameViews(t, init, views(t, bin, image, "--init", init), views(t, bin, root, "--init", init))
	}
	// Delete the unit of a service the boot starts, in a layer of its own.
	stdout, _ := run(t, bin, "ls", "-l", "--root", root, "--init", "systemd")
	m := regexp.MustCompile(`(?m)^S\d+\s+\S+\.service\s+systemd\s+(lib/systemd/system/\S+\.service)$`).FindAllStringSubmatch(stdout, -1)
	if len(m) == 0 {
		t.Fatalf("no unit file in the boot of the packages:\n%s", stdout)
	}
	gone := m[len(m)/2][1]
	before := views(t, bin, root, "--init", "systemd")
	tool(t, d, "umoci", "insert", "--image", "img:pkgs", "--whiteout", "/"+gone)
	tool(t, d, "rm", filepath.Join(root, gone))
	after := views(t, bin, root, "--init", "systemd")
	if after["ls"] == before["ls"] {
		t.Fatalf("deleting %s does not change the boot", gone)
	}
	sameViews(t, "after the whiteout of "+gone, views(t, bin, image, "--init", "systemd"), after)
	t.Logf("%d packages, %d layers and a whiteout of %s: the image reads as the directory", len(debs), len(debs)+1, gone)
}
