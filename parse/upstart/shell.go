package upstart

import (
	"bytes"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file finds "initctl emit" in the shell text of exec lines and
// script blocks: a small reader of shell words, not a shell.

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
