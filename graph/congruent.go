package graph

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// Congruence says whether the nodes of one role of a layout boot alike.
type Congruence struct {
	Role      string
	Nodes     []string    // the role's nodes, sorted
	Reference string      // the node the others are compared with
	Differ    []NodeDrift // the nodes whose boot differs from Reference's, sorted
}

// NodeDrift is the drift of one node from its role's reference node.
type NodeDrift struct {
	Node  string
	Drift Drift
}

// Congruent returns, for each role of l that has nodes among groups, the
// nodes whose boot differs from the others of that role. groups are the
// nodes in groups that boot alike (Layout.Groups) and sides[k] is the
// boot of groups[k].
//
// The reference of a role is the boot most of its nodes have (two boots
// are alike when they list the same services in the same waves and have
// the same findings); on a tie, the boot of the node that sorts first.
// The reference node is the first node, by name, with that boot. Every
// other node is compared with it by Diff, and listed when the drift is
// not empty. A node with more roles than the reference boots the
// services of those roles too, and differs by them.
//
// The result is sorted by role. It runs one Diff for each distinct
// boot of a role that is not its reference.
func Congruent(l *Layout, groups [][]string, sides []Side) []Congruence {
	groupOf := map[string]int{}
	for k, nodes := range groups {
		for _, n := range nodes {
			groupOf[n] = k
		}
	}
	sigs := make([][sha256.Size]byte, len(sides))
	for k := range sides {
		sigs[k] = signature(sides[k])
	}
	roles := map[string][]string{} // role: its nodes among groups
	for _, n := range l.Nodes {
		if _, ok := groupOf[n.Name]; !ok {
			continue
		}
		for _, r := range n.Roles {
			if ns := roles[r]; len(ns) == 0 || ns[len(ns)-1] != n.Name {
				roles[r] = append(roles[r], n.Name)
			}
		}
	}
	names := make([]string, 0, len(roles))
	for r := range roles {
		names = append(names, r)
	}
	sort.Strings(names)
	type pair struct{ ref, other int }
	drifts := map[pair]Drift{}
	var out []Congruence
	for _, r := range names {
		nodes := roles[r]
		sort.Strings(nodes)
		nodes = slices.Compact(nodes)
		count := map[[sha256.Size]byte]int{}
		for _, n := range nodes {
			count[sigs[groupOf[n]]]++
		}
		ref := nodes[0]
		for _, n := range nodes[1:] {
			if count[sigs[groupOf[n]]] > count[sigs[groupOf[ref]]] {
				ref = n
			}
		}
		c := Congruence{Role: r, Nodes: nodes, Reference: ref}
		for _, n := range nodes {
			gr, gn := groupOf[ref], groupOf[n]
			if sigs[gn] == sigs[gr] {
				continue
			}
			d, ok := drifts[pair{gr, gn}]
			if !ok {
				d = Diff(sides[gr], sides[gn])
				drifts[pair{gr, gn}] = d
			}
			if !d.Empty() {
				c.Differ = append(c.Differ, NodeDrift{Node: n, Drift: onNodes(d, ref, n)})
			}
		}
		out = append(out, c)
	}
	return out
}

// onNodes returns d with the node of its findings set: b for the new
// ones, a for those gone.
func onNodes(d Drift, a, b string) Drift {
	d.New = slices.Clone(d.New)
	for k := range d.New {
		d.New[k].Node = b
	}
	d.Gone = slices.Clone(d.Gone)
	for k := range d.Gone {
		d.Gone[k].Node = a
	}
	return d
}

// signature is a digest of what Diff compares of s: equal signatures
// mean an empty drift.
func signature(s Side) [sha256.Size]byte {
	lines := make([]string, 0, len(s.Schedule.Steps)+1+len(s.Findings))
	for _, st := range s.Schedule.Steps {
		lines = append(lines, "s"+strconv.Itoa(st.Wave)+"\x00"+s.Graph.Services[st.Service].Name)
	}
	for _, f := range s.Findings {
		lines = append(lines, "f"+findingKey(f))
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%d:%s", len(l), l)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
