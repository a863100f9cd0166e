package systemd

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/initorder/initorder/parse"
)

// This file computes the value of a setting the way systemd 252's parsers
// for it do (src/core/load-fragment.c, src/shared/install.c): how the value
// is split into words, whether an empty assignment resets the list, and
// which specifiers expand (src/core/unit-printf.c, src/shared/specifier.c,
// src/shared/install-printf.c).

// unitDeps are the [Unit] settings config_parse_unit_deps() reads: lists of
// unit names that an empty assignment does NOT reset ("Dependencies
// (After=, etc.) cannot be reset to an empty list", systemd.unit(5)).
var unitDeps = []string{
	"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds", "Conflicts",
	"Before", "After", "OnFailure", "OnSuccess", "PropagatesReloadTo", "ReloadPropagatedFrom",
	"PropagatesStopTo", "StopPropagatedFrom", "JoinsNamespaceOf",
}

// compatNames are older spellings systemd 252 still reads as the setting
// they map to (load-fragment-gperf.gperf.in).
var compatNames = map[string]string{
	"Unit.BindTo":               "BindsTo",
	"Unit.PropagateReloadTo":    "PropagatesReloadTo",
	"Unit.PropagateReloadFrom":  "ReloadPropagatedFrom",
	"Unit.RequiresOverridable":  "Requires",
	"Unit.RequisiteOverridable": "Requisite",
}

// splitMode is how a value is cut into words (extract_first_word flags).
type splitMode int

const (
	splitWords         splitMode = iota // at blanks; quotes and backslashes are plain characters (EXTRACT_RETAIN_ESCAPE)
	splitEscape                         // at blanks; quotes are plain characters, "\c" is c (no flags)
	splitUnquote                        // at blanks outside quotes; quotes removed, "\c" is c (EXTRACT_UNQUOTE)
	splitUnquoteRetain                  // the same, backslashes kept (EXTRACT_UNQUOTE|EXTRACT_RETAIN_ESCAPE)
	splitNone                           // the whole value is one word
)

// specTable is which specifiers a setting expands.
type specTable int

const (
	specNames   specTable = iota // unit_name_printf: safe in unit names
	specFull                     // unit_full_printf, unit_path_printf
	specInstall                  // install_name_printf
)

// valueRule is how one setting's assignments make its value.
type valueRule struct {
	split    splitMode
	reset    bool // an empty assignment empties the list
	specs    specTable
	template bool // a template name gets the unit's instance, or its prefix (resolve_template in unit.c)
	pick     int  // 0: every assignment; 1: the first that gives a word; -1: the last assignment
}

var (
	depRule     = valueRule{split: splitWords, specs: specNames, template: true}
	defaultRule = valueRule{split: splitWords, reset: true, specs: specFull}
	valueRules  = map[string]valueRule{
		"Unit.RequiresMountsFor":  {split: splitUnquote, specs: specFull},
		"Unit.WantsMountsFor":     {split: splitUnquote, specs: specFull},
		"Service.Sockets":         {split: splitEscape, specs: specNames, template: true},
		"Socket.Service":          {split: splitNone, specs: specNames, pick: -1},
		"Timer.Unit":              {split: splitNone, specs: specNames, template: true, pick: 1},
		"Path.Unit":               {split: splitNone, specs: specNames, template: true, pick: 1},
		"Install.WantedBy":        {split: splitUnquoteRetain, reset: true, specs: specInstall},
		"Install.RequiredBy":      {split: splitUnquoteRetain, reset: true, specs: specInstall},
		"Install.UpheldBy":        {split: splitUnquoteRetain, reset: true, specs: specInstall},
		"Install.Alias":           {split: splitUnquoteRetain, reset: true, specs: specInstall},
		"Install.Also":            {split: splitEscape, specs: specInstall},
		"Install.DefaultInstance": {split: splitNone, specs: specInstall, pick: -1},
	}
)

// settingRule returns the rule for section.name and the spellings it is written
// with.
func settingRule(section, name string) (valueRule, []string) {
	if e, ok := commonRules[[2]string{section, name}]; ok {
		return e.rule, e.names
	}
	if c, ok := settingRules.Load([2]string{section, name}); ok {
		e := c.(ruleEntry)
		return e.rule, e.names
	}
	r, names := findSettingRule(section, name)
	settingRules.Store([2]string{section, name}, ruleEntry{r, names})
	return r, names
}

