package systemd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file builds the boot transaction of a systemd root the way the
// manager builds it (systemd.unit(5), systemd.special(7), and the
// *_add_default_dependencies functions of src/core): from the target,
// every unit that Wants=, Requires=, BindsTo= or Upholds= pulls in, with
// the implicit dependencies of DefaultDependencies=yes, ordered by
// After= and Before=.

// Options selects the boot to build from a systemd root.
type Options struct {
	Target   string // "" means Runlevel's target, else the default.target link, else graphical.target
	Runlevel string // a SysV runlevel: "3" boots runlevel3.target, "S" and "1" rescue.target, as systemd's kernel command line does
	SysV     bool   // also the etc/init.d scripts, as systemd-sysv-generator makes units of them (sysv.go)
	// KernelCmdline are the words of the kernel command line
	// (parse.SplitKernelCmdline): systemd.unit=, runlevel words,
	// systemd.mask=, systemd.wants=, console= ... (cmdline.go).
	KernelCmdline []string
	// Preset, when not empty, names the units the preset files enabled
	// (PresetAll, read through rootfs.FS.With) and says how: the services
	// they start carry the note.
	Preset     map[string]bool
	PresetNote string
	// FirstBoot says the boot is a first boot (FirstBoot): a unit with
	// ConditionFirstBoot= says whether it runs in it.
	FirstBoot bool
}

// Boot is a systemd root and the graph of its boot transaction.
type Boot struct {
	Target string
	// Version is the systemd version whose rules built the transaction:
	// the root's (VersionFrom says which file told), else 252.
	Version     int
	VersionFrom string
	Units       *Units
	Graph       *graph.Graph
	Findings    []graph.Finding
}

// unitKinds maps the [Unit] dependency settings to edge kinds; pulls
// marks those that pull the named unit into the transaction.
var unitKinds = []struct {
	key   string
	kind  graph.Kind
	pulls bool
}{
	{"Wants", graph.Wants, true},
	{"Requires", graph.Requires, true},
	{"BindsTo", graph.BindsTo, true},
	{"Upholds", graph.Upholds, true},
	{"Requisite", graph.Requisite, false},
	{"PartOf", graph.PartOf, false},
	{"Conflicts", graph.Conflicts, false},
	{"OnFailure", graph.OnFailure, false},
	{"After", graph.SystemdAfter, false},
	{"Before", graph.SystemdBefore, false},
}

// pulls reports whether a dependency of kind k pulls its unit into the
// transaction.
func pulls(k graph.Kind) bool {
	switch k {
	case graph.Wants, graph.Requires, graph.BindsTo, graph.Upholds:
		return true
	}
	return false
}

type builder struct {
	fsys    *rootfs.FS // the root, for the conditions it settles
	opt     Options
	boot    *Boot
	index   map[string]int     // unit name -> service
	units   []*Unit            // per service: its unit, when it has one (pull)
	queue   []int              // services to expand
	deps    [][]dep            // per service: its dependencies, explicit and implicit
	scratch []dep              // expand's buffer
	long    map[graph.Pos]bool // the lines tooLong spoke of
	pre     map[*Unit]*preDeps // the dependencies precompute found

	// peek is set on the builders of precompute, which run on every
	// core: they load no unit (loadUnit), say gaveUp when they would
	// have, and keep what tooLong would say in longs.
	peek   bool
	gaveUp bool
	longs  []Option
}

// loadUnit is Units.LoadUnit; while precompute runs, only a unit that is
// loaded already, or known not to exist, and ok false for any other.
func (b *builder) loadUnit(name string) (u *Unit, ok bool) {
	if !b.peek {
		return b.boot.Units.LoadUnit(name), true
	}
	if u, ok = b.boot.Units.loaded(name); !ok {
		b.gaveUp = true
	}
	return u, ok
}

// tooLong says that systemd ignores a dependency on a name of
// UNIT_NAME_MAX bytes or more: unit_name_is_valid refuses it, and
// config_parse_unit_deps logs "Failed to add dependency on NAME,
// ignoring: Invalid argument". Once a line: a template's instances share
// their lines.
func (b *builder) tooLong(o Option) {
	if b.peek {
		b.longs = append(b.longs, o)
		return
	}
	if b.long[o.Pos] {
		return
	}
	if b.long == nil {
		b.long = map[graph.Pos]bool{}
	}
	b.long[o.Pos] = true
	b.boot.Findings = append(b.boot.Findings, graph.Finding{
		Kind: graph.KindParseError, Severity: graph.Warning, Sources: []graph.Pos{o.Pos},
		Message: fmt.Sprintf("%s: failed to add dependency on %s, ignoring: a unit name of %d bytes, systemd's are shorter than %d", o.Name, graph.Short(o.Value), len(o.Value), unitNameMax),
	})
}

