package systemd

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file makes service units of the init scripts of a systemd root as
// systemd 252's systemd-sysv-generator does (systemd-sysv-generator(8),
// src/sysv-generator/sysv-generator.c; SPEC §3.3 "Mixed"), and adds them to
// the root's Units where the generator writes them: run/systemd/
// generator.late, the last directory of the search path.
//
// Checked against the binary (internal/oracle.RunSysvGenerator and the
// differential tests of sysv_oracle_test.go): "$all" has no
// special case and becomes After=all.target, a unit nobody defines; the
// rc links count by name only (a link to /dev/null enables too); rcS.d is
// not read, so an rcS-only script is converted but nothing wants it;
// README, rc, rcS and skeleton are converted when executable (only hidden
// and backup names are skipped); which native units keep a script from
// being converted is nativeUnit's business; a name that makes no unit
// name makes the generator fail with no unit at all. Where the generator
// depends on hash or directory order, initorder takes names in sorted
// order and says so.

// sysvUnit is one init script as systemd-sysv-generator turns it into a
// service unit (its SysvStub).
type sysvUnit struct {
	name     string // "foo.service": the script's file name as sysv_translate_name makes it
	script   string // "etc/init.d/foo.sh"
	lsb      bool   // the script has a "### BEGIN INIT INFO" line (has_lsb)
	loaded   bool   // load_sysv read it to the end: only then is a unit written
	priority int    // the highest NN of its SNNname links in rc1.d to rc5.d; -1 without one
	prioLink string // the link that gave priority
	// orderLater: the generator's fix_order orders are too many to write
	// (maxFixOrderPairs); the transaction gets them through barriers
	// (builder.orderByPriority).
	orderLater bool

	before, after, wants []Option // [Unit] dependencies, in the order the generator writes them
	wantedBy             []Option // targets whose .wants/ links the unit (Name), from the rc link (Pos)
	aliases              []Option // Provides names that are services (Name), at the Provides line (Pos)

	// headerDeps are the header names that became [Unit] dependencies,
	// for findings about what the unit made of them.
	headerDeps []headerDep

	description        string
	descPos            graph.Pos
	pidFile            string
	reload             bool
	options            []Option // the unit file, once written
	duplicateOfScripts []string // other scripts with the same unit name, which the generator ignores
}

// headerDep is one name of a Required-Start, Should-Start, X-Start-Before
// or X-Start-After line and what the generator made of it.
type headerDep struct {
	key  string // "Required-Start", as written in the header
	word string // "$remote_fs", "db"
	unit string // "remote-fs.target", "db.service"
	pos  graph.Pos
}

// rcTargets is the generator's rcnd_table: an S link in rcN.d makes the
// unit wanted by, and ordered before, the target. rcS.d, rc0.d and rc6.d
// are not read.
var rcTargets = []struct{ dir, target string }{
	{"rc1.d", "rescue.target"},
	{"rc2.d", "multi-user.target"},
	{"rc3.d", "multi-user.target"},
	{"rc4.d", "multi-user.target"},
	{"rc5.d", "graphical.target"},
}

// lsbTargets is sysv_translate_facility's table: the LSB facilities, with
// or without "$"; "" drops the dependency.
var lsbTargets = map[string]string{
	"local_fs":  "",
	"network":   "network-online.target",
	"named":     "nss-lookup.target",
	"portmap":   "rpcbind.target",
	"remote_fs": "remote-fs.target",
	"syslog":    "",
	"time":      "time-sync.target",
}

