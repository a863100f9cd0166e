package oracle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// UpdateRCD is what the real `update-rc.d NAME defaults` did to a root.
type UpdateRCD struct {
	// Links lists the symlinks left in each rc?.d ("rc2.d": "S01foo",
	// ...), sorted, as Insserv.Links.
	Links map[string][]string
	// Calls is one entry per name, in the order they were made.
	Calls []UpdateRCDCall
}

// An UpdateRCDCall is one `update-rc.d NAME defaults`.
type UpdateRCDCall struct {
	Name     string
	Stdout   string
	Stderr   string
	ExitCode int
}

// RunUpdateRCD runs `update-rc.d NAME defaults` for each of names, one
// call after the other as dpkg makes them package by package, with the
// update-rc.d of initSystemHelpersDeb (Debian's init-system-helpers) and,
// when insservDeb is not "", the insserv of insservDeb as the insserv it
// finds (else update-rc.d makes S01/K01 links itself). Both are extracted,
// never installed; root is changed in place and must be a copy.
//
// update-rc.d works on /etc, not on a root, where it calls insserv (it
// honours DPKG_ROOT only without insserv), and it would reload a running
// systemd. So each call runs in a private mount namespace (`unshare
// --mount`, private propagation) where root's etc is bound on /etc, a
// directory holding only the extracted insserv is bound on /usr/sbin (so
// that /sbin/insserv, which update-rc.d looks for, is it on a merged-/usr
// host), and a tmpfs covers /run (no systemd to reload); DPKG_ROOT is set
// to root as well. The host's /etc is never touched: RunUpdateRCD checks
// it as RunInsserv does. It needs root (mount namespaces) and unshare;
// without them the test is Unavailable.
func RunUpdateRCD(t testing.TB, initSystemHelpersDeb, insservDeb, root string, names []string) *UpdateRCD {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "oracle: update-rc.d runs in a private mount namespace, which needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		Unavailable(t, "oracle: no unshare (util-linux) to run update-rc.d in a private mount namespace: %v", err)
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		Unavailable(t, "oracle: no perl to run update-rc.d: %v", err)
	}
	root, err = filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	helpers := extractFull(t, initSystemHelpersDeb)
	updateRCD := filepath.Join(helpers, "usr", "sbin", "update-rc.d")
	if _, err := os.Stat(updateRCD); err != nil {
		t.Fatalf("oracle: %s has no usr/sbin/update-rc.d: %v", initSystemHelpersDeb, err)
	}
	sbin := t.TempDir()
	if insservDeb != "" {
		data, err := os.ReadFile(insservBinary(t, insservDeb))
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		if err := os.WriteFile(filepath.Join(sbin, "insserv"), data, 0o755); err != nil {
			t.Fatalf("oracle: %v", err)
		}
	}
	out := t.TempDir()
	// $1 root, $2 the sbin directory, $3 update-rc.d, $4 perl, $5 the
	// output directory, then the names.
	const script = `set -e
mount -t tmpfs tmpfs /run
mount --bind "$1/etc" /etc
mount --bind "$2" /usr/sbin
root=$1 urc=$3 perl=$4 out=$5
shift 5
i=0
for n; do
	i=$((i+1))
	rc=0
	DPKG_ROOT=$root "$perl" "$urc" "$n" defaults >"$out/$i.out" 2>"$out/$i.err" || rc=$?
	echo $rc >"$out/$i.rc"
done
`
	guard := snapshotHost()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", root, sbin, updateRCD, perl, out}, names...)
	cmd := exec.CommandContext(ctx, unshare, args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "Operation not permitted") {
			Unavailable(t, "oracle: no mount namespace here: %v: %s", err, stderr.Bytes())
		}
		t.Fatalf("oracle: update-rc.d in a private mount namespace: %v: %s", err, stderr.Bytes())
	}
	guard.check(t)

	res := &UpdateRCD{}
	for i, n := range names {
		read := func(ext string) string {
			data, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%d.%s", i+1, ext)))
			if err != nil {
				t.Fatalf("oracle: update-rc.d %s: %v", n, err)
			}
			return string(data)
		}
		c := UpdateRCDCall{Name: n, Stdout: read("out"), Stderr: read("err")}
		c.ExitCode, _ = strconv.Atoi(strings.TrimSpace(read("rc")))
		res.Calls = append(res.Calls, c)
	}
	res.Links = readLinks(root)
	return res
}

// extractFull unpacks the whole of deb (a small one) into a temporary
// directory of the test.
func extractFull(t testing.TB, deb string) string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		Unavailable(t, "oracle: no dpkg-deb (needs Debian): %v", err)
	}
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		t.Fatalf("oracle: dpkg-deb -x %s: %v: %s", deb, err, out)
	}
	return dir
}
