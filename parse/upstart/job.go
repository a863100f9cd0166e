package upstart

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file reads upstart 1.x job files as init(5) describes them and as
// upstart's init/parse_job.c and init/conf.c read them: the stanzas of
// etc/init/**/NAME.conf, then those of NAME.override on top.

// Job is an upstart job: one etc/init/NAME.conf, with its NAME.override applied.
type Job struct {
	Name        string            // path below etc/init without ".conf": "net/apache"
	Path        string            // "etc/init/net/apache.conf" (relative to the root)
	Override    string            // "etc/init/net/apache.override" when one was applied
	StartOn     *Expr             // nil when there is none
	StopOn      *Expr             // nil when there is none
	Manual      bool              // a "manual" stanza (in .conf or .override) after the last start on: StartOn is ignored
	Task        bool              // "task"
	Instance    string            // the instance stanza's value, "" if none
	Emits       []Emit            // "emits" stanzas: one Emit per event name listed
	ScriptEmits []Emit            // "initctl emit [--no-wait] NAME [KEY=VALUE]..." in exec lines and script blocks of all processes
	Scripts     []Command         // upstart's commands (initctl emit, start, stop, restart, telinit) in exec lines and script blocks, in file order
	Env         map[string]string // "env KEY=VALUE" (and "env KEY" with no value: ""), used for $VAR in expressions
	Export      []string          // "export" stanzas, in order
	Import      []string          // ChromeOS's "import" stanzas: the variables the job takes from what starts it
	Tmpfiles    []string          // ChromeOS's "tmpfiles" stanzas: tmpfiles.d files applied before the job starts
	Description string            // "description"
	Pos         graph.Pos         // the file, line 0

	Respawn  bool   // "respawn" (without "limit")
	Expect   string // "expect": "fork", "daemon", "stop", "none" or ""
	Rejected bool   // upstart would not load the job: the .conf or .override has an error; the fields hold what could be read

	procs map[string][]Command // upstart's commands per process ("main", "pre-start" ...): a new exec or script replaces them
}

// Emit is one event a job emits, with the arguments given (positional or
// KEY=VALUE), and where.
type Emit struct {
	Event string
	Args  []string
	Pos   graph.Pos
}

func (e Emit) String() string {
	s := quoteToken(e.Event)
	for _, a := range e.Args {
		s += " " + quoteToken(a)
	}
	return s
}

// maxJobErrors bounds the diagnostics of one file: past it, the file is
// not worth reading on (upstart stops at the first).
const maxJobErrors = 20

// parseJob parses one job file. name is the job name, path its
// root-relative path.
//
// upstart itself stops at the first error and does not load the job at
// all (conf_reload_path logs "path:line: message"). This function reports
// every error, with upstart's message, drops the stanza in error, goes on
// with the next one and marks the job Rejected.
func parseJob(data []byte, name, path string) (*Job, parse.ErrorList) {
	j := &Job{Name: name, Path: path, Pos: graph.Pos{File: path}, Env: map[string]string{}}
	return j, j.parse(data, path)
}

// applyOverride applies an .override file to job, as upstart does: it
// parses the override "on top" of the job (parse_job with the existing
// JobClass), so each stanza does what it does in a .conf. init(5),
// "Override File Handling": the stanzas it contains "take precedence
// over those equivalently named stanzas". A stanza that holds one value
// replaces it (start on, stop on, instance, description, exec and
// script of a process, expect ...); the list stanzas add to the list
// (emits, env, export: nih_str_array_addp), env replacing a key;
// "manual" drops the start on read so far.
func applyOverride(job *Job, data []byte, path string) parse.ErrorList {
	job.Override = path
	return job.parse(data, path)
}

// jobParser reads the stanzas of one file into a job.
type jobParser struct {
	job  *Job
	path string
	l    lexer
}

// stanzaError is a stanza that could not be read; synced means the lexer
// is already past it.
type stanzaError struct {
	line   int
	key    string
	err    error
	synced bool
}

// errorf positions err on the current line, or for a token that runs to
// the end of the file (upstart reports the end), where it starts.
func (p *jobParser) errorf(key string, err error) *stanzaError {
	line := p.l.line
	if errors.Is(err, errUnterminatedQuote) || errors.Is(err, errTrailingSlash) {
		line = p.l.tokLine
	}
	return &stanzaError{line: line, key: key, err: err}
}

