package graph

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Layout places the services of a fleet on its nodes (SPEC §5): a role
// is a set of service names, a node has roles and, optionally, a root of
// its own. A service that no role names is on every node: it is part of
// the base image.
type Layout struct {
	Roles []Role
	Nodes []Node
}

// Role is a named set of services, by any name they answer to: a
// script, job or unit name, or an alias (LSB Provides, systemd Alias=).
type Role struct {
	Name     string
	Services []string
	Pos      Pos // where the services are listed, or the role's header
}

// Node is one machine of a layout.
type Node struct {
	Name  string
	Roles []string
	Root  string // its own root, as a path to read; "" means the root given to the command
	Pos   Pos
}

// Node returns the node of l with that name.
func (l *Layout) Node(name string) (Node, bool) {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// Groups returns the named nodes of l (every node when names is empty)
// in groups that boot the same graph: the same root and the same set of
// roles, so that each group is analysed once. Nodes are sorted by name
// within a group and groups by their first node; names that are no node
// of l are left out. It runs in O(N log N) time for N nodes.
func (l *Layout) Groups(names []string) [][]string {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	nodes := slices.Clone(l.Nodes)
	sort.SliceStable(nodes, func(a, b int) bool { return nodes[a].Name < nodes[b].Name })
	group := map[string]int{}
	var groups [][]string
	for _, n := range nodes {
		if len(names) > 0 && !want[n.Name] {
			continue
		}
		roles := slices.Compact(slices.Sorted(slices.Values(n.Roles)))
		key := n.Root + "\x00" + strings.Join(roles, "\x00")
		k, ok := group[key]
		if !ok {
			k = len(groups)
			group[key] = k
			groups = append(groups, nil)
		}
		if last := groups[k]; len(last) == 0 || last[len(last)-1] != n.Name {
			groups[k] = append(groups[k], n.Name)
		}
	}
	return groups
}

// Place returns the boot of one node of layout l: a copy of g, the boot
// of the node's root after Start, in which every service that only roles
// of other nodes name is Away and not started, and what that means for
// the node, given fs, the findings of reading its root:
//
//   - the findings of fs about services that run on the node; a
//     never-starts chain that leads to a service that is away is
//     explained again;
//   - cross-node (error): a service of the node has a hard dependency on
//     one that runs only on other nodes (for a triggered service, one
//     that keeps it from starting): no init system orders across
//     machines;
//   - never-starts: what waits for such a service, with the chain down
//     to "s1 runs only on db1", or for a service that is on no node;
//   - missing-dependency: a started service needs one that is on no node;
//   - unknown-service (warning): a name in one of the node's roles that
//     matches no service of the root.
//
// A name matches a service through its name or any alias, and also a
// placeholder for a name nothing in the root defines, so that a
// dependency on what another node's image holds is cross-node, not
// missing. Run Check on the returned graph for the other analyses; the
// findings are sorted, and their Node is left to the caller (PerNode).
// g and fs are not modified; the copy shares g's edges and is for
// reading. This algorithm runs in O(V + E) time plus the names of the
// layout.
func Place(g *Graph, fs []Finding, l *Layout, node string) (*Graph, []Finding) {
	n, _ := l.Node(node)
	mine := map[string]bool{}
	for _, r := range n.Roles {
		mine[r] = true
	}
	var out []Finding
	here := map[int]bool{}
	awayRoles := map[int][]string{}
	for _, r := range l.Roles {
		for _, name := range r.Services {
			i, ok := g.Find(name)
			if ok && g.Services[i].Hidden {
				ok = false
			}
			switch {
			case mine[r.Name]:
				if !ok || g.Services[i].Missing {
					out = append(out, Finding{
						Kind: KindUnknownService, Severity: Warning, Services: []string{name},
						Message: fmt.Sprintf("role %s names %s, which matches no service in this node's root", Short(r.Name), Short(name)),
						Sources: []Pos{r.Pos},
					})
				}
				if ok {
					here[i] = true
				}
			case ok:
				awayRoles[i] = append(awayRoles[i], r.Name)
			}
		}
	}

	g.index() // shared with the copy
	p := &Graph{Phases: g.Phases, Complete: g.Complete, Services: slices.Clone(g.Services), Edges: slices.Clip(g.Edges), byName: maps.Clone(g.byName), out: g.out, in: g.in}
	elsewhere := make([]bool, len(p.Services))
	type where struct {
		why       string
		elsewhere bool
	}
	wheres := map[string]where{} // by set of roles
	var onRole map[string][]string
	for i, roles := range awayRoles {
		if here[i] {
			continue
		}
		slices.Sort(roles)
		roles = slices.Compact(roles)
		key := strings.Join(roles, "\x00")
		w, ok := wheres[key]
		if !ok {
			if onRole == nil {
				onRole = nodesByRole(l)
			}
			w.why, w.elsewhere = whereElse(onRole, roles)
			wheres[key] = w
		}
		s := &p.Services[i]
		s.Away, s.Phase, s.Triggered, s.Pulled = w.why, NotStarted, false, false
		elsewhere[i] = w.elsewhere
	}
	away := func(name string) bool {
		i, ok := p.Lookup(name)
		return ok && p.Services[i].Away != ""
	}

	// Triggered services: those the layout keeps from starting, and those
	// that never started in the root but for a reason that is now away.
	for _, f := range Start(p) {
		if f.Kind != KindNeverStarts {
			out = append(out, f)
			continue
		}
		i, _ := p.Lookup(f.Services[0])
		out = append(out, crossOrNever(p, i, f, elsewhere)...)
	}
	for _, f := range fs {
		switch {
		case len(f.Services) > 0 && away(f.Services[0]):
			continue // not this node's
		case f.Kind == KindCycle && slices.ContainsFunc(f.Services, away):
			continue
		case f.Kind == KindNeverStarts && len(f.Services) > 1 && slices.ContainsFunc(f.Services[1:], away):
			if i, ok := p.Lookup(f.Services[0]); ok && p.Services[i].Triggered {
				nf, _ := neverStarts(p, i)
				out = append(out, crossOrNever(p, i, nf, elsewhere)...)
			}
			continue
		}
		out = append(out, f)
	}

	// Services that start whatever their dependencies (SysV scripts).
	for _, e := range p.Edges {
		from, to := &p.Services[e.From], &p.Services[e.To]
		if !e.Needs() || e.Any != 0 || to.Away == "" || !from.Started() || from.Triggered {
			continue
		}
		if elsewhere[e.To] {
			out = append(out, crossNode(p, e))
			continue
		}
		out = append(out, Finding{
			Kind: KindMissingDependency, Severity: Error, Services: []string{from.Name, to.Name},
			Message: fmt.Sprintf("%s %s %s: %s %s", Short(from.Name), e.Kind, edgeTarget(p, e), Short(to.Name), to.Away),
			Sources: []Pos{e.Pos},
		})
	}
	SortFindings(out)
	return p, out
}

// crossOrNever returns what to say of triggered service i, which never
// starts (f says why): cross-node findings when a condition it waits for
// first is met only on other nodes, else f.
func crossOrNever(g *Graph, i int, f Finding, elsewhere []bool) []Finding {
	var cross []Finding
	for _, k := range unmet(g, i) {
		if e := g.Edges[k]; elsewhere[e.To] {
			cross = append(cross, crossNode(g, e))
		}
	}
	if len(cross) == 0 {
		return []Finding{f}
	}
	return cross
}

func crossNode(g *Graph, e Edge) Finding {
	from, to := &g.Services[e.From], &g.Services[e.To]
	return Finding{
		Kind: KindCrossNode, Severity: Error, Services: []string{from.Name, to.Name},
		Message: fmt.Sprintf("%s %s %s, but %s %s: no init system orders across machines: wait for it over the network",
			Short(from.Name), e.Kind, edgeTarget(g, e), Short(to.Name), to.Away),
		Sources: []Pos{e.Pos},
	}
}

// nodesByRole returns the nodes of l that have each role.
func nodesByRole(l *Layout) map[string][]string {
	on := map[string][]string{}
	for _, n := range l.Nodes {
		for _, r := range n.Roles {
			on[r] = append(on[r], n.Name)
		}
	}
	return on
}

// whereElse says where the services of roles run, given the nodes of
// each role: "runs only on db1, db2 and db3", naming three nodes at most,
// or, when no node has any of the roles, "is on no node: no node has role
// cache"; elsewhere is false then.
func whereElse(onRole map[string][]string, roles []string) (why string, elsewhere bool) {
	var nodes []string
	for _, r := range roles {
		nodes = append(nodes, onRole[r]...)
	}
	if len(nodes) == 0 {
		what := "role " + roles[0]
		if len(roles) > 1 {
			what = "roles " + strings.Join(roles, ", ")
		}
		return "is on no node: no node has " + what, false
	}
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	const named = 3
	switch {
	case len(nodes) == 1:
		return "runs only on " + nodes[0], true
	case len(nodes) <= named:
		return "runs only on " + strings.Join(nodes[:len(nodes)-1], ", ") + " and " + nodes[len(nodes)-1], true
	}
	return fmt.Sprintf("runs only on %s and %d other nodes", strings.Join(nodes[:named], ", "), len(nodes)-named), true
}

// PerNode returns the findings of a group of nodes that boot the same
// graph: fs once for each node, with Node set, in the order of nodes.
func PerNode(fs []Finding, nodes []string) []Finding {
	out := make([]Finding, 0, len(fs)*len(nodes))
	for _, n := range nodes {
		for _, f := range fs {
			f.Node = n
			out = append(out, f)
		}
	}
	return out
}
