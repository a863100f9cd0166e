package sysv

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file computes the rc?.d links that `update-rc.d NAME defaults`
// leaves when it has run for every script of etc/init.d: on a system with
// insserv (sysv-rc depends on it) that is `insserv NAME`, which enables
// the script in the runlevels of its header and renumbers every link
// (docs/defaults-presets.md; insserv 1.24 insserv.c main, listing.c
// __follow, all_script, active_script).

// runlevels is a set of the runlevels 0-6 and S, one bit each.
type runlevels uint16

// rcDirs are the runlevel directories, in insserv's order.
var rcDirs = []string{"0", "1", "2", "3", "4", "5", "6", "S"}

func levelBit(rl string) runlevels {
	if i := slices.Index(rcDirs, strings.ToUpper(rl)); i >= 0 {
		return 1 << i
	}
	return 0
}

// levels reads a Default-Start or Default-Stop value as insserv's
// str2lvl does: one-character words among 0-6 and S, others ignored.
func levels(values []string) runlevels {
	var r runlevels
	for _, v := range values {
		if len(v) == 1 {
			r |= levelBit(v)
		}
	}
	return r
}

// DefaultLink is a link --defaults reads as if it were in an rc?.d
// directory.
type DefaultLink struct {
	Path   string // etc/rc2.d/S02ssh
	Target string // ../init.d/ssh
}

// DefaultLinks is what update-rc.d NAME defaults for every script would
// leave in the rc?.d directories of a root.
type DefaultLinks struct {
	Links   []DefaultLink // every link of the scripts insserv reads, sorted by path
	Removed []string      // the root's links that insserv removes (dangling) or renumbers, sorted
	// Disabled are the scripts insserv enables nowhere: no header, or an
	// empty Default-Start and Default-Stop, and no link of their own.
	Disabled []string
	// Errors are the rc?.d directories that could not be read: their
	// links are not known, and Links has none there.
	Errors parse.ErrorList
}

// Changes are the links as rootfs.FS.With reads them.
func (d *DefaultLinks) Changes() rootfs.Changes {
	c := rootfs.Changes{Links: map[string]string{}, Removed: d.Removed}
	for _, l := range d.Links {
		c.Links[l.Path] = l.Target
	}
	return c
}

// Made returns the set of link paths update-rc.d would make or renumber:
// those not on disk as they are (Options.Made).
func (d *DefaultLinks) Made(fsys *rootfs.FS) map[string]bool {
	made := map[string]bool{}
	for _, l := range d.Links {
		if raw, err := fsys.Readlink(l.Path); err != nil || raw != l.Target {
			made[l.Path] = true
		}
	}
	return made
}

// Defaults returns the rc?.d links of root once `update-rc.d NAME
// defaults` has run for every script of etc/init.d, with insserv, as
// on every sysv-rc system (docs/defaults-presets.md). Problems in the
// scripts are reported when the boot is read, not here, and so are the
// links that lead nowhere, which insserv removes (Removed); an rc?.d
// directory that cannot be read is in Errors, and gets no link. The
// error is for an etc/init.d that cannot be listed.
func Defaults(fsys *rootfs.FS) (*DefaultLinks, error) {
	b := &builder{fsys: fsys, loopSeen: map[string]bool{}, sv: &Boot{
		Scripts:    map[string]*Script{},
		Facilities: map[string]*Facility{},
		Graph:      &graph.Graph{},
	}}
	if err := b.readScripts(); err != nil {
		return nil, err
	}
	b.readFacilities()
	existing := map[string][]Link{}
	var removed []string
	var errs parse.ErrorList
	unread := map[string]bool{}
	for _, rl := range rcDirs {
		dir := "etc/rc" + rl + ".d"
		links, _, lerrs := rcLinks(fsys, dir) // its dangling links are removed, below
		ents, err := fsys.ReadDir(dir)
		if len(lerrs) > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
			if err == nil {
				err = lerrs[0].Err
			}
			errs.Warnf(graph.Pos{File: dir}, "", "%v: its links are not known, and --defaults makes none there", parse.UnwrapPath(err))
			unread[dir] = true
			continue
		}
		for _, l := range links {
			if l.Script != "" && b.sv.Scripts[l.Script] != nil && l.Target != "dev/null" {
				existing[l.Script] = append(existing[l.Script], l)
				removed = append(removed, l.Path)
			}
		}
		// insserv removes the links that lead nowhere ("dangling sym link").
		for _, e := range ents {
			p := dir + "/" + e.Name()
			if _, ok := linkName(e.Name()); ok {
				if _, err := fsys.Stat(p); errors.Is(err, fs.ErrNotExist) {
					removed = append(removed, p)
				}
			}
		}
	}
	d := defaultLinks(b.sv.Scripts, b.names, b.sv.Facilities, existing)
	d.Links = slices.DeleteFunc(d.Links, func(l DefaultLink) bool { return unread[dirOf(l.Path)] })
	sort.Strings(removed)
	d.Removed = slices.Compact(removed)
	d.Errors = errs
	return d, nil
}

