package systemd

import (
	"path"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file holds the dependencies systemd 252's manager adds to mounts
// and swaps, from a unit file or an fstab line alike (src/core/mount.c,
// swap.c), and those the execution settings of any unit imply
// (unit_add_exec_dependencies, src/core/unit.c:1231-1343):
// docs/generators.md lists them with their source lines.

// unitPos is where a unit's implicit dependencies are written: its
// fragment, or the line a generator made it of.
func (b *builder) unitPos(u *Unit) graph.Pos {
	if pos, ok := b.boot.Units.genOrigin(u.Path); ok {
		return pos
	}
	return graph.Pos{File: u.Path}
}

// requiresMountsFor appends what RequiresMountsFor=p means
// (unit_add_mount_dependencies, unit.c:1494-1545): for the path and each
// directory above it whose mount unit is loaded, After= it, and Requires=
// it when that mount has a unit file. The root's -.mount is loaded
// without one when nothing defines it (it is mounted from the start).
func (b *builder) requiresMountsFor(p string, pos graph.Pos, via string, ds []dep) []dep {
	if !strings.HasPrefix(p, "/") {
		return ds
	}
	p = simplifyPath(p)
	if !pathNormalized(p) && p != "/" {
		return ds
	}
	via = strings.TrimSuffix(via, "=")
	for prefix := p; ; prefix = path.Dir(prefix) {
		if name, ok := unitNameFromPath(prefix, ".mount"); ok {
			u, known := b.loadUnit(name)
			switch {
			case !known:
				return ds // precompute leaves the unit to expand
			case u != nil && !u.Masked && u.Path != "":
				ds = append(ds, dep{kind: graph.Requires, name: name, pos: pos, via: via + " " + p},
					dep{kind: graph.SystemdAfter, name: name, pos: pos, via: via + " " + p})
			case u != nil || name == "-.mount":
				ds = append(ds, dep{kind: graph.SystemdAfter, name: name, pos: pos, via: via + " " + p})
			}
		}
		if prefix == "/" {
			return ds
		}
	}
}

// mountParams returns What=, Where= (from the name when not set), Type=
// and Options= of a mount unit.
func mountParams(u *Unit) (what, where, typ, opts string) {
	if o, ok := u.Value("Mount", "What"); ok {
		what = o.Value
	}
	if o, ok := u.Value("Mount", "Where"); ok && o.Value != "" {
		where = simplifyPath(o.Value)
	} else if p, err := unescapeUnitPath(strings.TrimSuffix(u.Name, ".mount")); err == nil {
		where = p
	}
	if o, ok := u.Value("Mount", "Type"); ok {
		typ = o.Value
	}
	if o, ok := u.Value("Mount", "Options"); ok {
		opts = o.Value
	}
	return what, where, typ, opts
}

// mountDeps are mount_add_non_exec_dependencies (mount.c:614-647): the
// device, the parent mount and What=, quota, and the default
// dependencies.
func (b *builder) mountDeps(u *Unit, pos graph.Pos, defaults bool, ds []dep) []dep {
	what, where, typ, opts := mountParams(u)
	add := func(kind graph.Kind, name, via string) {
		ds = append(ds, dep{kind: kind, name: name, pos: pos, via: via})
	}
	network := optTest(opts, "_netdev") || typ != "" && fstypeIsNetwork(typ)
	bind := optTest(opts, "bind", "rbind") || typ == "bind" || typ == "rbind"
	// mount_add_device_dependencies (mount.c:352-425).
	if what != "" && !bind && isDevicePath(what) && what != "/dev/root" && what != "/dev/nfs" && where != "/" {
		if dev, ok := unitNameFromPath(what, ".device"); ok {
			kind := graph.Requires
			if optTest(opts, "x-systemd.device-bound") {
				kind = graph.BindsTo
			}
			add(kind, dev, "What="+what)
			add(graph.SystemdAfter, dev, "What="+what)
		}
		ds = blockdevAfter(what, pos, ds)
	}
	// mount_add_mount_dependencies (mount.c:293-350).
	if where != "/" && where != "" {
		ds = b.requiresMountsFor(path.Dir(where), pos, "the parent directory", ds)
	}
	if strings.HasPrefix(what, "/") && (bind || optTest(opts, "loop") || !network) {
		ds = b.requiresMountsFor(what, pos, "What=", ds)
	}
	// mount_add_quota_dependencies (mount.c:427-454).
	if (typ == "" || quotaFS[typ]) && !bind && optTest(opts, "usrquota", "grpquota", "quota", "usrjquota", "grpjquota", "prjquota") {
		for _, q := range []string{"systemd-quotacheck.service", "quotaon.service"} {
			add(graph.Wants, q, "quota options")
			add(graph.SystemdBefore, q, "quota options")
		}
	}
	// mount_add_default_dependencies (mount.c:522-580).
	if !defaults || fstabIsExtrinsic(where, opts) {
		return ds
	}
	const dd = "DefaultDependencies=yes"
	pre, post := "local-fs-pre.target", "local-fs.target"
	if network {
		pre, post = "remote-fs-pre.target", "remote-fs.target"
	}
	if !optYesNo(opts, "nofail", "fail") || u.Path == "" {
		add(graph.SystemdBefore, post, dd)
	}
	add(graph.SystemdAfter, pre, dd)
	add(graph.SystemdBefore, "umount.target", dd)
	add(graph.Conflicts, "umount.target", dd)
	if network {
		add(graph.SystemdAfter, "network.target", dd)
		add(graph.Wants, "network-online.target", dd)
		add(graph.SystemdAfter, "network-online.target", dd)
	}
	if typ == "tmpfs" {
		add(graph.SystemdAfter, "swap.target", dd+" (tmpfs)")
	}
	return ds
}

// quotaFS are fstype_needs_quota's file systems (mountpoint-util.c:392).
var quotaFS = map[string]bool{"ext2": true, "ext3": true, "ext4": true, "reiserfs": true, "jfs": true, "f2fs": true}

// blockdevAfter is unit_add_blockdev_dependency (unit.c:3601-3626).
func blockdevAfter(what string, pos graph.Pos, ds []dep) []dep {
	if _, ok := cutPathPrefix(what, "/dev/"); !ok {
		return ds
	}
	if esc, ok := unitNameFromPath(what, ".target"); ok {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "blockdev@" + strings.TrimSuffix(esc, ".target") + ".target", pos: pos, via: "What=" + what})
	}
	return ds
}

