package systemd

import (
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file reads the kernel command line (--kernel-cmdline) as systemd
// 252's PID 1 and generators read /proc/cmdline: words split by
// parse.SplitKernelCmdline, KEY=VALUE cut at the first "=", later words
// winning, "rd." words skipped (they are the initrd's). The table of
// docs/generators.md says which word does what.

// cmdlinePos is the position of what the kernel command line makes.
var cmdlinePos = graph.Pos{File: "kernel command line"}

// kernelArgs is what the words of a kernel command line ask of systemd.
type kernelArgs struct {
	unit        string      // systemd.unit=, or the target of a runlevel word ("" if none)
	masks       []string    // systemd.mask=, mangled unit names
	wants       []string    // systemd.wants=, mangled unit names
	debugShell  string      // systemd.debug_shell: the tty ("" off)
	fstab       bool        // fstab= (default yes)
	swap        bool        // systemd.swap= (default yes)
	volatile    string      // systemd.volatile=
	luks        bool        // luks= (default yes)
	crypttab    bool        // luks.crypttab= (default yes)
	luksVolumes luksVolumes // luks.uuid=, luks.name=, luks.options=, luks.key=
	gettyAuto   bool        // systemd.getty_auto= (default yes)
	consoles    []string    // console=NAME: the kernel's active consoles, in order
}

// parseKernelArgs reads words.
func parseKernelArgs(words []string) *kernelArgs {
	k := &kernelArgs{fstab: true, swap: true, luks: true, crypttab: true, gettyAuto: true}
	boolean := func(value string, hasValue bool, cur bool) bool {
		if !hasValue {
			return true
		}
		if b, ok := parseBoolStrict(value); ok {
			return b
		}
		return cur // "Failed to parse ..., ignoring"
	}
	for _, w := range words {
		if strings.HasPrefix(w, "rd.") {
			continue // for the initrd only (proc_cmdline_extract_first)
		}
		key, value, hasValue := strings.Cut(w, "=")
		switch {
		case key == "systemd.unit" && hasValue && value != "":
			k.unit = value
		case !hasValue && runlevelWordTarget(key) != "":
			k.unit = runlevelWordTarget(key)
		case key == "systemd.mask" && hasValue && value != "":
			if n, ok := mangleUnitName(value, ".service"); ok {
				k.masks = append(k.masks, n)
			}
		case key == "systemd.wants" && hasValue && value != "":
			if n, ok := mangleUnitName(value, ".service"); ok {
				k.wants = append(k.wants, n)
			}
		case cmdlineKeyEqual(key, "systemd.debug_shell"):
			switch b, ok := parseBoolStrict(value); {
			case !hasValue || ok && b:
				k.debugShell = "tty9" // DEBUGTTY
			case ok:
				k.debugShell = ""
			default:
				k.debugShell = strings.TrimPrefix(value, "/dev/")
			}
		case key == "fstab":
			k.fstab = boolean(value, hasValue, k.fstab)
		case key == "systemd.swap":
			k.swap = boolean(value, hasValue, k.swap)
		case key == "systemd.volatile":
			if !hasValue {
				k.volatile = "yes"
			} else {
				k.volatile = value
			}
		case key == "luks":
			k.luks = boolean(value, hasValue, k.luks)
		case key == "luks.crypttab":
			k.crypttab = boolean(value, hasValue, k.crypttab)
		case k.luksVolumes.word(key, value, hasValue):
		case cmdlineKeyEqual(key, "systemd.getty_auto"):
			k.gettyAuto = boolean(value, hasValue, k.gettyAuto)
		case key == "console" && hasValue:
			name, _, _ := strings.Cut(value, ",")
			name = strings.TrimPrefix(name, "/dev/")
			if name != "" {
				k.consoles = append(k.consoles, name)
			}
		}
	}
	return k
}

// runlevelWordTarget is runlevel_to_target() of systemd 252
// (src/basic/unit-file.c): the target a SysV runlevel word on the kernel
// command line boots.
func runlevelWordTarget(w string) string {
	switch w {
	case "emergency", "-b":
		return "emergency.target"
	case "rescue", "single", "-s", "s", "S", "1":
		return "rescue.target"
	case "2", "3", "4":
		return "multi-user.target"
	case "5":
		return "graphical.target"
	}
	return ""
}

// cmdlineKeyEqual is proc_cmdline_key_streq: "-" and "_" are the same.
func cmdlineKeyEqual(a, b string) bool {
	norm := func(s string) string { return strings.ReplaceAll(s, "-", "_") }
	return norm(a) == norm(b)
}

// parseBoolStrict is parse_boolean: true and false words, ok false for
// anything else.
func parseBoolStrict(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, true
	case "0", "no", "n", "false", "f", "off":
		return false, true
	}
	return false, false
}

// mangleUnitName is unit_name_mangle_with_suffix of systemd 252
// (src/basic/unit-name.c:704) without globs: a valid unit name as it is,
// a /dev/ path its .device, an absolute path its .mount, anything else
// with the characters a unit name cannot have escaped and suffix added
// when it has no unit type suffix. ok is false when no valid name comes
// out.
func mangleUnitName(name, suffix string) (string, bool) {
	if name == "" {
		return "", false
	}
	if unitNameKind(name) != 0 {
		return name, true
	}
	if isDevicePath(name) {
		if n, ok := unitNameFromPath(name, ".device"); ok {
			return n, true
		}
	}
	if strings.HasPrefix(name, "/") {
		if n, ok := unitNameFromPath(name, ".mount"); ok {
			return n, true
		}
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case validNameChar(c) || c == '@':
			b.WriteByte(c)
		default:
			b.WriteString(`\x` + hexByte(c))
		}
	}
	s := b.String()
	if e := strings.LastIndexByte(s, '.'); e < 0 || !isUnitType(s[e+1:]) {
		s += suffix
	}
	if unitNameKind(s) == 0 {
		return "", false
	}
	return s, true
}

func hexByte(c byte) string {
	const hex = "0123456789abcdef"
	return string([]byte{hex[c>>4], hex[c&15]})
}
