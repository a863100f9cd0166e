package upstart

import (
	"fmt"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file is what the scripts of jobs do to the boot: the start, stop,
// restart and telinit commands of the sections that run during the
// boot (docs/upstart.md "Which parts of a job run during the boot",
// "Commands in job scripts").

// runsAtBoot reports whether process proc of a job that starts runs in
// a boot that works: pre-start, main and post-start always; post-stop
// only for a job that stops by itself during the boot (stopsAtBoot);
// pre-stop never, since upstart runs it only when asked to stop a job
// whose main process is alive (job_next_state, init/job.c), and the
// boot asks no job to stop.
func runsAtBoot(job *Job, proc string) bool {
	switch proc {
	case "pre-start", "main", "post-start":
		return true
	case "post-stop":
		return stopsAtBoot(job)
	}
	return false
}

// runs reports whether process proc of job k runs: in a boot, as
// runsAtBoot says; in a shutdown, the pre-stop and post-stop of a job
// that stops, and the processes of a job that starts as in a boot.
func (b *builder) runs(k int, proc string) bool {
	j := b.up.Jobs[k]
	if b.shutdown != nil && b.shutdown.running[k] {
		return proc == "pre-stop" || proc == "post-stop"
	}
	return runsAtBoot(j, proc)
}

// starter is a job whose script starts (or stops) another.
type starter struct {
	job int     // the job whose script runs the command
	cmd Command // the command
}

// readScripts collects, from the sections of the loaded jobs that run
// during the boot, the jobs each job's scripts start and stop, and the
// starts that run only under a condition (which start nothing here, and
// are told in the note of a job nothing else starts). A command that
// names no job of the root (upstart: "Unknown job") is kept in unknown,
// a start of a job named at run time ("start $j") in varStarters.
func (b *builder) readScripts() {
	for i, j := range b.up.Jobs {
		if j.Rejected {
			continue // not loaded: its scripts never run
		}
		for _, c := range j.Scripts {
			if !b.runs(i, c.Proc) || (c.Verb != "start" && c.Verb != "stop" && c.Verb != "restart") {
				continue
			}
			name := expandVars(c.Name, j.Env)
			if strings.Contains(name, "$") {
				if c.Verb != "stop" {
					b.varStarters = append(b.varStarters, starter{i, c}) // a job named at run time
				}
				continue
			}
			k, ok := b.jobIndex[name]
			switch {
			case !ok && c.Service:
				continue // service NAME start of a SysV script: not upstart's business
			case !ok:
				if !c.Cond {
					b.unknown = append(b.unknown, starter{i, c})
				}
				continue
			case k == i:
				continue // a job that starts or stops itself
			case c.Cond:
				if c.Verb == "start" {
					b.condStarters[k] = append(b.condStarters[k], starter{i, c})
				}
				continue
			}
			if c.Verb == "start" {
				b.starters[k] = append(b.starters[k], starter{i, c})
			} else { // restart stops a running job, then starts it again
				b.stoppers[k] = append(b.stoppers[k], starter{i, c})
			}
		}
	}
}

// telinits returns the runlevel events the scripts of job j emit during
// the boot: telinit N (util/sysv.c: runlevel RUNLEVEL=N PREVLEVEL=N at
// boot, as nothing ran before) in the processes that run. A runlevel given by a variable is the
// boot's, rl: rc-sysinit's telinit "${DEFAULT_RUNLEVEL}", which its
// script takes from inittab or the kernel command line. What is no
// runlevel (telinit q, u) emits nothing; neither does a telinit under a
// condition.
func telinits(j *Job, rl string, runs func(proc string) bool) []Command {
	var out []Command
	for _, c := range j.Scripts {
		if c.Verb != "telinit" || c.Cond || !runs(c.Proc) {
			continue
		}
		level := c.Name
		if strings.Contains(level, "$") {
			level = rl
		}
		if level == "s" {
			level = "S"
		}
		if len(level) != 1 || !strings.Contains("0123456S", level) {
			continue
		}
		c.Name = level
		out = append(out, c)
	}
	return out
}

// writtenRunlevel returns the runlevel the first telinit N with N
// written out (1 to 5 or S) of the loaded jobs asks for, jobs by name,
// or "".
func writtenRunlevel(jobs []*Job) string {
	for _, j := range jobs {
		if j.Rejected {
			continue
		}
		for _, c := range j.Scripts {
			if c.Verb == "telinit" && !c.Cond && runsAtBoot(j, c.Proc) && len(c.Name) == 1 && strings.Contains("12345Ss", c.Name) {
				return strings.ToUpper(c.Name)
			}
		}
	}
	return ""
}

// hasTelinit reports whether job j's scripts run telinit at all.
func hasTelinit(j *Job) bool {
	for _, c := range j.Scripts {
		if c.Verb == "telinit" {
			return true
		}
	}
	return false
}

// condNote says which jobs start job k only under a condition, for the
// note of a job nothing else starts: "rc starts it only under a condition
// (etc/init/rc.conf:25)".
func (b *builder) condNote(k int) string {
	var who []string
	for _, s := range b.condStarters[k] {
		who = append(who, b.up.Jobs[s.job].Name+" starts it only under a condition ("+s.cmd.Pos.String()+")")
	}
	sort.Strings(who)
	return strings.Join(who, "; ")
}

// varNote says which scripts start a job whose name the shell makes at
// run time ("start $j"), for the note of a job nothing else starts: any
// of them may start it. The first three, by job and line.
func (b *builder) varNote() string {
	const most = 3
	var who []string
	for _, s := range b.varStarters[:min(most, len(b.varStarters))] {
		who = append(who, b.up.Jobs[s.job].Name+" runs \""+s.cmd.String()+"\" ("+s.cmd.Pos.String()+")")
	}
	more := ""
	if n := len(b.varStarters); n > most {
		more = fmt.Sprintf(" and %d more", n-most)
	}
	return "it may be the job a script names at run time: " + strings.Join(who, "; ") + more
}

// condStarts reports the jobs that nothing starts but a command under
// a condition (info: the shell decides at run time).
func (b *builder) condStarts() []graph.Finding {
	g := b.up.Graph
	var fs []graph.Finding
	for k, j := range b.up.Jobs {
		i, ok := g.Lookup(j.Name)
		if !ok || j.Rejected || g.Services[i].Started() || g.Services[i].Triggered || len(b.condStarters[k]) == 0 {
			continue
		}
		var srcs []graph.Pos
		for _, s := range b.condStarters[k] {
			srcs = append(srcs, s.cmd.Pos)
		}
		fs = append(fs, graph.Finding{
			Kind: graph.KindNeverStarts, Severity: graph.Info, Services: []string{j.Name},
			Message: j.Name + " does not start in this boot: it " + g.Services[i].Note,
			Sources: append([]graph.Pos{{File: j.Path}}, srcs...),
		})
	}
	return fs
}

// addStops adds, for each job a script stops (or restarts), a hidden
// service for that stop: it happens when the job whose script stops it
// runs, if the job was started (upstart: "Unknown instance" otherwise),
// and it makes the job's stopping and stopped events happen.
func (b *builder) addStops() {
	g := b.up.Graph
	ks := make([]int, 0, len(b.stoppers))
	for k := range b.stoppers {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	for _, k := range ks {
		for _, s := range b.stoppers[k] {
			name := "(" + b.up.Jobs[s.job].Name + " " + s.cmd.Verb + "s " + b.up.Jobs[k].Name + ")"
			if _, ok := g.Lookup(name); ok {
				continue
			}
			v := g.Add(graph.Service{Name: name, Init: "upstart", Source: s.cmd.Pos, Phase: 0, Hidden: true, Triggered: true})
			b.stopClauses = append(b.stopClauses,
				clause{from: v, ways: []way{{to: s.job, kind: graph.StartFrom, pos: s.cmd.Pos}}},
				clause{from: v, ways: []way{{to: k, kind: graph.StartOn, pos: s.cmd.Pos, via: b.up.Jobs[k].Name + " running"}}})
			b.stopNodes[k] = append(b.stopNodes[k], v)
			b.hidden[v] = true
		}
	}
}

// unknownStarts reports the unconditional start, stop and restart
// commands of started jobs that name no job of the root: upstart fails
// them with "Unknown job".
func (b *builder) unknownStarts() []graph.Finding {
	g := b.up.Graph
	var fs []graph.Finding
	for _, s := range b.unknown {
		by := b.up.Jobs[s.job]
		if i, ok := g.Lookup(by.Name); !ok || !g.Services[i].Started() {
			continue
		}
		name := expandVars(s.cmd.Name, by.Env)
		fs = append(fs, graph.Finding{
			Kind: graph.KindMissingDependency, Severity: graph.Warning, Services: []string{by.Name, name},
			Message: by.Name + " runs \"" + s.cmd.String() + "\", but there is no job " + name + " (upstart: Unknown job)",
			Sources: []graph.Pos{s.cmd.Pos},
		})
	}
	return fs
}
