package systemd

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file lexes unit files and drop-ins as config_parse() and
// parse_line() in systemd 252's src/shared/conf-parser.c do, reading lines
// as read_line() in src/basic/fileio.c does. systemd.syntax(7) and
// systemd.unit(5) describe the format.

// Option is one assignment of a unit file or drop-in.
type Option struct {
	Section, Name, Value string
	Pos                  graph.Pos // file and line of the assignment (the first line, for continued lines)
}

// UnitFile is one parsed unit file or drop-in, positioned.
type UnitFile struct {
	Path string
	// Options are the assignments in order, empty ones included; a
	// dependency of [Unit] repeated word for word is kept once, at its
	// first line (unitParser.repeated).
	Options []Option
	// Err is the error that made systemd stop reading the file, nil when
	// it was read to the end. Options holds what came before it: systemd
	// applies those, and refuses to load a unit whose fragment has one
	// (load state "error"); a drop-in with one is applied up to it.
	Err *parse.Error
}

// longLineMax is LONG_LINE_MAX: read_line() fails on a line of this many
// bytes or more, and config_parse() on a continued line longer than it.
const longLineMax = 1 << 20

// maxUnitFileWarnings bounds the warnings of one file: a binary file gives
// a few, not thousands.
const maxUnitFileWarnings = 10

// unitWhitespace is systemd's WHITESPACE.
const unitWhitespace = " \t\n\r"

// isUnitSpace reports whether c is one of unitWhitespace.
func isUnitSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// trimUnitSpace is strings.Trim(s, unitWhitespace), without the set
// strings.Trim makes of its cutset at each call (three calls a line).
func trimUnitSpace(s string) string {
	for len(s) > 0 && isUnitSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isUnitSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

const utf8BOM = "\xef\xbb\xbf"

// parseUnitFile reads data as systemd reads a unit file or drop-in: lines
// end at "\n", "\r", "\r\n" or NUL; a line whose first non-blank character
// is "#" or ";" is a comment, even between continued lines; a line ending in
// an odd number of backslashes continues on the next, the last backslash
// becoming a space; "[Section]" starts a section; "Key=Value" is an
// assignment, both sides stripped of blanks. A line without "=" or without
// a key, or an assignment before the first section, is a warning and
// ignored. A line of 1 MiB or more, a bad section header or a line that is
// not UTF-8 stops the reading with an error, as in systemd (UnitFile.Err).
//
// Unknown sections and keys are kept: which ones apply is the reader's
// business. It runs in time linear in len(data) and does not modify data.
func parseUnitFile(data []byte, path string) (*UnitFile, parse.ErrorList) {
	p := &unitParser{f: &UnitFile{Path: path}, data: data}
	if len(data) <= wholeTextMax {
		p.text = string(data)
	}
	// An assignment has a "=": room for those of a usual unit file in
	// one allocation (a hostile file of "=" grows the slice as it goes).
	p.f.Options = make([]Option, 0, min(bytes.Count(data, []byte("=")), 64))
	p.run()
	return p.f, p.errs
}

// wholeTextMax bounds the files whose options are cut from one string
// of the whole file (one allocation a file, not one a line): a bigger
// file, mostly comments or hostile, has each line copied, so that what
// its options keep is only what they say.
const wholeTextMax = 64 << 10

type unitParser struct {
	f       *UnitFile
	data    []byte
	text    string // data as a string, when it is at most wholeTextMax
	off     int    // read position in data
	start   int    // where the line readLine returned starts
	line    int    // physical lines read
	errs    parse.ErrorList
	warned  int
	section string
	inside  bool // a section header was read ("[]" names the section "")
	// The [Unit] dependencies assigned so far, name and value (repeated):
	// the first few in few, the rest in deps.
	few  [8][2]string
	nfew int
	deps map[[2]string]bool
}

// readLine returns the next line as read_line(f, LONG_LINE_MAX) does; ok is
// false at the end, long is true when the line reaches longLineMax.
func (p *unitParser) readLine() (line []byte, ok, long bool) {
	if p.off >= len(p.data) {
		return nil, false, false
	}
	start := p.off
	p.start = start
	i := start
	for i < len(p.data) && p.data[i] != '\n' && p.data[i] != '\r' && p.data[i] != 0 {
		i++
	}
	if i-start >= longLineMax {
		return p.data[start : start+longLineMax], true, true
	}
	line = p.data[start:i]
	// Swallow one end-of-line marker: a run of "\n", "\r" and NUL where
	// no kind repeats and nothing follows a NUL.
	const nl, cr, nul = 1, 2, 4
	seen := 0
	for i < len(p.data) {
		var k int
		switch p.data[i] {
		case '\n':
			k = nl
		case '\r':
			k = cr
		case 0:
			k = nul
		}
		if k == 0 || seen&k != 0 || seen&nul != 0 {
			break
		}
		seen |= k
		i++
	}
	p.off = i
	return line, true, false
}

func (p *unitParser) run() {
	var cont []byte // the continued line so far, nil when none
	contLine := 0
	bomSeen := false
	for {
		buf, ok, long := p.readLine()
		if !ok {
			break
		}
		p.line++
		if long {
			p.fatal(p.line, "", fmt.Errorf("line too long: %d bytes or more, systemd reads at most %d", longLineMax, longLineMax-1))
			return
		}
		c := buf
		for len(c) > 0 && isUnitSpace(c[0]) {
			c = c[1:]
		}
		if len(c) > 0 && (c[0] == '#' || c[0] == ';') {
			continue
		}
		l := buf
		if !bomSeen && bytes.HasPrefix(l, []byte(utf8BOM)) {
			l = l[len(utf8BOM):]
			bomSeen = true
		}
		lineStart := p.start + len(buf) - len(l)
		if cont != nil {
			if len(cont)+len(l) > longLineMax {
				p.fatal(contLine, "", fmt.Errorf("continued line too long: more than %d bytes", longLineMax))
				return
			}
			cont = append(cont, l...)
		}
		// The backslash state at the start of l is always "not escaped":
		// a continued line ends in the space that replaced its backslash.
		escaped := false
		for _, c := range l {
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			}
		}
		if escaped {
			if cont == nil {
				cont = append([]byte(nil), l...)
				contLine = p.line
			}
			cont[len(cont)-1] = ' '
			continue
		}
		at := p.line
		if cont != nil {
			at = contLine
		}
		var text string
		switch {
		case cont != nil:
			text = string(cont)
		case p.text != "":
			text = p.text[lineStart : lineStart+len(l)]
		default:
			text = string(l)
		}
		if !p.parseLine(text, at) {
			return
		}
		cont = nil
	}
	if cont != nil {
		p.parseLine(string(cont), contLine)
	}
}

