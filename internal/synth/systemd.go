package synth

import (
	"fmt"
	"strings"
)

// targets are the systemd.special(7) units a generated tree ships, much as
// systemd itself writes them in lib/systemd/system.
var targets = map[string]string{
	"sysinit.target":          "[Unit]\nDescription=System Initialization\nDefaultDependencies=no\nWants=local-fs.target\nAfter=local-fs.target\nConflicts=shutdown.target\n",
	"local-fs-pre.target":     "[Unit]\nDescription=Preparation for Local File Systems\nDefaultDependencies=no\nConflicts=shutdown.target\nBefore=local-fs.target\n",
	"local-fs.target":         "[Unit]\nDescription=Local File Systems\nDefaultDependencies=no\nConflicts=shutdown.target\n",
	"sockets.target":          "[Unit]\nDescription=Sockets\n",
	"timers.target":           "[Unit]\nDescription=Timer Units\nDefaultDependencies=no\nConflicts=shutdown.target\n",
	"paths.target":            "[Unit]\nDescription=Path Units\n",
	"slices.target":           "[Unit]\nDescription=Slice Units\nWants=system.slice\nAfter=system.slice\n",
	"basic.target":            "[Unit]\nDescription=Basic System\nRequires=sysinit.target\nWants=sockets.target timers.target paths.target slices.target\nAfter=sysinit.target sockets.target paths.target slices.target\n",
	"network-pre.target":      "[Unit]\nDescription=Preparation for Network\n",
	"network.target":          "[Unit]\nDescription=Network\n",
	"network-online.target":   "[Unit]\nDescription=Network is Online\nRequires=network.target\nAfter=network.target\n",
	"remote-fs.target":        "[Unit]\nDescription=Remote File Systems\nAfter=network-online.target\n",
	"nss-lookup.target":       "[Unit]\nDescription=Host and Network Name Lookups\n",
	"time-sync.target":        "[Unit]\nDescription=System Time Synchronized\nDefaultDependencies=no\n",
	"time-set.target":         "[Unit]\nDescription=System Time Set\nDefaultDependencies=no\n",
	"multi-user.target":       "[Unit]\nDescription=Multi-User System\nAllowIsolate=yes\nRequires=basic.target\nConflicts=rescue.target\nAfter=basic.target\n",
	"graphical.target":        "[Unit]\nDescription=Graphical Interface\nAllowIsolate=yes\nRequires=multi-user.target\nConflicts=rescue.target\nAfter=multi-user.target\n",
	"rescue.target":           "[Unit]\nDescription=Rescue Mode\nAllowIsolate=yes\nRequires=sysinit.target\nAfter=sysinit.target\n",
	"shutdown.target":         "[Unit]\nDescription=System Shutdown\nDefaultDependencies=no\nRefuseManualStart=yes\n",
	"synth-resolved.service":  "[Unit]\nDescription=Name Resolution\nWants=nss-lookup.target\nBefore=nss-lookup.target\n\n[Service]\nType=notify\nExecStart=/usr/sbin/synth-resolved\n\n[Install]\nWantedBy=multi-user.target\n",
	"synth-timesyncd.service": "[Unit]\nDescription=Network Time Synchronization\nWants=time-sync.target\nBefore=time-sync.target\n\n[Service]\nType=notify\nExecStart=/usr/sbin/synth-timesyncd\n\n[Install]\nWantedBy=sysinit.target\n",
	"systemd-journald.socket": "[Unit]\nDescription=Journal Socket\nDefaultDependencies=no\nBefore=sockets.target\n\n[Socket]\nListenStream=/run/systemd/journal/stdout\n",
}

