package oracle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// keptPaths are the paths (relative to /, slash-separated) that the
// extraction cache keeps from a .deb: what BuildRoot copies, what
// orphan-sysvinit-scripts needs and the insserv binary.
var keptPaths = []string{
	"etc/init.d/",
	"etc/insserv.conf",
	"etc/insserv.conf.d/",
	"etc/insserv/overrides/",
	"usr/share/insserv/overrides/",
	"etc/rc0.d/", "etc/rc1.d/", "etc/rc2.d/", "etc/rc3.d/", "etc/rc4.d/",
	"etc/rc5.d/", "etc/rc6.d/", "etc/rcS.d/",
	"usr/share/orphan-sysvinit-scripts/",
	"usr/lib/orphan-sysvinit-scripts/",
	"sbin/insserv", "usr/sbin/insserv",
}

// unitDirs hold the systemd units whose names orphan-sysvinit-scripts maps
// to init.d scripts.
var unitDirs = []string{"lib/systemd/system/", "usr/lib/systemd/system/"}

// BuildRoot extracts into root, which must be empty or absent, the init
// configuration the .deb files in debs ship, and returns root as an absolute
// path:
//
//   - etc/init.d/* (regular files and symlinks as they are: sysv-rc's README,
//     rc and rcS symlinks point outside the root, nut-client's ups-monitor to
//     a script beside it);
//   - etc/insserv.conf (only the insserv package ships it),
//     etc/insserv.conf.d/*, etc/insserv/overrides/* and
//     usr/share/insserv/overrides/*;
//   - the plain files of etc/rc?.d (sysv-rc's README files; no .deb ships a
//     link there: links are what insserv makes);
//   - what orphan-sysvinit-scripts' postinst installs: for each line
//     "UNIT SCRIPT" of its mapping, usr/share/orphan-sysvinit-scripts/SCRIPT
//     as etc/init.d/SCRIPT when some .deb ships UNIT under (usr/)lib/systemd/
//     system and none ships etc/init.d/SCRIPT (rsyslog, avahi-daemon and
//     network-manager lost their scripts in Debian 12).
//
// It does not copy etc/default/rcS: insserv never reads it, and in Debian 12
// it no longer sets CONCURRENCY (sysv-rc's /lib/init/rc decides that from
// the .depend.* files and /etc/init.d/.legacy-bootordering).
//
// Two .deb files shipping one path is a conflict dpkg would refuse; the
// first in debs wins and the test log says so. Extractions are cached in a
// .extract directory beside each .deb, so a second BuildRoot on the same
// files reads no archive.
func BuildRoot(t testing.TB, debs []string, root string) string {
	t.Helper()
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		t.Fatalf("oracle: root %s is not empty", root)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc", "init.d"), 0o755); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	trees := extractAll(t, debs)

	owner := make(map[string]string) // path in root -> package that put it there
	units := make(map[string]bool)
	var orphans string // the orphan-sysvinit-scripts tree
	for i, tree := range trees {
		pkg := packageName(debs[i])
		for _, rel := range []string{"etc/init.d", "etc/insserv.conf.d", "etc/insserv/overrides", "usr/share/insserv/overrides"} {
			copyEntries(t, tree, root, rel, pkg, owner, true)
		}
		for _, lvl := range "0123456S" {
			copyEntries(t, tree, root, "etc/rc"+string(lvl)+".d", pkg, owner, false)
		}
		if _, err := os.Lstat(filepath.Join(tree, "etc", "insserv.conf")); err == nil {
			copyOne(t, tree, root, "etc/insserv.conf", pkg, owner)
		}
		if b, err := os.ReadFile(filepath.Join(tree, ".units")); err == nil {
			for _, u := range strings.Fields(string(b)) {
				units[u] = true
			}
		}
		if _, err := os.Stat(filepath.Join(tree, "usr", "lib", "orphan-sysvinit-scripts", "mapping")); err == nil {
			orphans = tree
		}
	}
	if orphans != "" {
		installOrphans(t, orphans, root, units, owner)
	}
	return root
}

// installOrphans does what orphan-sysvinit-scripts' update_init_d.sh does on
// configure: copy each mapped script whose systemd unit is installed and
// whose init.d file no package owns.
func installOrphans(t testing.TB, tree, root string, units map[string]bool, owner map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(tree, "usr", "lib", "orphan-sysvinit-scripts", "mapping"))
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		unit, script := fields[0], fields[1]
		dst := "etc/init.d/" + script
		if !units[unit] || owner[dst] != "" {
			continue
		}
		src := filepath.Join(tree, "usr", "share", "orphan-sysvinit-scripts", script)
		if err := copyFile(src, filepath.Join(root, filepath.FromSlash(dst))); err != nil {
			t.Fatalf("oracle: installing orphan script %s: %v", script, err)
		}
		owner[dst] = "orphan-sysvinit-scripts"
	}
}

