package sysv

import (
	"bytes"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file reads /etc/insserv.conf and /etc/insserv.conf.d/*, insserv(8)
// "CONFIGURATION": a line "$facility member ..." defines a system
// facility; a member is a script name, another facility, or, with a
// leading "+", an optional one. "<interactive>" lists the scripts that
// need a terminal; other "<...>" groups are read and not used.

// Facility is a system facility ($remote_fs) and what makes it up.
type Facility struct {
	Name    string
	Members []Member
	Pos     graph.Pos // the first line that defined it
}

// Member is one name on a facility line.
type Member struct {
	Name     string
	Optional bool // written with a leading "+"
	Pos      graph.Pos
}

// builtinFacilities are the LSB system facilities (LSB 20.6). insserv
// itself knows only $all and $null; the others come from insserv.conf.
// Where a root has no insserv configuration at all they exist, empty, so
// that scripts of a root without insserv can still be ordered.
var builtinFacilities = []string{"$local_fs", "$network", "$named", "$portmap", "$remote_fs", "$syslog", "$time"}

// maxConfProblems is how many diagnostics one insserv.conf file gets
// before the rest of it is passed over: a file that bad is not one.
const maxConfProblems = 20

// parseInsservConf reads one insserv.conf-style file into facs, merging lines
// that name a facility already defined (insserv.conf.d files extend
// insserv.conf).
// A file with a NUL byte is not a configuration file: it is reported
// once and not read.
func parseInsservConf(data []byte, path string, facs map[string]*Facility) parse.ErrorList {
	var errs parse.ErrorList
	if i := bytes.IndexByte(data, 0); i >= 0 {
		errs.Warnf(graph.Pos{File: path, Line: bytes.Count(data[:i], []byte("\n")) + 1}, "", "binary file (NUL byte), ignoring it")
		return errs
	}
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		pos := graph.Pos{File: path, Line: n}
		if len(errs) >= maxConfProblems {
			errs.Warnf(pos, "", "%d problems already, ignoring the rest of the file", maxConfProblems)
			break
		}
		if len(line) > maxHeaderLine {
			errs.Warnf(pos, "", "line of %d bytes, ignoring it", len(line))
			continue
		}
		text := string(trimCR(line))
		// insserv (scan_conf_file): "#" comments only at the start of a
		// line, and a line that does not start with its name is dropped.
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if text[0] != '$' && text[0] != '<' {
			errs.Warnf(pos, "", "line does not start with a $facility or <group>, ignoring it")
			continue
		}
		// The name ends at a blank, "=" or ":"; the words after it are
		// split at blanks, "," and ";".
		end := strings.IndexAny(text, " \t=:")
		if end < 0 {
			end = len(text)
		}
		name, rest := text[:end], strings.TrimLeft(text[end:], " \t")
		if r, ok := strings.CutPrefix(rest, "="); ok {
			rest = r
		} else if r, ok := strings.CutPrefix(rest, ":"); ok {
			rest = r
		}
		if len(name) < 2 || (name[0] == '<') != strings.HasSuffix(name, ">") {
			errs.Warnf(pos, "", "%q is not a $facility or <group>, ignoring the line", name)
			continue
		}
		f := append([]string{name}, splitNames(rest)...)
		if i := strings.IndexByte(rest, '#'); i >= 0 {
			errs.Warnf(pos, name, "insserv reads %q as members, not as a comment", strings.TrimSpace(rest[i:]))
		}
		fac := facs[name]
		if fac == nil {
			fac = &Facility{Name: name, Pos: pos}
			facs[name] = fac
		}
		for _, m := range f[1:] {
			opt := strings.HasPrefix(m, "+")
			m = strings.TrimPrefix(m, "+")
			if m == "" {
				errs.Warnf(pos, name, "empty member, ignoring")
				continue
			}
			fac.Members = append(fac.Members, Member{Name: m, Optional: opt, Pos: pos})
		}
	}
	return errs
}
