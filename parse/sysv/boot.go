package sysv

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// Options selects the boot to build from a SysV root.
type Options struct {
	Runlevel string // "2"; "" means the initdefault of etc/inittab, else 2 (0 with Stop)
	Stop     bool   // the K links of the runlevel instead of its S links
	// Made, when not nil, are the links the root is read with that
	// update-rc.d NAME defaults would make (Defaults, read through
	// rootfs.FS.With): the services they start say so.
	Made map[string]bool
}

// Boot is what a SysV root holds: its scripts, facilities and rc links,
// and the graph of one boot built from them.
type Boot struct {
	Runlevel   string
	Scripts    map[string]*Script
	Facilities map[string]*Facility
	Graph      *graph.Graph
	Findings   []graph.Finding // from reading: parse errors, dangling links, duplicate provides
}

// Read reads etc/init.d, the insserv configuration and the rc links
// of root and builds the graph of the boot opt selects: for a start,
// phase rcS then rcN, with the scripts that need $all in a phase of their
// own at the end of each (insserv puts them last); for a stop, the K
// links of the runlevel. Scripts are services named by their file name;
// dependencies resolve through Provides and the facilities of
// insserv.conf. It returns an error only when the root cannot be read at
// all.
func Read(fsys *rootfs.FS, opt Options) (*Boot, error) {
	b := &builder{fsys: fsys, loopSeen: map[string]bool{}, defaults: opt.Made != nil, made: opt.Made, sv: &Boot{
		Scripts:    map[string]*Script{},
		Facilities: map[string]*Facility{},
		Graph:      &graph.Graph{},
	}}
	rl := opt.Runlevel
	if rl == "" {
		rl = DefaultRunlevel(fsys)
	}
	if rl == "" || (opt.Stop && opt.Runlevel == "") {
		rl = map[bool]string{false: "2", true: "0"}[opt.Stop]
	}
	if rl == "s" {
		rl = "S"
	}
	b.sv.Runlevel = rl
	if err := b.readScripts(); err != nil {
		return nil, err
	}
	b.readFacilities()
	// The links come before the services, so that a script reached only
	// through a link (outside etc/init.d) is a service like the others.
	type run struct {
		links           []Link
		phase, allPhase int
	}
	var runs []run
	if opt.Stop {
		// insserv: "In stop dependencies $all means stop first".
		b.sv.Graph.Phases = []string{"rc" + rl + " stop $all", "rc" + rl + " stop"}
		runs = append(runs, run{b.links("etc/rc"+rl+".d", false), 1, 0})
	} else {
		b.sv.Graph.Phases = []string{"rcS", "rcS $all"}
		runs = append(runs, run{b.links("etc/rcS.d", true), 0, 1})
		if rl != "S" {
			b.sv.Graph.Phases = append(b.sv.Graph.Phases, "rc"+rl, "rc"+rl+" $all")
			runs = append(runs, run{b.links("etc/rc"+rl+".d", true), 2, 3})
		}
	}
	b.allPhase = map[int]int{}
	for _, r := range runs {
		b.allPhase[r.phase], b.allPhase[r.allPhase] = r.allPhase, r.allPhase
		b.readLinkedScripts(r.links)
	}
	sort.Strings(b.names)
	b.addServices(opt.Stop)
	step := 0
	for _, r := range runs {
		step = b.enable(r.links, r.phase, r.allPhase, step)
	}
	b.addEdges(opt.Stop)
	b.orderHeaderless()
	n := 0
	for _, r := range runs {
		n += len(r.links)
	}
	if f := b.emptyBoot(opt, n); f != nil {
		b.sv.Findings = append(b.sv.Findings, *f)
	}
	b.sv.Findings = append(b.sv.Findings, b.errs.Findings()...)
	graph.SortFindings(b.sv.Findings)
	return b.sv, nil
}

