package upstart

import (
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
	// Stop asks for the shutdown into Runlevel ("" = 0) instead of the
	// boot (stop.go), from the end of the boot into BootRunlevel (as
	// Runlevel for a boot).
	Stop         bool
	BootRunlevel string
}

// Boot is an upstart root: its jobs and the graph of one boot.
type Boot struct {
	Runlevel string
	Dialect  string // "chromeos" when a job uses a stanza of ChromeOS's upstart (import, tmpfiles), else ""
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

	// What the jobs' scripts do during the boot (scripts.go), by the
	// index of the job they act on.
	starters     map[int][]starter    // unconditional start commands
	stoppers     map[int][]starter    // unconditional stop and restart commands
	condStarters map[int][]starter    // start commands under a condition
	unknown      []starter            // commands that name no job
	varStarters  []starter            // start and restart commands of a job named at run time ("start $j")
	stopNodes    map[int][]int        // the hidden services of a job's stops
	stopClauses  []clause             // what each of them waits for
	hidden       map[int]bool         // hidden services the builder added
	later        map[string][]starter // emits in sections that do not run during the boot, by event
	shutdown     *shutdown            // set for the shutdown (stop.go)
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
	found = append(found, errs.Findings()...)
	if opt.Stop {
		// The shutdown starts from the end of the boot (stop.go).
		boot := readBoot(jobs, nil, fsys, Options{Runlevel: opt.BootRunlevel, Events: opt.Events})
		return readStop(jobs, found, fsys, opt, boot.up)
	}
	b := readBoot(jobs, found, fsys, opt)
	if opt.SysV { // SysV bridge (sysv.go): the rc jobs run the scripts
		if err := b.addSysV(fsys); err != nil {
			return nil, err
		}
	}
	if f := b.emptyBoot(); f != nil {
		b.up.Findings = append(b.up.Findings, *f)
	}
	graph.SortFindings(b.up.Findings)
	return b.up, nil
}

// readBoot builds the boot of jobs, found being the findings of reading
// them.
func readBoot(jobs []*Job, found []graph.Finding, fsys *rootfs.FS, opt Options) *builder {
	b := newBuilder(jobs, opt)
	b.up.Findings = found
	b.readScripts()
	b.up.Runlevel = b.runlevel(fsys)
	b.addJobs()
	b.wire()
	g := b.up.Graph
	for _, f := range graph.Start(g) {
		if i, ok := g.Lookup(f.Services[0]); ok && b.hidden[i] {
			continue // a stop that does not happen: what waits for it says so
		}
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
	b.up.Findings = append(b.up.Findings, b.unknownStarts()...)
	b.up.Findings = append(b.up.Findings, b.condStarts()...)
	return b
}

// newBuilder returns a builder for jobs, with the jobs indexed by name.
func newBuilder(jobs []*Job, opt Options) *builder {
	b := &builder{
		up:       &Boot{Jobs: jobs, Graph: &graph.Graph{Phases: []string{"boot"}}},
		opt:      opt,
		byName:   map[string]*Job{},
		jobIndex: map[string]int{},
		emitters: map[string][]emitter{},
		other:    map[int]string{},

		starters: map[int][]starter{}, stoppers: map[int][]starter{}, condStarters: map[int][]starter{},
		stopNodes: map[int][]int{}, hidden: map[int]bool{}, later: map[string][]starter{},
	}
	b.up.Graph.Grow(len(jobs))
	for k, j := range jobs {
		b.byName[j.Name], b.jobIndex[j.Name] = j, k
		if j.Dialect() != "" && !j.Rejected {
			b.up.Dialect = j.Dialect()
		}
	}
	return b
}

// wire adds what orders the services of the jobs, in a boot as in a
// shutdown: the stops of the jobs, who emits what, each loaded job's
// start on (and stop on) as edges, and the orders of the hooks.
func (b *builder) wire() {
	b.addStops()
	b.addEmitters()
	var conds []condition
	for i, j := range b.up.Jobs {
		if !j.Rejected {
			conds = append(conds, b.condition(i, j))
		}
	}
	b.addConditions(conds)
	b.addHookOrders()
}

// runlevel is the runlevel of the boot (docs/upstart.md "The runlevel
// of the boot"): the one rc-sysinit asks telinit for (--runlevel,
// inittab's initdefault, its DEFAULT_RUNLEVEL), else the one the first
// telinit with a runlevel written out asks for, else 2.
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
	var mayStart []*Job
	for k, j := range b.up.Jobs {
		if j.StartOn != nil && !j.Manual || len(b.starters[k]) > 0 {
			mayStart = append(mayStart, j)
		}
	}
	if rl := writtenRunlevel(mayStart); rl != "" {
		return rl
	}
	return "2"
}

