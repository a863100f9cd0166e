package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
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
	Env         map[string]string // "env KEY=VALUE" (and "env KEY" with no value: ""), used for $VAR in expressions
	Export      []string          // "export" stanzas, in order
	Description string            // "description"
	Pos         graph.Pos         // the file, line 0

	Respawn  bool   // "respawn" (without "limit")
	Expect   string // "expect": "fork", "daemon", "stop", "none" or ""
	Rejected bool   // upstart would not load the job: the .conf or .override has an error; the fields hold what could be read

	procs map[string][]Emit // initctl emit lines per process ("main", "pre-start" ...): a new exec or script replaces them
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

// More of upstart's messages (init/errors.h).
var (
	errIllegalInterval = errors.New("Illegal interval, expected number of seconds")
	errIllegalExit     = errors.New("Illegal exit status, expected integer")
	errIllegalSignal   = errors.New("Illegal signal status, expected integer")
	errIllegalUmask    = errors.New("Illegal file creation mask, expected octal integer")
	errIllegalNice     = errors.New("Illegal nice value, expected -20 to 19")
	errIllegalOOM      = errors.New("Illegal oom adjustment, expected -16 to 15 or 'never'")
	errIllegalOOMScore = errors.New("Illegal oom score adjustment, expected -999 to 1000 or 'never'")
	errIllegalLimit    = errors.New("Illegal limit, expected 'unlimited' or integer")
)

// maxJobErrors bounds the diagnostics of one file: past it, the file is
// not worth reading on (upstart stops at the first).
const maxJobErrors = 20

// Upstart parses one job file. name is the job name, path its
// root-relative path.
//
// upstart itself stops at the first error and does not load the job at
// all (conf_reload_path logs "path:line: message"). This function reports
// every error, with upstart's message, drops the stanza in error, goes on
// with the next one and marks the job Rejected.
func Upstart(data []byte, name, path string) (*Job, ErrorList) {
	j := &Job{Name: name, Path: path, Pos: graph.Pos{File: path}, Env: map[string]string{}}
	return j, j.parse(data, path)
}

