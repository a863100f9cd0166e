package parse

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
)

// Error is a problem in an input file, positioned like modfile.Error:
// "etc/init.d/foo:7: Required-Start: unknown facility "$foo"".
type Error struct {
	Pos     graph.Pos
	Key     string // the keyword or stanza concerned, if any
	Err     error
	Warning bool // the input was used anyway ("..., ignoring")
}

func (e *Error) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %v", e.Pos, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Pos, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorList is a list of *Error, in the order they were found until
// Sort puts them in order of position (go/scanner.ErrorList).
type ErrorList []*Error

// Errorf adds an error at pos: input that could not be used.
func (l *ErrorList) Errorf(pos graph.Pos, key, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Key: key, Err: fmt.Errorf(format, args...)})
}

// Warnf adds a warning at pos: input that was used anyway ("..., ignoring").
func (l *ErrorList) Warnf(pos graph.Pos, key, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Key: key, Err: fmt.Errorf(format, args...), Warning: true})
}

// Sort sorts the list by file and line.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Pos.File != l[j].Pos.File {
			return l[i].Pos.File < l[j].Pos.File
		}
		return l[i].Pos.Line < l[j].Pos.Line
	})
}

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// String returns the list sorted by position, one error a line, a
// warning with "warning: " after its position: the form goldens hold. l
// is not modified.
func (l ErrorList) String() string {
	var b strings.Builder
	l = slices.Clone(l)
	l.Sort()
	for _, e := range l {
		s := e.Error()
		if e.Warning {
			s = strings.Replace(s, ": ", ": warning: ", 1)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Findings returns the list as parse-error findings: errors for input that
// could not be used, warnings for input that was used anyway.
func (l ErrorList) Findings() []graph.Finding {
	fs := make([]graph.Finding, 0, len(l))
	for _, e := range l {
		sev := graph.Error
		if e.Warning {
			sev = graph.Warning
		}
		msg := e.Err.Error()
		if e.Key != "" {
			msg = e.Key + ": " + msg
		}
		fs = append(fs, graph.Finding{Kind: graph.KindParseError, Severity: sev, Services: fileService(e.Pos.File), Message: msg, Sources: []graph.Pos{e.Pos}})
	}
	return fs
}

// FileError turns an error from reading the file at path into a
// positioned Error: "etc/init.d/foo: permission denied".
func FileError(path string, err error) *Error {
	return &Error{Pos: graph.Pos{File: path}, Err: UnwrapPath(err)}
}

// UnwrapPath returns the error inside a *fs.PathError, whose path (the
// file's path on this machine, not in the root) the caller says better.
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileService names the service a file defines, if it defines one: the
// script of etc/init.d/NAME, the job of etc/init/NAME.conf.
func fileService(path string) []string {
	if name, ok := strings.CutPrefix(path, "etc/init.d/"); ok {
		return []string{name}
	}
	if name, ok := strings.CutPrefix(path, "etc/init/"); ok {
		return []string{strings.TrimSuffix(strings.TrimSuffix(name, ".conf"), ".override")}
	}
	return []string{}
}

// FileKind names the type of a file that is not a regular one, as a
// message says it: "a FIFO", "a character device".
func FileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a block device"
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}