// settingRules memoizes settingRule: Values asks for it some twenty times
// a unit.
var settingRules sync.Map // [2]string{section, name} -> ruleEntry

// commonRules are the rules of the settings expand asks for of every
// unit (the [Unit] dependencies, RequiresMountsFor= ...), made once: a
// map that is only read is faster than settingRules, some 120,000 looks
// for 10,000 units.
var commonRules = func() map[[2]string]ruleEntry {
	m := map[[2]string]ruleEntry{}
	add := func(section, name string) {
		r, names := findSettingRule(section, name)
		m[[2]string{section, name}] = ruleEntry{r, names}
	}
	for _, n := range unitDeps {
		add("Unit", n)
	}
	for k := range valueRules {
		section, name, _ := strings.Cut(k, ".")
		add(section, name)
	}
	return m
}()

type ruleEntry struct {
	rule  valueRule
	names []string
}

func findSettingRule(section, name string) (valueRule, []string) {
	key := section + "." + name
	if c, ok := compatNames[key]; ok {
		name, key = c, section+"."+c
	}
	names := []string{name}
	for k, c := range compatNames {
		if c == name && strings.HasPrefix(k, section+".") {
			names = append(names, strings.TrimPrefix(k, section+"."))
		}
	}
	if section == "Unit" {
		for _, d := range unitDeps {
			if d == name {
				return depRule, names
			}
		}
	}
	if name == "Slice" && section != "Install" && section != "Unit" {
		return valueRule{split: splitNone, specs: specNames, pick: -1}, names
	}
	if r, ok := valueRules[key]; ok {
		return r, names
	}
	return defaultRule, names
}

// Values returns the effective list value of a setting in section, e.g.
// Values("Unit", "After"), the way systemd 252 computes it: the words of
// every assignment in order, each with the Pos of its assignment and the
// key as written (an older spelling such as BindTo= counts for BindsTo=),
// specifiers expanded.
//
// The rules follow systemd's parser of each setting. The [Unit]
// dependencies (Requires= … After=, Before=, OnFailure=,
// JoinsNamespaceOf=) are split at blanks, quotes being plain characters;
// an empty assignment does NOT reset them (systemd.unit(5), and systemd
// 252 does not); a template name among them gets the unit's instance, or
// its prefix when it has none ("Wants=foo@.service" in bar.target means
// foo@bar.service; a template unit keeps template names).
// RequiresMountsFor= and WantsMountsFor= are unquoted and not reset
// either. Socket's Service= and Slice= take the last
// assignment, Timer's and Path's Unit= the first. [Install] WantedBy=,
// RequiredBy=, UpheldBy= and Alias= are reset by an empty assignment.
// Any other setting is split at blanks and reset by an empty assignment.
//
// Specifiers: %n %N %p %P %i %I %j %J %f %d %y %Y and %% expand from the
// unit; the system manager's constants %u=root %U=0 %g=root %G=0
// %C=/var/cache %E=/etc %L=/var/log %S=/var/lib %t=/run %T=/tmp
// %V=/var/tmp expand too. The specifiers of the running machine (%a %A
// %b %B %H %l %q %m %M %o %v %w %W), the user's home and shell (%h %s)
// and the deprecated cgroup ones (%c %r %R) stay as written. As in
// systemd, unit-name settings accept only %i %j %n %N %p and the machine
// and user ones; a word with another letter specifier is dropped (see
// ExpandValues for why a word was dropped). Names are not checked: an
// invalid one, or one of the unit's own names, is returned, where
// systemd ignores it with a warning, or silently.
func (u *Unit) Values(section, name string) []Option {
	vals, _ := u.ExpandValues(section, name)
	return vals
}

