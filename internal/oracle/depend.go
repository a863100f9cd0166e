package oracle

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A depend is one parsed .depend.boot, .depend.start or .depend.stop file:
//
//	TARGETS = a b c
//	INTERACTIVE = b
//	b: a
//	c: a b
//
// TARGETS lists the enabled scripts (by file name) in insserv's order,
// INTERACTIVE those to run alone (.depend.stop has no such line), and each
// "target: prerequisites" line names the scripts that must have finished
// (started, or for .depend.stop stopped) before the target runs. A target
// without prerequisites has no line.
type depend struct {
	targets, interactive []string
	deps                 map[string][]string
}

func readDepend(path string) (depend, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return depend{}, err
	}
	return parseDepend(string(b)), nil
}

func parseDepend(s string) depend {
	d := depend{deps: make(map[string][]string)}
	for line := range strings.SplitSeq(s, "\n") {
		if v, ok := strings.CutPrefix(line, "TARGETS ="); ok {
			d.targets = strings.Fields(v)
			continue
		}
		if v, ok := strings.CutPrefix(line, "INTERACTIVE ="); ok {
			d.interactive = strings.Fields(v)
			continue
		}
		target, prereqs, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(target) == "" {
			continue
		}
		target = strings.TrimSpace(target)
		d.deps[target] = append(d.deps[target], strings.Fields(prereqs)...)
	}
	slices.Sort(d.targets)
	slices.Sort(d.interactive)
	return d
}

// readLinks lists the symlinks of each ROOT/etc/rc?.d directory, keyed by
// the directory's name ("rc2.d"), sorted.
func readLinks(root string) map[string][]string {
	links := make(map[string][]string)
	for _, lvl := range "0123456S" {
		dir := "rc" + string(lvl) + ".d"
		entries, err := os.ReadDir(filepath.Join(root, "etc", dir))
		if err != nil {
			continue
		}
		names := []string{}
		for _, e := range entries {
			if e.Type()&fs.ModeSymlink != 0 {
				names = append(names, e.Name())
			}
		}
		links[dir] = names
	}
	return links
}
