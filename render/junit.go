package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
)

// JUnit XML as CI systems read it (Jenkins, GitLab's
// artifacts:reports:junit, Azure DevOps), following the schema most of
// them are checked against: Jenkins xUnit plugin's junit-10.xsd. A test
// suite is a node (or the root, without a layout), a test case a service
// of its boot; each error finding about the service is a <failure> whose
// text starts with the finding's file:line; warnings and infos go to the
// test case's <system-out>, where they are seen but fail nothing.
// Findings about no service of the boot (a layout file's, a file no
// service owns) get a test case of their own, named by what they are
// about. The writer goes suite by suite, so a fleet is never in memory
// at once: the schema lets <testsuites> go without totals.

// Suite is one node's boot for the CI report formats: its name (the node,
// or the root for a check without a layout), the services it boots and
// its findings.
type Suite struct {
	Name       string
	Services   []string // the services of its boot (BootNames), sorted
	Findings   []graph.Finding
	Properties []Property // the suite's <properties>, if any
}

// Property is a name and value of a test suite's <properties>.
type Property struct{ Name, Value string }

// BootNames lists the services g boots as ls lists them, whatever their
// order: defined, listed, on this node and part of the boot. Sorted.
func BootNames(g *graph.Graph) []string {
	var out []string
	for i := range g.Services {
		s := &g.Services[i]
		if !s.Missing && !s.Hidden && s.Away == "" && s.Started() {
			out = append(out, s.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// JUnitWriter writes a JUnit XML document suite by suite.
type JUnitWriter struct {
	w      io.Writer
	enc    *xml.Encoder
	suites int
	err    error
}

// NewJUnit starts a JUnit XML document on w.
func NewJUnit(w io.Writer) *JUnitWriter {
	j := &JUnitWriter{w: w, enc: xml.NewEncoder(w)}
	j.enc.Indent("  ", "  ")
	_, j.err = io.WriteString(w, xml.Header+`<testsuites name="initorder">`+"\n")
	return j
}

type junitSuite struct {
	XMLName    xml.Name         `xml:"testsuite"`
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Properties *junitProperties `xml:"properties"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Failures  []junitFailure `xml:"failure"`
	Out       string         `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Suite writes one test suite: a test case for each service of s and for
// each other subject of its findings (the first service a finding names,
// else its file, else its kind), sorted by name.
func (j *JUnitWriter) Suite(s Suite) error {
	if j.err != nil {
		return j.err
	}
	j.err = j.enc.Encode(junitSuiteOf(s))
	j.suites++
	return j.err
}

// junitSuiteOf is s as XML.
func junitSuiteOf(s Suite) junitSuite {
	name := printable(s.Name)
	cases := map[string]*junitCase{}
	get := func(subject string) *junitCase {
		c := cases[subject]
		if c == nil {
			c = &junitCase{Name: printable(subject), Classname: name}
			cases[subject] = c
		}
		return c
	}
	for _, svc := range s.Services {
		get(svc)
	}
	for _, f := range s.Findings {
		c := get(subject(f))
		text := findingText(f)
		if f.Severity == graph.Error {
			c.Failures = append(c.Failures, junitFailure{Type: f.Kind, Message: printable(f.Message), Text: text})
		} else {
			c.Out += text + "\n"
		}
	}
	suite := junitSuite{Name: name}
	if len(s.Properties) > 0 {
		suite.Properties = &junitProperties{}
		for _, p := range s.Properties {
			suite.Properties.Property = append(suite.Properties.Property, junitProperty{printable(p.Name), printable(p.Value)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cases)) {
		c := cases[k]
		suite.Cases = append(suite.Cases, *c)
		if len(c.Failures) > 0 {
			suite.Failures++
		}
	}
	suite.Tests = len(suite.Cases)
	return suite
}

// suiteTemplate is a suite that several nodes share but for their name:
// the bytes Suite writes for one, cut where the name goes (the suite's
// name and each test case's classname).
type suiteTemplate [][]byte

func (t suiteTemplate) size() int {
	n := 0
	for _, p := range t {
		n += len(p)
	}
	return n
}

// template returns the template of s (whose name does not matter), or
// nil when it cannot be made.
func (j *JUnitWriter) template(s Suite) suiteTemplate {
	// The name stands in the bytes as a mark nothing else can hold: a
	// random one, which the input cannot know.
	mark := fmt.Sprintf("initorder-node-%016x", rand.Uint64())
	s.Name = mark
	suite := junitSuiteOf(s)
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent("  ", "  ")
	if err := enc.Encode(suite); err != nil {
		return nil
	}
	parts := bytes.Split(b.Bytes(), []byte(mark))
	if len(parts) != 2+len(suite.Cases) {
		return nil
	}
	return parts
}

// suiteAs writes the suite of t with the given name, as Suite writes it.
func (j *JUnitWriter) suiteAs(t suiteTemplate, name string) error {
	if j.err != nil {
		return j.err
	}
	var esc bytes.Buffer
	if j.err = xml.EscapeText(&esc, []byte(printable(name))); j.err != nil {
		return j.err
	}
	if j.suites > 0 { // the encoder starts each suite but the first on a line of its own
		if _, j.err = io.WriteString(j.w, "\n"); j.err != nil {
			return j.err
		}
	}
	j.suites++
	for k, p := range t {
		if k > 0 {
			if _, j.err = j.w.Write(esc.Bytes()); j.err != nil {
				return j.err
			}
		}
		if _, j.err = j.w.Write(p); j.err != nil {
			return j.err
		}
	}
	return nil
}

// Close ends the document.
func (j *JUnitWriter) Close() error {
	if j.err != nil {
		return j.err
	}
	end := "</testsuites>\n"
	if j.suites > 0 {
		end = "\n" + end // the encoder starts each suite but the first on a line of its own
	}
	_, j.err = io.WriteString(j.w, end)
	return j.err
}

// subject is what a finding is about, for the test case that holds it.
func subject(f graph.Finding) string {
	switch {
	case len(f.Services) > 0:
		return f.Services[0]
	case len(f.Sources) > 0:
		return f.Sources[0].File
	}
	return f.Kind
}

// findingText is a finding as check prints it, and the rest of its
// sources one a line: file:line first, for the CI system to link.
func findingText(f graph.Finding) string {
	var b strings.Builder
	b.WriteString(printable(f.String()))
	for _, p := range f.Sources[min(1, len(f.Sources)):] {
		b.WriteString("\n  " + printable(p.String()))
	}
	return b.String()
}

// junit writes fs as Findings does: a suite for each node's run of
// findings (named "initorder" for findings of no node), with a test case
// for each subject of a finding only, as there is no boot to list.
func junit(w io.Writer, fs []graph.Finding) error {
	j := NewJUnit(w)
	for len(fs) > 0 {
		n := 1
		for n < len(fs) && fs[n].Node == fs[0].Node {
			n++
		}
		name := fs[0].Node
		if name == "" {
			name = "initorder"
		}
		j.Suite(Suite{Name: name, Findings: fs[:n]})
		fs = fs[n:]
	}
	return j.Close()
}
