package systemd

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file reads an init script as systemd-sysv-generator's load_sysv
// does and writes the unit it makes of it (systemd 252,
// src/sysv-generator/sysv-generator.c).
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
			continue
		case m == "network-online.target" && !before:
			su.dep(&su.after, "After", m, pos)
			su.dep(&su.wants, "Wants", m, pos)
		case before:
			su.dep(&su.before, "Before", m, pos)
		default:
			su.dep(&su.after, "After", m, pos)
		}
		su.headerDeps = append(su.headerDeps, headerDep{key: key, word: w, unit: m, pos: pos})
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
func (su *sysvUnit) load(data []byte, errs *parse.ErrorList) {
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
			errs.Errorf(pos, "", "line of %d bytes or more: systemd-sysv-generator stops reading the script and makes no unit of it", longLineMax)
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
					errs.Warnf(pos, "pidfile", "PID file not absolute, ignoring")
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

// maxFixOrderPairs bounds the orders fix_order writes into the units:
// past it, a script's unit has none of them, and the transaction orders
// the scripts by priority through barriers instead (orderByPriority),
// which is the same order in a number of edges linear in the scripts.
// systemd-sysv-generator writes every pair: 10,000 scripts without a
// header at two link numbers are 50 million After= names.
var maxFixOrderPairs = 10000

// fixOrderPairs counts the orders fix_order would make: the pairs of
// loaded scripts with link numbers of which the first has a lower
// number, and one at least has no LSB header.
func fixOrderPairs(units []*sysvUnit) int {
	all, lsb := map[int]int{}, map[int]int{}
	for _, su := range units {
		if su.loaded && su.priority >= 0 {
			all[su.priority]++
			if su.lsb {
				lsb[su.priority]++
			}
		}
	}
	pairs, belowAll, belowLSB := 0, 0, 0
	for _, p := range slices.Sorted(maps.Keys(all)) {
		pairs += all[p]*belowAll - lsb[p]*belowLSB
		belowAll += all[p]
		belowLSB += lsb[p]
	}
	return pairs
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