// ExpandValues is Values with the diagnostics systemd would log for the
// words it drops: an unknown specifier, or a specifier that cannot expand
// (%I of an instance that is no valid escape, %y of a unit without
// fragment), or unbalanced quotes.
func (u *Unit) ExpandValues(section, name string) ([]Option, parse.ErrorList) {
	r, names := settingRule(section, name)
	var vals []Option
	var errs parse.ErrorList
	// A dependency is kept once, as systemd keeps it (a set): "After=a a
	// a" is one order.
	var seen map[string]bool
	if section == "Unit" && isUnitDep(name) {
		seen = map[string]bool{}
	}
	for _, o := range u.Options {
		if o.Section != section || !slices.Contains(names, o.Name) {
			continue
		}
		if o.Value == "" && r.reset {
			vals = vals[:0]
			continue
		}
		if r.pick == 1 && len(vals) > 0 {
			continue
		}
		words, err := splitValue(o.Value, r.split)
		if err != nil {
			errs.Warnf(o.Pos, o.Name, "%v, ignoring the rest of %q", err, o.Value)
		}
		got := make([]Option, 0, min(len(words), 64))
		for _, w := range words {
			v, err := u.expand(w, r.specs)
			if err != nil {
				errs.Warnf(o.Pos, o.Name, "failed to resolve specifiers in %q, ignoring: %v", w, err)
				continue
			}
			if r.template && strings.IndexByte(v, '@') >= 0 && validUnitName(v, nameTemplate) {
				v = u.resolveTemplate(v)
			}
			if seen != nil {
				if seen[v] {
					continue
				}
				seen[v] = true
			}
			got = append(got, Option{Section: o.Section, Name: o.Name, Value: v, Pos: o.Pos})
		}
		switch r.pick {
		case -1:
			vals = got
		default:
			vals = append(vals, got...)
		}
	}
	return vals, errs
}

// unitKeys returns a test of whether the unit's [Unit] section assigns
// the setting key (or an older name of it), found in one pass over the
// options: a unit sets a few of the dozen dependency settings expand asks
// Values for.
func (u *Unit) unitKeys() func(key string) bool {
	var set []string
	for _, o := range u.Options {
		if o.Section == "Unit" && !slices.Contains(set, o.Name) {
			set = append(set, o.Name)
		}
	}
	return func(key string) bool {
		_, names := settingRule("Unit", key)
		for _, n := range names {
			if slices.Contains(set, n) {
				return true
			}
		}
		return false
	}
}

// Value returns the last assignment of a setting in section as written,
// e.g. Value("Unit", "DefaultDependencies"), with ok false when there is
// none. An empty value is an assignment too: it resets the setting.
func (u *Unit) Value(section, name string) (Option, bool) {
	for i := len(u.Options) - 1; i >= 0; i-- {
		if o := u.Options[i]; o.Section == section && o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// resolveTemplate gives the template name n this unit's instance, or its
// prefix when it has none (resolve_template in src/core/unit.c); n is
// returned unchanged when that makes no valid name, and by a template
// unit, which systemd never loads.
func (u *Unit) resolveTemplate(n string) string {
	inst := u.Instance
	if inst == "" {
		if validUnitName(u.Name, nameTemplate) {
			return n
		}
		inst = unitPrefix(u.Name)
	}
	if s, ok := replaceInstance(n, inst); ok {
		return s
	}
	return n
}

var errUnbalanced = errors.New("unbalanced quoting")

// splitValue cuts a value into words as extract_first_word() does with
// blanks as separators.
func splitValue(s string, mode splitMode) ([]string, error) {
	if mode == splitNone {
		if s == "" {
			return nil, nil
		}
		return []string{s}, nil
	}
	var words []string
	for i := 0; ; {
		for i < len(s) && strings.IndexByte(unitWhitespace, s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			return words, nil
		}
		w, n, err := nextValueWord(s[i:], mode)
		if err != nil {
			return words, err
		}
		words = append(words, w)
		i += n
	}
}

// nextValueWord reads the word at the start of s and returns it with the
// number of bytes it took.
func nextValueWord(s string, mode splitMode) (string, int, error) {
	// Most words have no quote and no backslash: the word is s up to the
	// next blank, and nothing is copied.
	plain := 0
	for plain < len(s) && s[plain] != '"' && s[plain] != '\'' && s[plain] != '\\' && strings.IndexByte(unitWhitespace, s[plain]) < 0 {
		plain++
	}
	if plain == len(s) || strings.IndexByte(unitWhitespace, s[plain]) >= 0 {
		return s[:plain], plain, nil
	}
	var w strings.Builder
	var quote byte
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case (mode == splitEscape || mode == splitUnquote) && c == '\\':
			if i+1 >= len(s) {
				return "", i, errors.New("trailing backslash")
			}
			i++
			w.WriteByte(s[i])
		case quote != 0:
			w.WriteByte(c)
		case (mode == splitUnquote || mode == splitUnquoteRetain) && (c == '"' || c == '\''):
			quote = c
		case strings.IndexByte(unitWhitespace, c) >= 0:
			return w.String(), i, nil
		default:
			w.WriteByte(c)
		}
	}
	if quote != 0 {
		return "", i, errUnbalanced
	}
	return w.String(), i, nil
}

