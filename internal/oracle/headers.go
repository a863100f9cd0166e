package oracle

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// These follow insserv.c's scan_lsb_headers: lines between one containing
// "### BEGIN INIT INFO" and one containing "### END INIT INFO", the first
// "#[blanks]provides:" line (any case) wins, its value ends at the first
// character that is not printable (a tab ends it), and names are split at
// " ,;\t".
var (
	providesLine = regexp.MustCompile(`(?i)^#[ \t]*provides:[ \t]*([[:print:]]*)`)
	nameSep      = func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' }
)

// provides returns the names script name provides as insserv reads them:
// from ROOT/etc/insserv/overrides/NAME if that has a whole LSB header, else
// ROOT/usr/share/insserv/overrides/NAME, else the script; the script's own
// name when the header has no Provides. Names starting with $ or # are
// skipped, as insserv skips them.
//
// The oracle reads headers only to tell insserv's identical messages apart
// and to find scripts insserv would refuse as duplicates; it never orders.
func provides(root, name string) []string {
	for _, path := range []string{
		filepath.Join(root, "etc", "insserv", "overrides", name),
		filepath.Join(root, "usr", "share", "insserv", "overrides", name),
		filepath.Join(root, "etc", "init.d", name),
	} {
		value, header := readProvides(path)
		if !header {
			continue
		}
		var names []string
		for _, n := range strings.FieldsFunc(value, nameSep) {
			if !strings.HasPrefix(n, "$") && !strings.HasPrefix(n, "#") {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			names = []string{name}
		}
		return names
	}
	return []string{name}
}

// readProvides returns the Provides value of the LSB header in path and
// whether path has a whole header.
func readProvides(path string) (value string, header bool) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	begun, found := false, false
	for sc.Scan() {
		line := sc.Text()
		if !begun {
			begun = strings.Contains(line, "### BEGIN INIT INFO")
			continue
		}
		if m := providesLine.FindStringSubmatch(line); m != nil && !found {
			value, found = m[1], true
		}
		if strings.Contains(line, "### END INIT INFO") {
			return value, true
		}
	}
	return "", false
}

// providedNames is every name the scripts in names provide, and the
// scripts' own names.
func providedNames(root string, names []string) map[string]bool {
	set := make(map[string]bool)
	for _, n := range names {
		set[n] = true
		for _, p := range provides(root, n) {
			set[p] = true
		}
	}
	return set
}

// laterDuplicates returns the scripts of names (in order) that provide a
// name an earlier script of names provides.
func laterDuplicates(root string, names []string) []string {
	owner := make(map[string]string)
	var dups []string
	for _, n := range names {
		dup := false
		for _, p := range provides(root, n) {
			if o, ok := owner[p]; ok && o != n {
				dup = true
				continue
			}
			owner[p] = n
		}
		if dup {
			dups = append(dups, n)
		}
	}
	return dups
}
