package parse

import (
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file and inventory_ini.go, inventory_yaml.go and hostrange.go read
// an Ansible inventory, as ansible-core 2.14's ini and yaml inventory
// plugins read it, into the nodes of a layout (SPEC §5, §6 --inventory):
// every host is a node, every group it is in (its own and, through
// children, their parents) is a role, and the host variable
// initorder_root, with Ansible's precedence (the host's own, then its
// groups' from the deepest, all's last), is the node's root. The roles'
// services come from the layout file.

// Inventory is an Ansible inventory: its hosts and groups.
type Inventory struct {
	Hosts  map[string]*InventoryHost
	Groups map[string]*InventoryGroup
}

// InventoryHost is a host and the groups that list it directly.
type InventoryHost struct {
	Name   string
	Pos    graph.Pos // where it is first listed
	Groups []string  // the groups that list it, in the order they do
	Vars   map[string]InventoryVar
}

// InventoryGroup is a group: the hosts it lists, its child groups, its
// variables and its depth below all (Ansible's: the longest path).
type InventoryGroup struct {
	Name     string
	Pos      graph.Pos
	Hosts    []string
	Children []string
	Vars     map[string]InventoryVar
	parents  []string
}

// InventoryVar is a variable's value as a string (Ansible would give it
// a type; initorder reads strings only) and where it is set.
type InventoryVar struct {
	Value string
	Pos   graph.Pos
}

func newInventory() *Inventory {
	inv := &Inventory{Hosts: map[string]*InventoryHost{}, Groups: map[string]*InventoryGroup{}}
	inv.group("all", graph.Pos{})
	inv.group("ungrouped", graph.Pos{})
	return inv
}

// group returns the group name, made at pos if it does not exist.
func (inv *Inventory) group(name string, pos graph.Pos) *InventoryGroup {
	g := inv.Groups[name]
	if g == nil {
		g = &InventoryGroup{Name: name, Pos: pos, Vars: map[string]InventoryVar{}}
		inv.Groups[name] = g
	}
	return g
}

// addHost lists host in group, made at pos if new.
func (inv *Inventory) addHost(group, host string, pos graph.Pos) *InventoryHost {
	h := inv.Hosts[host]
	if h == nil {
		h = &InventoryHost{Name: host, Pos: pos, Vars: map[string]InventoryVar{}}
		inv.Hosts[host] = h
	}
	g := inv.group(group, pos)
	if !slices.Contains(h.Groups, group) {
		h.Groups = append(h.Groups, group)
		g.Hosts = append(g.Hosts, host)
	}
	return h
}

// addChild makes child a child group of parent, as Inventory.add_child
// does; a group cannot be its own ancestor (Ansible refuses that too).
func (inv *Inventory) addChild(parent, child string, pos graph.Pos, errs *ErrorList) {
	p, c := inv.group(parent, pos), inv.group(child, pos)
	if parent == child || inv.ancestors(parent)[child] {
		errs.Errorf(pos, "", "adding group %s to group %s creates a recursive dependency loop", child, parent)
		return
	}
	if !slices.Contains(p.Children, child) {
		p.Children = append(p.Children, child)
		c.parents = append(c.parents, parent)
	}
}

// ancestors returns the groups above group, all included when reachable.
func (inv *Inventory) ancestors(group string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{group}
	for len(stack) > 0 {
		g := inv.Groups[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		if g == nil {
			continue
		}
		for _, p := range g.parents {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return seen
}

// reconcile does what Ansible's InventoryData.reconcile_inventory does
// after a file is parsed: a group with no parent is a child of all; a
// host in no group but all is in ungrouped, and a host in another group
// is not in ungrouped.
func (inv *Inventory) reconcile() {
	for _, name := range slices.Sorted(maps.Keys(inv.Groups)) {
		g := inv.Groups[name]
		if name != "all" && len(g.parents) == 0 {
			inv.Groups["all"].Children = append(inv.Groups["all"].Children, name)
			g.parents = append(g.parents, "all")
		}
	}
	ungrouped := inv.Groups["ungrouped"]
	for _, name := range slices.Sorted(maps.Keys(inv.Hosts)) {
		h := inv.Hosts[name]
		others := slices.DeleteFunc(slices.Clone(h.Groups), func(g string) bool { return g == "all" || g == "ungrouped" })
		switch {
		case len(others) > 0 && slices.Contains(h.Groups, "ungrouped"):
			h.Groups = slices.DeleteFunc(h.Groups, func(g string) bool { return g == "ungrouped" })
			ungrouped.Hosts = slices.DeleteFunc(ungrouped.Hosts, func(n string) bool { return n == name })
		case len(others) == 0 && !slices.Contains(h.Groups, "ungrouped"):
			h.Groups = append(h.Groups, "ungrouped")
			ungrouped.Hosts = append(ungrouped.Hosts, name)
		}
	}
}

// HostGroups returns every group host is in: those that list it and
// their ancestors, all included, sorted.
func (inv *Inventory) HostGroups(host string) []string {
	h := inv.Hosts[host]
	if h == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, g := range h.Groups {
		seen[g] = true
		for a := range inv.ancestors(g) {
			seen[a] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// depth is a group's depth below all: the longest path to it.
func (inv *Inventory) depth(group string, memo map[string]int) int {
	if d, ok := memo[group]; ok {
		return d
	}
	memo[group] = 0 // a loop (refused by addChild) would end here
	d := 0
	for _, p := range inv.Groups[group].parents {
		d = max(d, inv.depth(p, memo)+1)
	}
	memo[group] = d
	return d
}

// HostVar returns the variable key of host with Ansible's precedence:
// the host's own; else its groups', sorted by depth and then name, the
// last that sets it winning (a child group over its parent, all last).
func (inv *Inventory) HostVar(host, key string) (InventoryVar, bool) {
	h := inv.Hosts[host]
	if h == nil {
		return InventoryVar{}, false
	}
	if v, ok := h.Vars[key]; ok {
		return v, true
	}
	groups := inv.HostGroups(host)
	memo := map[string]int{}
	sort.SliceStable(groups, func(a, b int) bool { return inv.depth(groups[a], memo) < inv.depth(groups[b], memo) })
	var v InventoryVar
	found := false
	for _, g := range groups {
		if gv, ok := inv.Groups[g].Vars[key]; ok {
			v, found = gv, true
		}
	}
	return v, found
}

// ReadInventory reads an Ansible inventory, found at path: YAML when its
// name ends in .yml, .yaml or .json or its contents are a YAML mapping of
// groups, else INI. Errors (what Ansible refuses: an undefined child
// group, a bad host range, a group its own ancestor) make the inventory
// nil; warnings (what Ansible skips with a warning) do not.
func ReadInventory(data []byte, path string) (*Inventory, ErrorList) {
	file := filepath.ToSlash(path)
	var inv *Inventory
	var errs ErrorList
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".yml" || ext == ".yaml" || ext == ".json":
		inv, errs = inventoryYAML(data, file)
	case ext == "" && looksLikeYAMLInventory(data):
		inv, errs = inventoryYAML(data, file)
	default:
		inv, errs = inventoryINI(data, file)
	}
	errs.Sort()
	for _, e := range errs {
		if !e.Warning {
			return nil, errs
		}
	}
	inv.reconcile()
	return inv, errs
}

// InventoryLayout places the hosts of an inventory on a layout whose
// roles come from the layout file (SPEC §5, --inventory): each host is a
// node, its roles are the groups it is in that the layout defines, and
// its root is its initorder_root, relative to the inventory's directory.
// The layout file's [node] sections are not used (a warning says so),
// and a role that is no group of the inventory is a warning.
func InventoryLayout(layoutData []byte, layoutPath string, invData []byte, invPath string) (*graph.Layout, ErrorList) {
	l, errs := layout(layoutData, layoutPath, false)
	inv, ierrs := ReadInventory(invData, invPath)
	errs = append(errs, ierrs...)
	if l == nil || inv == nil {
		errs.Sort()
		return nil, errs
	}
	for _, n := range l.Nodes {
		errs.Warnf(n.Pos, "", "node %s: with --inventory the nodes are the inventory's hosts, ignoring it", n.Name)
	}
	l.Nodes = nil
	roles := map[string]bool{}
	for _, r := range l.Roles {
		roles[r.Name] = true
		if inv.Groups[r.Name] == nil {
			errs.Warnf(r.Pos, "", "role %s is no group of %s: no host has it", r.Name, filepath.ToSlash(invPath))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(inv.Hosts)) {
		h := inv.Hosts[name]
		n := graph.Node{Name: name, Pos: h.Pos}
		for _, g := range inv.HostGroups(name) {
			if roles[g] {
				n.Roles = append(n.Roles, g)
			}
		}
		if v, ok := inv.HostVar(name, "initorder_root"); ok && v.Value != "" {
			n.Root = v.Value
			if !filepath.IsAbs(n.Root) {
				n.Root = filepath.Join(filepath.Dir(invPath), n.Root)
			}
		}
		l.Nodes = append(l.Nodes, n)
	}
	if len(l.Nodes) == 0 {
		errs.Errorf(graph.Pos{File: filepath.ToSlash(invPath)}, "", "no host: the inventory places nothing")
		errs.Sort()
		return nil, errs
	}
	errs.Sort()
	return l, errs
}