// node is one script as insserv's numbering sees it.
type node struct {
	name            string
	start, stop     runlevels
	startPre        []int // scripts that must have started first
	stopPre         []int // scripts that must have stopped first
	all, first      bool  // $all in its start (stop) dependencies
	interactive     bool
	sdepth, kdepth  int
	provides        []string
	headerless      bool
	curStart, curKn int  // the highest S number and lowest K number of its current links (0: none)
	virtual         bool // a name no script provides: no link, and no level of its own but in bumpInteractive
}

// defaultLinks computes the links of `insserv NAME...` for every script
// of etc/init.d (names, sorted): a script that has links keeps their
// runlevels (insserv: "current start runlevel(s) ... overrides LSB
// defaults"); the others take Default-Start and Default-Stop. In each
// runlevel a script gets a K link if it stops there (never in rcS.d),
// else an S link if it starts there, numbered with its start (stop)
// depth: 1 + the greatest depth of the scripts it needs that share a
// runlevel with it. existing maps a script to its current links.
func defaultLinks(scripts map[string]*Script, names []string, facs map[string]*Facility, existing map[string][]Link) *DefaultLinks {
	nodes := make([]*node, len(names))
	provider := map[string]int{}
	for i, name := range names {
		s := scripts[name]
		n := &node{name: name}
		nodes[i] = n
		h := s.Header
		if h == nil {
			n.headerless = true
		}
		var provides []string
		if h != nil {
			for _, p := range h.Field("Provides").Values {
				if !strings.HasPrefix(p, "$") && !strings.HasPrefix(p, "#") {
					provides = append(provides, p)
				}
			}
		}
		if len(provides) == 0 {
			provides = []string{name}
		}
		n.provides = provides
		for _, p := range provides {
			if _, dup := provider[p]; !dup {
				provider[p] = i
			}
		}
		if links := existing[name]; len(links) > 0 {
			for _, l := range links {
				bit := levelBit(strings.TrimSuffix(strings.TrimPrefix(dirOf(l.Path), "etc/rc"), ".d"))
				if l.Start {
					n.start |= bit
					n.curStart = max(n.curStart, l.Number)
				} else {
					n.stop |= bit
					if n.curKn == 0 || l.Number < n.curKn {
						n.curKn = l.Number
					}
				}
			}
		} else if h != nil {
			// A runlevel in both gets a K link, and rcS.d no link at all
			// (no K links in rcS.d): once linked, that is what the script's
			// runlevels are to the insserv of every later update-rc.d call.
			n.start, n.stop = levels(h.Field("Default-Start").Values), levels(h.Field("Default-Stop").Values)
			n.start &^= n.stop
			n.stop &^= levelBit("S")
		}
		if h != nil {
			n.interactive = h.XInteractive
			n.all = h.has("Required-Start", "$all") || h.has("Should-Start", "$all")
			n.first = h.has("Required-Stop", "$all") || h.has("Should-Stop", "$all")
		}
	}
	if fac := facs["<interactive>"]; fac != nil {
		for _, m := range fac.Members {
			if i, ok := provider[m.Name]; ok {
				nodes[i].interactive = true
			}
		}
	}
	// resolve calls add for each script name stands for: its provider,
	// or the members of the facility, +optional ones too (insserv orders
	// after them when they exist).
	var resolve func(name string, seen map[string]bool, add func(int))
	resolve = func(name string, seen map[string]bool, add func(int)) {
		if i, ok := provider[name]; ok {
			add(i)
			return
		}
		fac := facs[name]
		if fac == nil && !strings.HasPrefix(name, "$") && name != "" {
			// A name no script provides is a node of insserv's graph all
			// the same (addservice): it orders what names it after what
			// names it in X-Start-Before (cups X-Start-Before samba,
			// winbind Should-Start samba: winbind after cups), adding no
			// level of its own (experiment).
			provider[name] = len(nodes)
			nodes = append(nodes, &node{name: name, virtual: true})
			add(provider[name])
			return
		}
		if fac == nil || seen[name] {
			return
		}
		seen[name] = true
		for _, m := range fac.Members {
			resolve(m.Name, seen, add)
		}
	}
	for i, n := range nodes {
		h := scripts[n.name].Header
		if h == nil {
			continue
		}
		for _, f := range []Field{h.Field("Required-Start"), h.Field("Should-Start")} {
			for _, v := range f.Values {
				resolve(v, map[string]bool{}, func(j int) { nodes[i].startPre = append(nodes[i].startPre, j) })
			}
		}
		for _, v := range h.Field("X-Start-Before").Values { // v starts after n
			resolve(v, map[string]bool{}, func(j int) { nodes[j].startPre = append(nodes[j].startPre, i) })
		}
		for _, f := range []Field{h.Field("Required-Stop"), h.Field("Should-Stop")} {
			for _, v := range f.Values { // v stops after n
				resolve(v, map[string]bool{}, func(j int) { nodes[j].stopPre = append(nodes[j].stopPre, i) })
			}
		}
		for _, v := range h.Field("X-Stop-After").Values { // n stops after v
			resolve(v, map[string]bool{}, func(j int) { nodes[i].stopPre = append(nodes[i].stopPre, j) })
		}
	}
	// A name no script provides takes the runlevels of what waits for it
	// (guess_order): it orders only within them.
	for _, n := range nodes {
		for _, j := range n.startPre {
			if p := nodes[j]; p.virtual {
				p.start |= n.start
			}
		}
		for _, j := range n.stopPre {
			if p := nodes[j]; p.virtual {
				p.stop |= n.stop
			}
		}
	}
	// insserv's nonlsb_script: an enabled script without a header is put
	// after the headered script just below it in the current numbering,
	// and stops before the one just after it.
	for i, n := range nodes {
		if !n.headerless || n.start|n.stop == 0 {
			continue
		}
		best, bi := 0, -1
		for j, c := range nodes {
			if c.headerless || c.curStart == 0 || c.start&n.start == 0 || c.curStart >= n.curStart {
				continue
			}
			if c.curStart > best {
				best, bi = c.curStart, j
			}
		}
		if bi >= 0 {
			n.startPre = append(n.startPre, bi)
		}
		best, bi = 100, -1
		for j, c := range nodes {
			if c.headerless || c.curKn == 0 || c.stop&n.stop == 0 || c.curKn <= n.curKn {
				continue
			}
			if c.curKn < best {
				best, bi = c.curKn, j
			}
		}
		if bi >= 0 {
			nodes[bi].stopPre = append(nodes[bi].stopPre, i)
		}
	}
	// all_script: a $all script starts after every other script of its
	// runlevels; a script with $all in its stop dependencies stops first.
	for i, n := range nodes {
		for j, c := range nodes {
			if i == j || c.virtual || n.virtual {
				continue
			}
			if n.all && !c.all && n.start&c.start != 0 {
				n.startPre = append(n.startPre, j)
			}
			if n.first && !c.first && n.stop&c.stop != 0 {
				c.stopPre = append(c.stopPre, i)
			}
		}
	}
	depths(nodes, false)
	depths(nodes, true)
	// guess_order then gives a name no script provides the runlevels of
	// what waits for it, when that starts after the first level, else
	// rcS's.
	for _, v := range nodes {
		if !v.virtual {
			continue
		}
		v.start = 0
		low := 0
		for _, n := range nodes {
			if slices.Contains(n.startPre, provider[v.name]) {
				v.start |= n.start
				if low == 0 || n.sdepth < low {
					low = n.sdepth
				}
			}
		}
		if low <= 1 {
			v.start = levelBit("S")
		}
	}
	bumpInteractive(nodes)

	out := &DefaultLinks{}
	for _, n := range nodes {
		if n.virtual {
			continue
		}
		if n.start|n.stop == 0 {
			out.Disabled = append(out.Disabled, n.name)
			continue
		}
		for k, rl := range rcDirs {
			bit := runlevels(1 << k)
			dir := "etc/rc" + rl + ".d/"
			switch {
			case n.stop&bit != 0 && rl != "S":
				out.Links = append(out.Links, DefaultLink{dir + fmt.Sprintf("K%02d", n.kdepth) + n.name, "../init.d/" + n.name})
			case n.stop&bit != 0:
			case n.start&bit != 0:
				out.Links = append(out.Links, DefaultLink{dir + fmt.Sprintf("S%02d", n.sdepth) + n.name, "../init.d/" + n.name})
			}
		}
	}
	sort.Slice(out.Links, func(i, j int) bool { return out.Links[i].Path < out.Links[j].Path })
	return out
}

