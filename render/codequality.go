package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/initorder/initorder/graph"
)

// GitLab's Code Quality report (artifacts:reports:codequality): a JSON
// array of issues with the fields GitLab documents ("Code Quality report
// format", docs.gitlab.com/ci/testing/code_quality): description,
// check_name, fingerprint, severity, location.path and
// location.lines.begin. The writer goes finding by finding, so a fleet is
// never in memory at once.

// codeQualitySeverity maps a finding's severity to GitLab's scale (info,
// minor, major, critical, blocker) as linters commonly do: an error is
// major, a warning minor.
var codeQualitySeverity = map[graph.Severity]string{graph.Error: "major", graph.Warning: "minor", graph.Info: "info"}

type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// CodeQualityWriter writes a Code Quality report finding by finding.
type CodeQualityWriter struct {
	w    io.Writer
	n    int
	seen map[string]int // fingerprints written for node, for the rare exact duplicate
	node string
	msgs map[string]string // messages without their lines, for fingerprint: a fleet's nodes share them
	err  error
}

// NewCodeQuality starts a Code Quality report on w.
func NewCodeQuality(w io.Writer) *CodeQualityWriter {
	return &CodeQualityWriter{w: w, seen: map[string]int{}, msgs: map[string]string{}}
}

// Findings writes the issues of fs, which come node by node as sorted
// findings do (graph.SortFindings). Each issue's fingerprint is stable
// from run to run and across edits that move a finding to other lines:
// a SHA-256 of its kind, node, services, source files and message, the
// message with the line numbers of the places it quotes taken out. Two
// findings alike in all that get #2, #3 … in the order written.
func (c *CodeQualityWriter) Findings(fs []graph.Finding) error {
	for _, f := range fs {
		if err := c.add(f); err != nil {
			return err
		}
	}
	return c.err
}

// add writes the issue of f, its description the message after the
// node's name.
func (c *CodeQualityWriter) add(f graph.Finding) error {
	desc := f.Message
	if f.Node != "" {
		desc = "node " + f.Node + ": " + desc
	}
	return c.issue(f, desc)
}

// issue writes the issue of f with the description desc.
func (c *CodeQualityWriter) issue(f graph.Finding, desc string) error {
	if c.err != nil {
		return c.err
	}
	// A fingerprint has the node in it: those of two nodes never match,
	// and those of the last node only need counting, which keeps the
	// writer's memory that of one node's findings.
	if f.Node != c.node {
		clear(c.seen)
		c.node = f.Node
	}
	msg, ok := c.msgs[f.Message]
	if !ok {
		if len(c.msgs) >= maxMessages {
			clear(c.msgs)
		}
		msg = filePos.ReplaceAllString(f.Message, "$1")
		c.msgs[f.Message] = msg
	}
	fp := fingerprint(f, msg)
	if k := c.seen[fp]; k > 0 {
		c.seen[fp] = k + 1
		fp = fmt.Sprintf("%s#%d", fp, k+1)
	} else {
		c.seen[fp] = 1
	}
	issue := codeQualityIssue{
		Description: desc, CheckName: f.Kind, Fingerprint: fp,
		Severity: codeQualitySeverity[f.Severity], Location: codeQualityLocation{Path: ".", Lines: codeQualityLines{Begin: 1}},
	}
	if issue.Severity == "" {
		issue.Severity = "info"
	}
	if len(f.Sources) > 0 {
		issue.Location.Path = f.Sources[0].File
		issue.Location.Lines.Begin = max(f.Sources[0].Line, 1)
	}
	b, err := json.Marshal(issue)
	if err != nil {
		c.err = err
		return err
	}
	sep := ",\n  "
	if c.n == 0 {
		sep = "[\n  "
	}
	c.n++
	if _, c.err = io.WriteString(c.w, sep); c.err == nil {
		_, c.err = c.w.Write(jsonPrintable(b))
	}
	return c.err
}

// Close ends the report.
func (c *CodeQualityWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	end := "\n]\n"
	if c.n == 0 {
		end = "[]\n"
	}
	_, c.err = io.WriteString(c.w, end)
	return c.err
}

// filePos matches a file:line a message quotes ("(etc/init.d/a:3)").
var filePos = regexp.MustCompile(`([\w./@+-]+):[0-9]+\b`)

// maxMessages bounds the messages a CodeQualityWriter keeps.
const maxMessages = 1 << 16

// fingerprint identifies a finding across runs (see Findings); msg is
// its message without the line numbers of the places it quotes.
func fingerprint(f graph.Finding, msg string) string {
	var files []string
	for _, p := range f.Sources {
		files = append(files, p.File)
	}
	h := sha256.New()
	for _, part := range []string{f.Kind, f.Node, strings.Join(f.Services, "\x00"), strings.Join(files, "\x00"), msg} {
		io.WriteString(h, part)
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func codeQuality(w io.Writer, fs []graph.Finding) error {
	c := NewCodeQuality(w)
	c.Findings(fs)
	return c.Close()
}
