package systemd

import (
	"strings"

	"github.com/initorder/initorder/graph"
)

// rcLocalGenerator is systemd 252's systemd-rc-local-generator
// (src/rc-local-generator/rc-local-generator.c:57-66): an executable
// etc/rc.local (any execute bit, as access(X_OK) is for root; a symlink
// counts by its target) pulls rc-local.service into multi-user.target.
// That unit (shipped by systemd) is After=network.target, and
// getty@.service is After=rc-local.service.
func rcLocalGenerator(g *genContext) {
	const rcLocal = "etc/rc.local"
	fi, err := g.fsys.Stat(rcLocal)
	if err != nil || fi.Mode()&0o111 == 0 {
		return
	}
	g.out.hook(genNormal, "multi-user.target", "wants", systemUnitDir+"/rc-local.service", graph.Pos{File: rcLocal})
}

// systemUpdateGenerator is systemd-system-update-generator
// (src/system-update-generator/system-update-generator.c:22-41): a
// /system-update entry (a dangling symlink counts) makes default.target
// system-update.target, in generator.early. A systemd.unit= or runlevel
// word on the kernel command line still wins: PID 1 boots that instead.
func systemUpdateGenerator(g *genContext) {
	const update = "system-update"
	if _, err := g.fsys.Lstat(update); err != nil {
		return
	}
	g.out.link(genEarly, "default.target", systemUnitDir+"/system-update.target", graph.Pos{File: update})
}

// gettyGenerator is systemd-getty-generator on a real machine
// (src/getty-generator/getty-generator.c:165-230): a serial getty on
// every active kernel console that is not a virtual terminal. The active
// consoles are what console= on the kernel command line names; the
// virtualizer consoles (/dev/hvc0 ...) exist only on a running machine
// and are not known here.
func gettyGenerator(g *genContext) {
	if !g.args.gettyAuto {
		return
	}
	for _, c := range g.args.consoles {
		if c == "" || isVC(c) {
			continue
		}
		esc, ok := unitNameFromPath(c, ".service")
		if !ok {
			continue
		}
		name := "serial-getty@" + esc[:len(esc)-len(".service")] + ".service"
		if unitNameKind(name) != nameInstance {
			continue
		}
		g.out.link(genNormal, "getty.target.wants/"+name, systemUnitDir+"/serial-getty@.service", cmdlinePos)
	}
}

// isVC is tty_is_vc: "tty" or "tty" followed by a number.
func isVC(name string) bool {
	rest, ok := strings.CutPrefix(name, "tty")
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// debugGenerator is systemd-debug-generator (src/debug-generator/
// debug-generator.c): systemd.mask= masks a unit in generator.early,
// systemd.wants= and systemd.debug_shell pull units into the boot target
// (systemd.unit= or a runlevel word's target, else default.target).
func debugGenerator(g *genContext) {
	k := g.args
	wants := append([]string(nil), k.wants...)
	if k.debugShell != "" {
		wants = append(wants, "debug-shell.service")
		if k.debugShell != "tty9" {
			g.out.dropIn(genEarly, "debug-shell.service", "50-tty", cmdlinePos,
				"[Unit]\nDescription=Early root shell on /dev/"+k.debugShell+" FOR DEBUGGING ONLY\nConditionPathExists=\n[Service]\nTTYPath=/dev/"+k.debugShell)
		}
	}
	for _, m := range k.masks {
		g.out.link(genEarly, m, "/dev/null", cmdlinePos)
	}
	target := k.unit
	if target == "" {
		target = "default.target"
	}
	for _, w := range wants {
		g.out.hook(genEarly, target, "wants", systemUnitDir+"/"+w, cmdlinePos)
	}
}
