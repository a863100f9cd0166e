package systemd

import (
	"fmt"
	"path"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file explains, in a systemd boot with the SysV bridge, what the
// generator's conversion does to a script's header and to what needs a
// script: systemd-sysv-generator turns Required-Start into After= only (it
// pulls nothing in: a script that requires a unit nothing else starts
// starts without it), $all into After=all.target (no unit has that name),
// and makes no unit of a script that is not executable, so what wants or
// requires that unit finds nothing.

// notFoundNote is the note of a unit name nothing in the search path
// defines: with the reason when the generator passed over the script that
// would have made it, or when only an upstart job has that name (with the
// SysV bridge).
func (us *Units) notFoundNote(name string) string {
	if note := us.cappedNote(name); note != "" {
		return note
	}
	if why := us.sysvSkipped[name]; why != "" {
		return "is not found in any unit directory: " + why + ", so systemd-sysv-generator makes no unit of it"
	}
	if job := "etc/init/" + strings.TrimSuffix(name, ".service") + ".conf"; us.sysv != nil && strings.HasSuffix(name, ".service") {
		if fi, err := us.fsys.Stat(job); err == nil && fi.Mode().IsRegular() {
			return "is not found in any unit directory: " + job + " is an upstart job, which systemd does not run"
		}
	}
	return "is not found in any unit directory"
}

// sysvNoEffect handles an After= or Before= of a generated unit on a unit
// outside the boot, and reports whether it did: a Required-Start (or
// $all) as what the header meant and what became of it; a Should-Start,
// X-Start-Before or X-Start-After, or an order from the rc links (Before=
// the target of another runlevel, fix_order's priorities), silently, as
// insserv passes over an optional name that is not there.
func (b *builder) sysvNoEffect(i int, d dep) bool {
	us := b.boot.Units
	name := b.boot.Graph.Services[i].Name
	su := us.sysv[name]
	if su == nil {
		return false
	}
	if strings.HasPrefix(d.pos.File, "etc/rc") {
		// From an rc link: Before= the target of another runlevel, or a
		// priority order (fix_order) with a script of another runlevel.
		return true
	}
	var hd *headerDep
	for k := range su.headerDeps {
		if h := &su.headerDeps[k]; h.unit == d.name && h.pos == d.pos {
			hd = h
			break
		}
	}
	if hd == nil {
		return false
	}
	all := strings.TrimPrefix(hd.word, "$") == "all"
	if !all && !strings.EqualFold(hd.key, "Required-Start") {
		return true // Should-Start and the like name what may be there, as in a SysV boot
	}
	script := path.Base(su.script)
	why := "nothing pulls " + d.name + " into the boot"
	switch u := us.LoadUnit(d.name); {
	case u == nil || u.Path == "" && !u.Masked && !implicitUnit(d.name):
		why = d.name + " " + us.notFoundNote(d.name)
	case u.Masked:
		why = d.name + " is masked"
	case us.sysv[u.Name] != nil && len(us.sysv[u.Name].wantedBy) == 0:
		why = fmt.Sprintf("%s, made of %s, is enabled in no rc1.d to rc5.d (the generator does not read rcS.d): nothing starts it", u.Name, us.sysv[u.Name].script)
	}
	f := graph.Finding{Services: []string{name, d.name}, Sources: []graph.Pos{d.pos}, Severity: graph.Warning}
	if all {
		f.Kind = graph.KindNoEffectOrder
		f.Message = fmt.Sprintf("%s %s %s: systemd-sysv-generator makes that %s=%s, and %s: under systemd, %s does not wait for the other services", script, hd.key, hd.word, d.kind, d.name, why, script)
	} else {
		f.Kind = graph.KindMissingDependency
		f.Message = fmt.Sprintf("%s %s %s: systemd-sysv-generator makes that %s=%s only, and %s: %s starts without it", script, hd.key, hd.word, d.kind, d.name, why, script)
	}
	b.boot.Findings = append(b.boot.Findings, f)
	return true
}

// sysvNotConverted reports the units of the boot that want (Wants=, a
// .wants/ link, Upholds=) a unit the generator would have made of a
// script it passed over: nothing starts that script. (Requires= and
// BindsTo= on it make the unit never start, which Start reports.)
func (b *builder) sysvNotConverted() []graph.Finding {
	us, g := b.boot.Units, b.boot.Graph
	var found []graph.Finding
	for i := range b.deps {
		for _, d := range b.deps[i] {
			if d.kind != graph.Wants && d.kind != graph.Upholds || us.sysvSkipped[d.name] == "" {
				continue
			}
			if to, ok := b.index[d.name]; !ok || !g.Services[to].Missing {
				continue
			}
			how := d.kind.String() + "=" + d.name
			if d.via != "" {
				how = d.kind.String() + " " + d.name + " (" + d.via + ")"
			}
			found = append(found, graph.Finding{
				Kind: graph.KindMissingDependency, Severity: graph.Warning, Services: []string{g.Services[i].Name, d.name},
				Message: fmt.Sprintf("%s %s, but %s %s: nothing starts it", g.Services[i].Name, how, d.name, us.notFoundNote(d.name)),
				Sources: []graph.Pos{d.pos},
			})
		}
	}
	return found
}
