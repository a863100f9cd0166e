package parse

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file makes service units of the init scripts of a systemd root as
// systemd 252's systemd-sysv-generator does (systemd-sysv-generator(8),
// src/sysv-generator/sysv-generator.c; SPEC §3.3 "Mixed"), and adds them to
// the root's Units where the generator writes them: run/systemd/
// generator.late, the last directory of the search path.
//
// Checked against the binary (internal/oracle.RunSysvGenerator): "$all" has
// no special case and becomes After=all.target, a unit nobody defines; the
// rc links count by name only (a link to /dev/null enables too); rcS.d is
// not read, so an rcS-only script is not started; README, rc, rcS and
// skeleton are converted when executable (only hidden and backup names are
// skipped); a dangling alias in the search path keeps a script from being
// converted, a dangling link to a file outside it does not. Where the
// generator depends on hash order, initorder takes names in sorted order
// and says so.

// sysvUnit is one init script as systemd-sysv-generator turns it into a
// service unit (its SysvStub).
type sysvUnit struct {
	name     string // "foo.service": the script's file name as sysv_translate_name makes it
	script   string // "etc/init.d/foo.sh"
	lsb      bool   // the script has a "### BEGIN INIT INFO" line (has_lsb)
	loaded   bool   // load_sysv read it to the end: only then is a unit written
	priority int    // the highest NN of its SNNname links in rc1.d to rc5.d; -1 without one
	prioLink string // the link that gave priority

	before, after, wants []Option // [Unit] dependencies, in the order the generator writes them
	wantedBy             []Option // targets whose .wants/ links the unit (Name), from the rc link (Pos)
	aliases              []Option // Provides names that are services (Name), at the Provides line (Pos)

	description        string
	descPos            graph.Pos
	pidFile            string
	reload             bool
	options            []Option // the unit file, once written
	duplicateOfScripts []string // other scripts with the same unit name, which the generator ignores
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

// nativeUnit is a unit file that keeps the generator from converting the
// script of the same name.
type nativeUnit struct {
	path   string
	masked bool
}

// generateSysV converts the scripts of etc/init.d as systemd-sysv-generator
// does (enumerate_sysv, set_dependencies_from_rcnd, load_sysv, fix_order,
// generate_unit_file): every executable regular file that is not hidden
// or a backup, and that no native unit shadows (native), becomes a unit.
// It returns the units sorted by name, with what it found on the way.
// Where the generator depends on hash order (two scripts with one unit
// name, one Provides name claimed twice), the script whose name sorts
// first wins, and a finding says so.
func generateSysV(fsys *rootfs.FS, native func(string) (nativeUnit, bool)) ([]*sysvUnit, []graph.Finding, ErrorList) {
	var errs ErrorList
	var found []graph.Finding
	ents, err := fsys.ReadDir("etc/init.d")
	if err != nil {
		return nil, nil, nil // the generator ignores a directory it cannot open
	}
	byName := map[string]*sysvUnit{}
	var units []*sysvUnit
	for _, ent := range ents {
		n := ent.Name()
		p := "etc/init.d/" + n
		fi, err := fsys.Stat(p)
		if hiddenOrBackup(n) || err != nil || fi.Mode().Perm()&0o100 == 0 || !fi.Mode().IsRegular() {
			continue
		}
		name, ok := sysvTranslateName(n)
		if !ok {
			errs.add(graph.Pos{File: p}, "", false, "file name %q makes no valid unit name: systemd-sysv-generator fails on it and makes no unit at all", n)
			continue
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
	readRCLinks(fsys, byName)
	for _, su := range units {
		data, err := fsys.ReadFile(su.script)
		if err != nil {
			errs = append(errs, fileError(su.script, err))
			continue
		}
		su.load(data, &errs)
	}
	found = append(found, claimAliases(units, byName)...)
	for _, su := range units {
		su.fixOrder(units)
		su.write()
		for _, d := range su.duplicateOfScripts {
			found = append(found, graph.Finding{
				Kind: graph.KindDuplicateProvides, Severity: graph.Warning, Services: []string{su.name},
				Message: fmt.Sprintf("%s and %s both make %s: systemd-sysv-generator converts the one it reads first (directory order); initorder takes %s", su.script, d, su.name, su.script),
				Sources: []graph.Pos{{File: d}},
			})
		}
	}
	units = slices.DeleteFunc(units, func(su *sysvUnit) bool { return !su.loaded })
	sort.Slice(units, func(i, j int) bool { return units[i].name < units[j].name })
	return units, found, errs
}

// readRCLinks reads the S links of rc1.d to rc5.d
// (set_dependencies_from_rcnd): "SNNname" with two digits, name being a
// converted script; where the link leads is not looked at. Each runlevel
// adds Before= and WantedBy= its target, and the highest NN is the
// script's priority.
func readRCLinks(fsys *rootfs.FS, byName map[string]*sysvUnit) {
	for _, rc := range rcTargets {
		ents, _ := fsys.ReadDir("etc/" + rc.dir)
		seen := map[*sysvUnit]bool{}
		for _, ent := range ents {
			n := ent.Name()
			if hiddenOrBackup(n) || len(n) < 4 || n[0] != 'S' || !isDigit(n[1]) || !isDigit(n[2]) {
				continue
			}
			name, ok := sysvTranslateName(n[3:])
			su := byName[name]
			if !ok || su == nil {
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
			clean = escapeUnitName(clean)
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

// translateFacility is sysv_translate_facility: what a name of a header
// line becomes. The LSB facilities map through lsbTargets, with or
// without "$"; another "$name" becomes name.target; a plain name the
// script's own (without ".sh") is dropped, any other is a service. ok is
// false for a dropped or invalid name.
func (su *sysvUnit) translateFacility(word string) (string, bool) {
	n := strings.TrimPrefix(word, "$")
	if m, known := lsbTargets[n]; known {
		return m, m != ""
	}
	if strings.HasPrefix(word, "$") {
		// unit_name_build: a valid prefix, no "@".
		m := n + ".target"
		if n == "" || strings.IndexFunc(n, func(r rune) bool { return r > 127 || !validNameChar(byte(r)) }) >= 0 || unitNameKind(m) != namePlain {
			return "", false
		}
		return m, true
	}
	if n == strings.TrimSuffix(path.Base(su.script), ".sh") {
		return "", false
	}
	return sysvTranslateName(n)
}

func (su *sysvUnit) dep(list *[]Option, key, value string, pos graph.Pos) {
	*list = append(*list, Option{Section: "Unit", Name: key, Value: value, Pos: pos})
}

// provides reads a Provides line (handle_provides): a service name is an
// alias; a target (a "$facility") is pulled in and ordered after by the
// script, never the other way round; $network also network.target.
func (su *sysvUnit) provides(text string, pos graph.Pos) {
	for _, w := range headerWords(text) {
		m, ok := su.translateFacility(w)
		if !ok {
			continue
		}
		switch unitTypeOf(m) {
		case "service":
			su.aliases = append(su.aliases, Option{Name: m, Value: su.name, Pos: pos})
		case "target":
			su.dep(&su.before, "Before", m, pos)
			su.dep(&su.wants, "Wants", m, pos)
			if m == "network-online.target" {
				su.dep(&su.before, "Before", "network.target", pos)
				su.dep(&su.wants, "Wants", "network.target", pos)
			}
		}
	}
}

// dependencies reads a Required-Start, Should-Start, X-Start-Before or
// X-Start-After line (handle_dependencies): After= (Before= for
// X-Start-Before) and nothing else, except that network-online.target is
// also wanted, "as it needs to be actively pulled in".
func (su *sysvUnit) dependencies(key, text string, pos graph.Pos) {
	before := strings.EqualFold(key, "X-Start-Before")
	for _, w := range headerWords(text) {
		m, ok := su.translateFacility(w)
		switch {
		case !ok:
		case m == "network-online.target" && !before:
			su.dep(&su.after, "After", m, pos)
			su.dep(&su.wants, "Wants", m, pos)
		case before:
			su.dep(&su.before, "Before", m, pos)
		default:
			su.dep(&su.after, "After", m, pos)
		}
	}
}

// headerWords splits a header value as extract_first_word with
// EXTRACT_UNQUOTE|EXTRACT_RELAX does: at blanks, quotes removed, a
// backslash taking the next character as it is.
func headerWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && quote != '\'' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case strings.IndexByte(unitWhitespace, c) >= 0:
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// Where load_sysv is in a script.
const (
	inNormal = iota
	inDescription
	inLSB
	inLSBDescription
	inUsage
)

// load reads the script as load_sysv does: lines as read_line() splits
// them, stripped; inside "### BEGIN INIT INFO" ... "### END INIT INFO"
// the keys Provides, Required-Start, Should-Start, X-Start-Before,
// X-Start-After, Description (continued by "#\t" or "#  " lines) and
// Short-Description, case-insensitive, every occurrence counting; outside
// it Red Hat's "# description:" (continued by a trailing backslash) and
// "# pidfile:"; and a Usage line that offers reload. A line of 1 MiB or
// more stops the reading and no unit is made.
func (su *sysvUnit) load(data []byte, errs *ErrorList) {
	var short, long, chk string
	var shortPos, longPos, chkPos graph.Pos
	state := inNormal
	lp := &unitParser{data: data}
	for n := 1; ; n++ {
		raw, ok, tooLong := lp.readLine()
		if !ok {
			break
		}
		pos := graph.Pos{File: su.script, Line: n}
		if tooLong {
			errs.add(pos, "", false, "line of %d bytes or more: systemd-sysv-generator stops reading the script and makes no unit of it", longLineMax)
			return
		}
		t := strings.Trim(string(raw), unitWhitespace)
		if !strings.HasPrefix(t, "#") {
			if state == inUsage || state == inNormal && strings.Contains(strings.ToLower(t), "usage") {
				switch {
				case usageOffersReload(t):
					su.reload, state = true, inNormal
				case strings.HasSuffix(t, "\\"):
					state = inUsage
				default:
					state = inNormal
				}
			}
			continue
		}
		if state == inNormal && t == "### BEGIN INIT INFO" {
			state, su.lsb = inLSB, true
			continue
		}
		if (state == inLSB || state == inLSBDescription) && t == "### END INIT INFO" {
			state = inNormal
			continue
		}
		t = strings.TrimLeft(t[1:], unitWhitespace)
		switch state {
		case inNormal:
			switch {
			case hasPrefixFold(t, "description:"):
				if strings.HasSuffix(t, "\\") {
					state, t = inDescription, t[:len(t)-1]
				}
				chk, chkPos = strings.Trim(t[len("description:"):], unitWhitespace), pos
			case hasPrefixFold(t, "pidfile:"):
				if fn := strings.Trim(t[len("pidfile:"):], unitWhitespace); strings.HasPrefix(fn, "/") {
					su.pidFile = fn
				} else {
					errs.add(pos, "pidfile", true, "PID file not absolute, ignoring")
				}
			}
		case inDescription:
			if strings.HasSuffix(t, "\\") {
				t = t[:len(t)-1]
			} else {
				state = inNormal
			}
			chk = joinWords(chk, strings.Trim(t, unitWhitespace))
		case inLSB, inLSBDescription:
			key, value, _ := strings.Cut(t, ":")
			switch {
			case hasPrefixFold(t, "Provides:"):
				state = inLSB
				su.provides(value, pos)
			case hasPrefixFold(t, "Required-Start:"), hasPrefixFold(t, "Should-Start:"), hasPrefixFold(t, "X-Start-Before:"), hasPrefixFold(t, "X-Start-After:"):
				state = inLSB
				su.dependencies(key, value, pos)
			case hasPrefixFold(t, "Description:"):
				state, long, longPos = inLSBDescription, strings.Trim(value, unitWhitespace), pos
			case hasPrefixFold(t, "Short-Description:"):
				state, short, shortPos = inLSB, strings.Trim(value, unitWhitespace), pos
			case state == inLSBDescription:
				if strings.HasPrefix(string(raw), "#\t") || strings.HasPrefix(string(raw), "#  ") {
					long = joinWords(long, strings.Trim(t, unitWhitespace))
				} else {
					state = inLSB
				}
			}
		}
	}
	// The short description, else Red Hat's, else the long one.
	prefix := map[bool]string{true: "LSB: ", false: "SYSV: "}[su.lsb]
	switch {
	case short != "":
		su.description, su.descPos = prefix+short, shortPos
	case chk != "":
		su.description, su.descPos = prefix+chk, chkPos
	case long != "":
		su.description, su.descPos = prefix+long, longPos
	}
	su.loaded = true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func joinWords(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// usageOffersReload is usage_contains_reload.
func usageOffersReload(line string) bool {
	l := strings.ToLower(line)
	for _, s := range []string{"{reload|", "{reload}", "{reload\"", "|reload|", "|reload}", "|reload\""} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// fixOrder orders a script after those with a lower priority and before
// those with a higher one, unless both have an LSB header (fix_order).
func (su *sysvUnit) fixOrder(units []*sysvUnit) {
	if !su.loaded || su.priority < 0 {
		return
	}
	pos := graph.Pos{File: su.prioLink}
	for _, o := range units {
		if o == su || !o.loaded || o.priority < 0 || su.lsb && o.lsb {
			continue
		}
		switch {
		case o.priority < su.priority:
			su.dep(&su.after, "After", o.name, pos)
		case o.priority > su.priority:
			su.dep(&su.before, "Before", o.name, pos)
		}
	}
}

// write makes the unit file (generate_unit_file), with each setting
// positioned where it comes from: the header line, the rc link, or the
// script as a whole.
func (su *sysvUnit) write() {
	if !su.loaded {
		return
	}
	file := graph.Pos{File: su.script}
	abs := strings.ReplaceAll("/"+su.script, "%", "%%") // specifier_escape
	set := func(section, key, value string, pos graph.Pos) {
		su.options = append(su.options, Option{Section: section, Name: key, Value: value, Pos: pos})
	}
	set("Unit", "Documentation", "man:systemd-sysv-generator(8)", file)
	set("Unit", "SourcePath", abs, file)
	if su.description != "" {
		set("Unit", "Description", strings.ReplaceAll(su.description, "%", "%%"), su.descPos)
	}
	for _, l := range [][]Option{su.before, su.after, su.wants} {
		seen := map[string]bool{}
		for _, o := range l {
			if !seen[o.Value] {
				seen[o.Value] = true
				su.options = append(su.options, o)
			}
		}
	}
	for _, kv := range [][2]string{{"Type", "forking"}, {"Restart", "no"}, {"TimeoutSec", "5min"}, {"IgnoreSIGPIPE", "no"},
		{"KillMode", "process"}, {"GuessMainPID", "no"}, {"RemainAfterExit", map[bool]string{true: "yes", false: "no"}[su.pidFile == ""]}} {
		set("Service", kv[0], kv[1], file)
	}
	if su.pidFile != "" {
		set("Service", "PIDFile", strings.ReplaceAll(su.pidFile, "%", "%%"), file)
	}
	if su.lsb {
		set("Service", "SuccessExitStatus", "5 6", file) // EXIT_NOTINSTALLED, EXIT_NOTCONFIGURED
	}
	set("Service", "ExecStart", abs+" start", file)
	set("Service", "ExecStop", abs+" stop", file)
	if su.reload {
		set("Service", "ExecReload", abs+" reload", file)
	}
}

// addSysV adds to the units the ones systemd-sysv-generator makes of the
// root's init scripts, as if the generator had run before the manager
// read the search path: each unit (Path is its script, the positions of
// its settings are in the script and its rc links), its Provides aliases
// (a name the search path already has keeps its unit: generator.late comes
// last), and its WantedBy= links in the targets' Wants. It returns what
// converting the scripts found.
func (us *Units) addSysV() []graph.Finding {
	gen, found, errs := generateSysV(us.fsys, us.nativeUnit)
	for _, su := range gen {
		us.addGenerated(su)
	}
	// Each target's Wants stays sorted by name: appended, then sorted
	// once (an insert for each of 100,000 scripts would be quadratic).
	has := map[*Unit]map[string]bool{}
	var touched []*Unit
	for _, su := range gen {
		for _, w := range su.wantedBy {
			t := us.LoadUnit(w.Name)
			if t == nil {
				continue
			}
			if has[t] == nil {
				has[t] = map[string]bool{}
				for _, o := range t.Wants {
					has[t][o.Name] = true
				}
				touched = append(touched, t)
			}
			if has[t][su.name] {
				continue
			}
			has[t][su.name] = true
			t.Wants = append(t.Wants, Option{Name: su.name, Value: w.Value, Pos: w.Pos})
		}
	}
	for _, t := range touched {
		sort.SliceStable(t.Wants, func(i, j int) bool { return t.Wants[i].Name < t.Wants[j].Name })
	}
	return append(errs.Findings(), found...)
}

// generatorDir is where systemd-sysv-generator writes (its dest_late).
const generatorDir = "run/systemd/generator.late"

// addGenerated makes su a unit, loaded as LoadUnit loads one: its
// options, then the drop-ins and .wants/ (.requires/, .upholds/) links of
// its names.
func (us *Units) addGenerated(su *sysvUnit) {
	old := us.ByName[su.name]
	if old != nil && old.Path != "" && !strings.HasPrefix(old.Path, "run/systemd/generator") {
		return
	}
	isUnitName := old != nil && old.Name == su.name // in Names already
	u := &Unit{Name: su.name, Type: unitTypeOf(su.name), Path: su.script, Options: su.options, realPath: su.script}
	if unitNameKind(su.name) == nameInstance {
		u.Template, u.Instance = unitTemplate(su.name), unitInstance(su.name)
	}
	us.ids[su.name] = unitID{file: generatorDir + "/" + su.name}
	for _, a := range su.aliases {
		if _, taken := us.ids[a.Name]; taken || us.ByName[a.Name] != nil {
			continue
		}
		us.ids[a.Name] = unitID{alias: su.name}
		us.names[su.name] = append(us.names[su.name], a.Name)
		u.Aliases = append(u.Aliases, a.Name)
	}
	sort.Strings(u.Aliases)
	us.loadDropIns(u)
	u.Wants = us.loadDeps(u, ".wants", "Wants")
	u.Requires = us.loadDeps(u, ".requires", "Requires")
	u.Upholds = us.loadDeps(u, ".upholds", "Upholds")
	for _, n := range append([]string{u.Name}, u.Aliases...) {
		us.ByName[n] = u
		delete(us.absent, n)
	}
	if !isUnitName {
		us.Names = append(us.Names, u.Name)
		us.unsorted = true
	}
}

// nativeUnit reports whether a unit file of that name (or of its
// template) keeps the generator from converting a script, as
// unit_file_exists() decides over the search path without the generator
// directories: a unit file, a mask, an alias (even a dangling one: "link
// has been severed" also makes the generator skip the script), or a link
// to a file outside the path that exists. A directory, a .wants/ link or
// a dangling link to a file outside the path is no unit.
func (us *Units) nativeUnit(name string) (nativeUnit, bool) {
	names := []string{name}
	if unitNameKind(name) == nameInstance {
		names = append(names, unitTemplate(name))
	}
	for _, n := range names {
		for _, d := range us.dirs {
			if strings.HasPrefix(d, "run/systemd/generator") || !us.entries[d][n] {
				continue
			}
			p := d + "/" + n
			fi, err := us.fsys.Lstat(p)
			switch {
			case err != nil || fi.IsDir():
				continue
			case fi.Mode()&fs.ModeSymlink == 0:
				return nativeUnit{path: p, masked: fi.Mode().IsRegular() && fi.Size() == 0}, true
			}
			if null, err := us.nullOrEmpty(p); err == nil {
				return nativeUnit{path: p, masked: null}, true
			}
			if us.inSearchPath(d, p) {
				return nativeUnit{path: p}, true
			}
		}
	}
	return nativeUnit{}, false
}

// inSearchPath reports whether the symlink p of search directory dir
// points into the search path (an alias), as readSymlink decides.
func (us *Units) inSearchPath(dir, p string) bool {
	target, err := us.fsys.Readlink(p)
	if err != nil {
		return false
	}
	if !strings.HasPrefix(target, "/") {
		target = dir + "/" + target
	}
	simplified, err := us.chaseParent(target)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(us.expanded, func(d string) bool { return strings.HasPrefix(simplified, d+"/") })
}
