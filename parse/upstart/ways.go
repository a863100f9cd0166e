package upstart

import (
	"fmt"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file is what makes an event match of a start on (or stop on)
// happen: the services that emit the event, the job events, and for what
// nothing makes happen in this boot, a placeholder that says why.

// ways returns the services whose start makes e happen, or always when
// init or the outside world emits it at boot.
func (b *builder) ways(j *Job, e *Expr) (ways []int, always bool) {
	g := b.up.Graph
	args := expandArgs(j, e.Args)
	if isJobEvent(e.Event) {
		if len(args) == 0 {
			return nil, false // any job: too vague to order, and never missing
		}
		for _, k := range b.candidates(args) {
			job := b.up.Jobs[k]
			if !matchEnv(args, jobEventEnv(job, e.Event, false)) {
				continue
			}
			switch {
			case b.shutdown != nil && b.shutdown.running[k]:
				if isStopEvent(e.Event) { // its service is its stop
					ways = append(ways, k)
				}
			case !isStopEvent(e.Event) || stopsAtBoot(job):
				ways = append(ways, k)
			}
			if isStopEvent(e.Event) {
				ways = append(ways, b.stopNodes[k]...)
			}
		}
		return ways, false
	}
	for _, em := range b.emitters[e.Event] {
		if em.env != nil && !matchEnv(args, em.env) {
			continue
		}
		if em.job < 0 {
			return nil, true
		}
		ways = append(ways, em.job)
	}
	if len(ways) == 0 && udevEvent(e.Event) {
		if k, ok := g.Lookup("upstart-udev-bridge"); ok {
			ways = append(ways, k)
		}
	}
	return ways, false
}

// candidates returns the jobs whose events the arguments of a job event
// may match: the one job a literal first argument names (fnmatch of a
// pattern without metacharacters is equality), else every job. It keeps
// "started foo" from comparing itself with every job of the root.
func (b *builder) candidates(args []string) []int {
	if a := args[0]; !strings.Contains(a, "=") && !strings.ContainsAny(a, "*?[\\$\x00") {
		if k, ok := b.jobIndex[a]; ok {
			return []int{k}
		}
		return nil
	}
	all := make([]int, len(b.up.Jobs))
	for k := range all {
		all[k] = k
	}
	return all
}

// placeholder returns the service an event match that nothing meets
// waits for: the job it names, or the event as written. An event that
// does happen, but not in this boot (other arguments, at run time or at
// shutdown only, or a service job's stop), is marked so, apart from what
// is missing.
func (b *builder) placeholder(j *Job, e *Expr) int {
	g := b.up.Graph
	args := expandArgs(j, e.Args)
	name, why, never := e.String(), "", true
	switch {
	case isJobEvent(e.Event):
		if len(args) > 0 && !strings.Contains(args[0], "=") {
			if job := b.byName[args[0]]; job == nil {
				name = args[0] // the job itself is missing
			} else {
				why, never = jobEventWhy(job, e.Event, args)
			}
		}
	case runtimeInitEvents[e.Event] != "":
		why, never = runtimeInitEvents[e.Event], false
	case len(b.emitters[e.Event]) > 0:
		var who []string
		for _, em := range b.emitters[e.Event] {
			who = append(who, strings.TrimSpace(em.name+" "+strings.Join(em.env, " ")))
		}
		sort.Strings(who)
		why, never = fmt.Sprintf("is not emitted so in this boot into runlevel %s (emitted by %s)", b.up.Runlevel, strings.Join(who, ", ")), false
	case len(b.later[e.Event]) > 0:
		why, never = b.laterWhy(e.Event), false
	case e.Event == "runlevel" && shutdownRunlevel(args):
		why, never = "comes at shutdown or reboot (telinit 0 or 6), not in this boot into runlevel "+b.up.Runlevel, false
	case chromeOSEvents[e.Event] != "" && b.up.Dialect == "chromeos":
		why = "is emitted by " + chromeOSEvents[e.Event] + ", not by a job: say so with --event " + graph.Short(e.Event)
	}
	if why == "" && name == e.String() {
		why = "is emitted by no job (if something outside emits it, say so with --event " + graph.Short(e.Event) + ")"
	}
	if i, ok := g.Lookup(name); ok && (g.Services[i].Missing || b.other[i] != "") {
		return i
	} else if ok {
		name = "event " + name // a job of the same name exists
		if i, ok := g.Lookup(name); ok {
			return i
		}
	}
	i := g.Add(graph.Service{Name: name, Init: "upstart", Phase: graph.NotStarted, Missing: never, Note: why})
	if !never {
		b.other[i] = why
	}
	return i
}

// laterWhy says where an event that no section of the boot emits is
// emitted: in a section that runs only when a job stops.
func (b *builder) laterWhy(event string) string {
	s := b.later[event][0]
	j := b.up.Jobs[s.job]
	when := "only when something asks " + j.Name + " to stop, which nothing does in this boot"
	if s.cmd.Proc == "post-stop" {
		when = "when " + j.Name + " stops; " + j.Name + " does not stop in this boot: " + runsOn(j)
	}
	return fmt.Sprintf("is emitted only in the %s of %s (%s), which runs %s", s.cmd.Proc, j.Name, s.cmd.Pos, when)
}

// shutdownRunlevel reports whether the arguments of a runlevel match
// hold only for runlevel 0 or 6, which come at shutdown or reboot.
func shutdownRunlevel(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, rl := range []string{"1", "2", "3", "4", "5", "S"} {
		if matchEnv(args, []string{"RUNLEVEL=" + rl, "PREVLEVEL=" + unknownValue}) {
			return false
		}
	}
	return matchEnv(args, []string{"RUNLEVEL=0", "PREVLEVEL=" + unknownValue}) || matchEnv(args, []string{"RUNLEVEL=6", "PREVLEVEL=" + unknownValue})
}

// chromeOSEvents are events that programs of ChromeOS emit, not jobs
// (platform2 login_manager/README.md: session_manager asks upstart to
// emit them).
var chromeOSEvents = map[string]string{
	"login-prompt-visible": "ChromeOS's session_manager when Chrome shows the login screen",
	"start-user-session":   "ChromeOS's session_manager when a user logs in",
}