// swapDeps are swap_add_extras' dependencies (swap.c:226-276, 317-360): the
// device (or, for a swap file, its mounts and systemd-remount-fs), and
// the default dependencies of a swap on a real machine.
func (b *builder) swapDeps(u *Unit, pos graph.Pos, defaults bool, ds []dep) []dep {
	what := ""
	if o, ok := u.Value("Swap", "What"); ok {
		what = o.Value
	} else if p, err := unescapeUnitPath(strings.TrimSuffix(u.Name, ".swap")); err == nil {
		what = p
	}
	what = simplifyPath(what)
	ds = b.requiresMountsFor(what, pos, "What=", ds)
	if isDevicePath(what) {
		if dev, ok := unitNameFromPath(what, ".device"); ok {
			ds = append(ds, dep{kind: graph.Requires, name: dev, pos: pos, via: "What=" + what},
				dep{kind: graph.SystemdAfter, name: dev, pos: pos, via: "What=" + what})
		}
		ds = blockdevAfter(what, pos, ds)
	} else if what != "" {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "systemd-remount-fs.service", pos: pos, via: "a swap file"})
	}
	if defaults {
		const dd = "DefaultDependencies=yes"
		ds = append(ds, dep{kind: graph.SystemdBefore, name: "swap.target", pos: pos, via: dd},
			dep{kind: graph.SystemdBefore, name: "umount.target", pos: pos, via: dd},
			dep{kind: graph.Conflicts, name: "umount.target", pos: pos, via: dd})
	}
	return ds
}

// execKeys are the execution settings execDeps reads.
var execKeys = []string{"WorkingDirectory", "RootDirectory", "RootImage", "RuntimeDirectory", "StateDirectory",
	"CacheDirectory", "LogsDirectory", "ConfigurationDirectory", "PrivateTmp", "DynamicUser", "LogNamespace"}

