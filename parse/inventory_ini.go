package parse

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/initorder/initorder/graph"
)

// An INI inventory as ansible-core 2.14's ini plugin reads it
// (plugins/inventory/ini.py):
//
//	host0                      # before any section: ungrouped
//	[web]
//	web[01:03] initorder_root=images/web.tar
//	[web:vars]
//	ntp=ntp.example.com
//	[prod:children]
//	web
//
// Lines are stripped; those starting with # or ; are comments. A host
// line is split as shlex does with comments (quotes, backslashes, # to the
// end of the line): a host pattern, then key=value variables. A child
// group or a [GROUP:vars] section must name a group some section defines,
// before or after.

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// maxInventoryHosts bounds the hosts an inventory's ranges may make.
const maxInventoryHosts = 1_000_000

// pending is a group named before a section defines it: by [G:vars]
// (state vars), or as a child (state children, with its parents).
type pending struct {
	pos     graph.Pos
	state   string
	parents []string
}

func inventoryINI(data []byte, file string) (*Inventory, ErrorList) {
	inv := newInventory()
	var errs ErrorList
	waiting := map[string]*pending{}
	var order []string // the names of waiting, in the order they came
	group, state := "ungrouped", "hosts"
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for k, raw := range strings.Split(string(data), "\n") {
		pos := graph.Pos{File: file, Line: k + 1}
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if len(line) > maxLayoutLine {
			errs.Errorf(pos, "", "line of %d bytes: longer than %d, not read", len(line), maxLayoutLine)
			continue
		}
		if m := iniSection.FindStringSubmatch(line); m != nil {
			group, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				errs.Errorf(pos, "", "section [%s:%s] has unknown type: %s", group, state, state)
				state = "skip"
				continue
			}
			if inv.Groups[group] == nil {
				if state == "vars" && waiting[group] == nil {
					waiting[group] = &pending{pos: pos, state: "vars"}
					order = append(order, group)
				}
				inv.group(group, pos)
			}
			if p := waiting[group]; p != nil && state != "vars" {
				if p.state == "children" {
					inv.addPending(group, waiting, &errs)
				} else {
					delete(waiting, group)
				}
			}
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			errs.Errorf(pos, "", "invalid section entry: %s: make sure that there are no spaces in the section entry, and that there are no other invalid characters", shortQuote(line))
			state = "skip"
			continue
		}
		switch state {
		case "hosts":
			hosts, vars, err := iniHostLine(line)
			if err != "" {
				errs.Errorf(pos, "", "%s", err)
				continue
			}
			if len(inv.Hosts)+len(hosts) > maxInventoryHosts {
				errs.Errorf(pos, "", "more than %d hosts", maxInventoryHosts)
				return inv, errs
			}
			for _, h := range hosts {
				host := inv.addHost(group, h, pos)
				for _, v := range vars {
					host.Vars[v[0]] = InventoryVar{Value: v[1], Pos: pos}
				}
			}
		case "vars":
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				errs.Errorf(pos, "", "expected key=value, got: %s", shortQuote(line))
				continue
			}
			inv.Groups[group].Vars[strings.TrimSpace(key)] = InventoryVar{Value: iniValue(strings.TrimSpace(value)), Pos: pos}
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				errs.Errorf(pos, "", "expected group name, got: %s", shortQuote(line))
				continue
			}
			child := m[1]
			if inv.Groups[child] == nil {
				if p := waiting[child]; p != nil {
					p.parents = append(p.parents, group)
				} else {
					waiting[child] = &pending{pos: pos, state: "children", parents: []string{group}}
					order = append(order, child)
				}
			} else {
				inv.addChild(group, child, pos, &errs)
			}
		}
	}
	for _, g := range order {
		p := waiting[g]
		switch {
		case p == nil:
		case p.state == "vars":
			errs.Errorf(p.pos, "", "section [%s:vars] not valid for undefined group: %s", g, g)
		default:
			errs.Errorf(p.pos, "", "section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1], g)
		}
	}
	return inv, errs
}

// addPending links a group defined at last to the parents that named it
// as a child before, and on up their own pending parents
// (_add_pending_children).
func (inv *Inventory) addPending(group string, waiting map[string]*pending, errs *ErrorList) {
	p := waiting[group]
	delete(waiting, group)
	for _, parent := range p.parents {
		inv.addChild(parent, group, p.pos, errs)
		if pp := waiting[parent]; pp != nil && pp.state == "children" {
			inv.addPending(parent, waiting, errs)
		}
	}
}

// iniHostLine splits a host line into its hosts (the pattern expanded)
// and its variables, or says what is wrong with it.
func iniHostLine(line string) (hosts []string, vars [][2]string, problem string) {
	tokens, err := shlexSplit(line)
	if err != "" {
		return nil, nil, "error parsing host definition " + shortQuote(line) + ": " + err
	}
	if len(tokens) == 0 {
		return nil, nil, ""
	}
	hosts, perr := expandHostPattern(tokens[0])
	if perr != nil {
		return nil, nil, perr.Error()
	}
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return nil, nil, "expected key=value host variable assignment, got: " + shortQuote(t)
		}
		vars = append(vars, [2]string{k, iniValue(v)})
	}
	return hosts, vars, ""
}

// iniValue is a value as Ansible's _parse_value leaves it for a string:
// a Python string literal ('x' or "x") loses its quotes; anything else
// stays as written (numbers and booleans as their text).
func iniValue(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] && !strings.ContainsRune(v[1:len(v)-1], rune(v[0])) {
		return v[1 : len(v)-1]
	}
	return v
}

// shlexSplit splits s as Python's shlex.split(s, comments=True) does:
// blanks separate words, '...' and "..." quote (a backslash escapes \ and
// " inside double quotes, anything outside quotes), and # outside quotes
// ends the line.
func shlexSplit(s string) ([]string, string) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#':
			if inWord {
				out = append(out, cur.String())
			}
			return out, ""
		case c == '\\':
			if i+1 >= len(s) {
				return nil, "no escaped character"
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'' || c == '"':
			end := -1
			for j := i + 1; j < len(s); j++ {
				if s[j] == '\\' && c == '"' && j+1 < len(s) && (s[j+1] == '\\' || s[j+1] == '"') {
					cur.WriteByte(s[j+1])
					j++
					continue
				}
				if s[j] == c {
					end = j
					break
				}
				cur.WriteByte(s[j])
			}
			if end < 0 {
				return nil, "no closing quotation"
			}
			i = end
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, ""
}
