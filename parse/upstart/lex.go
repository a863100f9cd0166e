package upstart

import "strings"

// This file holds the lexical rules of libnih's config parser
// (nih/config.c), which upstart uses for every job file: tokens, quotes,
// escapes, comments and the ends of lines.

// libnih's character classes (nih/config.h).
const (
	nihWS    = " \t\r"    // blanks: skipped between tokens
	nihCNL   = "#\n"      // what ends a line: a comment or a newline
	nihCNLWS = " \t\r#\n" // what ends a token
)

// lexer walks a job file with libnih's rules: a token ends at a blank,
// "#" or newline that is not quoted ("..." or '...') nor escaped with a
// backslash; quotes may span lines; a backslash before a newline joins
// the lines; blanks are space, tab and carriage return, so CRLF files
// read like LF files.
type lexer struct {
	data    []byte
	p       int // offset of the next byte
	line    int // line of data[p], from 1
	tokLine int // line where the last token started: where an unterminated one is reported
}

// hasToken reports whether a token starts here: not the end of the
// file, a comment or a newline (nih_config_has_token).
func (l *lexer) hasToken() bool {
	return l.p < len(l.data) && l.data[l.p] != '#' && l.data[l.p] != '\n'
}

// skipBlanks skips blanks and escaped newlines (nih_config_skip_whitespace).
func (l *lexer) skipBlanks() {
	for l.p < len(l.data) {
		c := l.data[l.p]
		if c == '\\' && l.p+1 < len(l.data) && l.data[l.p+1] == '\n' {
			l.p += 2
			l.line++
			continue
		}
		if strings.IndexByte(nihWS, c) < 0 {
			return
		}
		l.p++
	}
}

// nextLine moves past the end of the current line (nih_config_next_line).
func (l *lexer) nextLine() {
	for l.p < len(l.data) && l.data[l.p] != '\n' {
		l.p++
	}
	if l.p < len(l.data) {
		l.p++
		l.line++
	}
}

// endLine ends a stanza: only a comment may follow (nih_config_skip_comment).
func (l *lexer) endLine() error {
	if l.hasToken() {
		return errUnexpectedToken
	}
	l.nextLine()
	return nil
}

// skipRest skips what is left of a stanza that could not be read: its
// tokens, a comment and the newline.
func (l *lexer) skipRest() {
	for l.skipBlanks(); l.hasToken(); l.skipBlanks() {
		p := l.p
		if _, _, err := l.scan(nihCNLWS); err != nil || l.p == p {
			l.p = max(l.p, p+1)
		}
	}
	l.nextLine()
}

// scan reads one token ending at a byte of delim (nih_config_token). It
// returns the token as written (raw: quotes and backslashes kept) and
// dequoted (val), with every newline inside it, escaped or quoted,
// turned into one space together with the blanks around it.
func (l *lexer) scan(delim string) (raw, val string, err error) {
	l.tokLine = l.line
	var r, v []byte
	var blanks []byte // blanks not yet copied: dropped at the end of the token
	nl, slash := false, false
	var quote byte
	flush := func() {
		if nl {
			r, v = append(r, ' '), append(v, ' ')
		} else {
			r, v = append(r, blanks...), append(v, blanks...)
		}
		blanks, nl = blanks[:0], false
	}
	for ; l.p < len(l.data); l.p++ {
		c := l.data[l.p]
		switch {
		case slash:
			slash = false
			if c == '\n' {
				l.line++
				nl = true
				continue
			}
			flush()
			r, v = append(r, '\\', c), append(v, c)
			continue
		case c == '\\':
			slash = true
			continue
		case quote != 0:
			switch {
			case c == quote:
				quote = 0
				flush()
				r = append(r, c)
			case c == '\n':
				l.line++
				nl = true
			case strings.IndexByte(nihWS, c) >= 0:
				blanks = append(blanks, c)
			default:
				flush()
				r, v = append(r, c), append(v, c)
			}
			continue
		case c == '"' || c == '\'':
			quote = c
			flush()
			r = append(r, c)
			continue
		case strings.IndexByte(delim, c) >= 0:
		case strings.IndexByte(nihWS, c) >= 0:
			blanks = append(blanks, c)
			continue
		default:
			flush()
			r, v = append(r, c), append(v, c)
			continue
		}
		break
	}
	switch {
	case slash:
		return "", "", errTrailingSlash
	case quote != 0:
		return "", "", errUnterminatedQuote
	}
	return string(r), string(v), nil
}

// next reads a token and the blanks after it (nih_config_next_token):
// dequoted or as written, and never empty.
func (l *lexer) next(delim string, dequote bool) (string, error) {
	raw, val, err := l.scan(delim)
	if err != nil {
		return "", err
	}
	if !dequote {
		val = raw
	}
	if val == "" {
		return "", errExpectedToken
	}
	l.skipBlanks()
	return val, nil
}

// arg reads one dequoted argument (nih_config_next_arg).
func (l *lexer) arg() (string, error) { return l.next(nihCNLWS, true) }

// keyword reads a sub-stanza keyword such as "on" or "exec" as written:
// upstart does not dequote these.
func (l *lexer) keyword() (string, error) { return l.next(nihCNLWS, false) }

// args reads the dequoted arguments up to the end of the line
// (nih_config_parse_args); there must be one at least.
func (l *lexer) args() ([]string, []int, error) {
	if !l.hasToken() {
		return nil, nil, errExpectedToken
	}
	var vals []string
	var lines []int
	for l.hasToken() {
		line := l.line
		a, err := l.arg()
		if err != nil {
			return nil, nil, err
		}
		vals, lines = append(vals, a), append(lines, line)
	}
	l.nextLine()
	return vals, lines, nil
}
