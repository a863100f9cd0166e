package parse

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/initorder/initorder/graph"
)

// A YAML inventory as ansible-core 2.14's yaml plugin reads it
// (plugins/inventory/yaml.py):
//
//	all:
//	  children:
//	    web:
//	      hosts:
//	        web[01:03]:
//	          initorder_root: images/web.tar
//	      vars: {ntp: ntp.example.com}
//
// Each top-level key is a group; a group is a mapping of hosts, vars and
// children (a string stands for a mapping with that one key); a host maps
// to its variables. Anything else Ansible skips with a warning, and so do
// we. The YAML is read by go.yaml.in/yaml/v3, the maintained line of the
// yaml.v3 code base, into its node tree, which gives every key its line;
// aliases are followed within a budget (a "billion laughs" ends there).

// maxYAMLNodes bounds the nodes an inventory's aliases may expand to.
const maxYAMLNodes = 1_000_000

type yamlInventory struct {
	inv   *Inventory
	file  string
	errs  ErrorList
	nodes int
	said  bool // that there are more than maxYAMLNodes
}

func inventoryYAML(data []byte, file string) (*Inventory, ErrorList) {
	r := &yamlInventory{inv: newInventory(), file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		r.errs.Errorf(graph.Pos{File: file}, "", "%v", err)
		return r.inv, r.errs
	}
	root := r.resolve(&doc)
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = r.resolve(root.Content[0])
	}
	switch {
	case root == nil || root.Kind == 0 || root.Kind == yaml.DocumentNode || isNull(root):
		r.errs.Errorf(graph.Pos{File: file}, "", "parsed empty YAML file")
		return r.inv, r.errs
	case root.Kind != yaml.MappingNode:
		r.errs.Errorf(r.pos(root), "", "YAML inventory has invalid structure, it should be a dictionary")
		return r.inv, r.errs
	}
	for k := 0; k+1 < len(root.Content); k += 2 {
		if root.Content[k].Value == "plugin" {
			r.errs.Errorf(r.pos(root.Content[k]), "", "plugin configuration YAML file, not YAML inventory")
			return r.inv, r.errs
		}
	}
	for k := 0; k+1 < len(root.Content); k += 2 {
		r.group(root.Content[k], root.Content[k+1], 0)
	}
	return r.inv, r.errs
}

// looksLikeYAMLInventory reports whether data, a file without a suffix,
// is a YAML mapping (Ansible tries its yaml plugin first on such files).
func looksLikeYAMLInventory(data []byte) bool {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return false
	}
	return doc.Content[0].Kind == yaml.MappingNode && !bytes.HasPrefix(bytes.TrimSpace(data), []byte("["))
}

func (r *yamlInventory) pos(n *yaml.Node) graph.Pos { return graph.Pos{File: r.file, Line: n.Line} }

// resolve follows an alias, counting what it costs.
func (r *yamlInventory) resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < maxHopsYAML; hops++ {
		n = n.Alias
	}
	r.nodes++
	return n
}

const maxHopsYAML = 64

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (r *yamlInventory) over() bool {
	if r.nodes > maxYAMLNodes && !r.said {
		r.said = true
		r.errs.Errorf(graph.Pos{File: r.file}, "", "more than %d YAML nodes (aliases expanded): not read further", maxYAMLNodes)
	}
	return r.said
}

// group reads the group named by key (_parse_group) and returns its name,
// or "" when Ansible skips it.
func (r *yamlInventory) group(key, val *yaml.Node, depth int) string {
	key, val = r.resolve(key), r.resolve(val)
	if r.over() || key == nil || val == nil {
		return ""
	}
	name := key.Value
	if depth > 64 {
		r.errs.Errorf(r.pos(key), "", "group %s: children nested more than 64 deep", name)
		return ""
	}
	if val.Kind != yaml.MappingNode && !isNull(val) {
		r.errs.Warnf(r.pos(key), "", "skipping %q as this is not a valid group definition", name)
		return ""
	}
	r.inv.group(name, r.pos(key))
	if isNull(val) {
		return name
	}
	for k := 0; k+1 < len(val.Content); k += 2 {
		section, data := r.resolve(val.Content[k]), r.resolve(val.Content[k+1])
		s := section.Value
		if (s == "vars" || s == "children" || s == "hosts") && data.Kind == yaml.ScalarNode && !isNull(data) {
			// a string stands for {string: null}
			data = &yaml.Node{Kind: yaml.MappingNode, Line: data.Line, Content: []*yaml.Node{data, {Kind: yaml.ScalarNode, Tag: "!!null", Line: data.Line}}}
		}
		switch {
		case (s == "vars" || s == "children" || s == "hosts") && data.Kind != yaml.MappingNode && !isNull(data):
			r.errs.Errorf(r.pos(section), "", "invalid %q entry for %q group, requires a dictionary", s, name)
		case data.Kind != yaml.MappingNode && !isNull(data):
			r.errs.Warnf(r.pos(section), "", "skipping key (%s) in group (%s) as it is not a mapping", s, name)
		case isNull(data):
		case s == "vars":
			r.vars(data, r.inv.Groups[name].Vars)
		case s == "children":
			for c := 0; c+1 < len(data.Content); c += 2 {
				if child := r.group(data.Content[c], data.Content[c+1], depth+1); child != "" {
					r.inv.addChild(name, child, r.pos(data.Content[c]), &r.errs)
				}
			}
		case s == "hosts":
			for h := 0; h+1 < len(data.Content); h += 2 {
				r.hosts(name, r.resolve(data.Content[h]), r.resolve(data.Content[h+1]))
			}
		default:
			r.errs.Warnf(r.pos(section), "", "skipping unexpected key (%s) in group (%s), only \"vars\", \"children\" and \"hosts\" are valid", s, name)
		}
	}
	return name
}

// hosts adds the hosts of a pattern to group, with their variables.
func (r *yamlInventory) hosts(group string, pattern, vars *yaml.Node) {
	if r.over() || pattern == nil || vars == nil {
		return
	}
	names, err := expandHostPattern(pattern.Value)
	if err != nil {
		r.errs.Errorf(r.pos(pattern), "", "%v", err)
		return
	}
	if len(r.inv.Hosts)+len(names) > maxInventoryHosts {
		r.errs.Errorf(r.pos(pattern), "", "more than %d hosts", maxInventoryHosts)
		return
	}
	hv := map[string]InventoryVar{}
	if vars.Kind == yaml.MappingNode {
		r.vars(vars, hv)
	}
	for _, n := range names {
		h := r.inv.addHost(group, n, r.pos(pattern))
		for k, v := range hv {
			h.Vars[k] = v
		}
	}
}

// vars reads a mapping of variables into into, later keys winning, a
// merge key (<<) merging its mapping in first.
func (r *yamlInventory) vars(m *yaml.Node, into map[string]InventoryVar) {
	for k := 0; k+1 < len(m.Content); k += 2 {
		key, val := r.resolve(m.Content[k]), r.resolve(m.Content[k+1])
		if r.over() || key == nil || val == nil {
			return
		}
		if key.Tag == "!!merge" || key.Value == "<<" && key.Style == 0 {
			if val.Kind == yaml.MappingNode {
				r.vars(val, into)
			}
			continue
		}
		v := ""
		if val.Kind == yaml.ScalarNode && !isNull(val) {
			v = val.Value
		}
		into[key.Value] = InventoryVar{Value: v, Pos: r.pos(key)}
	}
}