// Systemd writes a unit tree of n services under root, with the shapes of
// a real image: vendor units in lib/systemd/system and the administrator's
// links and drop-ins in etc/systemd/system.
//
//   - n services in 40 layers (see layers): the first tenth early boot
//     services (DefaultDependencies=no, Before=sysinit.target, in
//     sysinit.target.wants), the rest in multi-user.target.wants, except
//     a fifth that only what depends on them pulls in. A service depends
//     on one to three of the layers below: Requires=+After= (60%),
//     Wants=+After= (30%), After= alone (9%), Wants= alone (1%: a race,
//     unless an ordering chain covers it), some of them by an alias name;
//     and on the usual targets (network.target, network-online.target
//     with Wants=, nss-lookup.target, remote-fs.target, time-sync.target).
//   - every tenth late service has a socket (in sockets.target.wants), every
//     25th is a Type=oneshot service started by a calendar timer (in
//     timers.target.wants) instead of being enabled;
//   - n/200 templates, each with one to five instances in
//     multi-user.target.wants, using %i;
//   - every seventh service has a drop-in directory in etc with an extra
//     After=, and one type drop-in (service.d/) applies to all;
//   - every 13th service has an alias link, and every 1000th a masked
//     twin nothing uses;
//   - default.target links to graphical.target; remote-fs.target and the
//     services that pull in nss-lookup.target and time-sync.target are
//     enabled;
//   - etc/machine-id holds an ID: the tree is a machine that has booted
//     (without one, systemd 252 would apply the presets at its next boot).
//
// The tree is deterministic for n and seed, and systemd 252 loads every
// unit of it (systemd --test with SYSTEMD_UNIT_PATH set to its two
// directories).
func Systemd(root string, n int, seed uint64) error {
	ls := newLayers(n, seed)
	t := newTree(root)
	const lib, etc = "lib/systemd/system/", "etc/systemd/system/"
	for name, text := range targets {
		t.file(lib+name, text, 0o644)
	}
	t.relLink(etc+"default.target", lib+"graphical.target")
	t.relLink(etc+"multi-user.target.wants/synth-resolved.service", lib+"synth-resolved.service")
	t.relLink(etc+"sysinit.target.wants/synth-timesyncd.service", lib+"synth-timesyncd.service")
	t.relLink(etc+"multi-user.target.wants/remote-fs.target", lib+"remote-fs.target")
	t.file(lib+"service.d/10-timeout.conf", "[Service]\nTimeoutStartSec=90\n", 0o644)
	t.file("etc/machine-id", fmt.Sprintf("%032x\n", seed+1), 0o444)
	alias := func(i int) bool { return i%13 == 5 }
	timer := func(i int) bool { return !ls.early(i) && i%25 == 3 }
	ref := func(i int) string { // how a dependent names service i
		if alias(i) && ls.r.IntN(2) == 0 {
			return fmt.Sprintf("svc-alias-%05d.service", i)
		}
		return name("systemd", i)
	}
	for i := 0; i < n; i++ {
		unit := name("systemd", i)
		var wants, requires, after []string
		for _, d := range ls.pick(i, 1+ls.r.IntN(3)) {
			dn := ref(d)
			switch p := ls.r.IntN(100); {
			case p < 60:
				requires, after = append(requires, dn), append(after, dn)
			case p < 90:
				wants, after = append(wants, dn), append(after, dn)
			case p < 99:
				after = append(after, dn)
			default:
				wants = append(wants, dn)
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "[Unit]\nDescription=Synthetic service %d\nDocumentation=man:svc(8)\n", i)
		if ls.early(i) {
			b.WriteString("DefaultDependencies=no\nConflicts=shutdown.target\nBefore=sysinit.target\n")
			if i%3 == 0 {
				after = append(after, "local-fs.target")
			}
		} else {
			switch i % 20 {
			case 1, 2, 3, 4:
				after = append(after, "network.target")
			case 5:
				wants, after = append(wants, "network-online.target"), append(after, "network-online.target")
			case 6:
				after = append(after, "nss-lookup.target", "remote-fs.target")
			case 7:
				after = append(after, "time-sync.target")
			}
		}
		for _, l := range []struct {
			key  string
			vals []string
		}{{"Requires", requires}, {"Wants", wants}, {"After", after}} {
			if len(l.vals) > 0 {
				fmt.Fprintf(&b, "%s=%s\n", l.key, strings.Join(l.vals, " "))
			}
		}
		typ := []string{"simple", "forking", "notify", "exec"}[i%4]
		if timer(i) {
			typ = "oneshot"
		}
		fmt.Fprintf(&b, "\n[Service]\nType=%s\nExecStart=/usr/sbin/svc-%05d --foreground\nRestart=on-failure\n", typ, i)
		enable := "multi-user.target"
		switch {
		case ls.early(i):
			enable = "sysinit.target"
		case timer(i) || i%5 == 2:
			enable = "" // pulled in by a timer, or by what depends on it
		}
		if enable != "" || alias(i) {
			b.WriteString("\n[Install]\n")
		}
		if enable != "" {
			fmt.Fprintf(&b, "WantedBy=%s\n", enable)
			t.relLink(etc+enable+".wants/"+unit, lib+unit)
		}
		if alias(i) {
			fmt.Fprintf(&b, "Alias=svc-alias-%05d.service\n", i)
			t.relLink(fmt.Sprintf("%ssvc-alias-%05d.service", etc, i), lib+unit)
		}
		t.file(lib+unit, b.String(), 0o644)
		if !ls.early(i) && i%10 == 0 {
			sock := fmt.Sprintf("svc-%05d.socket", i)
			t.file(lib+sock, fmt.Sprintf("[Unit]\nDescription=Socket of service %d\n\n[Socket]\nListenStream=/run/svc-%05d.sock\n\n[Install]\nWantedBy=sockets.target\n", i, i), 0o644)
			t.relLink(etc+"sockets.target.wants/"+sock, lib+sock)
		}
		if timer(i) {
			tm := fmt.Sprintf("svc-%05d.timer", i)
			t.file(lib+tm, fmt.Sprintf("[Unit]\nDescription=Daily run of service %d\n\n[Timer]\nOnCalendar=daily\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n", i), 0o644)
			t.relLink(etc+"timers.target.wants/"+tm, lib+tm)
		}
		if i%7 == 4 {
			extra := "network.target"
			if d := ls.pick(i, 1); len(d) > 0 {
				extra = ref(d[0])
			}
			t.file(etc+unit+".d/override.conf", fmt.Sprintf("[Unit]\nAfter=%s\n\n[Service]\nEnvironment=SVC_OVERRIDE=%d\n", extra, i), 0o644)
		}
		if i%1000 == 999 {
			twin := fmt.Sprintf("svc-old-%05d.service", i)
			t.file(lib+twin, "[Unit]\nDescription=Old service\n\n[Service]\nExecStart=/usr/sbin/old\n", 0o644)
			t.link(etc+twin, "/dev/null")
		}
	}
	for k := 0; k < n/200; k++ {
		tpl := fmt.Sprintf("tpl-%03d@.service", k)
		d := ls.start(4 + k%(nLayers-4)) // a service of a late layer to require
		t.file(lib+tpl, fmt.Sprintf("[Unit]\nDescription=Worker %%i of pool %d\nRequires=%s\nAfter=%s network.target\n\n[Service]\nExecStart=/usr/sbin/worker --pool %d --name %%i\n\n[Install]\nWantedBy=multi-user.target\n",
			k, name("systemd", d), name("systemd", d), k), 0o644)
		for j := 0; j <= k%5; j++ {
			inst := fmt.Sprintf("tpl-%03d@w%d.service", k, j)
			t.relLink(etc+"multi-user.target.wants/"+inst, lib+tpl)
		}
	}
	return t.err
}

// SystemdLight writes a lighter unit tree of n services under root: the
// targets of Systemd, and services svc-NNNNN.service, each Wants= and
// After= zero to three services written before it, enabled in
// multi-user.target.wants — the shape where systemd --test is fastest for
// its size, against which SPEC §7's "10× faster at 10,000 units" is
// measured too (issue 15). Like Systemd's tree it has an etc/machine-id:
// without one, initorder applies the presets of a first boot, which
// systemd --test, given the tree as SYSTEMD_UNIT_PATH, does not (its
// first boot is the host's /etc/machine-id's): unlike work would be
// compared. Deterministic for n and seed.
func SystemdLight(root string, n int, seed uint64) error {
	ls := newLayers(n, seed)
	t := newTree(root)
	const lib, etc = "lib/systemd/system/", "etc/systemd/system/"
	for name, text := range targets {
		t.file(lib+name, text, 0o644)
	}
	t.relLink(etc+"default.target", lib+"graphical.target")
	t.file("etc/machine-id", fmt.Sprintf("%032x\n", seed+1), 0o444)
	for i := 0; i < n; i++ {
		unit := name("systemd", i)
		var deps []string
		if i > 0 {
			for k := ls.r.IntN(4); k > 0; k-- {
				deps = append(deps, name("systemd", ls.r.IntN(i)))
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "[Unit]\nDescription=Synthetic service %d\n", i)
		if len(deps) > 0 {
			fmt.Fprintf(&b, "Wants=%s\nAfter=%s\n", strings.Join(deps, " "), strings.Join(deps, " "))
		}
		fmt.Fprintf(&b, "\n[Service]\nExecStart=/usr/sbin/svc-%05d\n\n[Install]\nWantedBy=multi-user.target\n", i)
		t.file(lib+unit, b.String(), 0o644)
		t.relLink(etc+"multi-user.target.wants/"+unit, lib+unit)
	}
	return t.err
}
