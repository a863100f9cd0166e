package upstart

import (
	"fmt"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/initorder/initorder/parse/sysv"
)

// This file turns upstart jobs into the graph of one boot (SPEC §3.2,
// init(5), upstart-events(7)): which events happen, which jobs they
// start, and in what guaranteed order.

// Options selects the boot to build from an upstart root.
type Options struct {
	Runlevel string   // the runlevel rc-sysinit enters; "" = its DEFAULT_RUNLEVEL, inittab's initdefault, else 2
	Events   []string // events the outside world emits (--event NAME)
	SysV     bool     // also the etc/init.d scripts the rc jobs run (sysv.go)
}

// Boot is an upstart root: its jobs and the graph of one boot.
type Boot struct {
	Runlevel string
	Jobs     []*Job
	Graph    *graph.Graph
	Findings []graph.Finding
}

// initEvents are emitted by init itself (upstart-events(7)): startup at
// boot; the others only when something happens at run time.
var initEvents = map[string]bool{"startup": true}

var runtimeInitEvents = map[string]string{
	"control-alt-delete":   "init emits it when Control-Alt-Delete is pressed",
	"keyboard-request":     "init emits it on Alt-Up",
	"power-status-changed": "init emits it on SIGPWR",
}

// wellKnown lists what the standard Ubuntu helpers emit when their job
// runs, beyond what the job files say (upstart-events(7)).
var wellKnown = map[string][]string{
	"mountall":          {"mounting", "mounted", "virtual-filesystems", "local-filesystems", "remote-filesystems", "all-swaps", "filesystem"},
	"networking":        {"net-device-up", "static-network-up"},
	"network-interface": {"net-device-up", "static-network-up"},
}

// udevEvent reports whether upstart-udev-bridge emits event:
// SUBSYSTEM-device-ACTION.
func udevEvent(event string) bool {
	for _, action := range []string{"added", "changed", "removed", "online", "offline"} {
		if strings.HasSuffix(event, "-device-"+action) {
			return true
		}
	}
	return false
}

// emitter is a job (or init, job == -1) that emits an event with env.
type emitter struct {
	job  int      // service index, or -1 for init and the outside world
	env  []string // KEY=VALUE, in order; nil: unknown, any arguments match
	name string   // for messages: what emits it
}

type builder struct {
	up       *Boot
	opt      Options
	byName   map[string]*Job
	jobIndex map[string]int       // job name -> index in Jobs (and in the graph)
	emitters map[string][]emitter // event name -> emitters
	other    map[int]string       // placeholder services for events that happen, but not in this boot
	nextAny  int
}

// Read reads etc/init and builds the graph of the boot into the
// runlevel: every job with a start on is a triggered service, an event
// stands for the jobs that emit it (one of several will do), and a
// job's condition becomes its edges in conjunctive normal form, so that
// what every branch of an "or" shares is a binding order and the rest are
// alternatives. It returns an error only when etc/init cannot be read.
func Read(fsys *rootfs.FS, opt Options) (*Boot, error) {
	jobs, found, errs, err := readJobs(fsys)
	if err != nil {
		return nil, err
	}
	b := &builder{
		up:       &Boot{Jobs: jobs, Graph: &graph.Graph{Phases: []string{"boot"}}},
		opt:      opt,
		byName:   map[string]*Job{},
		jobIndex: map[string]int{},
		emitters: map[string][]emitter{},
		other:    map[int]string{},
	}
	b.up.Findings = append(found, errs.Findings()...)
	b.up.Runlevel = b.runlevel(fsys)
	b.addJobs()
	b.addEmitters()
	for i, j := range jobs {
		if j.StartOn != nil && !j.Manual && !j.Rejected {
			b.addCondition(i, j)
		}
	}
	g := b.up.Graph
	for _, f := range graph.Start(g) {
		// A job that waits for an event of another boot (runlevel 0 or 6,
		// control-alt-delete) is not broken: it is not part of this boot.
		if last := f.Services[len(f.Services)-1]; f.Kind == graph.KindNeverStarts {
			if i, ok := g.Lookup(last); ok {
				if _, otherBoot := b.other[i]; otherBoot {
					f.Severity = graph.Info
					f.Message = strings.Replace(f.Message, " never starts: ", " does not start in this boot: ", 1)
				}
			}
		}
		b.up.Findings = append(b.up.Findings, f)
	}
	if opt.SysV { // SysV bridge (sysv.go): the rc jobs run the scripts
		if err := b.addSysV(fsys); err != nil {
			return nil, err
		}
	}
	graph.SortFindings(b.up.Findings)
	return b.up, nil
}

// runlevel is the runlevel rc-sysinit asks telinit for.
func (b *builder) runlevel(fsys *rootfs.FS) string {
	if b.opt.Runlevel != "" {
		return b.opt.Runlevel
	}
	if rl := sysv.DefaultRunlevel(fsys); rl != "" {
		return rl
	}
	for _, j := range b.up.Jobs {
		if j.Name == "rc-sysinit" && j.Env["DEFAULT_RUNLEVEL"] != "" {
			return j.Env["DEFAULT_RUNLEVEL"]
		}
	}
	return "2"
}

