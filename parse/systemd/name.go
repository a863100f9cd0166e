package systemd

import (
	"errors"
	"strings"
)

// This file holds systemd's unit-name rules, as src/basic/unit-name.c
// (systemd 252) applies them: validity, templates and instances, prefixes,
// and the unescaping that the %I, %P, %J and %f specifiers do.

// unitNameMax is UNIT_NAME_MAX: a valid name is shorter.
const unitNameMax = 256

// isUnitType reports whether t is a unit type of systemd 252
// (unit_type_table): a switch, not a map, as unitNameKind asks it of
// every name, many times a unit.
func isUnitType(t string) bool {
	switch t {
	case "service", "mount", "swap", "socket", "target", "device", "automount", "timer", "path", "slice", "scope":
		return true
	}
	return false
}

// nameKind is what unit_name_is_valid accepts, as a set of bits.
type nameKind int

const (
	namePlain    nameKind = 1 << iota // foo.service
	nameInstance                      // foo@bar.service
	nameTemplate                      // foo@.service
	nameAny      = namePlain | nameInstance | nameTemplate
)

// validNameChar reports whether c may appear in a unit name before its
// type suffix: VALID_CHARS, digits, ASCII letters and ":-_.\".
func validNameChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(":-_.\\", c) >= 0
}

// unitNameKind returns the kind of a valid unit name, 0 for an invalid one
// (unit_name_is_valid with each flag, unit_name_to_instance).
func unitNameKind(n string) nameKind {
	if n == "" || len(n) >= unitNameMax {
		return 0
	}
	e := strings.LastIndexByte(n, '.')
	if e <= 0 || !isUnitType(n[e+1:]) {
		return 0
	}
	at := -1
	for i := 0; i < e; i++ {
		if n[i] == '@' && at < 0 {
			at = i
		}
		if n[i] != '@' && !validNameChar(n[i]) {
			return 0
		}
	}
	switch {
	case at == 0:
		return 0
	case at < 0:
		return namePlain
	case e > at+1:
		return nameInstance
	}
	return nameTemplate
}

// completeName is the unit a name without a unit type stands for: a
// service, as systemctl reads the names it is given
// (unit_name_mangle_with_suffix adds ".service" to a name that does not
// end in a unit type). It is the boot graph's Complete.
func completeName(name string) (string, bool) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && isUnitType(name[i+1:]) {
		return "", false
	}
	return name + ".service", true
}

// validUnitName reports whether n is a valid unit name of one of kinds.
func validUnitName(n string, kinds nameKind) bool { return unitNameKind(n)&kinds != 0 }

// unitTypeOf returns the type suffix of a valid name: "service".
func unitTypeOf(n string) string { return n[strings.LastIndexByte(n, '.')+1:] }

// unitPrefix returns the part before "@", or before the type suffix when
// there is no "@" (unit_name_to_prefix): "getty" for "getty@tty1.service".
func unitPrefix(n string) string {
	if i := strings.IndexByte(n, '@'); i >= 0 {
		return n[:i]
	}
	return n[:strings.LastIndexByte(n, '.')]
}

// unitInstance returns the instance of an instance name, "" otherwise.
func unitInstance(n string) string {
	at := strings.IndexByte(n, '@')
	if at < 0 {
		return ""
	}
	return n[at+1 : strings.LastIndexByte(n, '.')]
}

// unitTemplate returns the template of an instance name
// (unit_name_template): "getty@.service" for "getty@tty1.service".
func unitTemplate(n string) string {
	at := strings.IndexByte(n, '@')
	return n[:at+1] + n[strings.LastIndexByte(n, '.'):]
}

// replaceInstance puts instance into the template or instance name n
// (unit_name_replace_instance); ok is false when the result is no valid
// instance name.
func replaceInstance(n, instance string) (string, bool) {
	at := strings.IndexByte(n, '@')
	if at < 0 || !validInstance(instance) {
		return "", false
	}
	s := n[:at+1] + instance + n[strings.LastIndexByte(n, '.'):]
	return s, validUnitName(s, nameInstance)
}

