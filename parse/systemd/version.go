package systemd

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/initorder/initorder/parse/rootfs"
)

// This file finds which systemd a root has: where systemd versions build
// a boot differently, initorder follows the root's (Boot.Version).

// defaultVersion is the systemd initorder follows when a root does not
// say which it has: Debian 12's, whose rules docs/generators.md and
// docs/systemd-oracle.md were checked against.
const defaultVersion = 252

// requiresMissingFails is the first systemd version whose transaction
// fails the start job of a unit that Requires= (or BindsTo=) a unit that
// is not found or masked (upstream PR 27852): systemd 252 still starts it
// ("Cannot add dependency job, ignoring"), 254 (Debian 12's backports)
// and 257 do not (TestRequiresMissingVersions runs all three; 253 is not
// in Debian, the cut between 252 and 254 rests on the PR).
const requiresMissingFails = 254

// libDirs are where a root's libsystemd-shared-NNN.so may be: Debian and
// Ubuntu's multiarch systemd directory, Fedora and Arch's.
var libDirs = []string{"usr/lib/systemd", "lib/systemd", "usr/lib64/systemd"}

// detectVersion returns the systemd version of a root and the file that
// says so: the NNN of its libsystemd-shared-NNN.so, else the version of
// the systemd package in the dpkg status; defaultVersion and "" when
// neither is there.
func detectVersion(fsys *rootfs.FS) (int, string) {
	dirs := append([]string(nil), libDirs...)
	for _, lib := range []string{"usr/lib", "lib"} {
		if ents, err := fsys.ReadDir(lib); err == nil {
			for _, e := range ents {
				if strings.Contains(e.Name(), "-linux-") {
					dirs = append(dirs, lib+"/"+e.Name()+"/systemd")
				}
			}
		}
	}
	for _, d := range dirs {
		ents, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			rest, ok := strings.CutPrefix(e.Name(), "libsystemd-shared-")
			if !ok || !strings.Contains(rest, ".so") {
				continue
			}
			if v, err := strconv.Atoi(leadingDigits(rest)); err == nil && v > 0 {
				return v, d + "/" + e.Name()
			}
		}
	}
	const status = "var/lib/dpkg/status"
	if data, err := fsys.ReadFile(status); err == nil {
		for _, stanza := range bytes.Split(data, []byte("\n\n")) {
			if !bytes.HasPrefix(stanza, []byte("Package: systemd\n")) || !bytes.Contains(stanza, []byte("\nStatus: install ok installed")) {
				continue
			}
			for _, line := range strings.Split(string(stanza), "\n") {
				if v, ok := strings.CutPrefix(line, "Version: "); ok {
					if _, after, ok := strings.Cut(v, ":"); ok { // an epoch
						v = after
					}
					if n, err := strconv.Atoi(leadingDigits(v)); err == nil && n > 0 {
						return n, status
					}
				}
			}
		}
	}
	return defaultVersion, ""
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
