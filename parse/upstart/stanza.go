package upstart

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file reads the stanzas of init(5), one function a stanza, as
// upstart's parse_job.c does.

// stanzas maps the keywords of upstart 1.x (parse_job.c, the union of
// 1.3 to 1.13) to their readers.
var stanzas = map[string]func(*jobParser, string) *stanzaError{
	"start": (*jobParser).on, "stop": (*jobParser).on,
	"emits": (*jobParser).emits, "env": (*jobParser).env, "export": (*jobParser).export,
	// ChromeOS's upstart (docs/upstart.md): import VAR..., tmpfiles PATH...
	"import": (*jobParser).export, "tmpfiles": (*jobParser).export,
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

// export reads the list stanzas of names: "export VAR..." and
// ChromeOS's "import VAR..." (stanza_export; stanza_import of
// ChromeOS's upstart-1.2-import-env.patch, the same reader) and
// "tmpfiles PATH..." (ChromeOS: the tmpfiles.d files applied before the
// job starts). Each adds to its list, also from an .override.
func (p *jobParser) export(name string) *stanzaError {
	vals, _, err := p.l.args()
	if err != nil {
		return p.errorf(name, err)
	}
	switch name {
	case "import":
		p.job.Import = append(p.job.Import, vals...)
	case "tmpfiles":
		p.job.Tmpfiles = append(p.job.Tmpfiles, vals...)
	default:
		p.job.Export = append(p.job.Export, vals...)
	}
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
// upstart's commands (initctl emit, start ...).
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
	p.setProc(proc, scanCommands(l.data[start:l.p], line, p.path))
	l.nextLine()
	return nil
}

// script reads a script block (parse_script): nothing but a comment after
// "script", then every line up to one that is "end script", and looks in
// it for upstart's commands.
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
	p.setProc(proc, scanCommands(dedent(l.data[start:end]), line, p.path))
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

// setProc records the commands of a process's exec or script, which
// replace those of an earlier one of the same process.
func (p *jobParser) setProc(proc string, cmds []Command) {
	if p.job.procs == nil {
		p.job.procs = map[string][]Command{}
	}
	for i := range cmds {
		cmds[i].Proc = proc
	}
	p.job.procs[proc] = cmds
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
