package sysv

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
)

// unitDir is where systemctl enable and deb-systemd-helper put the links
// that start a unit, in the .wants/ and .requires/ directories of what
// pulls it in.
const unitDir = "etc/systemd/system"

// UnitsNeverRun says, for a root whose PID 1 is sysvinit, which services
// only a systemd unit link starts: a Debian package's postinst enables
// its unit with deb-systemd-helper whatever the init system, so a
// sysvinit root keeps etc/systemd/system/*.wants/NAME.service links, and
// sysvinit runs no unit. A service whose link has no etc/init.d script
// of its name and no script that provides the name (in g, the graph of
// the root's scripts) never runs: an info each, at its first link.
//
// Only services are said: a timer's or socket's job is done on sysvinit
// by the package's cron job or script, and a getty instance by inittab.
// A link to /dev/null masks, and enables nothing.
func UnitsNeverRun(fsys *rootfs.FS, g *graph.Graph) []graph.Finding {
	dirs, err := fsys.ReadDir(unitDir)
	if err != nil {
		return nil
	}
	first := map[string]string{} // service name: its first link
	for _, d := range dirs {
		if !d.IsDir() && d.Type()&fs.ModeSymlink == 0 || !strings.HasSuffix(d.Name(), ".wants") && !strings.HasSuffix(d.Name(), ".requires") {
			continue
		}
		dir := path.Join(unitDir, d.Name())
		links, err := fsys.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, l := range links {
			unit := l.Name()
			name, ok := strings.CutSuffix(unit, ".service")
			if !ok || name == "" || strings.Contains(name, "@") {
				continue
			}
			if _, ok := g.Lookup(name); ok {
				continue
			}
			p := path.Join(dir, unit)
			if target, _ := fsys.Resolve(p); target == "dev/null" {
				continue
			}
			if _, seen := first[unit]; !seen {
				first[unit] = p
			}
		}
	}
	units := make([]string, 0, len(first))
	for u := range first {
		units = append(units, u)
	}
	sort.Strings(units)
	var found []graph.Finding
	for _, u := range units {
		name := strings.TrimSuffix(u, ".service")
		found = append(found, graph.Finding{
			Kind: graph.KindNeverStarts, Severity: graph.Info, Services: []string{u},
			Message: u + " never runs: " + first[u] + " enables it for systemd, and sysvinit, this root's init, runs no unit; no etc/init.d script is or provides " + name,
			Sources: []graph.Pos{{File: first[u]}},
		})
	}
	return found
}