type builder struct {
	fsys     *rootfs.FS
	sv       *Boot
	errs     parse.ErrorList
	names    []string          // script names, sorted
	provider map[string]int    // provided name -> service, for the names that are not the service's own (providerOf)
	ownName  []bool            // by service: its script provides its own name
	provides []string          // addServices' buffer
	hasAll   map[int]bool      // services that need $all
	allPhase map[int]int       // phase -> the phase of its runlevel's scripts that need $all
	linked   map[string]string // link path -> script name, for links outside etc/init.d
	loopSeen map[string]bool   // facilities whose loop is reported
	defaults bool              // the links are update-rc.d's defaults (Options.Made)
	made     map[string]bool   // Options.Made
	// overrides are the names in each insserv overrides directory (nil:
	// it could not be listed, so each name is tried), listed once: a
	// million scripts are not two million names looked for.
	overrides map[string]map[string]bool
}

// readScripts reads every script of etc/init.d that insserv would read,
// and applies the insserv overrides.
func (b *builder) readScripts() error {
	ents, err := b.fsys.ReadDir("etc/init.d")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading etc/init.d: %w", err)
	}
	b.overrides = map[string]map[string]bool{}
	for _, dir := range overrideDirs {
		ents, err := b.fsys.ReadDir(strings.TrimSuffix(dir, "/"))
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			b.overrides[dir] = map[string]bool{}
		case err == nil:
			names := make(map[string]bool, len(ents))
			for _, e := range ents {
				names[e.Name()] = true
			}
			b.overrides[dir] = names
		}
	}
	// Reading is I/O-bound and independent per script: read in parallel,
	// then merge in directory order so that the result is the same
	// whatever the scheduling.
	type result struct {
		s       *Script
		finding *graph.Finding
		errs    parse.ErrorList
	}
	results := make([]result, len(ents))
	parse.Parallel(len(ents), func(i int) {
		r := &results[i]
		r.s, r.finding, r.errs = b.scanScript(ents[i])
	})
	for _, r := range results {
		b.errs = append(b.errs, r.errs...)
		if r.finding != nil {
			b.sv.Findings = append(b.sv.Findings, *r.finding)
		}
		if r.s != nil {
			b.sv.Scripts[r.s.Name] = r.s
			b.names = append(b.names, r.s.Name)
		}
	}
	return nil
}

// scanScript reads one entry of etc/init.d, or says why it is not a
// script. It only reads: it is safe to call from several goroutines.
func (b *builder) scanScript(ent fs.DirEntry) (*Script, *graph.Finding, parse.ErrorList) {
	name := ent.Name()
	if ignoredScript(name) {
		return nil, nil, nil
	}
	p := "etc/init.d/" + name
	target, err := b.fsys.Resolve(p)
	switch {
	case target == "dev/null":
		return nil, nil, nil
	case IsUpstartJob(target):
		// An upstart job that answers to "service", even where the
		// wrapper is not in the root; not a script.
		return nil, nil, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &graph.Finding{
			Kind: graph.KindDanglingLink, Severity: graph.Warning, Services: []string{name},
			Message: "link " + p + " leads to /" + target + ", which does not exist", Sources: []graph.Pos{{File: p}},
		}, nil
	case err != nil:
		return nil, &graph.Finding{
			Kind: graph.KindDanglingLink, Severity: graph.Warning, Services: []string{name},
			Message: "link " + p + ": " + parse.UnwrapPath(err).Error(), Sources: []graph.Pos{{File: p}},
		}, nil
	}
	// insserv: "script X is a symlink to another script, skipped!" when
	// the link's target has no "/"; "is not an executable file" for a
	// file without u+x.
	if ent.Type()&fs.ModeSymlink != 0 {
		if raw, err := b.fsys.Readlink(p); err == nil && !strings.Contains(raw, "/") {
			return nil, nil, nil
		}
	}
	// Read first: what the open file says of itself (its mode) is what
	// Stat then gives, without a system call of its own (a million
	// scripts, a million fewer).
	data, rerr := b.fsys.ReadFile(p)
	if fi, err := b.fsys.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o100 == 0 {
		return nil, nil, nil
	}
	s, errs := b.parseScript(p, data, rerr)
	return s, nil, errs
}