// addJobs adds one service per job. A job starts when its start on
// holds or a script starts it; one that is manual, or has no start on,
// and that no script starts, does not start. upstart does not load a job
// whose file has an error: it does not start.
func (b *builder) addJobs() {
	g := b.up.Graph
	for k, j := range b.up.Jobs {
		s := graph.Service{Name: j.Name, Init: "upstart", Source: graph.Pos{File: j.Path}, Phase: 0, Triggered: true}
		started := len(b.starters[k]) > 0
		switch {
		case j.Rejected:
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "is not loaded: upstart rejects its file"
		case j.Manual && !started:
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "is manual"
			if j.Override != "" {
				s.Note += " (" + j.Override + ")"
			}
		case j.StartOn == nil && !started:
			s.Phase, s.Triggered, s.Note = graph.NotStarted, false, "has no start on"
		}
		if !s.Triggered && !j.Rejected && len(b.condStarters[k]) > 0 {
			s.Note += "; " + b.condNote(k)
		}
		if !s.Triggered && !j.Rejected && len(b.varStarters) > 0 {
			s.Note += "; " + b.varNote()
		}
		if d := dialectNote(j); d != "" {
			s.Note = strings.TrimPrefix(s.Note+"; "+d, "; ")
		}
		g.Add(s)
	}
}

// dialectNote says which stanzas of ChromeOS's upstart a job uses.
func dialectNote(j *Job) string {
	var parts []string
	if len(j.Import) > 0 {
		parts = append(parts, "import "+strings.Join(j.Import, " "))
	}
	if len(j.Tmpfiles) > 0 {
		parts = append(parts, "tmpfiles "+strings.Join(j.Tmpfiles, " "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "ChromeOS upstart: " + strings.Join(parts, "; ")
}

// addEmitters records who emits what: init, the outside world
// (--event), the jobs' emits stanzas and the initctl emit and telinit
// lines of the sections that run during the boot, the standard helpers,
// and rc-sysinit, which ends with telinit even when its script is not
// there to say so.
func (b *builder) addEmitters() {
	if b.shutdown == nil {
		for ev := range initEvents {
			b.emitters[ev] = append(b.emitters[ev], emitter{job: -1, name: "init"})
		}
	} else {
		b.emitters["runlevel"] = append(b.emitters["runlevel"], emitter{job: -1, env: []string{"RUNLEVEL=" + b.up.Runlevel, "PREVLEVEL=" + b.shutdown.prev}, name: "telinit " + b.up.Runlevel})
	}
	for _, ev := range b.opt.Events {
		if b.shutdown == nil { // what the world emits, it emits while the machine runs
			b.emitters[ev] = append(b.emitters[ev], emitter{job: -1, name: "--event"})
		}
	}
	for i, j := range b.up.Jobs {
		emits := append([]Emit(nil), j.Emits...)
		for _, c := range j.Scripts {
			switch {
			case c.Verb != "emit":
			case b.runs(i, c.Proc):
				emits = append(emits, c.Emit())
			default:
				b.later[c.Name] = append(b.later[c.Name], starter{i, c})
			}
		}
		for _, e := range emits {
			if j.Name == "rc-sysinit" && e.Event == "runlevel" {
				continue // its "emits runlevel" is its telinit, with the runlevel known
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
		for _, c := range telinits(j, b.up.Runlevel, func(proc string) bool { return b.runs(i, proc) }) {
			b.emitters["runlevel"] = append(b.emitters["runlevel"], emitter{job: i, env: []string{"RUNLEVEL=" + c.Name, "PREVLEVEL=N"}, name: j.Name})
		}
		if j.Name == "rc-sysinit" && !hasTelinit(j) && b.shutdown == nil {
			// Upstart's rc-sysinit ends with "telinit $DEFAULT_RUNLEVEL".
			b.emitters["runlevel"] = append(b.emitters["runlevel"], emitter{job: i, env: []string{"RUNLEVEL=" + b.up.Runlevel, "PREVLEVEL=N"}, name: j.Name})
		}
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
