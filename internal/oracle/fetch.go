package oracle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// CacheDir returns where fetched .deb files are kept between runs:
// $INITORDER_DEB_CACHE if set, else the user cache directory's
// initorder/debs (~/.cache/initorder/debs).
func CacheDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("INITORDER_DEB_CACHE"); dir != "" {
		return dir
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("oracle: no cache directory (set INITORDER_DEB_CACHE): %v", err)
	}
	return filepath.Join(dir, "initorder", "debs")
}

// Fetch returns the .deb file of each package in pkgs, in the order of pkgs,
// downloading with apt-get only those not already in cacheDir. All missing
// packages are asked for in one `apt-get download` call; a package apt does
// not know is dropped (and logged) and the call repeated, after one
// `apt-get update` if apt could not locate a package at all. Fetch fails the
// test if fewer than 80% of pkgs are available, and skips it if neither the
// cache nor apt-get can provide them.
//
// Concurrent Fetch calls on one cacheDir, from several test processes, are
// serialised by a lock file in cacheDir.
func Fetch(t testing.TB, cacheDir string, pkgs []string) []string {
	t.Helper()
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		t.Fatalf("oracle: creating deb cache: %v", err)
	}
	defer lockDir(t, cacheDir)()

	have := cachedDebs(cacheDir, pkgs)
	var missing []string
	for _, p := range pkgs {
		if have[p] == "" && !slices.Contains(missing, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		if _, err := exec.LookPath("apt-get"); err != nil {
			Unavailable(t, "oracle: %d packages not in %s and no apt-get (needs Debian): %v", len(missing), cacheDir, err)
		}
		download(t, cacheDir, missing)
		have = cachedDebs(cacheDir, pkgs)
	}

	var debs []string
	for _, p := range pkgs {
		if have[p] == "" {
			t.Logf("oracle: package %s is not available, skipped", p)
			continue
		}
		debs = append(debs, have[p])
	}
	if len(debs)*5 < len(pkgs)*4 {
		t.Fatalf("oracle: fetched %d of %d packages, want at least 80%%", len(debs), len(pkgs))
	}
	return debs
}

// cachedDebs maps each package to its newest NAME_VERSION_ARCH.deb in dir.
func cachedDebs(dir string, pkgs []string) map[string]string {
	have := make(map[string]string)
	for _, p := range pkgs {
		matches, _ := filepath.Glob(filepath.Join(dir, p+"_*_*.deb"))
		var newest string
		var newestTime int64
		for _, m := range matches {
			fi, err := os.Stat(m)
			if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
				continue
			}
			if mt := fi.ModTime().UnixNano(); newest == "" || mt > newestTime {
				newest, newestTime = m, mt
			}
		}
		if newest != "" {
			have[p] = newest
		}
	}
	return have
}

// aptUnknown matches apt-get's messages for a package it cannot download.
// "locate" marks the ones an `apt-get update` may cure.
var aptUnknown = regexp.MustCompile(`(?m)^E: (?:Unable to (locate) package (\S+)|Can't select candidate version from package (\S+)|Package '?([^' ]+)'? has no installation candidate|Can't select versions from package '([^']+)')`)

// download runs `apt-get download` in dir for names, dropping the names apt
// cannot find and retrying; it runs `apt-get update` at most once.
func download(t testing.TB, dir string, names []string) {
	t.Helper()
	updated := false
	for len(names) > 0 {
		cmd := exec.Command("apt-get", append([]string{"download", "-q"}, names...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err == nil {
			return
		}
		var unknown []string
		locate := false
		for _, m := range aptUnknown.FindAllStringSubmatch(out.String(), -1) {
			if m[1] != "" {
				locate = true
			}
			for _, name := range m[2:] {
				if name != "" {
					unknown = append(unknown, name)
				}
			}
		}
		// "Failed to fetch ... 404": the lists name a version the mirror
		// no longer has; fresh lists name the one it has now.
		stale := strings.Contains(out.String(), "E: Failed to fetch ")
		if len(unknown) == 0 && (!stale || updated) {
			t.Logf("oracle: apt-get download failed: %v\n%s", err, lastLines(out.String(), 10))
			return
		}
		if (locate || stale) && !updated {
			updated = true
			if os.Geteuid() == 0 {
				upd := exec.Command("apt-get", "update", "-q")
				upd.Env = cmd.Env
				if b, err := upd.CombinedOutput(); err != nil {
					t.Logf("oracle: apt-get update failed: %v\n%s", err, lastLines(string(b), 10))
				}
				have := cachedDebs(dir, names)
				names = slices.DeleteFunc(names, func(n string) bool { _, ok := have[n]; return ok })
				continue // the names still missing, with fresh lists
			}
		}
		before := len(names)
		names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(unknown, n) })
		t.Logf("oracle: apt cannot provide %s", strings.Join(unknown, " "))
		if len(names) == before {
			t.Logf("oracle: apt-get download failed: %v\n%s", err, lastLines(out.String(), 10))
			return
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
