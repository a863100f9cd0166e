package systemd

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file emulates systemd 252's systemd-cryptsetup-generator
// (src/cryptsetup/cryptsetup-generator.c) on etc/crypttab, and the
// integritysetup and veritysetup generators on etc/integritytab and
// etc/veritytab: one service per line that unlocks the device
// /dev/mapper/NAME, which the device's unit requires, hooked into
// cryptsetup.target (remote-cryptsetup.target with _netdev) and its
// siblings. Kernel luks.* options other than luks= and luks.crypttab=
// are not read.

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
	if !g.args.luks || !g.args.crypttab {
		return
	}
	for _, l := range readTab(g, "etc/crypttab") {
		if len(l.fields) < 2 || len(l.fields) > 4 {
			g.out.errs.Warnf(l.pos, "", "crypttab: want 2 to 4 fields (name, device, key file, options), ignoring the line")
			continue
		}
		for len(l.fields) < 4 {
			l.fields = append(l.fields, "")
		}
		name, device, keyspec, options := l.fields[0], l.fields[1], l.fields[2], l.fields[3]
		keyFile, keyDev := splitLocationSpec(keyspec)
		if !createCryptDisk(g, name, device, keyFile, keyDev, options, l.pos) {
			return // the generator stops at the first line it refuses
		}
	}
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
func createCryptDisk(g *genContext, name, device, keyFile, keyDev, options string, pos graph.Pos) bool {
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
	dev, ok := unitNameFromPath(u, ".device")
	if unitNameKind(unit) != nameInstance || !ok {
		g.out.errs.Errorf(pos, "", "crypttab: no unit name can be made of %s or %s: systemd-cryptsetup-generator stops here", name, device)
		return false
	}
	var b strings.Builder
	b.WriteString("[Unit]\nDescription=Cryptography Setup for %I\nDocumentation=man:crypttab(5) man:systemd-cryptsetup-generator(8) man:systemd-cryptsetup@.service(8)\n")
	b.WriteString("SourcePath=/etc/crypttab\nDefaultDependencies=no\nIgnoreOnIsolate=true\nAfter=cryptsetup-pre.target systemd-udevd-kernel.socket\n")
	b.WriteString("Before=blockdev@dev-mapper-%i.target\nWants=blockdev@dev-mapper-%i.target\n")
	if netdev {
		b.WriteString("After=remote-fs-pre.target\n")
	}
	if !inInitrd {
		b.WriteString("Conflicts=umount.target\n")
	}
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
	if !nofail {
		t := "cryptsetup.target"
		if netdev {
			t = "remote-cryptsetup.target"
		}
		fmt.Fprintf(&b, "Before=%s\n", t)
	}
	if keyFile != "" && keyDev == "" {
		printKeyDependencies(g, &b, keyFile, keyTimeout, canTimeout, pos)
	}
	if hasHeader {
		printKeyDependencies(g, &b, header, "", false, pos)
	}
	if _, ok := cutPathPrefix(u, "/dev/"); ok {
		fmt.Fprintf(&b, "BindsTo=%s\nAfter=%s\nBefore=umount.target\n", dev, dev)
	} else {
		fmt.Fprintf(&b, "RequiresMountsFor=%s\nRequires=systemd-tmpfiles-setup-dev.service\nAfter=systemd-tmpfiles-setup-dev.service\n", specifierEscape(u))
	}
	b.WriteString("\n[Service]\nType=oneshot\nRemainAfterExit=yes\nTimeoutSec=0\nKeyringMode=shared\nOOMScoreAdjust=500\n")
	if !g.out.unit(genNormal, unit, pos, b.String()) {
		return false
	}
	if !noauto {
		t := "cryptsetup.target"
		if netdev {
			t = "remote-cryptsetup.target"
		}
		kind := "requires"
		if nofail {
			kind = "wants"
		}
		g.out.hook(genNormal, t, kind, unit, pos)
	}
	dm := "dev-mapper-" + e + ".device"
	g.out.hook(genNormal, dm, "requires", unit, pos)
	if !noauto && !nofail {
		g.out.dropIn(genNormal, dm, "40-device-timeout", pos, "# Automatically generated by systemd-cryptsetup-generator\n\n[Unit]\nJobTimeoutSec=0")
	}
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
		text := fmt.Sprintf("[Unit]\nDescription=Integrity Setup for %%I\nDocumentation=man:integritytab(5) man:systemd-integritysetup-generator(8) man:systemd-integritysetup@.service(8)\n"+
			"SourcePath=/etc/integritytab\nDefaultDependencies=no\nIgnoreOnIsolate=true\nAfter=integritysetup-pre.target systemd-udevd-kernel.socket\n"+
			"Before=blockdev@dev-mapper-%%i.target\nWants=blockdev@dev-mapper-%%i.target\nConflicts=umount.target\nBefore=integritysetup.target\n"+
			"BindsTo=%s\nAfter=%s\nBefore=umount.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nTimeoutSec=0\n", dev, dev)
		if !g.out.unit(genNormal, unit, l.pos, text) {
			return
		}
		g.out.hook(genNormal, "integritysetup.target", "requires", unit, l.pos)
		g.out.hook(genNormal, "dev-mapper-"+e+".device", "requires", unit, l.pos)
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
		noauto, nofail := optYesNo(options, "noauto", "auto"), optYesNo(options, "nofail", "fail")
		netdev, inInitrd := optTest(options, "_netdev"), optTest(options, "x-initrd.attach")
		var b strings.Builder
		b.WriteString("[Unit]\nDescription=Integrity Protection Setup for %I\nDocumentation=man:veritytab(5) man:systemd-veritysetup-generator(8) man:systemd-veritysetup@.service(8)\n")
		b.WriteString("SourcePath=/etc/veritytab\nDefaultDependencies=no\nIgnoreOnIsolate=true\nAfter=veritysetup-pre.target systemd-udevd-kernel.socket\n")
		b.WriteString("Before=blockdev@dev-mapper-%i.target\nWants=blockdev@dev-mapper-%i.target\n")
		if netdev {
			b.WriteString("After=remote-fs-pre.target\n")
		}
		if !inInitrd {
			b.WriteString("Conflicts=umount.target\n")
		}
		target := "veritysetup.target"
		if netdev {
			target = "remote-veritysetup.target"
		}
		if !nofail {
			fmt.Fprintf(&b, "Before=%s\n", target)
		}
		for _, d := range []string{l.fields[1], l.fields[2]} {
			node := fstabNodeToUdevNode(d)
			if _, ok := cutPathPrefix(node, "/dev/"); ok {
				if dev, ok := unitNameFromPath(node, ".device"); ok {
					fmt.Fprintf(&b, "BindsTo=%s\nAfter=%s\nBefore=umount.target\n", dev, dev)
				}
			} else {
				fmt.Fprintf(&b, "RequiresMountsFor=%s\nRequires=systemd-tmpfiles-setup-dev.service\nAfter=systemd-tmpfiles-setup-dev.service\n", specifierEscape(node))
			}
		}
		b.WriteString("\n[Service]\nType=oneshot\nRemainAfterExit=yes\n")
		if unitNameKind(unit) != nameInstance || !g.out.unit(genNormal, unit, l.pos, b.String()) {
			return
		}
		if !noauto {
			kind := "requires"
			if nofail {
				kind = "wants"
			}
			g.out.hook(genNormal, target, kind, unit, l.pos)
		}
		g.out.hook(genNormal, "dev-mapper-"+e+".device", "requires", unit, l.pos)
	}
}