// execSet is a set of execKeys, as bits.
type execSet uint32

func (s *execSet) add(key string) {
	if i := slices.Index(execKeys, key); i >= 0 {
		*s |= 1 << i
	}
}

func (s execSet) has(key string) bool {
	i := slices.Index(execKeys, key)
	return i >= 0 && s&(1<<i) != 0
}

// execPrefixes are the directories of the *Directory= settings of the
// system manager (manager.c: prefix[]).
var execPrefixes = []struct{ key, prefix string }{
	{"RuntimeDirectory", "/run"},
	{"StateDirectory", "/var/lib"},
	{"CacheDirectory", "/var/cache"},
	{"LogsDirectory", "/var/log"},
	{"ConfigurationDirectory", "/etc"},
}

// execDeps are unit_add_exec_dependencies (unit.c:1231-1343): the mounts
// of WorkingDirectory=, RootDirectory=, RootImage= and the *Directory=
// settings; systemd-remount-fs for StateDirectory=, CacheDirectory= and
// LogsDirectory=; tmp.mount, /var/tmp and systemd-tmpfiles-setup for
// PrivateTmp= (DynamicUser= implies it); systemd-udevd for RootImage=;
// the journald socket for what logs to the journal.
func (b *builder) execDeps(u *Unit, pos graph.Pos, ds []dep) []dep {
	sec := sectionOf(u.Type)
	// One pass over the options for the settings read below: most units
	// set none of them, and Values expands specifiers.
	var has execSet
	for _, o := range u.Options {
		if o.Section == sec {
			has.add(o.Name)
		}
	}
	last := func(key string) (Option, bool) {
		if !has.has(key) {
			return Option{}, false
		}
		return u.Value(sec, key)
	}
	if o, ok := last("WorkingDirectory"); ok && strings.HasPrefix(o.Value, "/") {
		ds = b.requiresMountsFor(o.Value, o.Pos, "WorkingDirectory=", ds)
	}
	for _, key := range []string{"RootDirectory", "RootImage"} {
		if o, ok := last(key); ok && strings.HasPrefix(o.Value, "/") {
			ds = b.requiresMountsFor(o.Value, o.Pos, key+"=", ds)
		}
	}
	writable := false
	for _, p := range execPrefixes {
		if !has.has(p.key) {
			continue
		}
		for _, o := range u.Values(sec, p.key) {
			for _, d := range strings.Fields(o.Value) {
				d, _, _ = strings.Cut(d, ":") // StateDirectory=foo:bar (a symlink) in later versions
				ds = b.requiresMountsFor(p.prefix+"/"+strings.TrimPrefix(d, "/"), o.Pos, p.key+"=", ds)
				if p.key == "StateDirectory" || p.key == "CacheDirectory" || p.key == "LogsDirectory" {
					writable = true
				}
			}
		}
	}
	if writable {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "systemd-remount-fs.service", pos: pos, via: "StateDirectory=, CacheDirectory= or LogsDirectory="})
	}
	privateTmp := false
	if o, ok := last("PrivateTmp"); ok && parseBool(o.Value) {
		privateTmp = true
	}
	if o, ok := last("DynamicUser"); ok && parseBool(o.Value) {
		privateTmp = true
	}
	if privateTmp {
		const via = "PrivateTmp="
		ds = append(ds, dep{kind: graph.Wants, name: "tmp.mount", pos: pos, via: via},
			dep{kind: graph.SystemdAfter, name: "tmp.mount", pos: pos, via: via},
			dep{kind: graph.SystemdAfter, name: "systemd-tmpfiles-setup.service", pos: pos, via: via})
		ds = b.requiresMountsFor("/var/tmp", pos, via, ds)
	}
	if o, ok := last("RootImage"); ok && o.Value != "" {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "systemd-udevd.service", pos: pos, via: "RootImage="})
	}
	if ns, ok := last("LogNamespace"); ok && ns.Value != "" {
		for _, s := range []string{"systemd-journald@" + ns.Value + ".socket", "systemd-journald-varlink@" + ns.Value + ".socket"} {
			ds = append(ds, dep{kind: graph.Requires, name: s, pos: ns.Pos, via: "LogNamespace="},
				dep{kind: graph.SystemdAfter, name: s, pos: ns.Pos, via: "LogNamespace="})
		}
	} else if logsToJournal(u) {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "systemd-journald.socket", pos: pos, via: "logs to the journal"})
	}
	return ds
}