// parse reads the stanzas of data as nih_config_parse_file does: blank
// lines and comments are skipped, and every other line starts with a
// stanza keyword.
func (j *Job) parse(data []byte, path string) parse.ErrorList {
	var errs parse.ErrorList
	if i := bytes.IndexByte(data, 0); i >= 0 {
		errs.Errorf(graph.Pos{File: path, Line: bytes.Count(data[:i], []byte("\n")) + 1}, "", "binary file (NUL byte), not read")
		j.Rejected = true
		return errs
	}
	p := &jobParser{job: j, path: path, l: lexer{data: data, line: 1}}
	l := &p.l
	for l.p < len(data) {
		for l.p < len(data) && strings.IndexByte(nihWS, data[l.p]) >= 0 {
			l.p++
		}
		if !l.hasToken() {
			l.nextLine()
			continue
		}
		line := l.line
		name, err := l.arg()
		var serr *stanzaError
		switch h := stanzas[name]; {
		case err != nil:
			serr = p.errorf("", err)
		case h == nil:
			serr = &stanzaError{line: line, key: name, err: errUnknownStanza}
			// A mistyped "pre-strat script" would turn the script into
			// stanzas: skip the block, as the stanza meant to.
			if rest := lineRest(data[l.p:]); name != "end" && (rest == "script" || strings.HasSuffix(rest, " script")) {
				l.nextLine()
				l.block()
				serr.synced = true
			}
		default:
			serr = h(p, name)
		}
		if serr == nil {
			continue
		}
		if serr.line == 0 {
			serr.line = line
		}
		errs.Errorf(graph.Pos{File: path, Line: serr.line}, keyWords(serr.key), "%w", serr.err)
		if !serr.synced {
			l.skipRest()
		}
		if len(errs) >= maxJobErrors {
			errs.Errorf(graph.Pos{File: path, Line: l.line}, "", "too many errors, not reading the rest")
			break
		}
	}
	if len(errs) > 0 {
		j.Rejected = true
	}
	j.Scripts, j.ScriptEmits = nil, nil
	for _, proc := range processes {
		j.Scripts = append(j.Scripts, j.procs[proc]...)
	}
	sort.SliceStable(j.Scripts, func(a, b int) bool {
		pa, pb := j.Scripts[a].Pos, j.Scripts[b].Pos
		if (pa.File == j.Path) != (pb.File == j.Path) {
			return pa.File == j.Path
		}
		return pa.Line < pb.Line
	})
	for _, c := range j.Scripts {
		if c.Verb == "emit" {
			j.ScriptEmits = append(j.ScriptEmits, c.Emit())
		}
	}
	return errs
}

// processes are the processes a job may have, in the order they run
// (init(5) "Process definition").
var processes = []string{"pre-start", "main", "post-start", "pre-stop", "post-stop"}

// Dialect returns "chromeos" for a job that uses a stanza only
// ChromeOS's upstart reads (import, tmpfiles), else "".
func (j *Job) Dialect() string {
	if len(j.Import) > 0 || len(j.Tmpfiles) > 0 {
		return "chromeos"
	}
	return ""
}

// lineRest returns the rest of the line, blanks collapsed, comment cut.
func lineRest(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line, _, _ = bytes.Cut(line, []byte("#"))
	return strings.Join(strings.Fields(string(line)), " ")
}

// String is a canonical dump of the job, used by golden tests: every
// field, expressions in canonical form followed by their events and
// where they are.
func (j *Job) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s (%s)\n", j.Name, j.Path)
	if j.Override != "" {
		fmt.Fprintf(&b, "override %s\n", j.Override)
	}
	if j.Rejected {
		b.WriteString("rejected\n")
	}
	if j.Description != "" {
		fmt.Fprintf(&b, "description %q\n", j.Description)
	}
	on := func(kw string, e *Expr) {
		if e == nil {
			return
		}
		fmt.Fprintf(&b, "%s %s\n", kw, e)
		e.events(func(m *Expr) { fmt.Fprintf(&b, "  %s: %s\n", m.Pos, m) })
	}
	on("start on", j.StartOn)
	if j.Manual {
		b.WriteString("manual\n")
	}
	on("stop on", j.StopOn)
	if j.Task {
		b.WriteString("task\n")
	}
	if j.Respawn {
		b.WriteString("respawn\n")
	}
	if j.Expect != "" {
		fmt.Fprintf(&b, "expect %s\n", j.Expect)
	}
	if j.Instance != "" {
		fmt.Fprintf(&b, "instance %q\n", j.Instance)
	}
	for _, e := range j.Emits {
		fmt.Fprintf(&b, "emits %s (%s)\n", e, e.Pos)
	}
	for _, c := range j.Scripts {
		if c.Verb == "emit" {
			fmt.Fprintf(&b, "initctl emit %s (%s)\n", c.Emit(), c.Pos)
			continue
		}
		cond := ""
		if c.Cond {
			cond = ", under a condition"
		}
		fmt.Fprintf(&b, "%s: %s (%s%s)\n", c.Proc, c, c.Pos, cond)
	}
	keys := make([]string, 0, len(j.Env))
	for k := range j.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "env %s=%q\n", k, j.Env[k])
	}
	if len(j.Export) > 0 {
		fmt.Fprintf(&b, "export %s\n", strings.Join(j.Export, " "))
	}
	if len(j.Import) > 0 {
		fmt.Fprintf(&b, "import %s\n", strings.Join(j.Import, " "))
	}
	if len(j.Tmpfiles) > 0 {
		fmt.Fprintf(&b, "tmpfiles %s\n", strings.Join(j.Tmpfiles, " "))
	}
	return b.String()
}

// keyWords returns the stanza words an error quotes as they are when
// they look like a stanza's words (letters, digits, "_", "-", "." and at
// most 32 bytes), and any other word as its length: a job file that is a
// hard link to /etc/shadow has lines of no stanza, and the error says
// where, not what the line holds (upstart says "Unknown stanza" and the
// line number only).
func keyWords(key string) string {
	words := strings.Fields(key)
	for i, w := range words {
		if len(w) > 32 || strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
		}) >= 0 {
			words[i] = fmt.Sprintf("(a word of %d bytes)", len(w))
		}
	}
	return strings.Join(words, " ")
}