// generateSysV converts the scripts of etc/init.d as systemd-sysv-generator
// does (enumerate_sysv, set_dependencies_from_rcnd, load_sysv, fix_order,
// generate_unit_file): every executable regular file that is not hidden
// or a backup, and that no native unit shadows (native), becomes a unit.
// It returns the units sorted by name, with what it found on the way.
// Where the generator depends on hash order (two scripts with one unit
// name, one Provides name claimed twice), the script whose name sorts
// first wins, and a finding says so.
//
// skipped maps the unit names of the scripts the generator passes over
// (not executable, not a regular file, not read to the end) to why, for
// what needs those units.
func generateSysV(fsys *rootfs.FS, native func(string) (nativeUnit, bool)) (_ []*sysvUnit, _ []graph.Finding, _ parse.ErrorList, skipped map[string]string) {
	var errs parse.ErrorList
	var found []graph.Finding
	skipped = map[string]string{}
	ents, err := fsys.ReadDir("etc/init.d")
	if err != nil {
		return nil, nil, nil, skipped // the generator ignores a directory it cannot open
	}
	byName := map[string]*sysvUnit{}
	var units []*sysvUnit
	for _, ent := range ents {
		n := ent.Name()
		p := "etc/init.d/" + n
		if hiddenOrBackup(n) {
			continue
		}
		fi, err := fsys.Stat(p)
		if err != nil || fi.Mode().Perm()&0o100 == 0 || !fi.Mode().IsRegular() {
			if name, ok := sysvTranslateName(n); ok {
				switch {
				case err != nil:
					skipped[name] = p + " leads nowhere"
				case !fi.Mode().IsRegular():
					skipped[name] = p + " is not a regular file"
				default:
					skipped[name] = p + " is not executable"
				}
			}
			continue
		}
		name, ok := sysvTranslateName(n)
		if !ok {
			return nil, []graph.Finding{generatorFails(p, "its file name makes no valid unit name")}, errs, skipped
		}
		if su := byName[name]; su != nil {
			su.duplicateOfScripts = append(su.duplicateOfScripts, p)
			continue
		}
		if nat, ok := native(name); ok {
			if nat.masked {
				found = append(found, graph.Finding{
					Kind: graph.KindMasked, Severity: graph.Info, Services: []string{name, n},
					Message: fmt.Sprintf("%s is masked (%s): systemd-sysv-generator makes no unit of %s, which does not run", name, nat.path, p),
					Sources: []graph.Pos{{File: p}},
				})
			}
			continue
		}
		su := &sysvUnit{name: name, script: p, priority: -1}
		byName[name] = su
		units = append(units, su)
	}
	if bad := readRCLinks(fsys, byName); bad != "" {
		return nil, []graph.Finding{generatorFails(bad, "its name makes no valid unit name")}, errs, skipped
	}
	for _, su := range units {
		data, err := fsys.ReadFile(su.script)
		if err != nil {
			errs = append(errs, parse.FileError(su.script, err))
			continue
		}
		su.load(data, &errs)
	}
	found = append(found, claimAliases(units, byName)...)
	later := fixOrderPairs(units) > maxFixOrderPairs
	for _, su := range units {
		if later {
			su.orderLater = su.loaded && su.priority >= 0
		} else {
			su.fixOrder(units)
		}
		su.write()
		for _, d := range su.duplicateOfScripts {
			found = append(found, graph.Finding{
				Kind: graph.KindDuplicateProvides, Severity: graph.Warning, Services: []string{su.name},
				Message: fmt.Sprintf("%s and %s both make %s: systemd-sysv-generator converts the one it reads first (directory order); initorder takes %s", su.script, d, su.name, su.script),
				Sources: []graph.Pos{{File: d}},
			})
		}
	}
	units = slices.DeleteFunc(units, func(su *sysvUnit) bool {
		if !su.loaded {
			skipped[su.name] = "systemd-sysv-generator stops reading " + su.script
		}
		return !su.loaded
	})
	sort.Slice(units, func(i, j int) bool { return units[i].name < units[j].name })
	return units, found, errs, skipped
}

// generatorFails is the finding for a name sysv_translate_name cannot
// make a unit name of (250 characters and more): the generator stops
// ("Out of memory") and writes no unit at all, for any script.
func generatorFails(p, why string) graph.Finding {
	return graph.Finding{
		Kind: graph.KindParseError, Severity: graph.Error, Services: []string{path.Base(p)},
		Message: fmt.Sprintf("%s: %s: systemd-sysv-generator fails on it and makes no unit of any script", p, why),
		Sources: []graph.Pos{{File: p}},
	}
}

