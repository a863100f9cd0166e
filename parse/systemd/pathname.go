package systemd

import (
	"strings"
	"unicode/utf8"
)

// This file holds systemd 252's helpers that turn paths into unit names
// and device nodes, which fstab, cryptsetup, the kernel command line and
// RequiresMountsFor= share: src/basic/unit-name.c, src/basic/path-util.c,
// src/shared/fstab-util.c and src/shared/device-nodes.c.

// fstabNodeToUdevNode is fstab_node_to_udev_node (fstab-util.c:253-288):
// LABEL=, UUID=, PARTUUID= and PARTLABEL= name /dev/disk/by-*/ links.
func fstabNodeToUdevNode(p string) string {
	for _, t := range []struct{ prefix, by string }{{"LABEL=", "label"}, {"UUID=", "uuid"}, {"PARTUUID=", "partuuid"}, {"PARTLABEL=", "partlabel"}} {
		if v, ok := strings.CutPrefix(p, t.prefix); ok {
			if len(v) >= 2 && strings.IndexByte(`"'`, v[0]) >= 0 && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			return "/dev/disk/by-" + t.by + "/" + encodeDevnodeName(v)
		}
	}
	return p
}

// encodeDevnodeName is encode_devnode_name (src/shared/device-nodes.c):
// bytes outside [0-9A-Za-z#+-.:=@_] and backslashes become \xNN; valid
// multi-byte UTF-8 is kept.
func encodeDevnodeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError && size > 1 {
				b.WriteString(s[i : i+size])
				i += size
				continue
			}
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("#+-.:=@_", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString(`\x` + hexByte(c))
		}
		i++
	}
	return b.String()
}

// isDevicePath is is_device_path (src/basic/path-util.c:1248): a path
// below /dev/ or /sys/.
func isDevicePath(p string) bool {
	for _, prefix := range []string{"/dev/", "/sys/"} {
		if rest, ok := cutPathPrefix(p, prefix); ok && rest != "" {
			return true
		}
	}
	return false
}

// cutPathPrefix is path_startswith: prefix as whole components, slashes
// collapsed; rest is what follows.
func cutPathPrefix(p, prefix string) (string, bool) {
	pc := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	qc := strings.FieldsFunc(prefix, func(r rune) bool { return r == '/' })
	if !strings.HasPrefix(p, "/") || !strings.HasPrefix(prefix, "/") || len(pc) < len(qc) {
		return "", false
	}
	for i := range qc {
		if pc[i] != qc[i] {
			return "", false
		}
	}
	return strings.Join(pc[len(qc):], "/"), true
}

// simplifyPath is path_simplify: no "//", no "." component, no trailing
// slash.
func simplifyPath(p string) string {
	abs := strings.HasPrefix(p, "/")
	var cs []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			cs = append(cs, c)
		}
	}
	s := strings.Join(cs, "/")
	if abs {
		return "/" + s
	}
	if s == "" {
		return "."
	}
	return s
}

// unitNameFromPath is unit_name_from_path (src/basic/unit-name.c:580):
// the path simplified and escaped ("/" is "-"), with suffix. A path with a
// ".." component gives no name; a name of 256 bytes or more is hashed by
// systemd, which initorder does not do (ok false, long true).
func unitNameFromPath(p, suffix string) (name string, ok bool) {
	p = simplifyPath(p)
	var esc string
	if p == "/" || p == "." {
		esc = "-"
	} else {
		if !pathNormalized("/" + strings.TrimPrefix(p, "/")) {
			return "", false
		}
		esc = unitNameEscape(strings.Trim(p, "/"))
	}
	name = esc + suffix
	if len(name) >= unitNameMax || unitNameKind(name) != namePlain {
		return "", false
	}
	return name, true
}

// specifierEscape is specifier_escape: "%" doubled.
func specifierEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }
