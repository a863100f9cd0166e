package upstart

import (
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file is how upstart's rc jobs run the SysV scripts (see
// sysv.go): in parallel with startpar or one at a time, phase
// after phase, and what waits for them.

// startparPaths are where sysv-rc looks for startpar (the PATH of
// /etc/init.d/rc, and Debian's /lib/startpar).
var startparPaths = []string{"sbin/startpar", "usr/sbin/startpar", "bin/startpar", "usr/bin/startpar", "lib/startpar/startpar"}

// makefileBoot reports whether /etc/init.d/rc runs the scripts with
// startpar (CONCURRENCY=makefile): the three .depend files are there and
// not empty, startpar is there, and .legacy-bootordering is not.
func makefileBoot(fsys *rootfs.FS) bool {
	for _, d := range []string{"boot", "start", "stop"} {
		if fi, err := fsys.Stat("etc/init.d/.depend." + d); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			return false
		}
	}
	if _, err := fsys.Lstat("etc/init.d/.legacy-bootordering"); err == nil {
		return false
	}
	for _, p := range startparPaths {
		if fi, err := fsys.Stat(p); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// addPhases orders the phases of the SysV boot as upstart runs them: each
// started script after the job that runs it, and a hidden barrier after
// each phase (with startpar: rcS, then rcS's $all scripts, and so on) or
// after all the scripts of one job (one at a time: in the order of their
// links, whatever their headers say), which the scripts of the next wait
// for; and rc after the rcS.d scripts, as rc-sysinit emits runlevel only
// when /etc/init.d/rcS is done.
func (br *sysvBridge) addPhases() {
	g, svg := br.g, br.sv.Graph
	type group struct {
		host    int
		rcS     bool
		phases  []string
		members []int
	}
	var groups []*group
	for p, name := range svg.Phases {
		rcS := strings.HasPrefix(name, "rcS")
		if n := len(groups); n == 0 || !br.sequential || groups[n-1].host != br.hosts[p] || groups[n-1].rcS != rcS {
			groups = append(groups, &group{host: br.hosts[p], rcS: rcS})
		}
		gr := groups[len(groups)-1]
		gr.phases = append(gr.phases, name)
		for i, s := range svg.Services {
			if j := br.idx[i]; s.Phase == p && j >= 0 && !br.isJob[i] && g.Services[j].Started() && !s.Hidden {
				gr.members = append(gr.members, j)
			}
		}
	}
	if !slices.ContainsFunc(groups, func(gr *group) bool { return len(gr.members) > 0 }) {
		return
	}
	prev := -1
	for k, gr := range groups {
		run := "/etc/init.d/rc " + br.sv.Runlevel
		if gr.rcS {
			run = "/etc/init.d/rcS"
		}
		if br.sequential {
			sort.SliceStable(gr.members, func(a, b int) bool { return g.Services[gr.members[a]].Step < g.Services[gr.members[b]].Step })
		}
		for n, m := range gr.members {
			if gr.host >= 0 {
				g.AddEdge(graph.Edge{From: m, To: gr.host, Kind: graph.StartOn, Pos: g.Services[gr.host].Source, Via: run})
			}
			if prev >= 0 {
				g.AddEdge(graph.Edge{From: m, To: prev, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[m].Link}})
			}
			if br.sequential && n > 0 {
				g.AddEdge(graph.Edge{From: m, To: gr.members[n-1], Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[m].Link}, Via: g.Services[gr.members[n-1]].Name + " (" + run + " runs one script at a time)"})
			}
		}
		bar := g.Add(graph.Service{Name: "(" + strings.Join(gr.phases, ", ") + " done)", Init: "sysv", Phase: 0, Hidden: true})
		if prev >= 0 {
			g.AddEdge(graph.Edge{From: bar, To: prev, Kind: graph.Sequence})
		}
		for _, m := range gr.members {
			g.AddEdge(graph.Edge{From: bar, To: m, Kind: graph.Sequence, Pos: graph.Pos{File: g.Services[m].Link}})
		}
		prev = bar
		if gr.host >= 0 {
			br.done[gr.host] = bar
		}
		last := k+1 == len(groups) || !groups[k+1].rcS
		if rc := br.hosts[len(br.hosts)-1]; gr.rcS && last && gr.host >= 0 && rc >= 0 && rc != gr.host {
			g.AddEdge(graph.Edge{From: rc, To: bar, Kind: graph.Sequence, Pos: g.Services[gr.host].Source, Via: "/etc/init.d/rcS, then telinit"})
		}
	}
}

// waitForScripts makes the jobs that wait for the end of a job that runs
// scripts wait for those scripts too: "stopping J" and "stopped J" (J
// stops when /etc/init.d/rc or rcS is done), and the runlevel event of
// rc-sysinit, which telinit emits after /etc/init.d/rcS.
func (br *sysvBridge) waitForScripts() {
	g := br.g
	sysinit, _ := br.job("rc-sysinit")
	for _, e := range slices.Clone(g.Edges) {
		bar, ok := br.done[e.To]
		if !ok || e.Any != 0 || e.Kind != graph.StartOn {
			continue
		}
		switch {
		case strings.HasPrefix(e.Via, "stopping ") || strings.HasPrefix(e.Via, "stopped "):
			g.AddEdge(graph.Edge{From: e.From, To: bar, Kind: graph.Sequence, Pos: e.Pos, Via: e.Via + ": " + g.Services[e.To].Name + " stops when the scripts it runs are done"})
		case e.To == sysinit && (e.Via == "runlevel" || strings.HasPrefix(e.Via, "runlevel ")) && e.From != br.hosts[len(br.hosts)-1]:
			g.AddEdge(graph.Edge{From: e.From, To: bar, Kind: graph.Sequence, Pos: e.Pos, Via: e.Via + ": rc-sysinit runs /etc/init.d/rcS, then telinit"})
		}
	}
}