// dep is one dependency of a unit on another, by name.
type dep struct {
	kind graph.Kind
	name string
	pos  graph.Pos
	via  string // "DefaultDependencies=yes", "socket", ... for implicit ones
	to   int    // the unit of the transaction it names, set by addEdges (-1: none)
	// u is the unit name loads, when depsOf found it loaded already: once
	// u is in the transaction (u.tx), the dependency needs no look-up by
	// name.
	u *Unit
}

// inTx returns the service of the dependency's unit when depsOf knew the
// unit and it is in the transaction: what lookup(d.name) returns then.
func (d *dep) inTx() (int, bool) {
	if d.u != nil && d.u.tx > 0 {
		return d.u.tx - 1, true
	}
	return 0, false
}

// Read reads the unit search path of the root and builds the boot
// transaction for the target: every unit it pulls in, transitively, is a
// service that starts unless something it Requires, BindsTo or is
// Requisite of cannot start (Start explains the chain); ordering cycles
// are broken as the manager breaks them, by deleting the start job of a
// unit that does not matter to the target.
func Read(fsys *rootfs.FS, opt Options) (*Boot, error) {
	args := parseKernelArgs(opt.KernelCmdline)
	genFS, gen, genFindings := generators(fsys, args)
	units, errs, err := readUnits(genFS, gen)
	if err != nil {
		return nil, err
	}
	target, asked := targetName(opt.Target), "--target "+opt.Target
	if target != opt.Target {
		asked += ": " + target // multi-use is multi-use.target: say what was looked for
	}
	switch {
	case target == "" && opt.Runlevel != "":
		target, asked = runlevelTarget(opt.Runlevel), "--runlevel "+opt.Runlevel+": "+runlevelTarget(opt.Runlevel)
	case target == "" && args.unit != "":
		target, asked = args.unit, "--kernel-cmdline: "+args.unit
	}
	explicit := target != ""
	if target == "" {
		target = units.Default
	}
	if target == "" {
		target = "graphical.target"
	}
	if u := units.LoadUnit(target); u != nil {
		target = u.Name // default.target: the unit it links to
	}
	b := &builder{
		fsys:  fsys,
		opt:   opt,
		boot:  &Boot{Target: target, Units: units, Graph: &graph.Graph{Phases: []string{"boot"}, Complete: completeName, Outside: units.outside}},
		index: make(map[string]int, len(units.ByName)),
	}
	b.boot.Version, b.boot.VersionFrom = detectVersion(fsys)
	b.boot.Graph.Grow(len(units.Names))
	b.boot.Findings = append(errs.Findings(), gen.errs.Findings()...)
	b.boot.Findings = append(b.boot.Findings, genFindings...)
	if opt.SysV { // SysV bridge (sysv.go): the generator's units join the search path
		b.boot.Findings = append(b.boot.Findings, units.addSysV()...)
	}
	b.boot.Findings = append(b.boot.Findings, units.danglingAliases()...)
	if t := &b.boot.Graph.Services[b.pull(target)]; t.Missing || t.Masked {
		if t.Missing && explicit {
			return nil, fmt.Errorf("%s: no unit of that name in any unit directory", asked)
		}
		f := units.noTarget(t, !explicit)
		if t.Missing && len(units.unreadable) > 0 {
			f.Message = strings.Replace(f.Message, "is not found in any unit directory", "is not found in any unit directory that could be read ("+strings.Join(units.unreadable, ", ")+" could not)", 1)
		}
		b.boot.Findings = append(b.boot.Findings, f)
	}
	b.precompute()
	for len(b.queue) > 0 {
		i := b.queue[0]
		b.queue = b.queue[1:]
		b.expand(i)
	}
	b.pre = nil // b.deps holds what was used; addEdges drops that too
	b.boot.Findings = append(b.boot.Findings, units.cappedFindings()...)
	b.boot.Findings = append(b.boot.Findings, b.sysvNotConverted()...) // reads b.deps, which addEdges drops
	b.addEdges()
	b.orderByPriority()
	g := b.boot.Graph
	b.resolveConflicts()
	b.requiresMissing()
	b.boot.Findings = append(b.boot.Findings, graph.Start(g)...)
	b.breakCycles()
	b.boot.Findings = append(b.boot.Findings, b.contradictions()...)
	if f := b.emptyBoot(target); f != nil {
		b.boot.Findings = append(b.boot.Findings, *f)
	}
	graph.SortFindings(b.boot.Findings)
	units.sortNames()
	return b.boot, nil
}