// ApplyOverride applies an .override file to job, as upstart does: it
// parses the override "on top" of the job (parse_job with the existing
// JobClass), so each stanza does what it does in a .conf. init(5),
// "Override File Handling": the stanzas it contains "take precedence
// over those equivalently named stanzas". A stanza that holds one value
// replaces it (start on, stop on, instance, description, exec and
// script of a process, expect ...); the list stanzas add to the list
// (emits, env, export: nih_str_array_addp), env replacing a key;
// "manual" drops the start on read so far.
func ApplyOverride(job *Job, data []byte, path string) ErrorList {
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
func (j *Job) parse(data []byte, path string) ErrorList {
	var errs ErrorList
	if i := bytes.IndexByte(data, 0); i >= 0 {
		errs.add(graph.Pos{File: path, Line: bytes.Count(data[:i], []byte("\n")) + 1}, "", false, "binary file (NUL byte), not read")
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
		errs.add(graph.Pos{File: path, Line: serr.line}, serr.key, false, "%w", serr.err)
		if !serr.synced {
			l.skipRest()
		}
		if len(errs) >= maxJobErrors {
			errs.add(graph.Pos{File: path, Line: l.line}, "", false, "too many errors, not reading the rest")
			break
		}
	}
	if len(errs) > 0 {
		j.Rejected = true
	}
	j.ScriptEmits = nil
	for _, proc := range []string{"pre-start", "main", "post-start", "pre-stop", "post-stop"} {
		j.ScriptEmits = append(j.ScriptEmits, j.procs[proc]...)
	}
	sort.SliceStable(j.ScriptEmits, func(a, b int) bool {
		pa, pb := j.ScriptEmits[a].Pos, j.ScriptEmits[b].Pos
		if (pa.File == j.Path) != (pb.File == j.Path) {
			return pa.File == j.Path
		}
		return pa.Line < pb.Line
	})
	return errs
}

// lineRest returns the rest of the line, blanks collapsed, comment cut.
func lineRest(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line, _, _ = bytes.Cut(line, []byte("#"))
	return strings.Join(strings.Fields(string(line)), " ")
}

// stanzas maps the keywords of upstart 1.x (parse_job.c, the union of
// 1.3 to 1.13) to their readers.
var stanzas = map[string]func(*jobParser, string) *stanzaError{
	"start": (*jobParser).on, "stop": (*jobParser).on,
	"emits": (*jobParser).emits, "env": (*jobParser).env, "export": (*jobParser).export,
	"manual": (*jobParser).manual, "debug": func(*jobParser, string) *stanzaError { return nil },
	"task":      (*jobParser).task,
	"exec":      func(p *jobParser, _ string) *stanzaError { return p.exec("main") },
	"script":    func(p *jobParser, _ string) *stanzaError { return p.script("main") },
	"pre-start": (*jobParser).process, "post-start": (*jobParser).process,
	"pre-stop": (*jobParser).process, "post-stop": (*jobParser).process,
	"instance": (*jobParser).single, "description": (*jobParser).single,
	"author": (*jobParser).single, "version": (*jobParser).single, "usage": (*jobParser).single,
	"chroot": (*jobParser).single, "chdir": (*jobParser).single,
	"setuid": (*jobParser).single, "setgid": (*jobParser).single,
	"expect": (*jobParser).expect, "console": (*jobParser).console,
	"kill": (*jobParser).kill, "reload": (*jobParser).kill,
	"respawn": (*jobParser).respawn, "normal": (*jobParser).normal,
	"umask": (*jobParser).number, "nice": (*jobParser).number, "oom": (*jobParser).oom,
	"limit": (*jobParser).limit, "apparmor": (*jobParser).apparmor, "cgroup": (*jobParser).cgroup,
}

// on reads "start on EXPR" and "stop on EXPR" (stanza_start,
// stanza_stop). A later one replaces an earlier one; a start on after
// "manual" counts again, since manual only "will disregard any
// previously seen start on definition" (init(5)).
func (p *jobParser) on(name string) *stanzaError {
	kw, err := p.l.keyword()
	if err != nil {
		return p.errorf(name, err)
	}
	if kw != "on" {
		return p.errorf(name+" "+kw, errUnknownStanza)
	}
	e, xerr := p.l.parseOn(p.path)
	if xerr != nil {
		return &stanzaError{line: xerr.line, key: name + " on", err: xerr.err, synced: true}
	}
	if name == "start" {
		p.job.StartOn, p.job.Manual = e, false
	} else {
		p.job.StopOn = e
	}
	return nil
}

// manual drops the start on read so far (stanza_manual); like upstart it
// reads nothing after the keyword.
func (p *jobParser) manual(string) *stanzaError {
	p.job.Manual = true
	return nil
}

func (p *jobParser) task(name string) *stanzaError {
	if err := p.l.endLine(); err != nil {
		return p.errorf(name, err)
	}
	p.job.Task = true
	return nil
}

// emits reads "emits EVENT..." (stanza_emits): one Emit per name.
func (p *jobParser) emits(name string) *stanzaError {
	vals, lines, err := p.l.args()
	if err != nil {
		return p.errorf(name, err)
	}
	for i, v := range vals {
		p.job.Emits = append(p.job.Emits, Emit{Event: v, Pos: graph.Pos{File: p.path, Line: lines[i]}})
	}
	return nil
}

func (p *jobParser) export(name string) *stanzaError {
	vals, _, err := p.l.args()
	if err != nil {
		return p.errorf(name, err)
	}
	p.job.Export = append(p.job.Export, vals...)
	return nil
}

// env reads "env KEY[=VALUE]", one argument (stanza_env): a value with
// blanks must be quoted.
func (p *jobParser) env(name string) *stanzaError {
	a, err := p.l.arg()
	if err == nil {
		err = p.l.endLine()
	}
	if err != nil {
		return p.errorf(name, err)
	}
	k, v, _ := strings.Cut(a, "=")
	p.job.Env[k] = v
	return nil
}

// single reads the stanzas of one argument: instance, description,
// author, version, usage, chroot, chdir, setuid, setgid.
func (p *jobParser) single(name string) *stanzaError {
	a, err := p.l.arg()
	if err == nil {
		err = p.l.endLine()
	}
	if err != nil {
		return p.errorf(name, err)
	}
	switch name {
	case "instance":
		p.job.Instance = a
	case "description":
		p.job.Description = a
	}
	return nil
}

// process reads "pre-start exec|script" and the like (parse_process).
func (p *jobParser) process(name string) *stanzaError {
	kw, err := p.l.keyword()
	switch {
	case err != nil:
		return p.errorf(name, err)
	case kw == "exec":
		return p.exec(name)
	case kw == "script":
		return p.script(name)
	}
	return p.errorf(name+" "+kw, errUnknownStanza)
}

// exec reads the command of a process to the end of the line, comment
// excluded (parse_exec, nih_config_parse_command), and looks in it for
// initctl emit.
func (p *jobParser) exec(proc string) *stanzaError {
	key := "exec"
	if proc != "main" {
		key = proc + " exec"
	}
	l := &p.l
	if !l.hasToken() {
		return p.errorf(key, errExpectedToken)
	}
	start, line := l.p, l.line
	if _, _, err := l.scan(nihCNL); err != nil {
		return p.errorf(key, err)
	}
	p.setProc(proc, scanEmits(l.data[start:l.p], line, p.path))
	l.nextLine()
	return nil
}

// script reads a script block (parse_script): nothing but a comment after
// "script", then every line up to one that is "end script", and looks in
// it for initctl emit.
func (p *jobParser) script(proc string) *stanzaError {
	key := "script"
	if proc != "main" {
		key = proc + " script"
	}
	l := &p.l
	if err := l.endLine(); err != nil {
		// Skip the block all the same, not to read it as stanzas.
		serr := p.errorf(key, err)
		l.skipRest()
		l.block()
		serr.synced = true
		return serr
	}
	start, line := l.p, l.line
	end, ok := l.block()
	if !ok {
		return &stanzaError{key: key, err: errUnterminatedBlock, synced: true}
	}
	p.setProc(proc, scanEmits(dedent(l.data[start:end]), line, p.path))
	return nil
}

// dedent removes the blanks that start every line of a script block, as
// nih_config_parse_block does: the prefix of the first line's blanks
// that every line shares (so an empty line keeps them all). The shell
// sees the result, here-document delimiters included.
func dedent(block []byte) []byte {
	lines := bytes.SplitAfter(block, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return block
	}
	first := lines[0]
	n := len(first) - len(bytes.TrimLeft(first, nihWS))
	for _, ln := range lines[1:] {
		k := 0
		for k < n && k < len(ln) && ln[k] == first[k] {
			k++
		}
		n = k
	}
	if n == 0 {
		return block
	}
	out := make([]byte, 0, len(block))
	for _, ln := range lines {
		out = append(out, ln[n:]...)
	}
	return out
}

// block skips the lines of a script block and its "end script" line
// (nih_config_parse_block): it ends at a line that is blanks, "end",
// blanks, "script", and blanks or a comment. It returns where the block
// text ends, or false at the end of the file.
func (l *lexer) block() (end int, ok bool) {
	for {
		if e, ok := l.blockEnd(); ok {
			return e, true
		}
		l.nextLine()
		if l.p >= len(l.data) {
			return l.p, false
		}
	}
}

func (l *lexer) blockEnd() (int, bool) {
	d, p := l.data, l.p
	blanks := func() {
		for p < len(d) && strings.IndexByte(nihWS, d[p]) >= 0 {
			p++
		}
	}
	blanks()
	if len(d)-p < 4 || string(d[p:p+3]) != "end" || strings.IndexByte(nihWS, d[p+3]) < 0 {
		return 0, false
	}
	p += 3
	blanks()
	if !bytes.HasPrefix(d[p:], []byte("script")) {
		return 0, false
	}
	p += len("script")
	blanks()
	if p < len(d) && d[p] == '#' {
		for p < len(d) && d[p] != '\n' {
			p++
		}
	}
	if p < len(d) && d[p] != '\n' {
		return 0, false
	}
	end := l.p
	l.p = p
	l.nextLine()
	return end, true
}

func (p *jobParser) setProc(proc string, emits []Emit) {
	if p.job.procs == nil {
		p.job.procs = map[string][]Emit{}
	}
	p.job.procs[proc] = emits
}

// expect reads "expect stop|daemon|fork|none" (stanza_expect).
func (p *jobParser) expect(name string) *stanzaError {
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(name, err)
	}
	switch a {
	case "stop", "daemon", "fork", "none":
	default:
		return p.errorf(name+" "+a, errUnknownStanza)
	}
	if err := p.l.endLine(); err != nil {
		return p.errorf(name, err)
	}
	p.job.Expect = a
	return nil
}

