package upstart

import (
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/parse/sysv"
)

// This file adds the SysV scripts of an upstart root to its boot (SPEC
// §3.2 "SysV bridge"). Upstart runs them through two jobs of its own:
// rc-sysinit runs /etc/init.d/rcS (the rcS.d scripts) and then telinit,
// which emits runlevel; rc, started on runlevel, runs /etc/init.d/rc N (the
// rcN.d scripts). ReadSysV reads the scripts and orders them among
// themselves; here they join the upstart graph after the job that runs
// them. An init.d entry linked to /lib/init/upstart-job is the upstart job
// of that name, not a script (ReadSysV skips it).
//
// How rc runs the scripts is decided as Ubuntu's /etc/init.d/rc decides
// (sysv-rc 2.88dsf on upstart, CONCURRENCY=makefile by default): with
// startpar, in parallel as insserv's .depend.* files allow, only when
// etc/init.d/.depend.boot, .depend.start and .depend.stop are all there
// and not empty, startpar is installed and etc/init.d/.legacy-bootordering
// is not there; otherwise (CONCURRENCY=none, the usual case on Ubuntu,
// which does not run insserv) one at a time, in the order of the links.
//
// A script that needs an upstart job (by name, or through an insserv.conf
// facility: $syslog where rsyslog is a job) is ordered after it only when
// the upstart graph guarantees that the job has started before the job
// that runs the script: sysv-rc and startpar know nothing of upstart jobs
// and do not wait for them. A job waiting for "stopping rc" or "stopped
// rc" (rc-sysinit) waits for the scripts it runs.

// sysvBridge is the state of adding a SysV boot to an upstart one.
type sysvBridge struct {
	up     *builder
	sv     *sysv.Boot
	g      *graph.Graph // the upstart graph, which receives the scripts
	idx    []int        // SysV service -> service of g; -1: left out
	isJob  []bool       // the SysV service stands for an upstart job of its name
	hosts  []int        // SysV phase -> the job that runs its scripts, -1 if none
	before map[int][]bool
	done   map[int]int // host job -> the barrier after the last of its scripts
	found  []graph.Finding
	// sequential is set when rc runs the scripts one at a time
	// (CONCURRENCY=none), in the order of their links.
	sequential bool
}

// upstartJobWrapper is what /etc/init.d/NAME links to when NAME is an
// upstart job that answers to "service NAME start".
const upstartJobWrapper = sysv.UpstartJob

// addSysV reads the SysV scripts of the root for the boot's runlevel and
// adds them to the upstart graph: each started script starts after the
// job that runs it (and, as in a SysV boot, after the scripts it needs and
// the phases before its own), or not at all when that job does not start.
func (b *builder) addSysV(fsys *rootfs.FS) error {
	sv, err := sysv.Read(fsys, sysv.Options{Runlevel: b.up.Runlevel})
	if err != nil {
		return err
	}
	br := &sysvBridge{up: b, sv: sv, g: b.up.Graph, before: map[int][]bool{}, done: map[int]int{}, sequential: !makefileBoot(fsys)}
	br.findHosts()
	br.addServices()
	br.addEdges()
	br.addPhases()
	br.waitForScripts()
	br.bridgeHeaders()
	for _, f := range sv.Findings {
		if f.Kind == graph.KindEmptyBoot {
			continue // scripts that do not start: the upstart boot says whether it is empty
		}
		if i, ok := sv.Graph.Lookup(firstService(f)); ok && f.Kind == graph.KindNoHeader && (br.isJob[i] || sv.Graph.Services[i].Source.File == upstartJobWrapper) {
			continue // the upstart-job wrapper has no header: it is no script
		}
		b.up.Findings = append(b.up.Findings, f)
	}
	b.up.Findings = append(b.up.Findings, br.found...)
	return nil
}

func firstService(f graph.Finding) string {
	if len(f.Services) == 0 {
		return ""
	}
	return f.Services[0]
}

// job returns the service of the upstart job name, if there is such a job.
func (br *sysvBridge) job(name string) (int, bool) {
	if br.up.byName[name] == nil {
		return -1, false
	}
	return br.g.Lookup(name)
}

// findHosts finds the job that runs the scripts of each SysV phase: rc
// for rcN.d, rc-sysinit for rcS.d (rc when there is no rc-sysinit), and
// what the upstart graph guarantees to have started before each.
func (br *sysvBridge) findHosts() {
	rc, okRC := br.job("rc")
	if !okRC {
		rc = -1
	}
	sysinit, ok := br.job("rc-sysinit")
	if !ok {
		sysinit = rc
	}
	for _, p := range br.sv.Graph.Phases {
		h := rc
		if strings.HasPrefix(p, "rcS") {
			h = sysinit
		}
		br.hosts = append(br.hosts, h)
		if h >= 0 && br.before[h] == nil {
			br.before[h] = orderedBefore(br.g, h)
		}
	}
}