// pull adds the unit name to the transaction if it is not there yet.
func (b *builder) pull(name string) int {
	if i, ok := b.index[name]; ok {
		return i
	}
	if i, ok := b.lookup(name); ok {
		b.index[name] = i // an alias: found in one look next time
		return i
	}
	asked := name
	u := b.boot.Units.LoadUnit(name)
	if u != nil {
		name = u.Name
	}
	g := b.boot.Graph
	s := graph.Service{Name: name, Init: "systemd", Phase: 0, Pulled: true}
	var aliases []string
	expand := false
	if u != nil && u.Path == "" && !u.Masked && !implicitUnit(name) {
		u = nil // only drop-ins or links name it: not found
	}
	switch {
	case u != nil && u.LoadError != nil && !u.Masked:
		s.Phase, s.Pulled, s.Source = graph.NotStarted, false, b.unitPos(u)
		s.Note = "is not loaded: " + u.LoadError.Error()
	case u == nil && implicitUnit(name):
		s.Note = "has no unit file: the manager makes it (" + implicitWhy(name) + ")"
		if name == "-.mount" {
			s.Note = "is mounted before the manager starts: it needs no start job"
		}
	case u == nil:
		s.Phase, s.Pulled, s.Missing = graph.NotStarted, false, true
		s.Note = b.boot.Units.notFoundNote(name)
	case u.Masked:
		s.Phase, s.Pulled, s.Masked, s.Source = graph.NotStarted, false, true, b.unitPos(u)
		s.Note = "is masked"
	default:
		s.Source = b.unitPos(u)
		if b.boot.Units.sysv[u.Name] != nil {
			s.Init = "sysv" // a unit systemd-sysv-generator made of a script
		}
		aliases = slices.Sorted(slices.Values(u.Aliases))
		expand = true
		if name == "-.mount" {
			s.Note = "is mounted before the manager starts: it needs no start job"
		}
	}
	s.Target = strings.HasSuffix(name, ".target")
	if b.opt.Preset[name] && s.Started() {
		s.Note = b.opt.PresetNote
	}
	if u != nil && s.Started() {
		note, ok := "", false
		if pre := b.pre[u]; pre != nil {
			note, ok = pre.note, true
		}
		if !ok {
			note = b.startNote(u)
		}
		if note != "" {
			s.Note = strings.TrimPrefix(s.Note+"; "+note, "; ")
		}
	}
	i := g.Add(s)
	for _, a := range aliases {
		g.Alias(i, a)
	}
	if expand {
		b.queue = append(b.queue, i)
	}
	b.index[name] = i
	b.index[asked] = i
	b.deps = append(b.deps, nil)
	b.units = append(b.units, u)
	if u != nil {
		u.tx = i + 1
	}
	return i
}

// startNote says what the root settles of whether the unit runs when its
// start job does: ConditionFirstBoot=, and a condition that fails.
func (b *builder) startNote(u *Unit) string {
	note := firstBootNote(u, b.opt.FirstBoot)
	if c, ok := skippedBy(b.fsys, u); ok {
		note = strings.TrimPrefix(note+"; "+skipNote(c), "; ")
	}
	return note
}

// targetName is the unit --target names: a name without a unit type is a
// target ("multi-user" is multi-user.target), as systemctl isolate and
// set-default read it (unit_name_mangle_with_suffix with ".target").
func targetName(name string) string {
	if i := strings.LastIndexByte(name, '.'); name == "" || i >= 0 && isUnitType(name[i+1:]) {
		return name
	}
	return name + ".target"
}