// console reads "console none|output|owner|log" (stanza_console).
func (p *jobParser) console(name string) *stanzaError {
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(name, err)
	}
	switch a {
	case "none", "output", "owner", "log":
	default:
		return p.errorf(name+" "+a, errUnknownStanza)
	}
	return p.endLine(name)
}

func (p *jobParser) endLine(key string) *stanzaError {
	if err := p.l.endLine(); err != nil {
		return p.errorf(key, err)
	}
	return nil
}

// kill reads "kill timeout N" and "kill signal SIG"; reload reads
// "reload signal SIG" (stanza_kill, stanza_reload).
func (p *jobParser) kill(name string) *stanzaError {
	kw, err := p.l.keyword()
	if err != nil {
		return p.errorf(name, err)
	}
	key := name + " " + kw
	switch {
	case kw == "timeout" && name == "kill":
		line := p.l.line
		a, err := p.l.arg()
		if err != nil {
			return p.errorf(key, err)
		}
		if n, ok := cInt(a, 10); !ok || n < 0 {
			return &stanzaError{line: line, key: key, err: errIllegalInterval}
		}
	case kw == "signal":
		if serr := p.signal(key, errIllegalSignal); serr != nil {
			return serr
		}
	default:
		return p.errorf(key, errUnknownStanza)
	}
	return p.endLine(key)
}