// copyEntries copies the entries of directory rel of tree into root. With
// links false, only plain files are copied.
func copyEntries(t testing.TB, tree, root, rel, pkg string, owner map[string]string, links bool) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(tree, filepath.FromSlash(rel)))
	if err != nil {
		return // the package ships nothing there
	}
	for _, e := range entries {
		if !links && e.Type()&fs.ModeSymlink != 0 {
			continue
		}
		copyOne(t, tree, root, rel+"/"+e.Name(), pkg, owner)
	}
}

// copyOne copies one file, symlink or directory tree from tree to root.
func copyOne(t testing.TB, tree, root, rel, pkg string, owner map[string]string) {
	t.Helper()
	if prev := owner[rel]; prev != "" {
		t.Logf("oracle: %s ships %s, already taken from %s; keeping %s's", pkg, rel, prev, prev)
		return
	}
	src := filepath.Join(tree, filepath.FromSlash(rel))
	dst := filepath.Join(root, filepath.FromSlash(rel))
	if err := copyTree(src, dst); err != nil {
		t.Fatalf("oracle: copying %s from %s: %v", rel, pkg, err)
	}
	owner[rel] = pkg
}

func copyTree(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case fi.IsDir():
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	default:
		return copyFile(src, dst)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// packageName is the NAME of NAME_VERSION_ARCH.deb.
func packageName(deb string) string {
	name, _, _ := strings.Cut(filepath.Base(deb), "_")
	return name
}

// Find returns the .deb of package pkg among debs, or "".
func Find(debs []string, pkg string) string {
	for _, d := range debs {
		if packageName(d) == pkg {
			return d
		}
	}
	return ""
}

// extractAll extracts debs in parallel and returns their kept trees, in
// the order of debs.
func extractAll(t testing.TB, debs []string) []string {
	t.Helper()
	return extractEach(t, debs, extractDeb)
}

// extractEach runs extract on every deb, as many at a time as there are
// CPUs, and returns the directories in the order of debs.
func extractEach(t testing.TB, debs []string, extract func(deb string) (string, error)) []string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		Unavailable(t, "oracle: no dpkg-deb (needs Debian): %v", err)
	}
	trees := make([]string, len(debs))
	errs := make([]error, len(debs))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, deb := range debs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			trees[i], errs[i] = extract(deb)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	return trees
}

// extractDeb returns a directory holding the kept paths of deb, extracting
// it with dpkg-deb -x on first use. The directory is DIR/.extract/BASE for
// DIR/BASE.deb, or a fresh temporary directory when DIR is not writable.
// It also holds .units, the names of the systemd units the package ships.
func extractDeb(deb string) (string, error) {
	base := strings.TrimSuffix(filepath.Base(deb), ".deb")
	cache := filepath.Join(filepath.Dir(deb), ".extract")
	dir := filepath.Join(cache, base)
	if _, err := os.Stat(filepath.Join(dir, ".units")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		if cache, err = os.MkdirTemp("", "initorder-extract-"); err != nil {
			return "", err
		}
		dir = filepath.Join(cache, base)
	}
	tmp, err := os.MkdirTemp(cache, base+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	full, kept := filepath.Join(tmp, "full"), filepath.Join(tmp, "kept")
	var stderr bytes.Buffer
	cmd := exec.Command("dpkg-deb", "-x", deb, full)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dpkg-deb -x %s: %v: %s", deb, err, stderr.Bytes())
	}
	var units []string
	err = filepath.WalkDir(full, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(full, path)
		rel = filepath.ToSlash(rel)
		for _, u := range unitDirs {
			if name, ok := strings.CutPrefix(rel, u); ok && !strings.Contains(name, "/") {
				units = append(units, name)
			}
		}
		if !slices.ContainsFunc(keptPaths, func(p string) bool { return rel == p || strings.HasSuffix(p, "/") && strings.HasPrefix(rel, p) }) {
			return nil
		}
		to := filepath.Join(kept, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.Rename(path, to)
	})
	if err != nil {
		return "", fmt.Errorf("extracting %s: %w", deb, err)
	}
	if err := os.MkdirAll(kept, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(kept, ".units"), []byte(strings.Join(units, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(kept, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, ".units")); statErr == nil {
			return dir, nil // a concurrent extraction won the race
		}
		return "", err
	}
	return dir, nil
}
