package graph

import (
	"fmt"
	"slices"
	"sort"
)

// Pos is a place in an input file: a path relative to the root and a
// 1-based line, 0 when the place is the whole file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// NotStarted is the Phase of a service that is not part of the boot.
const NotStarted = -1

// Service is one startable thing: a SysV script, an upstart job or a
// systemd unit, or a placeholder for a name that nothing defines.
type Service struct {
	Name    string   // script, job or unit name
	Aliases []string // other names it answers to (LSB Provides, systemd Alias=)
	Init    string   // "sysv", "upstart" or "systemd"
	Source  Pos      // where it is defined; zero for a missing service
	Link    string   // the rc link or symlink that enables it, if any
	Number  int      // the sequence number of its rc link (S20foo: 20); 0 if none
	Step    int      // its place in a sequential boot (rc links by directory, then name); 0 if none
	Phase   int      // index in Graph.Phases of the phase it starts in, or NotStarted
	Missing bool     // nothing defines this name
	Masked  bool     // defined, and masked (systemd: a link to /dev/null)
	Alone   bool     // starts in a wave of its own (LSB X-Interactive: startpar runs it alone)
	Hidden  bool     // a barrier the builder needs to stay linear: ordered, never listed, no wave of its own
	Target  bool     // a synchronisation point (systemd target): it runs nothing, so what it wants does not race with it
	// Triggered services start only when their condition holds: every
	// edge they Need (Any == 0) leads to a started service, and each
	// group of alternatives has one that does (upstart's "start on").
	// Start decides; until then Phase is the phase they would start in.
	Triggered bool
	// Pulled services start unless something they Need cannot start:
	// a need does not make them wait, its failure fails them (systemd's
	// Requires=: two units may require each other). Start decides.
	Pulled bool
	Note   string // a remark for listings, e.g. "no LSB header: ordered by its number"
	// Away is set by Place on a service that a layout puts on other
	// nodes only, or on none, and says so: "runs only on db1", "is on no
	// node: no node has role cache". Such a service is not started.
	Away string
}

// Started reports whether the service is part of the boot.
func (s *Service) Started() bool { return s.Phase != NotStarted }

// Edge is one directive between two services, where it was written and,
// when it came through a facility or an alias, the name it was written as.
type Edge struct {
	From, To int // indexes into Graph.Services
	Kind     Kind
	Pos      Pos
	Via      string // the name as written when it differs from To's name ("$remote_fs")
	Soft     bool   // To is an optional member of the facility Via: the edge orders, nothing needs To
	Any      int    // > 0: one of a group of alternatives of From (upstart "or"): any one of the group will do
}

// Needs reports whether From cannot work without To.
func (e Edge) Needs() bool { return e.Kind.Needs() && !e.Soft }

// Graph is a set of services and the directives between them, for one
// goal (a runlevel, a target, a node). Phases run one after the other:
// every service of phase p has started before any of phase p+1 starts
// (rcS before rc2, and scripts with $all last in their runlevel).
type Graph struct {
	Phases   []string
	Services []Service
	Edges    []Edge
	// Complete, when set, gives the name a user's name stands for in
	// this graph's init system when no service has it: a systemd unit
	// named without its type is a service ("ssh" is ssh.service, as
	// systemctl reads it). The reader of that init system sets it; Find
	// uses it.
	Complete func(name string) (string, bool)
	// Outside, when set, describes a service the root defines that this
	// boot does not hold: a systemd unit that nothing pulls into the
	// transaction (SysV scripts and upstart jobs are in the graph, started
	// or not). The reader sets it; FindOutside uses it.
	Outside func(name string) (Service, bool)
	byName  map[string]int
	out, in [][]int // edge indexes by From and by To; built lazily
}