// signal reads a signal name ("TERM", "SIGTERM") or number.
func (p *jobParser) signal(key string, illegal error) *stanzaError {
	line := p.l.line
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(key, err)
	}
	if !signalNames[strings.TrimPrefix(a, "SIG")] {
		if n, ok := cInt(a, 10); !ok || n < 0 || n > 1<<31-1 {
			return &stanzaError{line: line, key: key, err: illegal}
		}
	}
	return nil
}

// signalNames are the names nih_signal_from_name knows, without "SIG".
var signalNames = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields("HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS") {
		m[s] = true
	}
	return m
}()

// respawn reads "respawn" and "respawn limit COUNT INTERVAL|unlimited"
// (stanza_respawn); only the first sets the respawn flag.
func (p *jobParser) respawn(name string) *stanzaError {
	if !p.l.hasToken() {
		p.job.Respawn = true
		p.l.nextLine()
		return nil
	}
	kw, err := p.l.keyword()
	if err != nil {
		return p.errorf(name, err)
	}
	key := name + " " + kw
	if kw != "limit" {
		return p.errorf(key, errUnknownStanza)
	}
	line := p.l.line
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(key, err)
	}
	if a != "unlimited" {
		if n, ok := cInt(a, 10); !ok || n < 0 {
			return &stanzaError{line: line, key: key, err: errIllegalLimit}
		}
		line = p.l.line
		a, err := p.l.arg()
		if err != nil {
			return p.errorf(key, err)
		}
		if n, ok := cInt(a, 10); !ok || n < 0 {
			return &stanzaError{line: line, key: key, err: errIllegalInterval}
		}
	}
	return p.endLine(key)
}

// normal reads "normal exit STATUS|SIGNAL..." (stanza_normal).
func (p *jobParser) normal(name string) *stanzaError {
	kw, err := p.l.keyword()
	if err != nil {
		return p.errorf(name, err)
	}
	key := name + " " + kw
	if kw != "exit" {
		return p.errorf(key, errUnknownStanza)
	}
	for first := true; first || p.l.hasToken(); first = false {
		if serr := p.signal(key, errIllegalExit); serr != nil {
			return serr
		}
	}
	return p.endLine(key)
}

