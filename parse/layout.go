package parse

import (
	"bytes"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"

	"github.com/initorder/initorder/graph"
)

// This file reads a layout (SPEC §5): an INI file in git-config style
// that places services on nodes.
//
//	[role "web"]
//	services = nginx, app-server
//	[node "web1"]
//	roles = web
//	root = images/web1.tar   ; optional, relative to the layout file
//
// gopkg.in/ini.v1 reads the values (comments, quoting, inline comments).
// It gives no line numbers, keeps the quotes in a section's name, merges
// repeated sections, lets the last of repeated keys win and fails on the
// first line it cannot read: a scan of the raw lines here finds every
// section header and key with its line, so that each of those is reported
// where it is, and only lines it can read go to ini.v1.

// layoutKeys are the keys each kind of section takes.
var layoutKeys = map[string][]string{
	"role": {"services"},
	"node": {"roles", "root"},
}

// rawSection is one section header as written and the keys under it.
type rawSection struct {
	header     string // between the brackets, as ini.v1 names the section
	kind, name string // role, web; "" for a header that is not [kind "name"]
	line       int
	keys       map[string]int // key -> line of its last occurrence
}

// Layout reads the layout file data, found at path, into a graph.Layout.
// Names in lists are separated by commas or blanks. A node's root is
// made relative to the directory of path. Errors (the layout cannot be
// used: a line that is not INI, a duplicate role or node, a node naming
// a role that no section defines, an empty file, no node) and warnings
// (an unknown section or key, a repeated key) come positioned and sorted
// by line; the layout is nil when there are errors.
func Layout(data []byte, path string) (*graph.Layout, ErrorList) {
	return layout(data, path, true)
}

// layout is Layout; without needNodes a layout with no node is no error
// (an inventory gives the nodes).
func layout(data []byte, path string, needNodes bool) (*graph.Layout, ErrorList) {
	file := filepath.ToSlash(path)
	var errs ErrorList
	sections, clean := scanLayout(data, file, &errs)
	if len(sections) == 0 && len(errs) == 0 {
		errs.Errorf(graph.Pos{File: file}, "", "empty layout: no [role \"NAME\"] or [node \"NAME\"] section")
		return nil, errs
	}
	f, err := ini.LoadSources(ini.LoadOptions{IgnoreContinuation: true}, clean)
	if err != nil {
		errs.Errorf(graph.Pos{File: file}, "", "%v", err)
		errs.Sort()
		return nil, errs
	}
	l := &graph.Layout{}
	first := map[[2]string]int{} // kind, name -> line of the first header
	roles := map[string]bool{}
	rolesLine := map[string]int{} // node -> line of its roles
	for _, s := range sections {
		if s.kind == "" {
			continue
		}
		pos := graph.Pos{File: file, Line: s.line}
		if at, dup := first[[2]string{s.kind, s.name}]; dup {
			errs.Errorf(pos, "", "duplicate section [%s]: the first is at line %d, and ini merges them", s.header, at)
			continue
		}
		first[[2]string{s.kind, s.name}] = s.line
		values := map[string]string{}
		for _, k := range f.Section(s.header).Keys() {
			values[k.Name()] = k.String()
		}
		switch s.kind {
		case "role":
			r := graph.Role{Name: s.name, Pos: pos}
			if line, ok := s.keys["services"]; ok {
				r.Pos.Line = line
			}
			r.Services = uniqueNames(values["services"], r.Pos, "services", &errs)
			roles[s.name] = true
			l.Roles = append(l.Roles, r)
		case "node":
			n := graph.Node{Name: s.name, Pos: pos}
			rolesLine[s.name] = s.keys["roles"]
			n.Roles = uniqueNames(values["roles"], graph.Pos{File: file, Line: s.keys["roles"]}, "roles", &errs)
			if root := values["root"]; root != "" {
				if !filepath.IsAbs(root) {
					root = filepath.Join(filepath.Dir(path), root)
				}
				n.Root = root
			}
			l.Nodes = append(l.Nodes, n)
		}
	}
	for _, n := range l.Nodes {
		for _, r := range n.Roles {
			if !roles[r] {
				errs.Errorf(graph.Pos{File: file, Line: rolesLine[n.Name]}, "roles", "node %s names role %s, which no [role %q] section defines", n.Name, r, r)
			}
		}
	}
	if len(l.Nodes) == 0 && needNodes {
		errs.Errorf(graph.Pos{File: file}, "", "no [node \"NAME\"] section: the layout places nothing")
	}
	errs.Sort()
	for _, e := range errs {
		if !e.Warning {
			return nil, errs
		}
	}
	return l, errs
}