// addJobs adds one service per job. A job without start on, or manual,
// is not started by any event.
func (b *builder) addJobs() {
	g := b.up.Graph
	for k, j := range b.up.Jobs {
		b.byName[j.Name] = j
		b.jobIndex[j.Name] = k
		s := graph.Service{Name: j.Name, Init: "upstart", Source: graph.Pos{File: j.Path}, Phase: 0, Triggered: true}
		switch {
		case j.Manual:
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "is manual"
			if j.Override != "" {
				s.Note += " (" + j.Override + ")"
			}
		case j.StartOn == nil:
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "has no start on"
		case j.Rejected:
			// upstart does not load a job whose file has an error.
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "is not loaded: upstart rejects its file"
		}
		g.Add(s)
	}
}

// addEmitters records who emits what: init, the outside world
// (--event), the jobs' emits stanzas and initctl emit lines, the
// standard helpers, and rc-sysinit's telinit.
func (b *builder) addEmitters() {
	for ev := range initEvents {
		b.emitters[ev] = append(b.emitters[ev], emitter{job: -1, name: "init"})
	}
	for _, ev := range b.opt.Events {
		b.emitters[ev] = append(b.emitters[ev], emitter{job: -1, name: "--event"})
	}
	for i, j := range b.up.Jobs {
		for _, e := range append(append([]Emit(nil), j.Emits...), j.ScriptEmits...) {
			if j.Name == "rc-sysinit" && e.Event == "runlevel" {
				continue // its "emits runlevel" is the telinit below, with the runlevel known
			}
			var env []string
			if len(e.Args) > 0 {
				env = e.Args
			}
			b.emitters[e.Event] = append(b.emitters[e.Event], emitter{job: i, env: env, name: j.Name})
		}
		for _, ev := range wellKnown[j.Name] {
			b.emitters[ev] = append(b.emitters[ev], emitter{job: i, name: j.Name})
		}
		if j.Name == "rc-sysinit" {
			// rc-sysinit ends with "exec telinit $DEFAULT_RUNLEVEL".
			b.emitters["runlevel"] = append(b.emitters["runlevel"], emitter{job: i, env: []string{"RUNLEVEL=" + b.up.Runlevel, "PREVLEVEL=N"}, name: j.Name})
		}
	}
}

// addCondition adds the edges of job i's start on, clause by clause.
func (b *builder) addCondition(i int, j *Job) {
	for _, clause := range cnf(j.StartOn, 64) {
		b.addClause(i, j, clause)
	}
}

// addClause adds one clause: a single way to meet it binds alone; several
// are alternatives; one that init or the outside world meets at once
// drops the clause; none at all waits for a missing event or job.
func (b *builder) addClause(i int, j *Job, clause []*Expr) {
	g := b.up.Graph
	type way struct {
		to   int
		kind graph.Kind
		e    *Expr
	}
	var ways []way
	for _, e := range clause {
		ws, always := b.ways(j, e)
		if always {
			return
		}
		kind := graph.StartOn
		if e.Event == "starting" {
			kind = graph.Hook
		}
		if len(ws) == 0 {
			// Never met: kept as an alternative that never comes, so that
			// a job that never starts is explained by all it waits for.
			ws = []int{b.placeholder(j, e)}
		}
		for _, to := range ws {
			ways = append(ways, way{to, kind, e})
		}
	}
	// One way met through several event matches is still one way.
	seen := map[[2]int]bool{}
	uniq := ways[:0]
	for _, w := range ways {
		if !seen[[2]int{w.to, int(w.kind)}] {
			seen[[2]int{w.to, int(w.kind)}] = true
			uniq = append(uniq, w)
		}
	}
	anyID := 0
	if len(uniq) > 1 {
		b.nextAny++
		anyID = b.nextAny
	}
	for _, w := range uniq {
		g.AddEdge(graph.Edge{From: i, To: w.to, Kind: w.kind, Pos: w.e.Pos, Via: w.e.String(), Any: anyID})
	}
}

// stopsAtBoot reports whether a job that starts also stops during the
// boot: a task does when it is done; so does a job that does not respawn
// when its main process exits (raspbmc's "exec sleep 10"). A job with
// respawn is restarted instead. An abstract job (no exec or script) stays
// running until something stops it, and so does a daemon upstart follows
// with "expect fork" or "expect daemon" (init(5)): neither stops in a
// boot that works.
func stopsAtBoot(job *Job) bool {
	if job.Task {
		return true
	}
	_, main := job.procs["main"]
	return main && !job.Respawn && job.Expect != "fork" && job.Expect != "daemon"
}

// runsOn says why a job that starts keeps running through the boot
// (the jobs stopsAtBoot says no to).
func runsOn(job *Job) string {
	switch {
	case job.Respawn:
		return "it respawns"
	case job.Expect == "fork" || job.Expect == "daemon":
		return "upstart follows its daemon (expect " + job.Expect + ")"
	}
	return "it has no exec or script, so it stays running"
}