// number reads "umask OCTAL" and "nice -20..19".
func (p *jobParser) number(name string) *stanzaError {
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(name, err)
	}
	if name == "umask" {
		if n, ok := cInt(a, 8); !ok || n < 0 || n&^0o777 != 0 {
			return p.errorf(name, errIllegalUmask)
		}
	} else if n, ok := cInt(a, 10); !ok || n < -20 || n > 19 {
		return p.errorf(name, errIllegalNice)
	}
	return p.endLine(name)
}

// oom reads "oom ADJ|never" and "oom score ADJ|never" (stanza_oom).
func (p *jobParser) oom(name string) *stanzaError {
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(name, err)
	}
	key, lo, hi, illegal := name, int64(-17), int64(15), errIllegalOOM
	if a == "score" {
		key, lo, hi, illegal = "oom score", -1000, 1000, errIllegalOOMScore
		if a, err = p.l.arg(); err != nil {
			return p.errorf(key, err)
		}
	}
	if a != "never" {
		if n, ok := cInt(a, 10); !ok || n < lo || n > hi {
			return p.errorf(key, illegal)
		}
	}
	return p.endLine(key)
}

// limit reads "limit RESOURCE SOFT|unlimited HARD|unlimited" (stanza_limit).
func (p *jobParser) limit(name string) *stanzaError {
	a, err := p.l.arg()
	if err != nil {
		return p.errorf(name, err)
	}
	key := name + " " + a
	switch a {
	case "as", "core", "cpu", "data", "fsize", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "sigpending", "stack":
	default:
		return p.errorf(key, errUnknownStanza)
	}
	for range 2 {
		line := p.l.line
		v, err := p.l.arg()
		if err != nil {
			return p.errorf(key, err)
		}
		if n, ok := cInt(v, 10); v != "unlimited" && (!ok || n < 0) {
			return &stanzaError{line: line, key: key, err: errIllegalLimit}
		}
	}
	return p.endLine(key)
}

// apparmor reads "apparmor load PROFILE" and "apparmor switch PROFILE".
func (p *jobParser) apparmor(name string) *stanzaError {
	kw, err := p.l.keyword()
	if err != nil {
		return p.errorf(name, err)
	}
	key := name + " " + kw
	if kw != "load" && kw != "switch" {
		return p.errorf(key, errUnknownStanza)
	}
	if _, err := p.l.arg(); err != nil {
		return p.errorf(key, err)
	}
	return p.endLine(key)
}

// cgroup reads "cgroup CONTROLLER [NAME] [KEY VALUE]" (upstart 1.13);
// its arguments are not checked.
func (p *jobParser) cgroup(name string) *stanzaError {
	if _, _, err := p.l.args(); err != nil {
		return p.errorf(name, err)
	}
	return nil
}

// cInt reads a whole integer as strtol does (leading blanks, a sign).
func cInt(s string, base int) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), base, 64)
	return n, err == nil
}

// ReadUpstartJobs reads every etc/init/**/*.conf of the root
// (recursively, sorted by name), applies the matching .override, and
// returns the jobs sorted by Name. Like upstart (conf_dir_filter,
// nih_dir_walk) it follows symbolic links, skips hidden and backup
// directories and directory loops, and reads only files named *.conf.
// An .override without its .conf is a warning finding; unreadable or
// oversized files are ErrorList entries. It returns an error only when
// etc/init exists but cannot be listed; without etc/init it returns
// nothing.
func ReadUpstartJobs(fsys *rootfs.FS) ([]*Job, []graph.Finding, ErrorList, error) {
	const dir = "etc/init"
	if _, err := fsys.ReadDir(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, nil
		}
		return nil, nil, nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	w := &upstartWalk{fsys: fsys, overrides: map[string]bool{}}
	w.walk(dir, nil)
	var jobs []*Job
	for _, conf := range w.confs {
		override := strings.TrimSuffix(conf, ".conf") + ".override"
		hasOverride := w.overrides[override]
		delete(w.overrides, override)
		data, err := fsys.ReadFile(conf)
		if err != nil {
			w.errs = append(w.errs, fileError(conf, err))
			continue
		}
		job, errs := Upstart(data, strings.TrimSuffix(strings.TrimPrefix(conf, dir+"/"), ".conf"), conf)
		w.errs = append(w.errs, errs...)
		if hasOverride {
			// An override that cannot be read leaves the job as its .conf
			// says (conf_load_path_with_override).
			if data, err := fsys.ReadFile(override); err != nil {
				w.errs = append(w.errs, fileError(override, err))
			} else {
				w.errs = append(w.errs, ApplyOverride(job, data, override)...)
			}
		}
		jobs = append(jobs, job)
	}
	var found []graph.Finding
	for o := range w.overrides {
		found = append(found, graph.Finding{
			Kind:     graph.KindParseError,
			Severity: graph.Warning,
			Message:  "override without " + path.Base(strings.TrimSuffix(o, ".override")) + ".conf: ignored",
			Sources:  []graph.Pos{{File: o}},
		})
	}
	sort.Slice(found, func(a, b int) bool { return found[a].Sources[0].File < found[b].Sources[0].File })
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].Name < jobs[b].Name })
	w.errs.Sort()
	return jobs, found, w.errs, nil
}

