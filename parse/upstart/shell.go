package upstart

import (
	"bytes"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file finds the commands of upstart's own tools in the shell text
// of exec lines and script blocks: "initctl emit", "start", "stop",
// "restart" (also through initctl, service and invoke-rc.d) and
// "telinit". It is a small reader of shell words, not a shell: nothing
// is executed, and nothing is expanded but the variable of a for loop
// over words written out ("for j in a b; do start $j; done").

// Command is one command of upstart's tools found in a job's shell text.
type Command struct {
	Proc string    // the process whose text holds it: "pre-start", "main", "post-start", "pre-stop", "post-stop"
	Verb string    // "emit", "start", "stop", "restart" or "telinit"
	Name string    // the event (emit), the job (start, stop, restart) or the runlevel (telinit), as written
	Args []string  // KEY=VALUE (and positional) arguments after Name, as written
	Pos  graph.Pos // where the command word is
	// Cond is set when the command runs only if the shell finds
	// something at run time: it is inside an if, case or loop body or a
	// function, or to the right of && or ||.
	Cond bool
	// Via is the tool as written when it is not the verb itself
	// ("initctl", "service", "invoke-rc.d"); Service is set for the
	// service and invoke-rc.d forms, which reach upstart only when Name is
	// an upstart job.
	Via     string
	Service bool
}

// String is the command as initctl would take it: "start logger",
// "initctl emit mounted MOUNTPOINT=/", "telinit 2".
func (c Command) String() string {
	s := c.Verb + " " + quoteToken(c.Name)
	if c.Verb == "emit" {
		s = "initctl " + s
	}
	for _, a := range c.Args {
		s += " " + quoteToken(a)
	}
	return s
}

// Emit returns an emit command as an Emit.
func (c Command) Emit() Emit { return Emit{Event: c.Name, Args: c.Args, Pos: c.Pos} }

// shFrame is an open compound command: a { } group, a ( ) subshell or
// command substitution, a backquote, or the body of an if, case, loop or
// function.
type shFrame struct {
	kind     string // "{", "(", "`", "if", "case", "loop"
	cond     bool   // commands inside run only under a condition
	outer    bool   // the commands around the frame ran only under a condition
	listCond bool   // the and-or list around the frame was conditional when it opened
	// A for loop over words written out ("for j in a b c"): its body runs
	// once a word, with $j (${j}) each of them in turn.
	forHeader bool // the loop's first command, its header, is still being read
	forVar    string
	forWords  []string
}

// maxShFrames bounds the nesting the reader follows; deeper text is
// read as if at the deepest level.
const maxShFrames = 64

// shReader is the state of scanCommands.
type shReader struct {
	file     string
	out      []Command
	cmd      []shWord
	frames   []shFrame
	listCond bool // a && or || came before the command in this and-or list
	cmdCond  bool // the command being read is conditional (set at its first word)
	started  bool // the command being read has a first word
	funcNext bool // a function header was read: its body is conditional
	funcName bool // "function" was read: the next word is the function's name
	expanded int  // the commands forEach gave so far
}

func (r *shReader) cond() bool {
	if n := len(r.frames); n > 0 && r.frames[n-1].cond {
		return true
	}
	return r.listCond || r.funcNext
}

func (r *shReader) push(kind string, cond bool) {
	if len(r.frames) >= maxShFrames {
		return
	}
	outer := r.cond()
	r.frames = append(r.frames, shFrame{kind: kind, cond: cond || outer, outer: outer, listCond: r.listCond})
	r.listCond, r.funcNext = false, false
}

// pop closes the innermost frame of one of the kinds, and what is open
// inside it; it does nothing when none is open.
func (r *shReader) pop(kinds ...string) {
	for k := len(r.frames) - 1; k >= 0; k-- {
		for _, kind := range kinds {
			if r.frames[k].kind == kind {
				r.listCond = r.frames[k].listCond
				r.frames = r.frames[:k]
				return
			}
		}
	}
}

// word is called with each word the reader completes; it handles the
// reserved words at the start of a command, which open and close
// frames, and collects the others.
func (r *shReader) word(w shWord) {
	if r.funcName { // "function NAME [()] {"
		r.funcName = false
		return
	}
	if len(r.cmd) == 0 || commandPrefix(r.cmd) {
		switch w.s {
		case "if":
			r.push("if", true)
		case "case":
			r.push("case", true)
		case "while", "until", "for", "select":
			n := len(r.frames)
			r.push("loop", true)
			if w.s == "for" && len(r.frames) > n { // not past maxShFrames
				r.frames[n].forHeader = true
			}
		case "fi":
			r.pop("if")
			return
		case "esac":
			r.pop("case")
			return
		case "done":
			r.pop("loop")
			return
		case "{":
			r.push("{", r.funcNext)
			return
		case "}":
			r.pop("{")
			return
		case "function":
			r.funcNext, r.funcName = true, true
			return
		}
		if !r.started {
			r.started, r.cmdCond = true, r.cond()
		}
	}
	r.cmd = append(r.cmd, w)
}

// endCmd ends the simple command being read and records it if it is one
// of upstart's.
func (r *shReader) endCmd() {
	if n := len(r.frames); n > 0 && r.frames[n-1].forHeader {
		r.forHeader(&r.frames[n-1])
	} else if c, ok := upstartCommand(r.cmd, r.file); ok {
		c.Cond = r.cmdCond
		r.out = append(r.out, r.forEach(c)...)
	}
	r.cmd, r.started, r.cmdCond = r.cmd[:0], false, false
}

// maxForEach bounds the commands one command of for loops' bodies
// becomes, all loops around it together, and maxForEachText those of
// one shell text: past it, a command is kept as written ("start $j"), so
// that what a text gives stays in proportion to its size.
const (
	maxForEach     = 256
	maxForEachText = 4096
)

// forHeader reads the header of a for loop, "for NAME in WORD...": when
// the words are written out (no expansion, no pattern) and there is one
// at least, the body surely runs, once a word, as surely as the text
// around the loop. Any other header ("for j in $(ls)", "for j in a*",
// "for j" over the arguments) leaves the body conditional, its $NAME
// unknown.
func (r *shReader) forHeader(f *shFrame) {
	f.forHeader = false
	ws := r.cmd
	for len(ws) > 0 && shPrefix[ws[0].s] { // "then for ...", "do for ..."
		ws = ws[1:]
	}
	if len(ws) < 4 || ws[0].s != "for" || !isName(ws[1].s) || ws[2].s != "in" {
		return
	}
	var words []string
	for _, w := range ws[3:] {
		if w.s == "" || strings.ContainsAny(w.s, "$`*?[") {
			return
		}
		words = append(words, w.s)
	}
	f.forVar, f.forWords, f.cond = ws[1].s, words, f.outer
}

// forEach returns c once for each word of each for loop around it whose
// NAME it uses ($NAME or ${NAME}), in the order the shell runs them, NAME
// replaced by the word; c alone when it uses none.
func (r *shReader) forEach(c Command) []Command {
	if r.expanded >= maxForEachText {
		return []Command{c}
	}
	words := map[string][]string{} // the loops' words, by NAME: the innermost loop of a NAME
	var names []string
	for k := len(r.frames) - 1; k >= 0; k-- {
		f := r.frames[k]
		if f.forVar != "" && words[f.forVar] == nil && usesVar(c, f.forVar) {
			words[f.forVar] = f.forWords
			names = append(names, f.forVar)
		}
	}
	if len(names) == 0 {
		return []Command{c}
	}
	slices.Reverse(names) // outermost first, as the loops run
	var out []Command
	val := map[string]string{}
	var each func(i int)
	each = func(i int) {
		if i == len(names) {
			e := c
			e.Name, e.Args = expandVars(c.Name, val), make([]string, len(c.Args))
			for k, a := range c.Args {
				e.Args[k] = expandVars(a, val)
			}
			out = append(out, e)
			return
		}
		for _, w := range words[names[i]] {
			if len(out) >= maxForEach {
				return
			}
			val[names[i]] = w
			each(i + 1)
		}
	}
	each(0)
	r.expanded += len(out)
	return out
}

// usesVar reports whether the name or an argument of c holds $name or
// ${name}.
func usesVar(c Command, name string) bool {
	val := map[string]string{name: ""}
	return expandVars(c.Name, val) != c.Name || slices.ContainsFunc(c.Args, func(a string) bool { return expandVars(a, val) != a })
}

// endList ends an and-or list (at ";", "&", a newline): what follows
// runs whatever the list did.
func (r *shReader) endList() {
	r.endCmd()
	r.listCond = false
}

// scanCommands finds upstart's commands in a shell text (an exec
// command or a script block) that starts at line. It reads just enough
// shell to find commands and whether they surely run: words, quotes,
// backslashes, comments, the separators ; & | && || ( ) ` and newline,
// { } groups, if/case/loop bodies and function definitions, redirections
// (dropped) and here-documents (data). The command word must come first
// in its command, after keywords such as "then" or "exec" and
// assignments.
func scanCommands(text []byte, line int, file string) []Command {
	r := &shReader{file: file}
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
			r.word(shWord{string(w), wline})
		}
		w, inWord = w[:0], false
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
			endWord()
			r.endList()
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
		case ';':
			endWord()
			r.endList()
		case '&', '|':
			endWord()
			double := i+1 < len(text) && text[i+1] == c
			r.endCmd()
			switch {
			case double: // && or ||: what follows runs only if ...
				i++
				r.listCond = true
			case c == '&' && (i+1 >= len(text) || text[i+1] != '>'): // a background job ends the list
				r.listCond = false
			}
		case '(':
			// "name() {": a function definition, whose body runs only when
			// it is called.
			if j := skipBlanks(text, i+1); j < len(text) && text[j] == ')' && !inWord && len(r.cmd) == 1 {
				r.cmd, r.started = r.cmd[:0], false
				r.funcNext = true
				i = j
				break
			} else if j < len(text) && text[j] == ')' && inWord && len(r.cmd) == 0 && isName(string(w)) {
				w, inWord = w[:0], false
				r.funcNext, r.funcName = true, false
				i = j
				break
			}
			endWord()
			r.endCmd()
			r.push("(", false)
		case ')':
			// A case pattern ("start)") closes nothing.
			endWord()
			r.endCmd()
			if n := len(r.frames); n > 0 && r.frames[n-1].kind == "(" {
				r.pop("(")
			}
		case '`':
			endWord()
			r.endCmd()
			if n := len(r.frames); n > 0 && r.frames[n-1].kind == "`" {
				r.pop("`")
			} else {
				r.push("`", false)
			}
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
	endWord()
	r.endCmd()
	return r.out
}

