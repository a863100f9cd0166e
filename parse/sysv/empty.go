package sysv

import (
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file says why a SysV boot starts (or stops) nothing (empty-boot,
// SPEC §6): no script in etc/init.d, scripts and no link to them (an
// image built without update-rc.d, packages not configured yet), links
// that run nothing, or links in other runlevels only.

// emptyBoot returns the empty-boot finding when no script starts in the
// boot (no K link runs, for a stop), with the cause and the flags that
// read the root otherwise; nil when something runs.
func (b *builder) emptyBoot(opt Options, links int) *graph.Finding {
	g := b.sv.Graph
	for i := range g.Services {
		if s := &g.Services[i]; s.Started() && !s.Hidden && !s.Missing {
			return nil
		}
	}
	rl := b.sv.Runlevel
	what, kind, dirs := "starts", "S", "etc/rcS.d or etc/rc"+rl+".d"
	if rl == "S" {
		dirs = "etc/rcS.d"
	}
	if opt.Stop {
		what, kind, dirs = "stops", "K", "etc/rc"+rl+".d"
	}
	f := &graph.Finding{Kind: graph.KindEmptyBoot, Severity: graph.Error}
	if opt.Stop {
		// A shutdown with nothing to stop is odd, not broken.
		f.Severity = graph.Warning
	}
	scripts := 0
	for _, s := range b.sv.Scripts {
		if strings.HasPrefix(s.Path, "etc/init.d/") {
			scripts++
		}
	}
	var hints []string
	other := b.otherRunlevels(rl, opt.Stop)
	switch {
	case scripts == 0:
		f.Message = fmt.Sprintf("nothing %s: etc/init.d has no script insserv reads (an executable file with a name it does not ignore)", what)
	case links == 0:
		f.Message = fmt.Sprintf("nothing %s: etc/init.d has %s and no %s link in %s runs one", what, plural(scripts, "script", "scripts"), kind, dirs)
		f.Sources = []graph.Pos{{File: "etc/init.d"}}
		if !b.defaults && other == "" {
			hints = append(hints, "an image built without update-rc.d, or packages not configured yet? --defaults links them as update-rc.d NAME defaults would")
		}
	default:
		f.Message = fmt.Sprintf("nothing %s: the %d %s links of %s run no script (see the dangling-link and never-starts findings)", what, links, kind, dirs)
	}
	if b.defaults && scripts > 0 {
		f.Message += fmt.Sprintf(", even with --defaults: no script's Default-%s names this runlevel", map[bool]string{false: "Start", true: "Stop"}[opt.Stop])
	}
	if other != "" {
		hints = append(hints, other)
	}
	if len(hints) > 0 {
		f.Message += "; " + strings.Join(hints, "; ")
	}
	return f
}

// otherRunlevels names the runlevel directories other than rl that have
// links of the kind the boot reads (S, or K for a stop), with --runlevel.
func (b *builder) otherRunlevels(rl string, stop bool) string {
	var have []string
	for _, r := range []string{"1", "2", "3", "4", "5", "0", "6"} {
		if r == rl || (!stop && (r == "0" || r == "6")) {
			continue
		}
		links, _, _ := rcLinks(b.fsys, "etc/rc"+r+".d")
		for _, l := range links {
			if l.Start != stop && l.Target != "dev/null" {
				have = append(have, r)
				break
			}
		}
	}
	if len(have) == 0 {
		return ""
	}
	return fmt.Sprintf("etc/rc%s.d has links: --runlevel %s", have[0], strings.Join(have, "|"))
}

// plural says n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