type upstartWalk struct {
	fsys      *rootfs.FS
	confs     []string
	overrides map[string]bool
	errs      ErrorList
}

// walk lists dir; parents are the resolved directories above it, to stop
// at a loop (nih_dir_walk_visit: "Directory loop detected").
func (w *upstartWalk) walk(dir string, parents []string) {
	real, err := w.fsys.Resolve(dir)
	if err != nil {
		w.errs = append(w.errs, fileError(dir, err))
		return
	}
	for _, p := range parents {
		if p == real {
			w.errs = append(w.errs, &Error{Pos: graph.Pos{File: dir}, Err: errors.New("directory loop, not read"), Warning: true})
			return
		}
	}
	ents, err := w.fsys.ReadDir(dir)
	if err != nil {
		w.errs = append(w.errs, fileError(dir, err))
		return
	}
	parents = append(parents, real)
	for _, ent := range ents {
		name, p := ent.Name(), dir+"/"+ent.Name()
		conf, override := jobFileName(name, ".conf"), jobFileName(name, ".override")
		mode := ent.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := w.fsys.Stat(p)
			if err != nil {
				if conf {
					w.errs = append(w.errs, fileError(p, err))
				}
				continue
			}
			mode = fi.Mode().Type()
		}
		switch {
		case mode.IsDir():
			if !ignoredJobDir(name) {
				w.walk(p, parents)
			}
		case !mode.IsRegular():
		case conf:
			w.confs = append(w.confs, p)
		case override:
			w.overrides[p] = true
		}
	}
}

// jobFileName reports whether name is a job file with suffix ext
// (is_conf_file: something before the dot).
func jobFileName(name, ext string) bool {
	return len(name) > len(ext) && strings.HasSuffix(name, ext)
}

// ignoredJobDir reports whether upstart skips a directory of that name
// (nih_file_ignore): hidden, backup or package-manager leftovers.
func ignoredJobDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		strings.Contains(name, ".dpkg-") || strings.Contains(name, ".rpm") || strings.HasSuffix(name, ".bak")
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
	for _, e := range j.ScriptEmits {
		fmt.Fprintf(&b, "initctl emit %s (%s)\n", e, e.Pos)
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
	return b.String()
}

