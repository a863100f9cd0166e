package systemd

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file emulates systemd 252's systemd-cryptsetup-generator
// (src/cryptsetup/cryptsetup-generator.c) on etc/crypttab, and the
// integritysetup and veritysetup generators on etc/integritytab and
// etc/veritytab: one service per line that unlocks the device
// /dev/mapper/NAME, which the device's unit requires, hooked into
// cryptsetup.target (remote-cryptsetup.target with _netdev) and its
// siblings; and the volumes the kernel command line names (luks.uuid=,
// luks.name=, luks.options=, luks.key=; rd.luks.* is the initrd's).

// tabLine is a line of a crypttab-like file: its fields.
type tabLine struct {
	fields []string
	pos    graph.Pos
}

// readTab reads file as the generators read their tabs (read_line,
// strstrip, sscanf "%ms %ms ..."): white-space separated fields, blank
// and "#" lines skipped.
func readTab(g *genContext, file string) []tabLine {
	data, err := g.fsys.ReadFile(file)
	if err != nil {
		return nil
	}
	var lines []tabLine
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		f := strings.Fields(string(line))
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		lines = append(lines, tabLine{f, graph.Pos{File: file, Line: n}})
	}
	return lines
}

// cryptsetupGenerator is add_crypttab_devices and create_disk
// (cryptsetup-generator.c:286-560, 789-860).
func cryptsetupGenerator(g *genContext) {
	if !g.args.luks {
		return
	}
	luks := g.args.luksVolumes
	inTab := map[*luksVolume]bool{} // named by a crypttab line: not made again
	if g.args.crypttab {
		for _, l := range readTab(g, "etc/crypttab") {
			if len(l.fields) < 2 || len(l.fields) > 4 {
				g.out.errs.Warnf(l.pos, "", "crypttab: want 2 to 4 fields (name, device, key file, options), ignoring the line")
				continue
			}
			for len(l.fields) < 4 {
				l.fields = append(l.fields, "")
			}
			name, device, keyspec, options := l.fields[0], l.fields[1], l.fields[2], l.fields[3]
			v := luks.byUUID[crypttabUUID(name, device)]
			if luks.allowList && v == nil {
				continue // "Not creating device ... because it was not specified on the kernel command line"
			}
			keyFile, keyDev := splitLocationSpec(keyspec)
			if !createCryptDisk(g, name, device, keyFile, keyDev, options, "", l.pos) {
				return // the generator stops at the first line it refuses
			}
			if v != nil {
				inTab[v] = true
			}
		}
	}
	// add_proc_cmdline_devices: what crypttab did not have.
	for _, v := range luks.list {
		if !v.create || inTab[v] {
			continue
		}
		name := cmp.Or(v.name, "luks-"+v.uuid)
		keyFile := cmp.Or(v.keyFile, luks.keyFile)
		options := cmp.Or(v.options, luks.options)
		if !createCryptDisk(g, name, "UUID="+v.uuid, keyFile, v.keyDev, options, "/proc/cmdline", cmdlinePos) {
			return
		}
	}
}

// crypttabUUID is the UUID by which luks.* words name the volume of a
// crypttab line: its device's UUID=, or /dev/disk/by-uuid/ name, or what
// follows "luks-" in its name; "" for none.
func crypttabUUID(name, device string) string {
	if u, ok := strings.CutPrefix(device, "UUID="); ok {
		return u
	}
	if u, ok := strings.CutPrefix(path.Clean(device), "/dev/disk/by-uuid/"); ok && strings.HasPrefix(device, "/") {
		return u
	}
	if u, ok := strings.CutPrefix(name, "luks-"); ok {
		return u
	}
	return ""
}

// luksVolumes are the volumes the kernel command line names (arg_disks
// of cryptsetup-generator.c, :35-50 and parse_proc_cmdline_item), in the
// order of their first word.
type luksVolumes struct {
	list      []*luksVolume
	byUUID    map[string]*luksVolume
	allowList bool   // luks.uuid= or luks.name= was given: crypttab's other lines are skipped
	options   string // luks.options= without a UUID: for the command line's volumes
	keyFile   string // luks.key= without a UUID: likewise
}

// luksVolume is a volume of the kernel command line (crypto_device).
type luksVolume struct {
	uuid, name, options, keyFile, keyDev string
	create                               bool // unlock it even if crypttab does not have it (luks.uuid=, luks.name=)
}

// volume returns the volume of uuid, made the first time.
func (l *luksVolumes) volume(uuid string) *luksVolume {
	if v := l.byUUID[uuid]; v != nil {
		return v
	}
	if l.byUUID == nil {
		l.byUUID = map[string]*luksVolume{}
	}
	v := &luksVolume{uuid: uuid}
	l.byUUID[uuid] = v
	l.list = append(l.list, v)
	return v
}