// outside describes a unit the root defines that the boot does not pull
// in (the graph's Outside): why says it is not part of this boot.
func (us *Units) outside(name string) (graph.Service, bool) {
	u := us.LoadUnit(name)
	if u == nil {
		if full, ok := completeName(name); ok {
			u = us.LoadUnit(full)
		}
	}
	if u == nil || u.Path == "" {
		return graph.Service{}, false
	}
	s := graph.Service{Name: u.Name, Init: "systemd", Source: graph.Pos{File: u.Path}, Masked: u.Masked, Aliases: slices.Sorted(slices.Values(u.Aliases))}
	if us.sysv[u.Name] != nil {
		s.Init = "sysv"
	}
	if u.Masked {
		s.Note = "is masked"
	}
	return s, true
}

// runlevelTarget is the target systemd boots for a SysV runlevel given
// on the kernel command line (rlmap in src/core/main.c): S, s and 1 are
// rescue.target, N is runlevelN.target (an alias systemd ships:
// runlevel3.target is multi-user.target, runlevel5.target graphical).
func runlevelTarget(runlevel string) string {
	switch runlevel {
	case "S", "s", "1":
		return "rescue.target"
	}
	return "runlevel" + runlevel + ".target"
}

// expand records the dependencies of a loaded unit and pulls in what
// they name.
func (b *builder) expand(i int) {
	u := b.units[i]
	if pre, ok := b.pre[u]; ok {
		for _, o := range pre.long {
			b.tooLong(o)
		}
		b.deps[i] = pre.deps
	} else {
		b.deps[i] = b.depsOf(u)
	}
	b.pullAll(b.deps[i])
}

// depsOf returns the dependencies of a loaded unit, explicit and
// implicit: what expand records. While precompute runs (b.peek), it
// changes nothing outside b, and says in b.gaveUp when it needed a unit
// that is not loaded yet.
func (b *builder) depsOf(u *Unit) []dep {
	ds := b.scratch[:0] // made here, kept at its size below
	has := u.unitKeys()
	for _, k := range unitKinds {
		if !has(k.key) {
			continue
		}
		for _, o := range u.Values("Unit", k.key) {
			if len(o.Value) >= unitNameMax {
				b.tooLong(o)
				continue
			}
			ds = append(ds, dep{kind: k.kind, name: o.Value, pos: o.Pos})
		}
	}
	for _, o := range u.Wants {
		ds = append(ds, dep{kind: graph.Wants, name: o.Name, pos: o.Pos, via: ".wants/"})
	}
	for _, o := range u.Requires {
		ds = append(ds, dep{kind: graph.Requires, name: o.Name, pos: o.Pos, via: ".requires/"})
	}
	for _, o := range u.Upholds {
		ds = append(ds, dep{kind: graph.Upholds, name: o.Name, pos: o.Pos, via: ".upholds/"})
	}
	// RequiresMountsFor= and WantsMountsFor=: the mounts of the paths.
	for key, kind := range map[string]graph.Kind{"RequiresMountsFor": graph.Requires, "WantsMountsFor": graph.Wants} {
		if !has(key) {
			continue
		}
		for _, o := range u.Values("Unit", key) {
			for _, p := range strings.Fields(o.Value) {
				n := len(ds)
				ds = b.requiresMountsFor(p, o.Pos, key+"=", ds)
				for k := n; k < len(ds); k++ {
					if ds[k].kind == graph.Requires {
						ds[k].kind = kind
					}
				}
			}
		}
	}
	ds = mergeDeps(ds)
	ds = b.implicit(u, ds)
	for k := range ds {
		ds[k].u, _ = b.boot.Units.loaded(ds[k].name) // only reads: on every core in precompute
	}
	b.scratch = ds
	return slices.Clone(ds)
}

// preDeps are the dependencies of a unit precompute found: what depsOf
// returns, and the lines tooLong is to speak of, in order; and what
// startNote says of it, for pull.
type preDeps struct {
	deps []dep
	long []Option
	note string // startNote
}

