package systemd

import (
	"path"
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
// Dependencies"; the *_add_extras and *_add_default_dependencies
// functions of systemd 252's src/core, docs/generators.md).
func (b *builder) implicit(u *Unit, ds []dep) []dep {
	pos := b.unitPos(u)
	add := func(kind graph.Kind, name, via string) {
		ds = append(ds, dep{kind: kind, name: name, pos: pos, via: via})
	}
	defaults := true
	if o, ok := u.Value("Unit", "DefaultDependencies"); ok && !parseBool(o.Value) {
		defaults = false
	}
	if u.Name == "-.mount" {
		defaults = false // mount_load_root_mount: perpetual, no default dependencies
	}
	switch u.Type {
	case "service", "socket", "mount", "swap", "scope":
		// unit_set_default_slice and unit_add_slice_dependencies:
		// Requires= and After= the slice; an instance of a template goes
		// in a slice of its own, system-PREFIX.slice.
		slice := "system.slice"
		if u.Instance != "" && u.Template != "" {
			slice = "system-" + unitNameEscape(u.Template[:strings.IndexByte(u.Template, '@')]) + ".slice"
		}
		if o, ok := u.Value(sectionOf(u.Type), "Slice"); ok && o.Value != "" {
			slice = o.Value
		}
		if u.Name == "-.mount" {
			slice = "-.slice"
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
		ds = b.execDeps(u, pos, ds)
	case "socket":
		if hasExec(u, "Socket") {
			ds = b.execDeps(u, pos, ds)
		}
	}
	switch u.Type {
	case "socket":
		// socket_add_extras (socket.c:327-342): a socket with a listener
		// that is not Accept=yes is ordered before the service it
		// activates (and triggers it); an Accept=yes socket starts
		// instances per connection, and is not.
		if !acceptOnly(u) {
			add(graph.SystemdBefore, triggered(u, "Socket", "Service"), "socket")
			add(graph.Activates, triggered(u, "Socket", "Service"), "socket")
		}
		ds = b.socketMounts(u, pos, ds)
	case "timer":
		add(graph.SystemdBefore, triggered(u, "Timer", "Unit"), "timer")
		if o, ok := u.Value("Timer", "Persistent"); ok && parseBool(o.Value) {
			ds = b.requiresMountsFor("/var/lib/systemd/timers", pos, "Persistent=", ds)
		}
	case "path":
		add(graph.SystemdBefore, triggered(u, "Path", "Unit"), "path")
		for _, key := range []string{"PathExists", "PathExistsGlob", "PathChanged", "PathModified", "DirectoryNotEmpty"} {
			for _, o := range u.Values("Path", key) {
				ds = b.requiresMountsFor(o.Value, o.Pos, key+"=", ds)
			}
		}
	case "automount":
		// automount_add_trigger_dependencies and _mount_dependencies.
		if where := automountWhere(u); where != "" {
			if m, ok := unitNameFromPath(where, ".mount"); ok {
				add(graph.SystemdBefore, m, "automount")
			}
			if parent := path.Dir(where); where != "/" {
				ds = b.requiresMountsFor(parent, pos, "the parent directory", ds)
			}
		}
	case "service":
		// service_add_extras and service_setup_bus_name (service.c:
		// 737-745, 703-730): BusName= without Type= is Type=dbus, and
		// Type=dbus needs dbus.socket, default dependencies or not.
		// Both are said at the line that makes them, so that a user
		// who looks for "Requires=dbus.socket" finds why.
		if o, ok := u.Value("Service", "BusName"); ok && o.Value != "" {
			t, typed := u.Value("Service", "Type")
			at, via := o.Pos, "BusName= without Type=: Type=dbus"
			if typed && t.Value == "dbus" {
				at, via = t.Pos, "Type=dbus"
			}
			if !typed || t.Value == "" || t.Value == "dbus" {
				ds = append(ds, dep{kind: graph.Requires, name: "dbus.socket", pos: at, via: via},
					dep{kind: graph.SystemdAfter, name: "dbus.socket", pos: at, via: via})
			}
		}
		// Sockets= (config_parse_service_sockets): Wants= and After= each.
		for _, o := range u.Values("Service", "Sockets") {
			for _, name := range strings.Fields(o.Value) {
				if strings.HasSuffix(name, ".socket") {
					ds = append(ds, dep{kind: graph.Wants, name: name, pos: o.Pos, via: "Sockets="},
						dep{kind: graph.SystemdAfter, name: name, pos: o.Pos, via: "Sockets="})
				}
			}
		}
	}
	switch u.Type {
	case "mount":
		ds = b.mountDeps(u, pos, defaults, ds)
	case "swap":
		ds = b.swapDeps(u, pos, defaults, ds)
	}
	if !defaults {
		return ds
	}
	const dd = "DefaultDependencies=yes"
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
		// timer_add_default_dependencies (timer.c:101-112): only a
		// calendar timer waits for the clock.
		if len(u.Values("Timer", "OnCalendar")) > 0 {
			add(graph.SystemdAfter, "time-sync.target", dd)
			add(graph.SystemdAfter, "time-set.target", dd)
		}
	case "path":
		add(graph.SystemdBefore, "paths.target", dd)
	case "target":
		add(graph.Conflicts, "shutdown.target", dd)
		add(graph.SystemdBefore, "shutdown.target", dd)
	case "automount":
		add(graph.SystemdBefore, "local-fs.target", dd)
		add(graph.SystemdAfter, "local-fs-pre.target", dd)
		add(graph.Conflicts, "umount.target", dd)
		add(graph.SystemdBefore, "umount.target", dd)
	}
	return ds
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