// word reads a luks.* word of the kernel command line (key, value) as
// parse_proc_cmdline_item does, and reports whether it was one.
func (l *luksVolumes) word(key, value string, hasValue bool) bool {
	switch key {
	case "luks.uuid", "luks.options", "luks.key", "luks.name":
	default:
		return false
	}
	if !hasValue || value == "" {
		return true // proc_cmdline_value_missing
	}
	switch key {
	case "luks.uuid":
		u := value
		if s, ok := strings.CutPrefix(value, "luks-"); ok {
			u = s
		}
		l.volume(u).create = true
		l.allowList = true
	case "luks.options":
		if u, rest, ok := uuidAssignment(value); ok {
			l.volume(u).options = rest
		} else {
			l.options = value
		}
	case "luks.key":
		n := strings.IndexFunc(value, func(r rune) bool {
			return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		})
		if n < 0 || value[n] != '=' {
			l.keyFile = value
			return true
		}
		if !id128Valid(value[:n]) {
			return true // "UUID is invalid, ignoring"
		}
		v := l.volume(value[:n])
		v.keyFile, v.keyDev = splitLocationSpec(value[n+1:])
	case "luks.name":
		if u, rest, ok := uuidAssignment(value); ok {
			v := l.volume(u)
			v.create, v.name = true, rest
			l.allowList = true
		}
	}
	return true
}

// uuidAssignment reads UUID=VALUE as sscanf "%m[0-9a-fA-F-]=%ms" does:
// a run of hex digits and dashes, "=", and a word.
func uuidAssignment(s string) (uuid, value string, ok bool) {
	n := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	})
	if n <= 0 || s[n] != '=' {
		return "", "", false
	}
	value, _, _ = strings.Cut(s[n+1:], " ")
	if value == "" {
		return "", "", false
	}
	return s[:n], value, true
}