// scanEmits finds the "initctl emit [OPTION]... EVENT [KEY=VALUE]..."
// commands of a shell text (an exec command or a script block) that
// starts at line. It reads just enough shell to find commands: words,
// quotes, backslashes, comments, the separators ; & | ( ) ` and newline
// (so "$(initctl emit x)" and "a && initctl emit x" are found),
// redirections, which are dropped, and here-documents, which are data. initctl must come first in its
// command, after keywords such as "then" or "exec" and assignments. An
// event given by a shell variable ($EVENT) is unknown and left out;
// arguments are kept as written, $VAR included. Nothing is executed.
func scanEmits(text []byte, line int, file string) []Emit {
	var out []Emit
	var cmd []shWord
	var w []byte
	var heredocs []heredoc
	inWord, wline := false, 0
	start := func() {
		if !inWord {
			inWord, wline = true, line
		}
	}
	endWord := func() {
		if inWord {
			cmd = append(cmd, shWord{string(w), wline})
		}
		w, inWord = w[:0], false
	}
	endCmd := func() {
		endWord()
		if e, ok := initctlEmit(cmd, file); ok {
			out = append(out, e)
		}
		cmd = cmd[:0]
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\\':
			switch {
			case i+1 < len(text) && text[i+1] == '\n':
				line++
			case i+1 < len(text):
				start()
				w = append(w, text[i+1])
			}
			i++
		case '\'', '"':
			start()
			for i++; i < len(text) && text[i] != c; i++ {
				if c == '"' && text[i] == '\\' && i+1 < len(text) && strings.IndexByte("\"\\$`\n", text[i+1]) >= 0 {
					i++
					if text[i] == '\n' {
						line++
						continue
					}
				} else if text[i] == '\n' {
					line++
				}
				w = append(w, text[i])
			}
		case '#':
			if inWord {
				w = append(w, c)
				break
			}
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
		case ' ', '\t', '\r':
			endWord()
		case '\n':
			endCmd()
			line++
			// The bodies of here-documents are data, up to their
			// delimiter lines.
			for _, h := range heredocs {
				for i+1 < len(text) {
					next, _, _ := bytes.Cut(text[i+1:], []byte("\n"))
					i += len(next) + 1
					line++
					if h.dash {
						next = bytes.TrimLeft(next, "\t")
					}
					if string(bytes.TrimSuffix(next, []byte("\r"))) == h.delim {
						break
					}
				}
			}
			heredocs = heredocs[:0]
		case ';', '&', '|', '(', ')', '`':
			endCmd()
		case '<', '>':
			// "2>/dev/null", ">&2", "<<EOF": drop the fd number, the
			// operator and its word (for "<<", the delimiter).
			if inWord && strings.Trim(string(w), "0123456789") == "" {
				w, inWord = w[:0], false
			}
			endWord()
			op := string(c)
			for i+1 < len(text) && strings.IndexByte("<>&-", text[i+1]) >= 0 {
				i++
				op += string(text[i])
			}
			for i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\t') {
				i++
			}
			word := i + 1
			for i+1 < len(text) && strings.IndexByte(" \t\r\n;&|()`<>", text[i+1]) < 0 {
				i++
			}
			if op == "<<" || op == "<<-" {
				heredocs = append(heredocs, heredoc{strings.Trim(string(text[word:i+1]), `'"\`), op == "<<-"})
			}
		default:
			start()
			w = append(w, c)
		}
	}
	endCmd()
	return out
}

type heredoc struct {
	delim string
	dash  bool // "<<-": tabs before the delimiter
}

type shWord struct {
	s    string
	line int
}

// shPrefix are the words that may come before a command.
var shPrefix = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "do": true, "while": true, "until": true,
	"exec": true, "!": true, "time": true, "nohup": true, "command": true, "{": true,
}

// initctlEmit reads one simple command as "initctl emit EVENT ARG...".
func initctlEmit(cmd []shWord, file string) (Emit, bool) {
	i := 0
	for i < len(cmd) && (shPrefix[cmd[i].s] || isAssignment(cmd[i].s)) {
		i++
	}
	if i == len(cmd) || (cmd[i].s != "initctl" && !strings.HasSuffix(cmd[i].s, "/initctl")) {
		return Emit{}, false
	}
	e := Emit{Pos: graph.Pos{File: file, Line: cmd[i].line}}
	verb := ""
	for _, w := range cmd[i+1:] {
		switch {
		case strings.HasPrefix(w.s, "-"): // --no-wait, -n, -q, --system ...
		case verb == "":
			verb = w.s
		case e.Event == "":
			e.Event = w.s
		default:
			e.Args = append(e.Args, w.s)
		}
	}
	return e, verb == "emit" && e.Event != "" && !strings.HasPrefix(e.Event, "$")
}

// isAssignment reports whether a shell word is NAME=VALUE.
func isAssignment(s string) bool {
	name, _, ok := strings.Cut(s, "=")
	if !ok || name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, c := range name {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