// precompute finds, on every core, the dependencies of the units
// readUnits loaded with a fragment, before the transaction pulls them in
// one by one (specifiers, settings, the implicit dependencies are most of
// the time of expand on a big root). A unit whose dependencies need a
// unit that is not loaded yet (a mount of RequiresMountsFor=) is left to
// expand, which loads it as before: each result is what expand would
// find, the transaction is built in the same order.
func (b *builder) precompute() {
	us := b.boot.Units
	var units []*Unit
	for _, n := range us.Names {
		if u := us.ByName[n]; u != nil && u.Name == n && u.Path != "" && !u.Masked && u.LoadError == nil {
			units = append(units, u)
		}
	}
	const chunk = 256
	pre := make([]*preDeps, len(units))
	parse.Parallel((len(units)+chunk-1)/chunk, func(c int) {
		w := &builder{fsys: b.fsys, opt: b.opt, boot: b.boot, peek: true}
		for k := c * chunk; k < min(len(units), (c+1)*chunk); k++ {
			w.gaveUp, w.longs = false, nil
			ds := w.depsOf(units[k])
			if !w.gaveUp {
				pre[k] = &preDeps{deps: ds, long: w.longs, note: w.startNote(units[k])}
			}
		}
	})
	b.pre = make(map[*Unit]*preDeps, len(units))
	for k, p := range pre {
		if p != nil {
			b.pre[units[k]] = p
		}
	}
}

