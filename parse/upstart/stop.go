package upstart

import (
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/parse/sysv"
)

// This file is the shutdown as upstart runs it (docs/upstart.md
// "Shutdown"): telinit 0 (or 6) emits runlevel RUNLEVEL=0 PREVLEVEL=N,
// where N is the runlevel of the boot; the jobs still running at the end
// of the boot stop when their stop on holds (Ubuntu's "stop on runlevel
// [016]"), the jobs whose start on holds now start (rc, hwclock-save),
// and rc runs /etc/init.d/rc 0, which runs the K links of rc0.d.

// shutdown is the state of a shutdown graph.
type shutdown struct {
	running  []bool // the jobs still running at the end of the boot, by index
	prev     string // the runlevel of the boot, PREVLEVEL of the runlevel event
	stopping []bool // the jobs whose service here is their stop
}

// readStop builds the shutdown into opt.Runlevel (default 0) of jobs,
// whose boot is boot; found are the findings of reading them.
func readStop(jobs []*Job, found []graph.Finding, fsys *rootfs.FS, opt Options, boot *Boot) (*Boot, error) {
	rl := opt.Runlevel
	if rl == "" {
		rl = "0"
	}
	b := newBuilder(jobs, opt)
	b.up.Runlevel = rl
	b.up.Graph.Phases = []string{"shutdown"}
	b.up.Findings = found
	b.shutdown = &shutdown{running: make([]bool, len(jobs)), stopping: make([]bool, len(jobs)), prev: boot.Runlevel}
	for k, j := range jobs {
		if i, ok := boot.Graph.Lookup(j.Name); ok && boot.Graph.Services[i].Started() && !stopsAtBoot(j) {
			b.shutdown.running[k] = true
		}
	}
	b.readScripts()
	b.addStopJobs()
	b.wire()
	g := b.up.Graph
	for _, f := range graph.Start(g) {
		i, ok := g.Lookup(f.Services[0])
		switch {
		case f.Kind != graph.KindNeverStarts:
			b.up.Findings = append(b.up.Findings, f)
		case !ok || b.hidden[i] || !b.shutdown.stopping[i]:
			// A job that does not start at shutdown is not part of it.
		default:
			// What nothing stops is ended by the rc scripts (sendsigs) or
			// the halt.
			f.Severity = graph.Info
			f.Message = strings.Replace(f.Message, " never starts: ", " is not stopped by upstart in this shutdown (the rc scripts' sendsigs ends it): ", 1)
			b.up.Findings = append(b.up.Findings, f)
		}
	}
	if opt.SysV {
		if err := b.addStopScripts(fsys); err != nil {
			return nil, err
		}
	}
	graph.SortFindings(b.up.Findings)
	return b.up, nil
}

// addStopJobs adds one service per job for the shutdown: a job that runs
// at the end of the boot stops when its stop on holds; one that does not
// run starts when its start on holds or a script starts it.
func (b *builder) addStopJobs() {
	g := b.up.Graph
	for k, j := range b.up.Jobs {
		s := graph.Service{Name: j.Name, Init: "upstart", Source: graph.Pos{File: j.Path}, Phase: 0, Triggered: true}
		switch {
		case j.Rejected:
			s.Phase, s.Triggered = graph.NotStarted, false
		case b.shutdown.running[k]:
			b.shutdown.stopping[k] = true
			s.Note = "stops"
			if j.StopOn == nil {
				s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "has no stop on: it runs to the end"
			}
		case len(b.starters[k]) == 0 && (j.StartOn == nil || j.Manual):
			s.Phase, s.Triggered = graph.NotStarted, false
		default:
			s.Note = "starts"
		}
		g.Add(s)
	}
}

// addStopScripts adds the K links of /etc/init.d/rc N, which the rc job
// runs (when it starts in the shutdown): after rc, ordered among
// themselves as a SysV shutdown orders them (sysv.Read with Stop), one
// at a time in the order of the links without startpar's .depend files.
func (b *builder) addStopScripts(fsys *rootfs.FS) error {
	sv, err := sysv.Read(fsys, sysv.Options{Runlevel: b.up.Runlevel, Stop: true})
	if err != nil {
		return err
	}
	g, svg := b.up.Graph, sv.Graph
	rc, ok := g.Lookup("rc")
	if !ok || b.byName["rc"] == nil || !g.Services[rc].Started() {
		rc = -1
	}
	idx := make([]int, len(svg.Services))
	var members [][]int = make([][]int, len(svg.Phases))
	for i, s := range svg.Services {
		idx[i] = -1
		if b.byName[s.Name] != nil || s.Source.File == upstartJobWrapper {
			continue // the job itself, not a script
		}
		ns := s
		ns.Aliases = nil
		if s.Started() {
			ns.Phase = 0
			if rc < 0 {
				ns.Phase, ns.Note = graph.NotStarted, "no upstart job runs /etc/init.d/rc "+b.up.Runlevel+" in this shutdown"
			}
		}
		if _, taken := g.Lookup(ns.Name); taken {
			ns.Name = "etc/init.d/" + s.Name
		}
		idx[i] = g.Add(ns)
		if s.Started() && rc >= 0 && !s.Hidden {
			members[s.Phase] = append(members[s.Phase], idx[i])
		}
	}
	sequential := !makefileBoot(fsys)
	for _, e := range svg.Edges {
		if _, _, orders := e.Ordering(); orders && sequential {
			continue // one at a time in the order of the links: the headers order nothing
		}
		if idx[e.From] >= 0 && idx[e.To] >= 0 {
			ne := e
			ne.From, ne.To = idx[e.From], idx[e.To]
			g.AddEdge(ne)
		}
	}
	if rc >= 0 {
		run := "/etc/init.d/rc " + b.up.Runlevel
		prev := -1
		for p, ms := range members {
			if sequential {
				sort.SliceStable(ms, func(a, c int) bool { return g.Services[ms[a]].Step < g.Services[ms[c]].Step })
			}
			for n, m := range ms {
				g.AddEdge(graph.Edge{From: m, To: rc, Kind: graph.StartOn, Pos: g.Services[rc].Source, Via: run})
				if prev >= 0 {
					g.AddEdge(graph.Edge{From: m, To: prev, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[m].Link}})
				}
				if sequential && n > 0 {
					g.AddEdge(graph.Edge{From: m, To: ms[n-1], Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[m].Link}, Via: g.Services[ms[n-1]].Name + " (" + run + " runs one script at a time)"})
				}
			}
			if len(ms) > 0 {
				bar := g.Add(graph.Service{Name: "(" + svg.Phases[p] + " done)", Init: "sysv", Phase: 0, Hidden: true})
				for _, m := range ms {
					g.AddEdge(graph.Edge{From: bar, To: m, Kind: graph.Sequence})
				}
				prev = bar
			}
		}
	}
	for _, f := range sv.Findings {
		if f.Kind == graph.KindNoHeader {
			if i, ok := svg.Lookup(firstService(f)); ok && idx[i] < 0 {
				continue // the upstart-job wrapper has no header: it is no script
			}
		}
		b.up.Findings = append(b.up.Findings, f)
	}
	return nil
}
