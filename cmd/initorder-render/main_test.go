package main

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/initorder/initorder/render/graphviz"
)

// bigDOT is a graph of one node more than is laid out.
func bigDOT() string {
	var b strings.Builder
	b.WriteString("digraph {\n")
	for i := range graphviz.MaxNodes + 1 {
		fmt.Fprintf(&b, "\tn%d;\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

const dot = "digraph initorder {\n\trankdir=BT;\n\t\"b\" -> \"a\" [color=\"green\"];\n}\n"

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		in   string
		code int
		out  string // a prefix of stdout
		err  string // in stderr
	}{
		{[]string{"-T", "svg"}, dot, 0, "<?xml", ""},
		{nil, dot, 0, "<?xml", ""},
		{[]string{"-T", "json"}, dot, 0, "{", ""},
		{[]string{"-T", "png"}, dot, 0, "\x89PNG", ""},
		{[]string{"-T", "gif"}, dot, 1, "", `-T "gif": want svg, png or json`},
		{nil, "", 1, "", "no DOT text on standard input"},
		{nil, "digraph {", 1, "", "graphviz"},
		{[]string{"file.dot"}, dot, 2, "", "no arguments"},
		{[]string{"-x"}, dot, 2, "", "flag provided but not defined"},
		{nil, bigDOT(), 1, "", "a graph of 2001 nodes and 0 edges is more than is laid out (2000 nodes, 5000 edges): draw less of it (initorder graph --focus, --from, --to, --reduce)"},
		// The layout of the smallest graph takes longer than a nanosecond.
		{[]string{"-timeout", "1ns"}, dot, 1, "", "the layout took more than 1ns: draw less of it"},
		{nil, strings.Repeat(" ", maxDOT+1), 1, "", "more than 64 MiB of DOT text"},
		{nil, "digraph { a -> \x1b; }", 1, "", `near '\x1b'`}, // escaped
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, strings.NewReader(tc.in), &stdout, &stderr)
		if code != tc.code || !strings.HasPrefix(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("initorder-render %v: exit %d, stdout %.20q, stderr %q; want exit %d, stdout %q..., stderr with %q",
				tc.args, code, stdout.String(), stderr.String(), tc.code, tc.out, tc.err)
		}
		if tc.out == "\x89PNG" {
			if _, err := png.Decode(&stdout); err != nil {
				t.Errorf("-T png: %v", err)
			}
		}
	}
}