// mergeDeps keeps the first of the dependencies of one kind on one name,
// as systemd keeps each once (unit_add_dependency adds to a set): "After=a
// a a" or a drop-in that repeats the fragment adds nothing.
func mergeDeps(ds []dep) []dep {
	if len(ds) < 2 {
		return ds
	}
	type key struct {
		kind      graph.Kind
		name, via string
	}
	seen := make(map[key]bool, len(ds))
	out := ds[:0]
	for _, d := range ds {
		k := key{d.kind, d.name, d.via}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}

// pullAll pulls in what a unit's dependencies ds name, as
// transaction_add_job_and_dependencies (src/core/transaction.c, systemd
// 252) adds their jobs: first every Requires= and BindsTo=, then Wants=
// and Upholds=. When the job of a Requires= or BindsTo= cannot be added
// (the unit is not found, masked or not loaded), it gives up on the rest:
// the unit keeps its own job (systemd 252: "Cannot add dependency job,
// ignoring") but nothing it wants is pulled in by it. A Debian 12
// minbase without dbus: systemd-logind starts, and modprobe@drm.service
// and user.slice, which only it wants, do not. Which of its other
// Requires= were added before the one that failed depends on the order
// of the manager's hash tables; initorder adds them all.
func (b *builder) pullAll(ds []dep) {
	failed := false
	for _, d := range ds {
		if (d.kind == graph.Requires || d.kind == graph.BindsTo) && !b.loadable(d.name) {
			failed = true
			break
		}
	}
	for k := range ds {
		d := &ds[k]
		if pulls(d.kind) && (!failed || d.kind == graph.Requires || d.kind == graph.BindsTo) {
			if _, ok := d.inTx(); !ok {
				b.pull(d.name)
			}
		}
	}
}

// loadable reports whether the manager can add a job for the unit name
// (bus_unit_validate_load_state): it has a unit file or is one the
// manager makes (pull's rules), and is neither masked nor broken.
func (b *builder) loadable(name string) bool {
	u := b.boot.Units.LoadUnit(name)
	switch {
	case u == nil:
		return implicitUnit(name)
	case u.Masked:
		return false
	case u.Path == "" && !implicitUnit(u.Name):
		return false // only drop-ins or links name it
	}
	return u.LoadError == nil
}

// addEdges turns the recorded dependencies into edges between the units
// of the transaction. An order on a unit outside the transaction has no
// effect (and is said so); Requisite= on a unit outside it still counts,
// as a unit that does not start. Targets get After= on what they pull in
// (target_add_default_dependencies: only units with default
// dependencies, and not where an explicit order says the opposite).
func (b *builder) addEdges() {
	g := b.boot.Graph
	total := 0
	for _, ds := range b.deps {
		total += len(ds)
	}
	g.Edges = slices.Grow(g.Edges, total)
	via := map[[2]string]string{} // viaText, each text made once
	for i := range b.deps {
		for k := range b.deps[i] {
			d := &b.deps[i][k]
			to, ok := d.inTx()
			if !ok {
				to, ok = b.lookup(d.name)
			}
			d.to = to
			if !ok {
				d.to = -1
			}
			switch {
			case !ok && d.kind == graph.Requisite:
				to = b.pull(d.name)
				d.to = to
				// Not in the transaction: nothing starts it.
				if s := &g.Services[to]; !s.Missing && s.Note == "" {
					s.Phase, s.Pulled, s.Note = graph.NotStarted, false, "is not pulled into the boot by anything"
				}
			case !ok && d.kind == graph.SystemdAfter:
				if d.via == "" && !b.sysvNoEffect(i, *d) && !b.blockdevOrder(i, *d) {
					b.noEffect(i, *d)
				}
				continue
			case !ok && d.kind == graph.SystemdBefore:
				continue // it orders a later transaction: Before=shutdown.target
			case !ok:
				continue // Conflicts=, PartOf=, OnFailure= on a unit outside the boot
			}
			if to == i {
				continue
			}
			v := ""
			switch d.via {
			case "":
			case ".wants/", ".requires/", ".upholds/":
				v = viaText(*d) // a link names its unit once: nothing to share
			default:
				if v, ok = via[[2]string{d.name, d.via}]; !ok {
					v = viaText(*d)
					via[[2]string{d.name, d.via}] = v
				}
			}
			g.AddEdge(graph.Edge{From: i, To: to, Kind: d.kind, Pos: d.pos, Via: v})
		}
	}
	ordered := b.orderPairs()
	defaults := make([]int8, len(g.Services)) // hasDefaults, once each: 1 yes, -1 no
	hasDefaults := func(i int) bool {
		if defaults[i] == 0 {
			defaults[i] = -1
			if b.hasDefaults(i) {
				defaults[i] = 1
			}
		}
		return defaults[i] > 0
	}
	for i := range b.deps {
		if !g.Services[i].Target || len(b.deps[i]) == 0 || !hasDefaults(i) {
			continue
		}
		u := b.boot.Units.LoadUnit(g.Services[i].Name)
		if u == nil || u.Type != "target" {
			continue
		}
		for _, d := range b.deps[i] {
			if !pulls(d.kind) && d.kind != graph.Requisite {
				continue
			}
			to, ok := d.to, d.to >= 0
			if !ok || to == i || !hasDefaults(to) || ordered[[2]int{to, i}] {
				continue
			}
			g.AddEdge(graph.Edge{From: i, To: to, Kind: graph.SystemdAfter, Pos: d.pos, Via: d.name + " (a target is after what it pulls in)"})
		}
	}
	b.deps = nil // in the graph now: 100,000 units' dependencies are 70 MB
}

func viaText(d dep) string {
	if d.via == "" {
		return ""
	}
	return d.name + " (" + d.via + ")"
}

// lookup finds a unit of the transaction by any name.
func (b *builder) lookup(name string) (int, bool) {
	if i, ok := b.index[name]; ok {
		return i, true
	}
	if u := b.boot.Units.LoadUnit(name); u != nil {
		name = u.Name
	}
	i, ok := b.index[name]
	return i, ok
}

func (b *builder) hasDefaults(i int) bool {
	u := b.boot.Units.LoadUnit(b.boot.Graph.Services[i].Name)
	if u == nil {
		return false
	}
	o, ok := u.Value("Unit", "DefaultDependencies")
	return !ok || parseBool(o.Value)
}

// orderPairs returns the pairs {a, c} of units of the transaction where
// an explicit order already puts a after c (c Before=a, or a After=c),
// which a target's implicit After=a must not contradict
// (unit_add_default_target_dependency: "Don't create loops"). One pass
// over the dependencies: O(E).
func (b *builder) orderPairs() map[[2]int]bool {
	g := b.boot.Graph
	pairs := map[[2]int]bool{}
	for i, ds := range b.deps {
		for _, d := range ds {
			if d.kind != graph.SystemdBefore && d.kind != graph.SystemdAfter {
				continue
			}
			to, ok := d.to, d.to >= 0
			if !ok { // a unit Requisite= pulled in after this look
				to, ok = b.lookup(d.name)
			}
			// Only pairs whose second unit is a target are asked for.
			switch {
			case !ok:
			case d.kind == graph.SystemdBefore && g.Services[i].Target:
				pairs[[2]int{to, i}] = true
			case d.kind == graph.SystemdAfter && g.Services[to].Target:
				pairs[[2]int{i, to}] = true
			}
		}
	}
	return pairs
}

// noEffect reports an After= on a unit nothing pulls into the boot: the
// order does nothing. It is a warning for network-online.target, which
// systemd.special(7) asks the units that need it to pull in themselves
// ("should pull in network-online.target (via a Wants= type dependency)
// and order themselves after it"); for any other unit it is info: a
// passive target (network.target, nss-lookup.target) is pulled in by its
// provider when there is one, and After= on an optional unit is how a
// unit says "after it, if it runs". Before= on a unit outside the boot
// orders a later transaction (Before=shutdown.target) and is not
// reported.
func (b *builder) noEffect(i int, d dep) {
	name := b.boot.Graph.Services[i].Name
	f := graph.Finding{
		Kind: graph.KindNoEffectOrder, Severity: graph.Info, Services: []string{name, d.name},
		Message: fmt.Sprintf("%s %s=%s, but nothing pulls %s into the boot: the order has no effect", name, d.kind, d.name, d.name),
		Sources: []graph.Pos{d.pos},
	}
	if d.name == "network-online.target" {
		f.Severity = graph.Warning
		f.Message += fmt.Sprintf(" (Wants=%s would pull it in)", d.name)
	}
	b.boot.Findings = append(b.boot.Findings, f)
}

// blockdevOrder reports an After= on a blockdev@ target in a unit a
// generator wrote: systemd-fstab-generator writes one for every mount and
// swap of a /dev/ path (generator_write_blockdev_dependency), and only
// what makes the device (a cryptsetup unit) pulls that target in. The
// order has effect where it may, and nobody wrote it in the root: not a
// no-effect-order.
func (b *builder) blockdevOrder(i int, d dep) bool {
	if !strings.HasPrefix(d.name, "blockdev@") {
		return false
	}
	u := b.boot.Units.LoadUnit(b.boot.Graph.Services[i].Name)
	return u != nil && strings.HasPrefix(u.Path, genNormal)
}

// implicitOrigin says what made an edge the manager added of its own
// accord, whose Via is "NAME (WHY)": " (Requires=dbus.socket is implicit:
// BusName= without Type=: Type=dbus)", so that a user who looks for the
// directive in the unit finds why it is not there; "" for a written one.
func implicitOrigin(e *graph.Edge, name string) string {
	why, ok := strings.CutPrefix(e.Via, name+" (")
	if !ok || !strings.HasSuffix(why, ")") {
		return ""
	}
	return fmt.Sprintf(" (%s=%s is implicit: %s", e.Kind, name, why)
}

// requiresMissing applies the rule of systemd before 254 to a Requires=
// or BindsTo= on a unit that is not found or masked: the dependency job
// cannot be added, which is ignored for a unit the target does not need
// (transaction_add_job_and_dependencies keeps the dependent's own job:
// "Cannot add dependency job, ignoring"), so the dependent starts. The
// dependency is still reported, as the error in the root it is. From 254
// on (upstream PR 27852) the dependent's start job fails: graph.Start
// says so.
func (b *builder) requiresMissing() {
	if b.boot.Version >= requiresMissingFails {
		return
	}
	g := b.boot.Graph
	matters := b.matters()
	for k := range g.Edges {
		e := &g.Edges[k]
		if e.Kind != graph.Requires && e.Kind != graph.BindsTo || matters[e.From] || e.Soft {
			continue
		}
		to, from := &g.Services[e.To], &g.Services[e.From]
		if !to.Missing && !to.Masked || !from.Started() {
			continue
		}
		e.Soft = true
		kind, why := graph.KindMissingDependency, "is not found in any unit directory"
		if to.Masked {
			kind, why = graph.KindMasked, "is masked"
		}
		f := graph.Finding{
			Kind: kind, Severity: graph.Error, Services: []string{from.Name, to.Name}, Sources: []graph.Pos{e.Pos},
			Message: fmt.Sprintf("%s %s=%s, which %s: systemd %d starts %s all the same (\"Cannot add dependency job, ignoring\"); systemd %d and later fail its start job%s",
				from.Name, e.Kind, to.Name, why, b.boot.Version, from.Name, requiresMissingFails, implicitOrigin(e, to.Name)),
		}
		if u := b.boot.Units.LoadUnit(from.Name); u != nil {
			if c, ok := skippedBy(b.fsys, u); ok {
				// Debian's systemd-logind without dbus: BusName= requires
				// dbus.socket, and ConditionPathExists=|/lib/systemd/system/dbus.service
				// skips it. Nothing fails at boot.
				f.Severity = graph.Info
				f.Message += fmt.Sprintf("; but %s (%s:%d), so nothing fails", skipNote(c), c.Pos.File, c.Pos.Line)
			}
		}
		b.boot.Findings = append(b.boot.Findings, f)
	}
}
