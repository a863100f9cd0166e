package sysv

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file reads the comment block of an init script, as specified by
// LSB Core 4.1, 20.3 "Comment Conventions for Init Scripts", with the
// Debian extensions X-Start-Before, X-Stop-After and X-Interactive, and
// Red Hat's "# chkconfig:" line.

// Field is the value of one header keyword and the line it was on.
type Field struct {
	Key    string // the keyword as LSB 20.3 spells it: "Required-Start"
	Values []string
	Pos    graph.Pos // zero when the keyword is absent
}

// Header is an LSB "### BEGIN INIT INFO" block.
type Header struct {
	Pos              graph.Pos // the BEGIN line
	XInteractive     bool
	ShortDescription string
	Description      string
	// fields are the list keywords the block has (listKeys), in the
	// order of their lines, each with its value as the line has it, a
	// part of the block: Field splits it into names when asked. A
	// million headers of two keywords each keep 48 bytes of fields
	// each, not 200 (a Field and a slice of names a keyword).
	fields []rawField
}

// rawField is a list keyword of a block: its value unsplit and its line.
type rawField struct {
	value string
	line  int32
	key   uint8 // index in listKeys
}

// listKeys are the keywords whose values are lists of names, as LSB 20.3
// spells them.
var listKeys = [...]string{"Provides", "Required-Start", "Required-Stop", "Should-Start", "Should-Stop", "X-Start-Before", "X-Stop-After", "Default-Start", "Default-Stop"}

// Field returns the field of the keyword key ("Provides"), the zero
// Field when the block does not have it.
func (h *Header) Field(key string) Field {
	v, pos, ok := h.raw(key)
	if !ok {
		return Field{}
	}
	return Field{Key: key, Values: splitNames(v), Pos: pos}
}

// raw returns the value of the keyword key as its line has it, unsplit,
// and the line; false when the block does not have it.
func (h *Header) raw(key string) (string, graph.Pos, bool) {
	for _, f := range h.fields {
		if listKeys[f.key] == key {
			return f.value, graph.Pos{File: h.Pos.File, Line: int(f.line)}, true
		}
	}
	return "", graph.Pos{}, false
}

// has reports whether the keyword key lists name, without splitting the
// list into a slice.
// appendNames appends to dst the names of the keyword key, as
// Field(key).Values has them, in no slice of their own: addServices asks
// a million headers, and the garbage of a slice each made the collector
// run again and again with the heap at its limit.
func (h *Header) appendNames(dst []string, key string) []string {
	v, _, _ := h.raw(key)
	for v != "" {
		i := strings.IndexFunc(v, isNameSep)
		if i < 0 {
			return append(dst, v)
		}
		if i > 0 {
			dst = append(dst, v[:i])
		}
		v = v[i+1:]
	}
	return dst
}

func (h *Header) has(key, name string) bool {
	v, _, _ := h.raw(key)
	for v != "" {
		i := strings.IndexFunc(v, isNameSep)
		if i < 0 {
			return v == name
		}
		if v[:i] == name {
			return true
		}
		v = v[i+1:]
	}
	return false
}

// Chkconfig is Red Hat's "# chkconfig: 2345 55 25" line: the runlevels
// and the start and stop priorities.
type Chkconfig struct {
	Pos         graph.Pos
	Levels      string // "-" for none
	Start, Stop int
}

// Script is an init script as far as ordering is concerned: its name, its
// header and its chkconfig line. The rest of the script is never looked at.
type Script struct {
	Name      string // file name in etc/init.d
	Path      string // relative to the root
	Header    *Header
	Chkconfig *Chkconfig
	Override  string // the override file whose header replaced the script's own
	Unread    bool   // the file could not be read: no header is known
}

// maxHeaderLine bounds one line of the comment block; script bodies may
// have lines of any length since they are never read.
const maxHeaderLine = 64 << 10

const (
	beginInitInfo = "### BEGIN INIT INFO"
	endInitInfo   = "### END INIT INFO"
)