// id128Valid is id128_is_valid: 32 hex digits, or 36 characters with
// dashes where a UUID has them.
func id128Valid(s string) bool {
	hex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	switch len(s) {
	case 32:
		for i := range len(s) {
			if !hex(s[i]) {
				return false
			}
		}
		return true
	case 36:
		for i := range len(s) {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return false
				}
			} else if !hex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// splitLocationSpec is split_locationspec (:53-98): KEYFILE:DEVICE when
// what follows the last colon is a device.
func splitLocationSpec(spec string) (file, device string) {
	if spec == "" {
		return "", ""
	}
	if i := strings.LastIndexByte(spec, ':'); i >= 0 {
		if d := fstabNodeToUdevNode(spec[i+1:]); strings.HasPrefix(d, "/") {
			return spec[:i], d
		}
	}
	return spec, ""
}

// createCryptDisk writes systemd-cryptsetup@NAME.service; false when the
// generator refuses the line (and stops).
func createCryptDisk(g *genContext, name, device, keyFile, keyDev, options, source string, pos graph.Pos) bool {
	noauto := optYesNo(options, "noauto", "auto")
	nofail := optYesNo(options, "nofail", "fail")
	swap := optTest(options, "swap")
	netdev := optTest(options, "_netdev")
	inInitrd := optTest(options, "x-initrd.attach")
	keyTimeout, canTimeout := optValue(options, "keyfile-timeout")
	header, hasHeader := optValue(options, "header")
	_, tmp := optValue(options, "tmp")
	if tmp && swap {
		g.out.errs.Errorf(pos, "", "crypttab: %s cannot be both tmp and swap: systemd-cryptsetup-generator stops here, no later line is read", name)
		return false
	}
	if keyDev != "" && keyFile == "" {
		g.out.errs.Errorf(pos, "", "crypttab: a key device without a key file: systemd-cryptsetup-generator stops here, no later line is read")
		return false
	}
	e := unitNameEscape(name)
	unit := "systemd-cryptsetup@" + e + ".service"
	u := fstabNodeToUdevNode(device)
	_, ok := unitNameFromPath(u, ".device")
	if unitNameKind(unit) != nameInstance || !ok {
		g.out.errs.Errorf(pos, "", "crypttab: no unit name can be made of %s or %s: systemd-cryptsetup-generator stops here", name, device)
		return false
	}
	su := setupUnit{kind: "crypt", title: "Cryptography Setup", tab: "crypttab", source: source, netdev: netdev, inInitrd: inInitrd, nofail: nofail, noauto: noauto}
	var b strings.Builder
	su.head(&b)
	if keyDev != "" {
		mount, _ := unitNameFromPath("/run/systemd/cryptsetup/keydev-"+name, ".mount")
		umount := "keydev-" + name + "-umount.service"
		fmt.Fprintf(&b, "After=%s\n", mount)
		if canTimeout {
			fmt.Fprintf(&b, "Wants=%s\n", mount)
		} else {
			fmt.Fprintf(&b, "Requires=%s\n", mount)
		}
		fmt.Fprintf(&b, "Wants=%s\nBefore=%s\n", umount, umount)
		opts := "ro"
		if canTimeout {
			opts += ",nofail"
		}
		g.out.unit(genNormal, mount, pos, fmt.Sprintf("[Unit]\nDefaultDependencies=no\n\n[Mount]\nWhat=%s\nWhere=/run/systemd/cryptsetup/keydev-%s\nOptions=%s\n", keyDev, name, opts))
		g.out.unit(genNormal, umount, pos, fmt.Sprintf("[Unit]\nDefaultDependencies=no\nAfter=%s\n\n[Service]\nExecStart=-/bin/umount /run/systemd/cryptsetup/keydev-%s\n\n", mount, name))
	}
	su.before(&b)
	if keyFile != "" && keyDev == "" {
		printKeyDependencies(g, &b, keyFile, keyTimeout, canTimeout, pos)
	}
	if hasHeader {
		printKeyDependencies(g, &b, header, "", false, pos)
	}
	writeDeviceDependency(&b, u)
	b.WriteString("\n[Service]\nType=oneshot\nRemainAfterExit=yes\nTimeoutSec=0\nKeyringMode=shared\nOOMScoreAdjust=500\n")
	if !su.write(g, unit, e, b.String(), pos) {
		return false
	}
	if !noauto && !nofail {
		g.out.dropIn(genNormal, "dev-mapper-"+e+".device", "40-device-timeout", pos, "# Automatically generated by systemd-cryptsetup-generator\n\n[Unit]\nJobTimeoutSec=0")
	}
	return true
}

// setupUnit is what systemd-cryptsetup-generator, -veritysetup-generator
// and -integritysetup-generator write alike for a line of their tab
// (create_disk, :286-560, veritysetup-generator.c:316-505,
// integritysetup-generator.c:29-160):
// systemd-KINDsetup@NAME.service, which sets up /dev/mapper/NAME, in
// KINDsetup.target (remote-KINDsetup.target with _netdev).
type setupUnit struct {
	kind, title, tab                 string // "crypt", "Cryptography Setup", "crypttab"
	source                           string // its SourcePath=: "/etc/" + tab when ""
	netdev, inInitrd, nofail, noauto bool   // its options _netdev, x-initrd.attach, nofail, noauto
}

// target is the target the unit is hooked into.
func (s setupUnit) target() string {
	if s.netdev {
		return "remote-" + s.kind + "setup.target"
	}
	return s.kind + "setup.target"
}

// head writes the [Unit] lines that come first.
func (s setupUnit) head(b *strings.Builder) {
	fmt.Fprintf(b, "[Unit]\nDescription=%s for %%I\nDocumentation=man:%s(5) man:systemd-%ssetup-generator(8) man:systemd-%ssetup@.service(8)\n", s.title, s.tab, s.kind, s.kind)
	fmt.Fprintf(b, "SourcePath=%s\nDefaultDependencies=no\nIgnoreOnIsolate=true\nAfter=%ssetup-pre.target systemd-udevd-kernel.socket\n", cmp.Or(s.source, "/etc/"+s.tab), s.kind)
	b.WriteString("Before=blockdev@dev-mapper-%i.target\nWants=blockdev@dev-mapper-%i.target\n")
	if s.netdev {
		b.WriteString("After=remote-fs-pre.target\n")
	}
	if !s.inInitrd {
		b.WriteString("Conflicts=umount.target\n")
	}
}

// before writes the order before the target, which a nofail unit does
// not have.
func (s setupUnit) before(b *strings.Builder) {
	if !s.nofail {
		fmt.Fprintf(b, "Before=%s\n", s.target())
	}
}

// writeDeviceDependency writes what the unit needs of the device or file
// node it sets up.
func writeDeviceDependency(b *strings.Builder, node string) {
	if _, ok := cutPathPrefix(node, "/dev/"); ok {
		if dev, ok := unitNameFromPath(node, ".device"); ok {
			fmt.Fprintf(b, "BindsTo=%s\nAfter=%s\nBefore=umount.target\n", dev, dev)
		}
		return
	}
	fmt.Fprintf(b, "RequiresMountsFor=%s\nRequires=systemd-tmpfiles-setup-dev.service\nAfter=systemd-tmpfiles-setup-dev.service\n", specifierEscape(node))
}

// write writes the unit (text) and hooks it into its target, unless
// noauto, and into dev-mapper-E.device; false when the unit cannot be
// written.
func (s setupUnit) write(g *genContext, unit, e, text string, pos graph.Pos) bool {
	if !g.out.unit(genNormal, unit, pos, text) {
		return false
	}
	if !s.noauto {
		kind := "requires"
		if s.nofail {
			kind = "wants"
		}
		g.out.hook(genNormal, s.target(), kind, unit, pos)
	}
	g.out.hook(genNormal, "dev-mapper-"+e+".device", "requires", unit, pos)
	return true
}

// printKeyDependencies is print_dependencies (:232-284): what a key file
// or header needs.
func printKeyDependencies(g *genContext, b *strings.Builder, p, timeout string, canFail bool, pos graph.Pos) {
	switch p {
	case "-", "none", "":
		return
	case "/dev/urandom", "/dev/random", "/dev/hw_random", "/dev/hwrng":
		b.WriteString("After=systemd-random-seed.service\n")
		return
	}
	node := fstabNodeToUdevNode(p)
	if simplifyPath(node) == "/dev/null" {
		return
	}
	if _, ok := cutPathPrefix(node, "/dev/"); ok {
		unit, ok := unitNameFromPath(node, ".device")
		if !ok {
			return
		}
		fmt.Fprintf(b, "After=%s\n", unit)
		if canFail {
			fmt.Fprintf(b, "Wants=%s\n", unit)
			g.out.dropIn(genNormal, unit, "90-device-timeout", pos, "# Automatically generated by systemd-cryptsetup-generator \n\n[Unit]\nJobRunningTimeoutSec="+timeout)
		} else {
			fmt.Fprintf(b, "Requires=%s\n", unit)
		}
		return
	}
	fmt.Fprintf(b, "RequiresMountsFor=%s\n", specifierEscape(p))
}

// integritysetupGenerator is systemd-integritysetup-generator
// (src/integritysetup/integritysetup-generator.c:29-160): lines NAME
// DEVICE [KEYFILE [OPTIONS]].
func integritysetupGenerator(g *genContext) {
	for _, l := range readTab(g, "etc/integritytab") {
		if len(l.fields) < 2 || len(l.fields) > 4 {
			g.out.errs.Warnf(l.pos, "", "integritytab: want 2 to 4 fields, ignoring the line")
			continue
		}
		name, device := l.fields[0], fstabNodeToUdevNode(l.fields[1])
		e := unitNameEscape(name)
		unit := "systemd-integritysetup@" + e + ".service"
		dev, ok := unitNameFromPath(device, ".device")
		if !ok || unitNameKind(unit) != nameInstance {
			continue
		}
		// No options: always in integritysetup.target, bound to the
		// device even when it is no /dev/ node.
		su := setupUnit{kind: "integrity", title: "Integrity Setup", tab: "integritytab"}
		var b strings.Builder
		su.head(&b)
		su.before(&b)
		fmt.Fprintf(&b, "BindsTo=%s\nAfter=%s\nBefore=umount.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nTimeoutSec=0\n", dev, dev)
		if !su.write(g, unit, e, b.String(), l.pos) {
			return
		}
	}
}

// veritysetupGenerator is systemd-veritysetup-generator's veritytab part
// (src/veritysetup/veritysetup-generator.c:316-505): lines NAME
// DATA-DEVICE HASH-DEVICE ROOTHASH [OPTIONS].
func veritysetupGenerator(g *genContext) {
	for _, l := range readTab(g, "etc/veritytab") {
		if len(l.fields) < 4 || len(l.fields) > 5 {
			g.out.errs.Warnf(l.pos, "", "veritytab: want 4 or 5 fields, ignoring the line")
			continue
		}
		options := ""
		if len(l.fields) == 5 {
			options = l.fields[4]
		}
		name := l.fields[0]
		e := unitNameEscape(name)
		unit := "systemd-veritysetup@" + e + ".service"
		su := setupUnit{kind: "verity", title: "Integrity Protection Setup", tab: "veritytab",
			noauto: optYesNo(options, "noauto", "auto"), nofail: optYesNo(options, "nofail", "fail"),
			netdev: optTest(options, "_netdev"), inInitrd: optTest(options, "x-initrd.attach")}
		var b strings.Builder
		su.head(&b)
		su.before(&b)
		for _, d := range []string{l.fields[1], l.fields[2]} {
			writeDeviceDependency(&b, fstabNodeToUdevNode(d))
		}
		b.WriteString("\n[Service]\nType=oneshot\nRemainAfterExit=yes\n")
		if unitNameKind(unit) != nameInstance || !su.write(g, unit, e, b.String(), l.pos) {
			return
		}
	}
}