func skipBlanks(text []byte, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return i
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

// commandPrefix reports whether the words read so far only lead up to
// the command (keywords, exec, assignments).
func commandPrefix(ws []shWord) bool {
	for _, w := range ws {
		if !shPrefix[w.s] && !isAssignment(w.s) {
			return false
		}
	}
	return true
}

// upstartCommand reads one simple command as one of upstart's: initctl
// emit|start|stop|restart, start|stop|restart, telinit, or service and
// invoke-rc.d with start|stop|restart.
func upstartCommand(cmd []shWord, file string) (Command, bool) {
	i := 0
	for i < len(cmd) && (shPrefix[cmd[i].s] || isAssignment(cmd[i].s)) {
		i++
	}
	if i == len(cmd) {
		return Command{}, false
	}
	tool := cmd[i].s
	if k := strings.LastIndexByte(tool, '/'); k >= 0 {
		tool = tool[k+1:]
	}
	c := Command{Pos: graph.Pos{File: file, Line: cmd[i].line}}
	var words []string
	for _, w := range cmd[i+1:] {
		if !strings.HasPrefix(w.s, "-") { // --no-wait, -n, -q, --system ...
			words = append(words, w.s)
		}
	}
	switch tool {
	case "initctl":
		if len(words) < 2 {
			return c, false
		}
		c.Via, c.Verb, c.Name, c.Args = tool, words[0], words[1], words[2:]
	case "start", "stop", "restart", "telinit":
		if len(words) < 1 {
			return c, false
		}
		c.Verb, c.Name, c.Args = tool, words[0], words[1:]
	case "service", "invoke-rc.d":
		if len(words) < 2 {
			return c, false
		}
		c.Via, c.Service, c.Name, c.Verb, c.Args = tool, true, words[0], words[1], words[2:]
	default:
		return c, false
	}
	switch c.Verb {
	case "emit", "start", "stop", "restart":
	case "telinit":
		c.Args = nil
	default:
		return c, false
	}
	if c.Service && c.Verb == "emit" {
		return c, false
	}
	return c, c.Name != "" && !(c.Verb == "emit" && strings.HasPrefix(c.Name, "$"))
}

// isName reports whether s is a shell name: letters, digits and _, not
// starting with a digit.
func isName(s string) bool {
	return s != "" && !strings.Contains(s, "=") && isAssignment(s+"=")
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