// orderedBefore returns the services that the graph guarantees to have
// started before v: those a chain of ordering edges leads to, leaving out
// the alternatives of an "or". This algorithm runs in O(V + E) time.
func orderedBefore(g *graph.Graph, v int) []bool {
	seen := make([]bool, len(g.Services))
	stack := []int{v}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range append(append([]int(nil), g.Out(u)...), g.In(u)...) {
			e := g.Edges[k]
			first, then, ok := e.Ordering()
			if !ok || e.Any != 0 || then != u || seen[first] {
				continue
			}
			seen[first] = true
			stack = append(stack, first)
		}
	}
	return seen
}

// addServices adds every service of the SysV boot to the upstart graph,
// in one phase with the jobs: a started script starts if the job that runs
// it does. A name that is an upstart job stays the job: a missing name
// ReadSysV made up, a link to the upstart-job wrapper, or a script beside
// a job of the same name (Ubuntu's scripts step aside when upstart runs
// their job).
func (br *sysvBridge) addServices() {
	g, svg := br.g, br.sv.Graph
	br.idx = make([]int, len(svg.Services))
	br.isJob = make([]bool, len(svg.Services))
	for i, s := range svg.Services {
		if j, ok := br.job(s.Name); ok {
			br.idx[i], br.isJob[i] = j, true
			if !s.Missing && !s.Hidden && s.Source.File != upstartJobWrapper {
				br.found = append(br.found, graph.Finding{
					Kind: graph.KindDuplicateProvides, Severity: graph.Info, Services: []string{s.Name},
					Message: fmt.Sprintf("etc/init.d/%s and the upstart job %s have one name: the job is the service (a script of Ubuntu's steps aside when upstart runs its job)", s.Name, s.Name),
					Sources: []graph.Pos{s.Source, g.Services[j].Source},
				})
			}
			continue
		}
		ns := s
		ns.Aliases = nil
		if s.Source.File == upstartJobWrapper {
			br.idx[i] = -1
			br.found = append(br.found, graph.Finding{
				Kind: graph.KindNeverStarts, Severity: graph.Warning, Services: []string{s.Name},
				Message: fmt.Sprintf("%s leads to /%s, but there is no upstart job %s: it is not run", s.Link, upstartJobWrapper, s.Name),
				Sources: []graph.Pos{{File: s.Link}},
			})
			continue
		}
		if s.Started() {
			ns.Phase = 0
			switch h := br.hosts[s.Phase]; {
			case h < 0:
				ns.Phase, ns.Note = graph.NotStarted, "no upstart job runs /etc/init.d/rc"
			case !g.Services[h].Started():
				ns.Phase, ns.Note = graph.NotStarted, "the upstart job "+g.Services[h].Name+" that runs it does not start in this boot"
			}
		}
		if j, taken := g.Lookup(ns.Name); taken && !(s.Missing && g.Services[j].Missing) {
			ns.Name = "etc/init.d/" + s.Name // an upstart placeholder has the name
		}
		br.idx[i] = g.Add(ns)
		for _, a := range s.Aliases {
			g.Alias(br.idx[i], a)
		}
	}
}

// addEdges copies the edges between scripts. An order against the phases
// (an rcS script after an rc2 one) cannot hold: it is left out, and a
// Required-Start reported as insserv does. When rc runs the scripts one
// at a time, so is an order against the links' order (order-conflict). Edges to a name that is an
// upstart job are bridgeHeaders' business.
func (br *sysvBridge) addEdges() {
	svg := br.sv.Graph
	for _, e := range svg.Edges {
		if br.idx[e.From] < 0 || br.idx[e.To] < 0 || br.isJob[e.From] || br.isJob[e.To] {
			continue
		}
		if first, then, ok := e.Ordering(); ok {
			f, t := &svg.Services[first], &svg.Services[then]
			later := f.Phase > t.Phase
			if br.sequential { // the $all phases do not count: the links' order does
				later = !strings.HasPrefix(svg.PhaseName(f.Phase), "rcS") && strings.HasPrefix(svg.PhaseName(t.Phase), "rcS")
			}
			if f.Started() && t.Started() && later {
				if e.Needs() {
					br.found = append(br.found, graph.Finding{
						Kind: graph.KindMissingDependency, Severity: graph.Error, Services: []string{t.Name, f.Name},
						Message: fmt.Sprintf("%s %s %s: %s starts only in %s, after %s", svg.Services[e.From].Name, e.Kind, viaOr(e, f.Name), f.Name, svg.PhaseName(f.Phase), svg.PhaseName(t.Phase)),
						Sources: []graph.Pos{e.Pos},
					})
				}
				continue
			}
			if br.sequential && f.Started() && t.Started() && !f.Hidden && !t.Hidden && f.Step > t.Step && e.Kind != graph.Sequence {
				// One at a time, in the order of the links: the header
				// does not order anything.
				br.found = append(br.found, graph.Finding{
					Kind: graph.KindOrderConflict, Severity: graph.Warning, Services: []string{t.Name, f.Name},
					Message: fmt.Sprintf("%s %s %s, but %s does not sort after %s, and rc runs the scripts one at a time in the order of their links (no .depend files for startpar: CONCURRENCY=none): %s starts first", svg.Services[e.From].Name, e.Kind, viaOr(e, svg.Services[e.To].Name), t.Link, f.Link, t.Name),
					Sources: []graph.Pos{e.Pos},
				})
				continue
			}
		}
		ne := e
		ne.From, ne.To = br.idx[e.From], br.idx[e.To]
		br.g.AddEdge(ne)
	}
}