// scanLayout finds the section headers and keys of data with their
// lines, reports what ini.v1 would fail on or silently merge, and returns
// the data with the lines it cannot read blanked out, for ini.v1.
func scanLayout(data []byte, file string, errs *ErrorList) ([]*rawSection, []byte) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := bytes.Split(data, []byte("\n"))
	var sections []*rawSection
	var cur *rawSection
	for k := 0; k < len(lines); k++ {
		pos := graph.Pos{File: file, Line: k + 1}
		if len(lines[k]) > maxLayoutLine {
			errs.Errorf(pos, "", "line of %d bytes: longer than %d, not read", len(lines[k]), maxLayoutLine)
			lines[k] = nil
			continue
		}
		line := strings.TrimLeftFunc(strings.TrimSuffix(string(lines[k]), "\r"), unicode.IsSpace)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			end := strings.LastIndexByte(line, ']')
			if end < 0 {
				errs.Errorf(pos, "", "section header without its closing ]")
				lines[k] = nil
				cur = nil
				continue
			}
			cur = &rawSection{header: line[1:end], line: k + 1, keys: map[string]int{}}
			sections = append(sections, cur)
			kind, name, ok := splitHeader(cur.header)
			switch {
			case layoutKeys[kind] != nil && !ok:
				errs.Errorf(pos, "", "[%s]: want [%s \"NAME\"]", cur.header, kind)
			case layoutKeys[kind] == nil:
				errs.Warnf(pos, "", "unknown section [%s], ignoring it", cur.header)
			default:
				cur.kind, cur.name = kind, name
			}
			continue
		}
		key, value, ok := splitKey(line)
		if !ok {
			errs.Errorf(pos, "", "%s is not a key = value line, a [section] or a comment", shortQuote(line))
			lines[k] = nil
			continue
		}
		// A value that opens """ or ` and does not close it goes on
		// until a line that does (ini.v1's multi-line values).
		value = strings.TrimLeftFunc(value, unicode.IsSpace)
		for _, q := range []string{`"""`, "`"} {
			if len(value) > len(q) && strings.HasPrefix(value, q) && !strings.Contains(value[len(q):], q) ||
				value == q {
				for k+1 < len(lines) && !bytes.Contains(lines[k+1], []byte(q)) {
					k++
				}
				k++
				break
			}
		}
		switch {
		case cur == nil:
			errs.Warnf(pos, key, "key outside any section, ignoring it")
		case cur.kind == "":
			// in a section already reported
		case !slices.Contains(layoutKeys[cur.kind], key):
			errs.Warnf(pos, key, "unknown key in [%s], ignoring it (want %s)", cur.header, strings.Join(layoutKeys[cur.kind], " or "))
		default:
			if at, dup := cur.keys[key]; dup {
				errs.Warnf(pos, key, "repeated key: the one at line %d is ignored, the last one wins", at)
			}
			cur.keys[key] = k + 1
		}
	}
	return sections, bytes.Join(lines, []byte("\n"))
}

// splitHeader splits a git-config style header, `role "web"`, into its
// kind and its name (with \" and \\ unescaped, as git config does).
func splitHeader(h string) (kind, name string, ok bool) {
	h = strings.TrimSpace(h)
	kind, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	if len(rest) < 3 || rest[0] != '"' || rest[len(rest)-1] != '"' {
		return kind, "", false
	}
	var b strings.Builder
	in := rest[1 : len(rest)-1]
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c == '\\' && i+1 < len(in) {
			i++
			c = in[i]
		} else if c == '"' {
			return kind, "", false
		}
		b.WriteByte(c)
	}
	return kind, b.String(), true
}

// splitKey splits a key line at its delimiter, = or :, as ini.v1 does,
// with a key in "", """ or ` quotes.
func splitKey(line string) (key, value string, ok bool) {
	for _, q := range []string{`"""`, `"`, "`"} {
		if !strings.HasPrefix(line, q) || (q == `"""` && len(line) <= 6) {
			continue
		}
		end := strings.Index(line[len(q):], q)
		if end < 0 {
			return "", "", false
		}
		end += len(q)
		i := strings.IndexAny(line[end+len(q):], "=:")
		if i < 0 {
			return "", "", false
		}
		return strings.TrimSpace(line[len(q):end]), line[end+len(q)+i+1:], true
	}
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return "", "", false
	}
	return strings.TrimSpace(line[:i]), line[i+1:], true
}

// uniqueNames splits a list of names at commas and blanks and keeps the
// first of each name; a name listed again is a warning, once per name.
func uniqueNames(v string, pos graph.Pos, key string, errs *ErrorList) []string {
	var out []string
	seen := map[string]int{}
	for _, n := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if seen[n]++; seen[n] == 1 {
			out = append(out, n)
		} else if seen[n] == 2 {
			errs.Warnf(pos, key, "%s is listed more than once, counting it once", n)
		}
	}
	return out
}

// maxLayoutLine is the longest layout line read: a line of names longer
// than this is not a layout someone wrote.
const maxLayoutLine = 64 << 10

// shortQuote quotes s for a message, cut to its first 60 bytes.
func shortQuote(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:60]) + "..."
	}
	return strconv.Quote(s)
}
