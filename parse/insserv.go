package parse

import (
	"bytes"
	"strings"

	"github.com/initorder/initorder/graph"
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

// builtinFacilities are the LSB system facilities (LSB 20.6): they exist
// even where no insserv.conf defines them, and are then empty.
var builtinFacilities = []string{"$local_fs", "$network", "$named", "$portmap", "$remote_fs", "$syslog", "$time"}

// InsservConf reads one insserv.conf-style file into facs, merging lines
// that name a facility already defined (insserv.conf.d files extend
// insserv.conf).
func InsservConf(data []byte, path string, facs map[string]*Facility) ErrorList {
	var errs ErrorList
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		pos := graph.Pos{File: path, Line: n}
		if len(line) > maxHeaderLine {
			errs.add(pos, "", true, "line of %d bytes, ignoring it", len(line))
			continue
		}
		text := string(trimCR(line))
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		name := f[0]
		switch {
		case strings.HasPrefix(name, "$") && len(name) > 1:
		case strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">"):
		default:
			errs.add(pos, "", true, "%q is not a $facility or <group>, ignoring the line", name)
			continue
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
				errs.add(pos, name, true, "empty member, ignoring")
				continue
			}
			fac.Members = append(fac.Members, Member{Name: m, Optional: opt, Pos: pos})
		}
	}
	return errs
}