// parseLine reads one logical line (parse_line); false means systemd
// stops reading the file.
func (p *unitParser) parseLine(text string, line int) bool {
	l := trimUnitSpace(text)
	if l == "" {
		return true
	}
	if !validConfUTF8(l) {
		// systemd logs this as a warning but config_parse() fails: the
		// whole file is refused.
		p.fatal(line, "", fmt.Errorf("String is not UTF-8 clean, ignoring assignment: %s", clipText(strings.ToValidUTF8(l, "\uFFFD"))))
		return false
	}
	if l[0] == '[' {
		if l[len(l)-1] != ']' {
			//lint:ignore ST1005 systemd's own message, verbatim
			p.fatal(line, "", fmt.Errorf("Invalid section header '%s'", clipText(l)))
			return false
		}
		name := l[1 : len(l)-1]
		if !stringIsSafe(name) {
			//lint:ignore ST1005 systemd's own message, verbatim
			p.fatal(line, "", fmt.Errorf("Bad characters in section header '%s'", clipText(l)))
			return false
		}
		p.section, p.inside = name, true
		return true
	}
	if !p.inside {
		p.warn(line, "Assignment outside of section. Ignoring.")
		return true
	}
	e := strings.IndexByte(l, '=')
	switch {
	case e < 0:
		p.warn(line, "Missing '=', ignoring line.")
	case e == 0:
		p.warn(line, "Missing key name before '=', ignoring line.")
	default:
		o := Option{
			Section: p.section,
			Name:    trimUnitSpace(l[:e]),
			Value:   trimUnitSpace(l[e+1:]),
			Pos:     graph.Pos{File: p.f.Path, Line: line},
		}
		if p.repeated(o) {
			return true
		}
		p.f.Options = append(p.f.Options, o)
	}
	return true
}

// repeated reports whether o is a dependency of [Unit] that the file
// already assigned word for word. Those lists are never reset (unitDeps)
// and systemd keeps each dependency once (unit_add_dependency adds to a
// set), so the repeat changes nothing and is not kept: an 8 MiB file of
// "After=a" lines is one option, not a million.
func (p *unitParser) repeated(o Option) bool {
	if o.Section != "Unit" || !isUnitDep(o.Name) {
		return false
	}
	k := [2]string{o.Name, o.Value}
	if p.deps == nil {
		// A unit file has a few (no map for each of 10,000 files); a
		// hostile one has a million.
		if slices.Contains(p.few[:p.nfew], k) {
			return true
		}
		if p.nfew < len(p.few) {
			p.few[p.nfew] = k
			p.nfew++
			return false
		}
		p.deps = make(map[[2]string]bool, 2*len(p.few))
		for _, d := range p.few {
			p.deps[d] = true
		}
	}
	if p.deps[k] {
		return true
	}
	p.deps[k] = true
	return false
}

// isUnitDep reports whether name is one of unitDeps, or an older
// spelling of one.
func isUnitDep(name string) bool {
	if _, ok := compatNames["Unit."+name]; ok {
		return true
	}
	return slices.Contains(unitDeps, name)
}

func (p *unitParser) fatal(line int, key string, err error) {
	p.f.Err = &parse.Error{Pos: graph.Pos{File: p.f.Path, Line: line}, Key: key, Err: err}
	p.errs = append(p.errs, p.f.Err)
}

func (p *unitParser) warn(line int, msg string) {
	p.warned++
	switch {
	case p.warned < maxUnitFileWarnings:
		p.errs.Warnf(graph.Pos{File: p.f.Path, Line: line}, "", "%s", msg)
	case p.warned == maxUnitFileWarnings:
		p.errs.Warnf(graph.Pos{File: p.f.Path, Line: line}, "", "%s (and more such lines, not reported)", msg)
	}
}

// validConfUTF8 is systemd's utf8_is_valid(): well-formed UTF-8 without
// surrogates and without the noncharacters U+FDD0..U+FDEF and U+xFFFE/F.
func validConfUTF8(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE {
			return false
		}
		i += n
	}
	return true
}

// stringIsSafe is string_is_safe(): no control characters, quotes or
// backslashes.
func stringIsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > 0 && c < ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

// clipText shortens s for a message.
func clipText(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