// Add adds s and returns its index. A service of the same name is
// returned unchanged instead. A name that was another service's alias
// becomes the new service's own: a service's name wins over an alias.
func (g *Graph) Add(s Service) int {
	if i, ok := g.byName[s.Name]; ok {
		if g.Services[i].Name == s.Name {
			return i
		}
		g.Services[i].Aliases = slices.DeleteFunc(g.Services[i].Aliases, func(a string) bool { return a == s.Name })
	}
	if g.byName == nil {
		g.byName = make(map[string]int)
	}
	g.Services = append(g.Services, s)
	i := len(g.Services) - 1
	g.byName[s.Name] = i
	g.out, g.in = nil, nil
	return i
}

// Alias makes name another name of service i. It reports false when name
// already belongs to another service.
func (g *Graph) Alias(i int, name string) bool {
	if j, ok := g.byName[name]; ok {
		return j == i
	}
	g.byName[name] = i
	g.Services[i].Aliases = append(g.Services[i].Aliases, name)
	return true
}

// Lookup returns the index of the service with that name or alias.
func (g *Graph) Lookup(name string) (int, bool) {
	i, ok := g.byName[name]
	return i, ok
}

// Find returns the index of the service a user names: the service of
// that name or alias (Lookup), else the one of the name Complete makes of
// it. Layouts' roles, --focus and why name services this way.
func (g *Graph) Find(name string) (int, bool) {
	if i, ok := g.Lookup(name); ok {
		return i, true
	}
	if g.Complete != nil {
		if full, ok := g.Complete(name); ok {
			return g.Lookup(full)
		}
	}
	return 0, false
}

// FindOutside returns the service a user names as Find does, and when
// the boot does not hold it but the root defines it (Outside), adds it,
// not started, so that why can say it is not part of this boot.
func (g *Graph) FindOutside(name string) (int, bool) {
	if i, ok := g.Find(name); ok || g.Outside == nil {
		return i, ok
	}
	s, ok := g.Outside(name)
	if !ok {
		return 0, false
	}
	if i, ok := g.Lookup(s.Name); ok {
		return i, true
	}
	s.Phase = NotStarted
	return g.Add(s), true
}

// AddEdge adds e.
func (g *Graph) AddEdge(e Edge) {
	g.Edges = append(g.Edges, e)
	g.out, g.in = nil, nil
}

// Out returns the indexes of the edges leaving service i, in the order
// they were added.
func (g *Graph) Out(i int) []int { g.index(); return g.out[i] }

// In returns the indexes of the edges entering service i.
func (g *Graph) In(i int) []int { g.index(); return g.in[i] }

func (g *Graph) index() {
	if g.out != nil {
		return
	}
	g.out = bucket(len(g.Services), len(g.Edges), func(k int) int { return g.Edges[k].From })
	g.in = bucket(len(g.Services), len(g.Edges), func(k int) int { return g.Edges[k].To })
}

// bucket returns, for each of n services, the edges 0..m-1 that key
// gives it, in order: one array for all, cut by a count of each.
func bucket(n, m int, key func(int) int) [][]int {
	start := make([]int, n+1)
	for k := range m {
		start[key(k)+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	flat := make([]int, m)
	next := slices.Clone(start[:n])
	for k := range m {
		i := key(k)
		flat[next[i]] = k
		next[i]++
	}
	out := make([][]int, n)
	for i := range n {
		if start[i] < start[i+1] {
			out[i] = flat[start[i]:start[i+1]:start[i+1]]
		}
	}
	return out
}

// Grow makes room for n more services, so that adding them does not
// grow the name index again and again.
func (g *Graph) Grow(n int) {
	if g.byName == nil {
		g.byName = make(map[string]int, n)
	}
	g.Services = slices.Grow(g.Services, n)
}

// PhaseName returns the name of phase p, or "not started".
func (g *Graph) PhaseName(p int) string {
	if p < 0 || p >= len(g.Phases) {
		return "not started"
	}
	return g.Phases[p]
}

func sortedNames(g *Graph, idx []int) []string {
	names := make([]string, len(idx))
	for k, i := range idx {
		names[k] = g.Services[i].Name
	}
	sort.Strings(names)
	for k := range names {
		names[k] = Short(names[k])
	}
	return names
}