// readScript reads the header of the script at p and applies its
// overrides. insserv reads etc/insserv/overrides/NAME, then
// usr/share/insserv/overrides/NAME, then the script, and the first one
// with a whole INIT INFO block wins outright, even over a script that has
// a header (scan_script_defaults; insserv(8) says otherwise, the code and
// the binary agree with each other).
func (b *builder) readScript(p string) (*Script, parse.ErrorList) {
	data, err := b.fsys.ReadFile(p)
	return b.parseScript(p, data, err)
}

// parseScript is readScript of the script at p that ReadFile read as
// data, or not (err).
func (b *builder) parseScript(p string, data []byte, err error) (*Script, parse.ErrorList) {
	var errs parse.ErrorList
	if err != nil {
		// Still a script: sysv-rc runs it. Ordered by its number, and the
		// read error is the one thing said about it.
		return &Script{Name: baseName(p), Path: p, Unread: true}, append(errs, parse.FileError(p, err))
	}
	s, lerrs := parseLSB(data, p)
	errs = append(errs, lerrs...)
	for _, dir := range overrideDirs {
		if names := b.overrides[dir]; names != nil && !names[s.Name] {
			continue
		}
		op := dir + s.Name
		data, err := b.fsys.ReadFile(op)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, parse.FileError(op, err))
			continue
		}
		o, oerrs := parseLSB(data, op)
		errs = append(errs, oerrs...)
		if o.Header == nil {
			errs.Errorf(graph.Pos{File: op}, "", "override has no INIT INFO block, ignoring it")
			continue
		}
		s.Header, s.Override = o.Header, op
		break
	}
	return s, errs
}

// overrideDirs are where insserv looks for a script's override, in order.
var overrideDirs = []string{"etc/insserv/overrides/", "usr/share/insserv/overrides/"}

// ignoredScript reports whether insserv skips a file of etc/init.d
// (insserv.c main and cfgfile_filter): hidden files, backups and
// package-manager leftovers, and the files of sysv-rc itself.
func ignoredScript(name string) bool {
	if name == "" || strings.ContainsRune("$.#%_+-\\*[]^:()~", rune(name[0])) {
		return true
	}
	if strings.HasSuffix(name, "~") || strings.HasSuffix(name, ",v") {
		return true
	}
	for _, pre := range []string{"README", "Makefile", "skeleton", "powerfail"} {
		if strings.HasPrefix(name, pre) {
			return true
		}
	}
	switch name {
	case "core", "rx", "rc", "rcS":
		return true
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext := name[i+1:]
		for _, pre := range []string{"rpm", "ba", "dpkg", "ucf"} {
			if strings.HasPrefix(ext, pre) {
				return true
			}
		}
		switch ext {
		case "old", "new", "org", "orig", "save", "swp", "core":
			return true
		}
	}
	return false
}

func (b *builder) readFacilities() {
	read := func(p string) {
		data, err := b.fsys.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			b.errs = append(b.errs, parse.FileError(p, err))
			return
		}
		b.errs = append(b.errs, parseInsservConf(data, p, b.sv.Facilities)...)
	}
	read("etc/insserv.conf")
	ents, _ := b.fsys.ReadDir("etc/insserv.conf.d")
	for _, ent := range ents {
		if !ignoredScript(ent.Name()) {
			read("etc/insserv.conf.d/" + ent.Name())
		}
	}
	builtins := []string{"$null"}
	if len(b.sv.Facilities) == 0 {
		builtins = append(builtins, builtinFacilities...)
	}
	for _, name := range builtins {
		if b.sv.Facilities[name] == nil {
			b.sv.Facilities[name] = &Facility{Name: name}
		}
	}
}

// providerOf returns the service whose script provides name, if any.
// The scripts that provide their own name (most: a root of a million
// scripts kept a map of a million names twice) are found by it in the
// graph.
func (b *builder) providerOf(name string) (int, bool) {
	if i, ok := b.provider[name]; ok {
		return i, true
	}
	i, ok := b.sv.Graph.Lookup(name)
	if ok && i < len(b.ownName) && b.ownName[i] && b.sv.Graph.Services[i].Name == name {
		return i, true
	}
	return 0, false
}

