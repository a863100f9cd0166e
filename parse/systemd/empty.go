package systemd

import (
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file says why a boot starts nothing (empty-boot, SPEC §6: "a root
// whose boot starts nothing is never a silent exit 0"): a target that is
// missing or masked, or one that pulls in only targets and what the
// manager makes on its own (slices, scopes, devices).

// noTarget is the finding for a boot target that is missing or masked:
// the manager has nothing to start ("Failed to isolate default target").
func (us *Units) noTarget(t *graph.Service, byDefault bool) graph.Finding {
	how := "the boot target " + t.Name
	switch {
	case byDefault && us.Default == "":
		how += " (no default.target link names another)"
	case byDefault:
		how += " (the default.target link names it)"
	}
	f := graph.Finding{Kind: graph.KindEmptyBoot, Severity: graph.Error, Services: []string{t.Name},
		Message: "nothing starts: " + how + " is not found in any unit directory"}
	if t.Masked {
		f.Message, f.Sources = "nothing starts: "+how+" is masked; --target NAME boots another target", []graph.Pos{t.Source}
		return f
	}
	if us.unitFiles() == 0 {
		f.Message += "; the root has no unit file"
		if len(us.sysv) > 0 {
			f.Message += " but the units systemd-sysv-generator makes of etc/init.d"
		}
		if link, err := us.fsys.Readlink("etc/systemd/system/default.target"); err == nil {
			f.Message += " (default.target links to " + link + ", which it lacks: the /etc of a machine?)"
			f.Sources = []graph.Pos{{File: "etc/systemd/system/default.target"}}
		}
		return f
	}
	f.Message += "; --target NAME boots another target"
	return f
}

// unitFiles counts the units that have a unit file of their own, masks
// and the units systemd-sysv-generator makes aside.
func (us *Units) unitFiles() int {
	n := 0
	for _, name := range us.Names {
		if u := us.ByName[name]; u != nil && u.Path != "" && !u.Masked && us.sysv[name] == nil {
			n++
		}
	}
	return n
}

// emptyBoot returns the empty-boot finding when the transaction of target
// starts no unit but targets and what the manager makes on its own, with
// what would start more: the units whose [Install] section nothing
// applied (--presets), another target.
func (b *builder) emptyBoot(target string) *graph.Finding {
	g := b.boot.Graph
	for i := range g.Services {
		s := &g.Services[i]
		if !s.Started() || s.Hidden || s.Missing || s.Target || implicitUnit(s.Name) {
			continue
		}
		return nil
	}
	t, _ := g.Lookup(target)
	if ts := &g.Services[t]; !ts.Started() {
		return nil // a missing or masked target: noTarget said it
	}
	f := &graph.Finding{Kind: graph.KindEmptyBoot, Severity: graph.Error, Services: []string{target},
		Message: "nothing starts: " + target + " pulls in no unit but targets and what the manager makes itself (slices, scopes)"}
	if src := g.Services[t].Source; src.File != "" {
		f.Sources = []graph.Pos{src}
	}
	var hints []string
	if n, example := b.boot.Units.uninstalled(g); n > 0 {
		hints = append(hints, fmt.Sprintf("%s with an [Install] section nothing applied (no .wants/ link): --presets enables them as systemctl preset-all would", plural(n, "unit ("+example+")", "units ("+example+", ...)")))
	}
	hints = append(hints, "--target NAME boots another target")
	f.Message += "; " + strings.Join(hints, "; ")
	return f
}

// uninstalled counts the units with a unit file and an [Install]
// section (WantedBy=, RequiredBy=, Alias=) that the boot does not start,
// and names the first of them.
func (us *Units) uninstalled(g *graph.Graph) (int, string) {
	n, first := 0, ""
	for _, name := range us.Names {
		u := us.ByName[name]
		if u == nil || u.Name != name || u.Path == "" || u.Masked || u.Template != "" {
			continue
		}
		if i, ok := g.Lookup(name); ok && g.Services[i].Started() {
			continue
		}
		for _, o := range u.Options {
			if o.Section == "Install" && (o.Name == "WantedBy" || o.Name == "RequiredBy" || o.Name == "Alias") && o.Value != "" {
				if n == 0 {
					first = name
				}
				n++
				break
			}
		}
	}
	return n, first
}

// plural says n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