// specifiers systemd knows in some table (POSSIBLE_SPECIFIERS is every
// ASCII letter and digit): an unknown one among these is an error, "%"
// before anything else stays as written.
func possibleSpecifier(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

const (
	// specifiers of the running machine and user, in every table
	// (COMMON_SYSTEM_SPECIFIERS, COMMON_CREDS_SPECIFIERS).
	machineSpecifiers = "aAbBHlqmMovwWgGuU"
	nameSpecifiers    = "ijnNp" + machineSpecifiers
	fullSpecifiers    = "iIjJnNpPfcrRCELStTVhsdyY" + machineSpecifiers
)

// systemSpecifiers are the values that do not depend on the unit or the
// machine for the system manager.
var systemSpecifiers = map[byte]string{
	'u': "root", 'U': "0", 'g': "root", 'G': "0",
	'C': "/var/cache", 'E': "/etc", 'L': "/var/log", 'S': "/var/lib", 't': "/run",
	'T': "/tmp", 'V': "/var/tmp",
}

var errBadSlot = errors.New("unknown specifier")

// expand replaces the specifiers of s (specifier_printf).
func (u *Unit) expand(s string, table specTable) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	known := nameSpecifiers
	if table == specFull {
		known = fullSpecifiers
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) { // a stray "%" at the end stays
			b.WriteByte('%')
			break
		}
		i++
		c = s[i]
		switch {
		case c == '%':
			b.WriteByte('%')
		case strings.IndexByte(known, c) >= 0:
			v, err := u.specifier(c, table)
			if err != nil {
				return "", fmt.Errorf("%%%c: %w", c, err)
			}
			b.WriteString(v)
		case possibleSpecifier(c):
			return "", fmt.Errorf("%w %%%c", errBadSlot, c)
		default:
			b.WriteByte('%')
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// specifier returns the value of one known specifier.
func (u *Unit) specifier(c byte, table specTable) (string, error) {
	if v, ok := systemSpecifiers[c]; ok {
		return v, nil
	}
	prefix := unitPrefix(u.Name)
	switch c {
	case 'n':
		return u.Name, nil
	case 'N':
		return u.Name[:strings.LastIndexByte(u.Name, '.')], nil
	case 'p':
		return prefix, nil
	case 'P':
		return unescapeUnitName(prefix)
	case 'i':
		if u.Instance == "" && table == specInstall && u.Template == "" && validUnitName(u.Name, nameTemplate) {
			if o, ok := u.Value("Install", "DefaultInstance"); ok {
				return o.Value, nil
			}
		}
		return u.Instance, nil
	case 'I':
		return unescapeUnitName(u.Instance)
	case 'j', 'J':
		last := prefix[strings.LastIndexByte(prefix, '-')+1:]
		if c == 'J' {
			return unescapeUnitName(last)
		}
		return last, nil
	case 'f':
		if u.Instance != "" {
			return unescapeUnitPath(u.Instance)
		}
		return unescapeUnitPath(prefix)
	case 'd':
		return "/run/credentials/" + u.Name, nil
	case 'y', 'Y':
		if u.realPath == "" {
			return "", errors.New("no unit file")
		}
		if c == 'Y' {
			return "/" + path.Dir(u.realPath), nil
		}
		return "/" + u.realPath, nil
	}
	// The machine's and the user's (and the deprecated cgroup ones)
	// cannot be known offline: they stay as written.
	return "%" + string(c), nil
}