// depths sets every node's start (stop) depth: 1 + the greatest depth of
// its prerequisites that share a runlevel with it, the longest path of
// listing.c's __follow. An edge that closes a loop is passed over, as
// insserv -f orders what it can. An edge into a $all script's start (or
// out of a stop-first one) is passed over as __follow passes it over
// ("depends on ... system facility `$all' which can not be true").
func depths(nodes []*node, stop bool) {
	const (
		unvisited = iota
		active
		done
	)
	state := make([]int, len(nodes))
	type frame struct{ i, next int }
	for root := range nodes {
		if state[root] != unvisited {
			continue
		}
		stack := []frame{{root, 0}}
		state[root] = active
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			n := nodes[f.i]
			pre, lv := n.startPre, n.start
			if stop {
				pre, lv = n.stopPre, n.stop
			}
			if f.next < len(pre) {
				j := pre[f.next]
				f.next++
				if state[j] == unvisited {
					state[j] = active
					stack = append(stack, frame{j, 0})
				}
				continue
			}
			d, inc := 1, 1
			if n.virtual {
				// listing.c's __follow walks through it to its first
				// dependent without counting it: it has no runlevel yet
				// (experiment: a, b Required-Start a and X-Start-Before
				// virt, c Should-Start virt: S01a S02b S03c). insserv
				// orders only the first dependent so, in directory order;
				// initorder orders every one.
				d, inc = 0, 0
			}
			for _, j := range pre {
				p := nodes[j]
				plv, pd := p.start, p.sdepth
				if stop {
					plv, pd = p.stop, p.kdepth
				}
				if state[j] != done || plv&lv == 0 || j == f.i {
					continue
				}
				if !stop && p.all || stop && n.first {
					continue
				}
				d = max(d, pd+inc)
			}
			if stop {
				n.kdepth = d
			} else {
				n.sdepth = d
			}
			state[f.i] = done
			stack = stack[:len(stack)-1]
		}
	}
}

// bumpInteractive gives each interactive script its start depth to
// itself (active_script): the other scripts of that depth that share a
// runlevel with it move one up, and what starts after them with them.
func bumpInteractive(nodes []*node) {
	dependents := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, j := range n.startPre {
			dependents[j] = append(dependents[j], i)
		}
	}
	var raise func(i, d int)
	raise = func(i, d int) {
		n := nodes[i]
		if n.sdepth >= d {
			return
		}
		n.sdepth = d
		for _, k := range dependents[i] {
			c := nodes[k]
			// Followed again, a name no script provides counts a level:
			// it has runlevels now (experiment: with an interactive i
			// before a, S01i S02a S03b S05c).
			if c.start&n.start != 0 && !n.all && c.sdepth < d+1 {
				raise(k, d+1)
			}
		}
	}
	for deep := 1; deep < 100; deep++ {
		for i, s := range nodes {
			if !s.interactive || s.virtual || s.sdepth != deep || s.start == 0 {
				continue
			}
			for j, c := range nodes {
				if j != i && !c.virtual && c.start&s.start != 0 && c.sdepth == deep {
					raise(j, deep+1)
				}
			}
		}
	}
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}
