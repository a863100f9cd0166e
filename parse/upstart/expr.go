package upstart

import (
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file holds the event expressions of "start on" and "stop on"
// (upstart init/parse_job.c, parse_on and its helpers), read with the
// lexer of lex.go.

// Expr is an event expression of "start on" / "stop on".
type Expr struct {
	Op          string    // "and" or "or"; "" for an event match
	Left, Right *Expr     // operands of Op
	Event       string    // event name, for Op == ""
	Args        []string  // as written: positional globs ("[2345]"), "KEY=VALUE", "KEY!=VALUE"; $VAR kept as written
	Pos         graph.Pos // line of the event name; for an operator, that of its leftmost event
}

// String returns e in canonical form, fully parenthesised except at the
// top: "(a or b) and c". Names and arguments that the job-file syntax
// would not read back as one token are double-quoted, so that the result
// parses back to the same expression.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, true)
	return b.String()
}

func (e *Expr) write(b *strings.Builder, top bool) {
	if e.Op == "" {
		b.WriteString(quoteToken(e.Event))
		for _, a := range e.Args {
			b.WriteByte(' ')
			b.WriteString(quoteToken(a))
		}
		return
	}
	if !top {
		b.WriteByte('(')
	}
	e.Left.write(b, false)
	b.WriteString(" " + e.Op + " ")
	e.Right.write(b, false)
	if !top {
		b.WriteByte(')')
	}
}