// logsToJournal reports whether a unit's standard output or error goes
// to the journal or kmsg once the manager has filled in the defaults
// (unit.c:1315-1321): a service's output defaults to journal
// (DefaultStandardOutput) unless its input is a terminal, socket or fd
// (service_fix_stdio, service.c:670-701), its error to inherit, which is
// not the journal; "syslog" is journal (load-fragment.c:1362). Sockets,
// mounts and swaps start at journal and inherit; -.mount has null.
func logsToJournal(u *Unit) bool {
	sec := sectionOf(u.Type)
	out, err, in, data := "", "", "", false
	for _, o := range u.Options { // the last assignment of each wins
		if o.Section != sec {
			continue
		}
		switch o.Name {
		case "StandardOutput":
			out = o.Value
		case "StandardError":
			err = o.Value
		case "StandardInput":
			in = o.Value
		case "StandardInputText", "StandardInputData":
			data = data || o.Value != ""
		}
	}
	if u.Name == "-.mount" {
		out = "null"
	}
	if u.Type == "service" {
		if data && (in == "" || in == "null") {
			in = "data"
		}
		switch {
		case in == "tty" || in == "tty-force" || in == "tty-fail" || in == "socket" || strings.HasPrefix(in, "fd"):
			// the defaults are not applied: inherit stays
		default:
			if out == "" || out == "inherit" {
				out = "journal"
			}
		}
	} else if out == "" {
		out = "journal"
	}
	journal := func(v string) bool {
		switch v {
		case "journal", "journal+console", "kmsg", "kmsg+console", "syslog", "syslog+console":
			return true
		}
		return false
	}
	return journal(out) || journal(err)
}

// hasExec reports whether a socket has Exec lines of its own
// (socket_has_exec).
func hasExec(u *Unit, sec string) bool {
	for _, k := range []string{"ExecStartPre", "ExecStartPost", "ExecStopPre", "ExecStopPost"} {
		for _, o := range u.Values(sec, k) {
			if o.Value != "" {
				return true
			}
		}
	}
	return false
}

// acceptOnly reports whether every listener of a socket is an Accept=yes
// stream or sequential-packet socket (have_non_accept_socket is false):
// it activates an instance per connection, not NAME.service.
func acceptOnly(u *Unit) bool {
	o, ok := u.Value("Socket", "Accept")
	if !ok || !parseBool(o.Value) {
		return false
	}
	n := 0
	for _, key := range []string{"ListenStream", "ListenSequentialPacket"} {
		for _, v := range u.Values("Socket", key) {
			if v.Value != "" {
				n++
			}
		}
	}
	for _, key := range []string{"ListenDatagram", "ListenFIFO", "ListenSpecial", "ListenNetlink", "ListenMessageQueue", "ListenUSBFunction"} {
		for _, v := range u.Values("Socket", key) {
			if v.Value != "" {
				return false
			}
		}
	}
	return n > 0
}

// socketMounts are socket_add_mount_dependencies (socket.c:235-257): the
// mounts of the paths a socket listens on.
func (b *builder) socketMounts(u *Unit, pos graph.Pos, ds []dep) []dep {
	for _, key := range []string{"ListenStream", "ListenSequentialPacket", "ListenDatagram", "ListenFIFO", "ListenSpecial", "ListenUSBFunction"} {
		for _, o := range u.Values("Socket", key) {
			if strings.HasPrefix(o.Value, "/") {
				ds = b.requiresMountsFor(o.Value, o.Pos, key+"=", ds)
			}
		}
	}
	return ds
}

// automountWhere is an automount's Where=, else the path of its name.
func automountWhere(u *Unit) string {
	if o, ok := u.Value("Automount", "Where"); ok && o.Value != "" {
		return simplifyPath(o.Value)
	}
	if p, err := unescapeUnitPath(strings.TrimSuffix(u.Name, ".automount")); err == nil {
		return p
	}
	return ""
}