// addServices adds one service per script, not yet started, and records
// what each provides and which scripts need $all to start (or stop). A
// name provided twice stays with the script whose name sorts first
// (insserv: "service already provided").
func (b *builder) addServices(stop bool) {
	g := b.sv.Graph
	g.Grow(len(b.names))
	b.provider = map[string]int{}
	b.ownName = make([]bool, len(b.names))
	b.hasAll = map[int]bool{}
	for _, name := range b.names {
		s := b.sv.Scripts[name]
		src := graph.Pos{File: s.Path}
		b.provides = b.provides[:0] // one slice for all: a million scripts make no garbage here
		if h := s.Header; h != nil {
			if s.Override == "" {
				src = h.Pos
			}
			b.provides = h.appendNames(b.provides, "Provides")
		}
		provides := b.provides
		if len(provides) == 0 {
			provides = []string{name}
		}
		svc := graph.Service{Name: name, Init: "sysv", Source: src, Phase: graph.NotStarted, Alone: b.interactive(s, provides)}
		if s.Override != "" {
			svc.Note = "header from " + s.Override
		}
		i := g.Add(svc)
		for _, p := range provides {
			if strings.HasPrefix(p, "$") {
				b.errs.Warnf(providesPos(s), "Provides", "%s provides system facility %s: insserv skips it", name, p)
				continue
			}
			if j, dup := b.providerOf(p); dup && j != i {
				other := g.Services[j].Name
				b.sv.Findings = append(b.sv.Findings, graph.Finding{
					Kind: graph.KindDuplicateProvides, Severity: graph.Error,
					Services: []string{name, other},
					Message:  fmt.Sprintf("%s provides %s, which %s already provides: insserv refuses both", name, p, other),
					Sources:  []graph.Pos{providesPos(s), providesPos(b.sv.Scripts[other])},
				})
				continue
			}
			if p == name {
				b.ownName[i] = true
				continue
			}
			b.provider[p] = i
			g.Alias(i, p)
		}
		if h := s.Header; h != nil {
			req, should := "Required-Start", "Should-Start"
			if stop {
				req, should = "Required-Stop", "Should-Stop"
			}
			if h.has(req, "$all") || h.has(should, "$all") {
				b.hasAll[i] = true
			}
		}
	}
}

// providesPos is where a script says what it provides: its Provides line,
// or the file when it has none (it provides its file name).
func providesPos(s *Script) graph.Pos {
	if s.Header != nil {
		if _, p, ok := s.Header.raw("Provides"); ok {
			return p
		}
	}
	return graph.Pos{File: s.Path}
}

// interactive reports whether the script needs the console to itself:
// "X-Interactive: true" or a name in insserv.conf's <interactive> group.
// startpar runs such a script with nothing beside it.
func (b *builder) interactive(s *Script, provides []string) bool {
	if s.Header != nil && s.Header.XInteractive {
		return true
	}
	if fac := b.sv.Facilities["<interactive>"]; fac != nil {
		for _, m := range fac.Members {
			if slices.Contains(provides, m.Name) {
				return true
			}
		}
	}
	return false
}

// links reads the S (start) or K links of dir.
func (b *builder) links(dir string, start bool) []Link {
	links, found, errs := rcLinks(b.fsys, dir)
	b.sv.Findings = append(b.sv.Findings, found...)
	b.errs = append(b.errs, errs...)
	var out []Link
	for _, l := range links {
		if l.Start == start && l.Target != "dev/null" {
			out = append(out, l)
		}
	}
	return out
}