// quoteToken quotes s when libnih would not read it back as the same
// single token: it is empty, holds a blank, comment, parenthesis, quote
// or backslash, or is an operator keyword (parse_on_operator compares the
// token before dequoting, so a quoted "and" is an event name).
func quoteToken(s string) string {
	if s != "" && s != "and" && s != "or" && !strings.ContainsAny(s, " \t\r\n#()\"'\\") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// events calls f for every event match of e, left to right.
func (e *Expr) events(f func(*Expr)) {
	if e.Op == "" {
		f(e)
		return
	}
	e.Left.events(f)
	e.Right.events(f)
}

// exprError is a problem in an event expression and the line it is on.
type exprError struct {
	line int
	err  error
}

// onParser builds the tree of an "on" stanza the way upstart does
// (parse_on_operator, parse_on_operand, parse_on_paren,
// parse_on_collect): a stack of operators and event matches, where an
// operator first collects everything above the innermost open
// parenthesis into its left operand. "and" and "or" therefore have the
// same precedence and bind left to right: "a or b and c" is
// "(a or b) and c".
type onParser struct {
	path   string
	stack  []*Expr // nil marks an open parenthesis
	paren  []int   // lines of the open parentheses
	root   *Expr   // what the last collect built
	events int
}

// maxExprEvents bounds one expression, and so the depth of its tree
// (upstart has no bound; real jobs use a handful of events).
const maxExprEvents = 10000

var errExprTooLong = fmt.Errorf("expression of more than %d events, not read", maxExprEvents)

func (o *onParser) top() *Expr {
	if len(o.stack) == 0 {
		return nil
	}
	return o.stack[len(o.stack)-1]
}

// collect pops operators and matches down to the innermost open
// parenthesis, each operator taking what was built so far as its right
// operand (parse_on_collect).
func (o *onParser) collect() error {
	for len(o.stack) > 0 && o.top() != nil {
		e := o.top()
		o.stack = o.stack[:len(o.stack)-1]
		switch {
		case e.Op != "" && o.root != nil:
			e.Right = o.root
		case e.Op != "":
			return errExpectedEvent
		case o.root != nil:
			return errExpectedOperator
		}
		o.root = e
	}
	if o.root == nil {
		return errExpectedEvent
	}
	return nil
}

// operator starts an "and" or "or" whose left operand is all that came
// before it (parse_on_operator).
func (o *onParser) operator(op string) error {
	if err := o.collect(); err != nil {
		return err
	}
	o.stack = append(o.stack, &Expr{Op: op, Left: o.root, Pos: o.root.Pos})
	o.root = nil
	return nil
}

// operand is an event name, or an argument of the event before it
// (parse_on_operand). "Sanity check the event's environment to ensure
// that no positional arguments follow name-based ones."
func (o *onParser) operand(tok string, line int) error {
	if t := o.top(); t != nil && t.Op == "" {
		t.Args = append(t.Args, tok)
		named := false
		for _, a := range t.Args {
			if strings.Contains(a, "=") {
				named = true
			} else if named {
				return errExpectedVariable
			}
		}
		return nil
	}
	if o.events++; o.events > maxExprEvents {
		return errExprTooLong
	}
	o.stack = append(o.stack, &Expr{Event: tok, Pos: graph.Pos{File: o.path, Line: line}})
	return nil
}

// open and close handle parentheses (parse_on_paren): an open one may
// only stand where an event may, and a close one collects its group.
func (o *onParser) open(line int) error {
	if t := o.top(); o.root != nil || (t != nil && t.Op == "") {
		return errExpectedOperator
	}
	o.stack = append(o.stack, nil)
	o.paren = append(o.paren, line)
	return nil
}

func (o *onParser) close() error {
	if err := o.collect(); err != nil {
		return err
	}
	if len(o.stack) == 0 {
		return errMismatchedParens
	}
	o.stack = o.stack[:len(o.stack)-1]
	o.paren = o.paren[:len(o.paren)-1]
	return nil
}

// parseOn reads the event expression that follows "start on" or
// "stop on" (parse_on). init(5): "complex expressions may be performed
// with parentheses (within which line breaks are permitted)": the
// expression goes on over lines, comments allowed at their ends, while a
// parenthesis is open. Like upstart, it needs a token at the start of
// every line it reads, so an empty line inside parentheses is "Expected
// token". On the first error the rest of the expression is skipped,
// still following the parentheses, and the error is returned: upstart
// stops at it, we go on with the next stanza.
func (l *lexer) parseOn(path string) (*Expr, *exprError) {
	o := &onParser{path: path}
	var failed *exprError
	fail := func(line int, err error) {
		if failed == nil {
			failed = &exprError{line, err}
		}
	}
	depth, last := 0, l.line // last: the line of the last token, where upstart reports the end
	for {
		l.skipBlanks()
		for first := true; first || l.hasToken(); first = false {
			line := l.line
			last = line
			if l.p < len(l.data) && (l.data[l.p] == '(' || l.data[l.p] == ')') {
				if l.data[l.p] == '(' {
					depth++
					if failed == nil {
						if err := o.open(line); err != nil {
							fail(line, err)
						}
					}
				} else {
					depth = max(depth-1, 0)
					if failed == nil {
						if err := o.close(); err != nil {
							fail(line, err)
						}
					}
				}
				l.p++
				l.skipBlanks()
				continue
			}
			if failed != nil && !l.hasToken() {
				break
			}
			p := l.p
			raw, val, err := l.scan("()" + nihCNLWS)
			if err != nil {
				fail(l.tokLine, err)
				l.p = len(l.data)
				break
			}
			l.skipBlanks()
			if failed != nil {
				if l.p == p {
					l.p++
				}
				continue
			}
			switch {
			case raw == "":
				err = errExpectedToken
			case raw == "and" || raw == "or":
				err = o.operator(raw)
			case val == "":
				err = errExpectedToken
			default:
				err = o.operand(val, line)
			}
			if err != nil {
				fail(line, err)
			}
		}
		l.nextLine()
		if l.p >= len(l.data) || depth == 0 {
			break
		}
	}
	if failed != nil {
		return nil, failed
	}
	if err := o.collect(); err != nil {
		return nil, &exprError{last, err}
	}
	if len(o.stack) > 0 {
		// Upstart reports this at the end of the file, which the
		// expression has swallowed; the open parenthesis is more use.
		return nil, &exprError{o.paren[len(o.paren)-1], errMismatchedParens}
	}
	return o.root, nil
}