// readRCLinks reads the S links of rc1.d to rc5.d
// (set_dependencies_from_rcnd): "SNNname" with two digits, name being a
// converted script; where the link leads is not looked at. Each runlevel
// adds Before= and WantedBy= its target, and the highest NN is the
// script's priority. It returns a link whose name makes no unit name: the
// generator fails on it.
func readRCLinks(fsys *rootfs.FS, byName map[string]*sysvUnit) (bad string) {
	for _, rc := range rcTargets {
		ents, _ := fsys.ReadDir("etc/" + rc.dir)
		seen := map[*sysvUnit]bool{}
		for _, ent := range ents {
			n := ent.Name()
			if hiddenOrBackup(n) || len(n) < 4 || n[0] != 'S' || !isDigit(n[1]) || !isDigit(n[2]) {
				continue
			}
			name, ok := sysvTranslateName(n[3:])
			if !ok {
				return "etc/" + rc.dir + "/" + n
			}
			su := byName[name]
			if su == nil {
				continue
			}
			link := "etc/" + rc.dir + "/" + n
			if prio := int(n[1]-'0')*10 + int(n[2]-'0'); prio > su.priority {
				su.priority, su.prioLink = prio, link
			}
			if seen[su] {
				continue
			}
			seen[su] = true
			pos := graph.Pos{File: link}
			su.before = append(su.before, Option{Section: "Unit", Name: "Before", Value: rc.target, Pos: pos})
			if !slices.ContainsFunc(su.wantedBy, func(o Option) bool { return o.Name == rc.target }) {
				su.wantedBy = append(su.wantedBy, Option{Name: rc.target, Value: "../" + su.name, Pos: pos})
			}
		}
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// claimAliases decides which Provides names become aliases: a name that
// is a converted script's own stays that script's (generate_unit_file
// replaces the alias link with the real unit), and a name two scripts
// provide goes to the first (add_alias ignores EEXIST; the generator reads
// scripts in hash order, initorder by name).
func claimAliases(units []*sysvUnit, byName map[string]*sysvUnit) []graph.Finding {
	var found []graph.Finding
	owner := map[string]*sysvUnit{}
	for _, su := range units {
		if !su.loaded {
			continue
		}
		kept := su.aliases[:0]
		for _, a := range su.aliases {
			switch first := owner[a.Name]; {
			case byName[a.Name] != nil:
				continue
			case first == su:
				continue
			case first != nil:
				found = append(found, graph.Finding{
					Kind: graph.KindDuplicateProvides, Severity: graph.Warning, Services: []string{su.name, first.name},
					Message: fmt.Sprintf("%s and %s both provide %s: systemd-sysv-generator makes it an alias of the one it reads first (hash order); initorder takes %s", su.script, first.script, a.Name, first.name),
					Sources: []graph.Pos{a.Pos},
				})
				continue
			}
			owner[a.Name] = su
			kept = append(kept, a)
		}
		su.aliases = kept
	}
	return found
}

// sysvTranslateName is sysv_translate_name: the name without ".sh",
// mangled into a unit name (unit_name_mangle: escaped, ".service" added
// when it has no unit type). ok is false when no valid name comes out.
func sysvTranslateName(n string) (string, bool) {
	n = strings.TrimSuffix(n, ".sh")
	if n == "" {
		return "", false
	}
	if unitNameKind(n) != 0 {
		return n, true
	}
	var b strings.Builder
	if strings.HasPrefix(n, "/") {
		// A path: unit_name_from_path with .device or .mount.
		suffix := ".mount"
		if strings.HasPrefix(n, "/dev/") || strings.HasPrefix(n, "/sys/") {
			suffix = ".device"
		}
		clean := strings.Trim(path.Clean(n), "/")
		if clean == "" {
			clean = "-"
		} else {
			clean = unitNameEscape(clean)
		}
		s := clean + suffix
		return s, unitNameKind(s) != 0
	}
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case c == '/':
			b.WriteByte('-')
		case c != '@' && !validNameChar(c):
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if unitNameKind(s) == 0 {
		s += ".service"
	}
	return s, unitNameKind(s) != 0
}