// readLinkedScripts reads the scripts that links lead to outside
// etc/init.d (sysv-rc runs whatever an S link leads to): each becomes a
// script named by the link, or by the link's path where an etc/init.d
// script has that name.
func (b *builder) readLinkedScripts(links []Link) {
	if b.linked == nil {
		b.linked = map[string]string{}
	}
	for _, l := range links {
		if l.Script != "" {
			continue
		}
		absent := false
		if l.Target == UpstartJob {
			_, err := b.fsys.Stat(UpstartJob)
			absent = err != nil
		}
		if !absent {
			if why := b.notRun(l.Target); why != "" {
				b.sv.Findings = append(b.sv.Findings, notRunFinding(l, why))
				continue
			}
		}
		name := l.Name
		if other := b.sv.Scripts[name]; other != nil && other.Path != l.Target {
			name = l.Path
		}
		b.linked[l.Path] = name
		if b.sv.Scripts[name] != nil {
			continue // another link to the same file
		}
		var s *Script
		if absent {
			// The upstart-job wrapper of an /etc-only tree: the link
			// names the job; there is nothing to read.
			s = &Script{Path: UpstartJob}
		} else {
			var errs parse.ErrorList
			s, errs = b.readScript(l.Target)
			b.errs = append(b.errs, errs...)
		}
		s.Name = name
		b.sv.Scripts[name] = s
		b.names = append(b.names, name)
	}
}

// notRun says why sysv-rc (or startpar) does not run the file p an rc
// link leads to, or returns "" when it does: a directory or another file
// that is not regular, a file that is not executable, a name insserv
// ignores (it is in no .depend file, so startpar never starts it).
func (b *builder) notRun(p string) string {
	fi, err := b.fsys.Stat(p)
	switch {
	case err != nil:
		return "which cannot be read (" + parse.UnwrapPath(err).Error() + ")"
	case fi.IsDir():
		return "which is a directory"
	case !fi.Mode().IsRegular():
		return "which is not a regular file"
	case fi.Mode().Perm()&0o111 == 0:
		return "which is not executable"
	case path.Dir(p) == "etc/init.d" && ignoredScript(path.Base(p)):
		return "a name insserv ignores (a backup, a package manager's leftover or a file of sysv-rc itself), so startpar does not start it"
	case path.Dir(p) == "etc/init.d":
		// What else scanScript passes over: a link to a sibling.
		return "a link to another script of etc/init.d, which insserv skips"
	}
	return ""
}

// notRunFinding says that the rc link l does not run its file, and why.
// The link itself is sound: it is not a dangling-link, which is kept for
// links whose target is missing; the script never starts.
func notRunFinding(l Link, why string) graph.Finding {
	target := l.Target
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	return graph.Finding{
		Kind: graph.KindNeverStarts, Severity: graph.Warning, Services: []string{l.Name},
		Message: fmt.Sprintf("link %s leads to %s, %s: it is not run", l.Path, target, why),
		Sources: []graph.Pos{{File: l.Path}},
	}
}

// enable puts the script of every link in phase, or in allPhase when it
// needs $all, and numbers the links from step on in the order a
// sequential boot runs them (sorted by name, as ls and the shell's glob
// sort them); it returns the last step. A link to a file of etc/init.d
// that is not a script (not executable, or a name insserv ignores) is
// reported. A script already started in an earlier phase stays there.
func (b *builder) enable(links []Link, phase, allPhase, step int) int {
	g := b.sv.Graph
	for _, l := range links {
		name := l.Script
		if name == "" {
			if name = b.linked[l.Path]; name == "" {
				continue // reported by readLinkedScripts
			}
		} else if b.sv.Scripts[name] == nil {
			why := b.notRun(l.Target)
			if why == "" {
				why = "which insserv does not read as a script"
			}
			b.sv.Findings = append(b.sv.Findings, notRunFinding(l, why))
			continue
		}
		i, ok := g.Lookup(name)
		if !ok || g.Services[i].Started() {
			continue
		}
		step++
		svc := &g.Services[i]
		svc.Phase, svc.Number, svc.Link, svc.Step = phase, l.Number, l.Path, step
		if b.made[l.Path] {
			svc.Note = join(svc.Note, "linked by --defaults, as update-rc.d "+name+" defaults would")
		}
		if b.hasAll[i] {
			svc.Phase = allPhase
		}
	}
	return step
}

// join joins two notes.
func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