func viaOr(e graph.Edge, name string) string {
	if e.Via != "" {
		return e.Via
	}
	return name
}

// bridgeHeaders checks what the started scripts need of upstart jobs:
// each name of a Required-Start or Should-Start line, through the
// insserv.conf facilities, that no script provides and an upstart job
// has. The script is ordered after the job when the job is sure to have
// started before the one that runs the script; otherwise the two race. A
// required job that does not start at all is missing.
func (br *sysvBridge) bridgeHeaders() {
	svg := br.sv.Graph
	for i, s := range svg.Services {
		sc := br.sv.Scripts[s.Name]
		from := br.idx[i]
		if sc == nil || sc.Header == nil || from < 0 || br.isJob[i] || !br.g.Services[from].Started() {
			continue
		}
		done := map[int]bool{}
		for _, f := range []struct {
			field sysv.Field
			kind  graph.Kind
		}{{sc.Header.Field("Required-Start"), graph.RequiredStart}, {sc.Header.Field("Should-Start"), graph.ShouldStart}} {
			for _, name := range f.field.Values {
				br.expand(name, f.kind == graph.RequiredStart, map[string]bool{}, func(member string, required bool) {
					j, ok := br.job(member)
					if !ok || done[j] {
						return
					}
					if k, provided := svg.Lookup(member); provided && !svg.Services[k].Missing && !br.isJob[k] {
						return // a script provides it: the SysV boot orders them
					}
					done[j] = true
					via := ""
					if name != member {
						via = name
					}
					br.bridge(i, j, graph.Edge{From: from, To: j, Kind: f.kind, Pos: f.field.Pos, Via: via, Soft: !required && f.kind == graph.RequiredStart}, required)
				})
			}
		}
	}
}

// expand calls add for every name that name stands for: itself, or the
// members of the insserv.conf facility it names, optional ones ("+name")
// not required.
func (br *sysvBridge) expand(name string, required bool, seen map[string]bool, add func(string, bool)) {
	fac := br.sv.Facilities[name]
	if fac == nil {
		if !strings.HasPrefix(name, "$") {
			add(name, required)
		}
		return
	}
	if seen[name] {
		return
	}
	seen[name] = true
	for _, m := range fac.Members {
		br.expand(m.Name, required && !m.Optional, seen, add)
	}
}

// bridge adds or reports the dependency e of script i (SysV index) on the
// upstart job j.
func (br *sysvBridge) bridge(i, j int, e graph.Edge, required bool) {
	g := br.g
	script, job := g.Services[e.From].Name, g.Services[j].Name
	written := job
	if e.Via != "" {
		written = e.Via + " (" + job + ")"
	}
	host := br.hosts[br.sv.Graph.Services[i].Phase]
	switch {
	case !g.Services[j].Started():
		if required {
			br.found = append(br.found, graph.Finding{
				Kind: graph.KindMissingDependency, Severity: graph.Error, Services: []string{script, job},
				Message: fmt.Sprintf("%s %s %s: %s is an upstart job, and it does not start in this boot", script, e.Kind, written, job),
				Sources: []graph.Pos{e.Pos},
			})
		}
	case host >= 0 && br.before[host][j]:
		g.AddEdge(e)
	default:
		hostName := "rc"
		if host >= 0 {
			hostName = g.Services[host].Name
		}
		br.found = append(br.found, graph.Finding{
			Kind: graph.KindRace, Severity: graph.Warning, Services: []string{script, job},
			Message: fmt.Sprintf("%s %s %s: %s is an upstart job, and nothing orders it before the %s job that runs %s (sysv-rc does not wait for upstart jobs)", script, e.Kind, written, job, hostName, script),
			Sources: []graph.Pos{e.Pos},
		})
	}
}
