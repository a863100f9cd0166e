package systemd

import (
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
)

// The dependencies the manager adds to a unit of its own accord
// (systemd.unit(5) "Implicit Dependencies" and "Default Dependencies",
// systemd.special(7)), and the units it makes without a unit file.

// implicitUnit reports whether a unit exists without a unit file: slices
// (every slice is made on demand), devices (udev makes them as the kernel
// finds the device), scopes, and the root mount -.mount.
func implicitUnit(name string) bool {
	for _, suffix := range []string{".slice", ".device", ".scope"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return name == "-.mount"
}

func implicitWhy(name string) string {
	switch {
	case strings.HasSuffix(name, ".device"):
		return "when udev finds the device"
	case strings.HasSuffix(name, ".slice"):
		return "slices are made on demand"
	}
	return "at boot"
}

// implicit appends to ds the dependencies a unit gets without writing
// them (systemd.unit(5) "Implicit Dependencies" and "Default
// Dependencies").
func (b *builder) implicit(u *Unit, ds []dep) []dep {
	pos := graph.Pos{File: u.Path}
	add := func(kind graph.Kind, name, via string) {
		ds = append(ds, dep{kind: kind, name: name, pos: pos, via: via})
	}
	defaults := true
	if o, ok := u.Value("Unit", "DefaultDependencies"); ok && !parseBool(o.Value) {
		defaults = false
	}
	switch u.Type {
	case "service", "socket", "mount", "swap", "scope":
		// unit_set_default_slice and unit_add_slice_dependencies:
		// Requires= and After= the slice; an instance of a template goes
		// in a slice of its own, system-PREFIX.slice.
		slice := "system.slice"
		if u.Instance != "" && u.Template != "" {
			slice = "system-" + escapeUnitName(u.Template[:strings.IndexByte(u.Template, '@')]) + ".slice"
		}
		if o, ok := u.Value(sectionOf(u.Type), "Slice"); ok && o.Value != "" {
			slice = o.Value
		}
		add(graph.Requires, slice, "Slice")
		add(graph.SystemdAfter, slice, "Slice")
	case "slice":
		// A slice is in its parent: a-b.slice in a.slice, a.slice in -.slice.
		if parent := parentSlice(u.Name); parent != "" {
			add(graph.Requires, parent, "slice")
			add(graph.SystemdAfter, parent, "slice")
		}
	}
	switch u.Type {
	case "service", "mount", "swap":
		// unit_add_exec_dependencies: what logs to the journal starts
		// after journald's socket; PrivateTmp= (and DynamicUser=) after
		// the tmpfiles setup.
		if logsToJournal(u) {
			add(graph.SystemdAfter, "systemd-journald.socket", "logs to the journal")
		}
		if o, ok := u.Value(sectionOf(u.Type), "PrivateTmp"); ok && parseBool(o.Value) || dynamicUser(u) {
			add(graph.SystemdAfter, "systemd-tmpfiles-setup.service", "PrivateTmp=")
		}
	}
	switch u.Type {
	case "socket":
		// socket_add_extras: a socket is ordered before the service it
		// activates (and triggers it).
		add(graph.SystemdBefore, triggered(u, "Socket", "Service"), "socket")
		add(graph.Activates, triggered(u, "Socket", "Service"), "socket")
	case "timer":
		add(graph.SystemdBefore, triggered(u, "Timer", "Unit"), "timer")
	case "path":
		add(graph.SystemdBefore, triggered(u, "Path", "Unit"), "path")
	case "service":
		if o, ok := u.Value("Service", "BusName"); ok && o.Value != "" && defaults {
			if t, ok := u.Value("Service", "Type"); ok && t.Value == "dbus" {
				add(graph.Requires, "dbus.socket", "Type=dbus")
				add(graph.SystemdAfter, "dbus.socket", "Type=dbus")
			}
		}
	}
	if !defaults {
		return ds
	}
	const dd = "DefaultDependencies=yes"
	if u.Type == "mount" {
		ds = append(ds, mountDefaults(u, pos)...)
	}
	switch u.Type {
	case "service", "socket", "timer", "path":
		add(graph.Requires, "sysinit.target", dd)
		add(graph.SystemdAfter, "sysinit.target", dd)
		add(graph.Conflicts, "shutdown.target", dd)
		add(graph.SystemdBefore, "shutdown.target", dd)
	}
	switch u.Type {
	case "service":
		add(graph.SystemdAfter, "basic.target", dd)
	case "socket":
		add(graph.SystemdBefore, "sockets.target", dd)
	case "timer":
		add(graph.SystemdBefore, "timers.target", dd)
		add(graph.SystemdAfter, "time-set.target", dd)
		if len(u.Values("Timer", "OnCalendar")) > 0 {
			add(graph.SystemdAfter, "time-sync.target", dd)
		}
	case "path":
		add(graph.SystemdBefore, "paths.target", dd)
	case "target":
		add(graph.Conflicts, "shutdown.target", dd)
		add(graph.SystemdBefore, "shutdown.target", dd)
	}
	return ds
}

// mountDefaults are the default dependencies of a mount unit
// (mount_add_default_dependencies): a network file system is ordered
// between remote-fs-pre.target and remote-fs.target, any other between
// local-fs-pre.target and local-fs.target (not before it with nofail),
// and both conflict with umount.target.
func mountDefaults(u *Unit, pos graph.Pos) []dep {
	const via = "DefaultDependencies=yes"
	typ, _ := u.Value("Mount", "Type")
	opts, _ := u.Value("Mount", "Options")
	network := strings.Contains(","+opts.Value+",", ",_netdev,")
	switch typ.Value {
	case "nfs", "nfs4", "cifs", "smbfs", "sshfs", "ncpfs", "ncp", "afs", "ceph", "glusterfs", "davfs", "fuse.sshfs", "9p", "lustre", "ocfs2", "gfs", "gfs2":
		network = true
	}
	pre, post := "local-fs-pre.target", "local-fs.target"
	if network {
		pre, post = "remote-fs-pre.target", "remote-fs.target"
	}
	ds := []dep{
		{kind: graph.SystemdAfter, name: pre, pos: pos, via: via},
		{kind: graph.Conflicts, name: "umount.target", pos: pos, via: via},
		{kind: graph.SystemdBefore, name: "umount.target", pos: pos, via: via},
	}
	if !strings.Contains(","+opts.Value+",", ",nofail,") {
		ds = append(ds, dep{kind: graph.SystemdBefore, name: post, pos: pos, via: via})
	}
	if network {
		ds = append(ds, dep{kind: graph.SystemdAfter, name: "network.target", pos: pos, via: via})
	}
	return ds
}

// logsToJournal reports whether a unit's processes log to the journal:
// systemd's default, unless StandardOutput= and StandardError= say
// otherwise.
func logsToJournal(u *Unit) bool {
	sec := sectionOf(u.Type)
	for _, key := range []string{"StandardOutput", "StandardError"} {
		o, ok := u.Value(sec, key)
		if !ok || o.Value == "" || strings.HasPrefix(o.Value, "journal") || strings.HasPrefix(o.Value, "kmsg") || o.Value == "inherit" {
			return true
		}
	}
	return false
}

func dynamicUser(u *Unit) bool {
	o, ok := u.Value("Service", "DynamicUser")
	return ok && parseBool(o.Value)
}

// escapeUnitName escapes s as unit_name_escape does: "/" becomes "-",
// other bytes than [a-zA-Z0-9:_.] (and a leading ".") become \xNN.
func escapeUnitName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '_' || c == '.'):
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parentSlice returns the slice a slice is in: "a-b.slice" is in
// "a.slice", a top one in "-.slice", and "-.slice" in none.
func parentSlice(name string) string {
	base := strings.TrimSuffix(name, ".slice")
	if base == "-" {
		return ""
	}
	if i := strings.LastIndexByte(base, '-'); i > 0 {
		return base[:i] + ".slice"
	}
	return "-.slice"
}

// triggered is the unit a socket, timer or path activates: its
// Service= or Unit= setting, else the unit of the same name with .service.
func triggered(u *Unit, section, key string) string {
	if o, ok := u.Value(section, key); ok && o.Value != "" {
		return o.Value
	}
	return strings.TrimSuffix(u.Name, "."+u.Type) + ".service"
}

func sectionOf(typ string) string {
	return strings.ToUpper(typ[:1]) + typ[1:]
}

// parseBool reads a systemd boolean (parse_boolean).
func parseBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}