// parseLSB reads the LSB comment block and the chkconfig line of the script
// data found at path. A script without a block has a nil Header; that is
// not an error. Problems inside the block are reported with their line
// and the rest of the block is still read.
func parseLSB(data []byte, path string) (*Script, parse.ErrorList) {
	s := &Script{Name: baseName(path), Path: path}
	var errs parse.ErrorList
	var h *Header
	var fields [len(listKeys)]rawField // h's list fields so far, fields[:nf]
	nf := 0
	var last *string         // the free-text field a continuation line extends
	seen := map[string]int{} // keyword -> its line
	n := 0
	// block is the INIT INFO block as one string, from the line after
	// BEGIN to the END line (headerBlock), and blockAt where it starts in
	// data: its lines are cut from it, not copied one by one.
	var block string
	blockAt, at := 0, 0
	all := data
	for len(data) > 0 {
		var line []byte
		at = len(all) - len(data)
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		pos := graph.Pos{File: path, Line: n}
		if h == nil {
			if s.Chkconfig == nil && bytes.HasPrefix(line, []byte("#")) && bytes.Contains(line, []byte("chkconfig:")) {
				if c, ok := chkconfigLine(string(trimCR(line)), pos, &errs); ok {
					s.Chkconfig = c
				}
			}
			// insserv: the block starts at the first line containing
			// "### BEGIN INIT INFO", leading blanks allowed.
			if bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(beginInitInfo)) && s.Header == nil {
				h = &Header{Pos: pos}
				blockAt = len(all) - len(data)
				block = headerBlock(data)
			}
			continue
		}
		if len(line) > maxHeaderLine {
			errs.Errorf(pos, "", "line of %d bytes in the INIT INFO block, ignoring it", len(line))
			last = nil
			continue
		}
		var text string
		if off := at - blockAt; off >= 0 && off+len(line) <= len(block) {
			text = block[off : off+len(trimCR(line))]
		} else {
			text = string(trimCR(line))
		}
		if strings.HasPrefix(strings.TrimLeft(text, " \t"), endInitInfo) {
			h.fields = slices.Clone(fields[:nf])
			h.compact()
			s.Header, h = h, nil
			continue
		}
		if !strings.HasPrefix(text, "#") {
			// insserv skips such a line silently.
			errs.Warnf(pos, "", "line in the INIT INFO block does not start with #, ignoring it")
			last = nil
			continue
		}
		body := text[1:]
		// LSB 20.3: "Additional lines of the description may be written
		// by starting a line with '#' followed by a tab or at least two
		// spaces."
		if last != nil && (strings.HasPrefix(body, "\t") || strings.HasPrefix(body, "  ")) {
			*last += " " + strings.TrimSpace(body)
			continue
		}
		last = nil
		key, value, ok := strings.Cut(strings.TrimLeft(body, " \t"), ":")
		if !ok || strings.ContainsAny(key, " \t") {
			if strings.TrimSpace(body) != "" {
				errs.Warnf(pos, "", "no keyword in %q, ignoring", strings.TrimSpace(body))
			}
			continue
		}
		// insserv: keys are case-insensitive and "-" and "_" are the same;
		// vendor keys X-<vendor>-Should-Start, -Start-Before, -Stop-After,
		// -Interactive count as the Debian ones.
		lower := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
		canon, known := lsbKeys[lower]
		if vendor, ok := strings.CutPrefix(lower, "x-"); ok && !known {
			for suffix, k := range vendorKeys {
				if v, ok := strings.CutSuffix(vendor, "-"+suffix); ok && v != "" {
					canon, known = k, true
				}
			}
		}
		if !known {
			if !strings.HasPrefix(strings.ToLower(key), "x-") {
				errs.Warnf(pos, key, "unknown keyword, ignoring")
			}
			continue
		}
		if line, dup := seen[canon]; dup {
			// insserv: the first occurrence of a key wins.
			errs.Warnf(pos, canon, "repeated keyword, ignoring it (line %d has it)", line)
			continue
		}
		seen[canon] = n
		value = strings.TrimLeft(value, " \t")
		// insserv reads a value as [[:print:]]*: it ends at the first tab.
		if v, rest, cut := strings.Cut(value, "\t"); cut {
			if strings.TrimSpace(rest) != "" {
				errs.Warnf(pos, canon, "insserv stops reading at a tab: %q is ignored", strings.TrimSpace(rest))
			}
			value = v
		}
		value = strings.TrimSpace(value)
		switch canon {
		case "Short-Description":
			h.ShortDescription = value
			last = &h.ShortDescription
		case "Description":
			h.Description = value
			last = &h.Description
		case "X-Interactive":
			h.XInteractive = value == "true"
		default:
			if k := slices.Index(listKeys[:], canon); k >= 0 && nf < len(fields) { // each keyword once (seen)
				fields[nf] = rawField{value: value, line: int32(n), key: uint8(k)}
				nf++
			}
		}
	}
	if h != nil {
		errs.Errorf(h.Pos, "", "%q without %q: the block is ignored", beginInitInfo, endInitInfo)
	}
	return s, errs
}