// validInstance is unit_instance_is_valid: VALID_CHARS and "@".
func validInstance(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '@' && !validNameChar(s[i]) {
			return false
		}
	}
	return true
}

// validPrefix is unit_prefix_is_valid.
func validPrefix(s string) bool {
	if s == "" || len(s) >= unitNameMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !validNameChar(s[i]) {
			return false
		}
	}
	return true
}

// dashPrefixName returns the next name whose drop-ins apply to n
// (unit_file_find_dirs): "foo-bar-.service" for "foo-bar-baz.service",
// "foo-.service" for "foo-bar-.service", "foo-@i.service" for
// "foo-bar@i.service"; ok is false when there is none.
func dashPrefixName(n string) (string, bool) {
	prefix := unitPrefix(n)
	chopped := false
	for {
		dash := strings.LastIndexByte(prefix, '-')
		if dash <= 0 { // no dash, or a leading one
			return "", false
		}
		if dash+1 < len(prefix) || chopped {
			prefix = prefix[:dash+1]
			break
		}
		// A trailing dash: chop it off and try again, but only once.
		prefix = prefix[:dash]
		chopped = true
	}
	if !validPrefix(prefix) {
		return "", false
	}
	built := prefix
	if unitNameKind(n) == nameInstance {
		built += "@" + unitInstance(n)
	}
	built += "." + unitTypeOf(n)
	return built, validUnitName(built, nameAny)
}

// unitNameEscape is unit_name_escape (unit-name.c:312-331): "/" becomes
// "-", a leading "." and every byte but [0-9A-Za-z:_.] become \xNN.
func unitNameEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, c == '-', c == '\\', !validNameChar(c):
			b.WriteString(`\x` + hexByte(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var errBadEscape = errors.New("invalid escape sequence")

// unescapeUnitName undoes unit-name escaping (unit_name_unescape): "-"
// becomes "/", "\xNN" the byte NN.
func unescapeUnitName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-':
			b.WriteByte('/')
		case c == '\\':
			if i+3 >= len(s) || s[i+1] != 'x' {
				return "", errBadEscape
			}
			hi, ok1 := unhex(s[i+2])
			lo, ok2 := unhex(s[i+3])
			if !ok1 || !ok2 {
				return "", errBadEscape
			}
			b.WriteByte(hi<<4 | lo)
			i += 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

var errBadPath = errors.New("not an escaped absolute path")

// unescapeUnitPath turns an escaped path back into the path
// (unit_name_path_unescape): "-" is "/", "dev-sda1" is "/dev/sda1".
func unescapeUnitPath(s string) (string, error) {
	if s == "" {
		return "", errBadPath
	}
	if s == "-" {
		return "/", nil
	}
	w, err := unescapeUnitName(s)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(w, "/") || strings.HasSuffix(w, "/") {
		return "", errBadPath
	}
	p := "/" + w
	if !pathNormalized(p) {
		return "", errBadPath
	}
	return p, nil
}

// pathNormalized is path_is_normalized: no "." or ".." component, no "//".
func pathNormalized(p string) bool {
	if p == "" || len(p) > 4096 || strings.Contains(p, "//") {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == "." || c == ".." || len(c) > 255 {
			return false
		}
	}
	return true
}

// hiddenOrBackup reports whether a directory entry is skipped when
// drop-ins and .wants/ links are listed (hidden_or_backup_file).
func hiddenOrBackup(name string) bool {
	if strings.HasPrefix(name, ".") || name == "lost+found" || name == "aquota.user" || name == "aquota.group" || strings.HasSuffix(name, "~") {
		return true
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return false
	}
	switch name[dot+1:] {
	case "rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist", "dpkg-bak",
		"dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp", "bak", "old", "new":
		return true
	}
	return false
}
