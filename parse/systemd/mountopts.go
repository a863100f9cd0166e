package systemd

import "strings"

// This file reads mount options as systemd 252's fstab-util.c does
// (fstab_filter_options and its callers): an fstab line's, a crypttab
// line's, a mount unit's Options=.

// splitOptions splits mount options at commas that are not escaped
// ("\,"), as fstab_filter_options does.
func splitOptions(opts string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(opts); i++ {
		c := opts[i]
		if c == '\\' && i+1 < len(opts) && (opts[i+1] == ',' || opts[i+1] == '\\') {
			cur.WriteByte(opts[i+1])
			i++
			continue
		}
		if c == ',' {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

// optMatch reports whether the option o is one of names: the name itself
// or name=value.
func optMatch(o string, names ...string) (string, bool, bool) {
	for _, n := range names {
		if rest, ok := strings.CutPrefix(o, n); ok {
			if rest == "" {
				return n, false, true
			}
			if rest[0] == '=' {
				return n, true, true
			}
		}
	}
	return "", false, false
}

// optTest is fstab_test_option: one of names is among the options.
func optTest(opts string, names ...string) bool {
	for _, o := range splitOptions(opts) {
		if _, _, ok := optMatch(o, names...); ok {
			return true
		}
	}
	return false
}

// optYesNo is fstab_test_yes_no_option: the last of yes and no given
// decides; neither is no.
func optYesNo(opts, yes, no string) bool {
	last := ""
	for _, o := range splitOptions(opts) {
		if n, _, ok := optMatch(o, yes, no); ok {
			last = n
		}
	}
	return last == yes
}

// optValues returns the values of every name=value option.
func optValues(opts, name string) []string {
	var vs []string
	for _, o := range splitOptions(opts) {
		if v, ok := strings.CutPrefix(o, name+"="); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// optValue returns the value of the last of names given (found true
// also for a bare name, with value "").
func optValue(opts string, names ...string) (string, bool) {
	v, found := "", false
	for _, o := range splitOptions(opts) {
		if n, hasValue, ok := optMatch(o, names...); ok {
			found, v = true, ""
			if hasValue {
				v = o[len(n)+1:]
			}
		}
	}
	return v, found
}

// optFilter returns the options without names, joined again with their
// commas escaped.
func optFilter(opts string, names ...string) string {
	if opts == "" {
		return ""
	}
	var kept []string
	for _, o := range splitOptions(opts) {
		if _, _, ok := optMatch(o, names...); !ok {
			kept = append(kept, strings.ReplaceAll(strings.ReplaceAll(o, `\`, `\\`), ",", `\,`))
		}
	}
	return strings.Join(kept, ",")
}