// compact copies what h keeps of its block, the values of its keywords
// and its descriptions, into one string of their own, so that the block
// is not kept for them: 16 bytes for a header of two short keywords, not
// the 64 of its block (a million of them), a few hundred for a real
// script's, not a few thousand.
func (h *Header) compact() {
	n := len(h.ShortDescription) + len(h.Description)
	for _, f := range h.fields {
		n += len(f.value)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range h.fields {
		b.WriteString(f.value)
	}
	b.WriteString(h.ShortDescription)
	b.WriteString(h.Description)
	kept := b.String()
	cut := func(v string) string {
		v, kept = kept[:len(v)], kept[len(v):]
		return v
	}
	for i := range h.fields {
		h.fields[i].value = cut(h.fields[i].value)
	}
	h.ShortDescription = cut(h.ShortDescription)
	h.Description = cut(h.Description)
}

// headerBlock returns data, which follows a BEGIN INIT INFO line, up to
// the end of its END INIT INFO line, as a string: the lines parseLSB keeps
// parts of, in one allocation. Without an END line it is all of data, up
// to maxHeaderLine bytes a line, as parseLSB reads it.
func headerBlock(data []byte) string {
	end := 0
	for end < len(data) {
		line, _, _ := bytes.Cut(data[end:], []byte("\n"))
		end += len(line) + 1
		if bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(endInitInfo)) {
			break
		}
		if end > 1<<20 {
			break // the rest is copied line by line, if it is read at all
		}
	}
	return string(data[:min(end, len(data))])
}

// vendorKeys are the keywords insserv also reads as X-<vendor>-<keyword>
// (X-UnitedLinux-Should-Start).
var vendorKeys = map[string]string{
	"should-start": "Should-Start",
	"should-stop":  "Should-Stop",
	"start-before": "X-Start-Before",
	"stop-after":   "X-Stop-After",
	"interactive":  "X-Interactive",
}

// lsbKeys maps the lower-case keywords to their spelling in LSB 20.3.
var lsbKeys = map[string]string{
	"provides":          "Provides",
	"required-start":    "Required-Start",
	"required-stop":     "Required-Stop",
	"should-start":      "Should-Start",
	"should-stop":       "Should-Stop",
	"x-start-before":    "X-Start-Before",
	"x-stop-after":      "X-Stop-After",
	"default-start":     "Default-Start",
	"default-stop":      "Default-Stop",
	"x-interactive":     "X-Interactive",
	"short-description": "Short-Description",
	"description":       "Description",
}

// splitNames splits a list of names at blanks, "," and ";" as insserv does.
func splitNames(s string) []string { return strings.FieldsFunc(s, isNameSep) }

func isNameSep(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' }

// chkconfigLine reads "# chkconfig: 2345 55 25".
func chkconfigLine(line string, pos graph.Pos, errs *parse.ErrorList) (*Chkconfig, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(strings.TrimPrefix(line, "#"), " \t"), "chkconfig:")
	if !ok {
		return nil, false
	}
	f := strings.Fields(rest)
	if len(f) != 3 {
		errs.Warnf(pos, "chkconfig", "want runlevels, start and stop priority, got %q, ignoring", strings.TrimSpace(rest))
		return nil, false
	}
	start, err1 := strconv.Atoi(f[1])
	stop, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || (f[0] != "-" && strings.Trim(f[0], "0123456") != "") {
		errs.Warnf(pos, "chkconfig", "cannot read %q, ignoring", strings.TrimSpace(rest))
		return nil, false
	}
	return &Chkconfig{Pos: pos, Levels: f[0], Start: start, Stop: stop}, true
}

func trimCR(b []byte) []byte { return bytes.TrimSuffix(b, []byte("\r")) }

func baseName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// String is a canonical dump of the script, used by golden tests.
func (s *Script) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "script %s (%s)\n", s.Name, s.Path)
	if s.Override != "" {
		fmt.Fprintf(&b, "override %s\n", s.Override)
	}
	if c := s.Chkconfig; c != nil {
		fmt.Fprintf(&b, "chkconfig %s %d %d (line %d)\n", c.Levels, c.Start, c.Stop, c.Pos.Line)
	}
	h := s.Header
	if h == nil {
		b.WriteString("no header\n")
		return b.String()
	}
	fmt.Fprintf(&b, "header (line %d)\n", h.Pos.Line)
	for _, k := range listKeys {
		if f := h.Field(k); f.Pos.Line != 0 {
			fmt.Fprintf(&b, "  %s: %q (line %d)\n", k, f.Values, f.Pos.Line)
		}
	}
	if h.XInteractive {
		b.WriteString("  X-Interactive: true\n")
	}
	if h.ShortDescription != "" {
		fmt.Fprintf(&b, "  Short-Description: %q\n", h.ShortDescription)
	}
	if h.Description != "" {
		fmt.Fprintf(&b, "  Description: %q\n", h.Description)
	}
	return b.String()
}