// jobEventEnv is what the events of a job carry in a boot where it works
// (init(5) "Job events"): JOB and INSTANCE first, RESULT=ok, no
// EXIT_STATUS or EXIT_SIGNAL, and the environment of the event that
// started it, which is not known here (unknownValue: any value matches).
func jobEventEnv(job *Job) []string {
	return []string{"JOB=" + job.Name, "INSTANCE=" + unknownIf(job.Instance != ""), "RESULT=ok", "EXIT_STATUS=" + absentValue, "EXIT_SIGNAL=" + absentValue, "*=" + unknownValue}
}

// ways returns the services whose start makes e happen, or always when
// init or the outside world emits it at boot.
func (b *builder) ways(j *Job, e *Expr) (ways []int, always bool) {
	g := b.up.Graph
	args := expandArgs(j, e.Args)
	switch e.Event {
	case "starting", "started", "stopping", "stopped":
		if len(args) == 0 {
			return nil, false // any job: too vague to order, and never missing
		}
		for _, k := range b.candidates(args) {
			job := b.up.Jobs[k]
			if !matchEnv(args, jobEventEnv(job)) {
				continue
			}
			if (e.Event == "stopping" || e.Event == "stopped") && !stopsAtBoot(job) {
				continue
			}
			ways = append(ways, k)
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
// does happen, but not in this boot (other arguments, at run time only,
// or a service job's stop), is marked so, apart from what is missing.
func (b *builder) placeholder(j *Job, e *Expr) int {
	g := b.up.Graph
	args := expandArgs(j, e.Args)
	name, why := e.String(), ""
	switch {
	case e.Event == "starting" || e.Event == "started" || e.Event == "stopping" || e.Event == "stopped":
		if len(args) > 0 && !strings.Contains(args[0], "=") {
			if job := b.byName[args[0]]; job == nil {
				name = args[0] // the job itself is missing
			} else if !matchEnv(args, []string{"JOB=" + job.Name, "*=" + unknownValue}) {
				why = noMatch
			} else if !matchEnv(args, jobEventEnv(job)) {
				why = "happens only when " + job.Name + " fails"
			} else {
				why = "happens only when something stops " + job.Name + ": " + runsOn(job)
			}
		}
	case runtimeInitEvents[e.Event] != "":
		why = runtimeInitEvents[e.Event]
	case len(b.emitters[e.Event]) > 0:
		var who []string
		for _, em := range b.emitters[e.Event] {
			who = append(who, strings.TrimSpace(em.name+" "+strings.Join(em.env, " ")))
		}
		sort.Strings(who)
		why = fmt.Sprintf("is not emitted so in this boot into runlevel %s (emitted by %s)", b.up.Runlevel, strings.Join(who, ", "))
	}
	if why == "" && name == e.String() {
		why = "is emitted by no job (if something outside emits it, say so with --event " + e.Event + ")"
		if i, ok := g.Lookup(name); ok && g.Services[i].Missing {
			return i
		}
		if _, ok := g.Lookup(name); ok {
			name = "event " + name // a job of the same name exists
		}
		if i, ok := g.Lookup(name); ok {
			return i
		}
		return g.Add(graph.Service{Name: name, Init: "upstart", Phase: graph.NotStarted, Missing: true, Note: why})
	}
	if i, ok := g.Lookup(name); ok && (g.Services[i].Missing || b.other[i] != "") {
		return i
	} else if ok {
		name = "event " + name // a job of the same name exists
	}
	// "started a started b" matches no job in any boot: broken, not
	// merely of another boot.
	never := why == "" || why == noMatch
	s := graph.Service{Name: name, Init: "upstart", Phase: graph.NotStarted, Missing: never, Note: why}
	i := g.Add(s)
	if !never {
		b.other[i] = why
	}
	return i
}

// noMatch is why a job event whose arguments fit no job never happens.
const noMatch = "matches no job's event (a job event carries JOB, then INSTANCE)"

// cnf returns e in conjunctive normal form: a list of clauses, each a list
// of event matches of which one will do. Beyond limit clauses the
// expansion stops and the rest of an "or" is kept as one clause of all
// its events, which only loses guaranteed order, never a way to start.
func cnf(e *Expr, limit int) [][]*Expr {
	switch e.Op {
	case "and":
		return append(cnf(e.Left, limit), cnf(e.Right, limit)...)
	case "or":
		l, r := cnf(e.Left, limit), cnf(e.Right, limit)
		if len(l)*len(r) > limit {
			return [][]*Expr{append(events(e.Left), events(e.Right)...)}
		}
		var out [][]*Expr
		for _, a := range l {
			for _, c := range r {
				out = append(out, append(append([]*Expr(nil), a...), c...))
			}
		}
		return out
	}
	return [][]*Expr{{e}}
}

// events returns every event match in e.
func events(e *Expr) []*Expr {
	if e.Op == "" {
		return []*Expr{e}
	}
	return append(events(e.Left), events(e.Right)...)
}
