package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

// junitRules is Jenkins xUnit plugin's junit-10.xsd
// (jenkinsci/xunit-plugin, src/main/resources/org/jenkinsci/plugins/
// xunit/types/model/xsd/junit-10.xsd, the schema GitLab, pytest and most
// CI tools write and read JUnit XML by), as rules an element must keep:
// the children it may have, the attributes it must and may have, and
// whether it holds text (mixed content or xs:string). No XSD validator is
// at hand, and the schema is not ours to commit: its structure is written
// down here, element by element, and the output is checked against it.
type xsdElement struct {
	children []string
	required []string
	optional []string
	text     bool
}

var junitRules = map[string]xsdElement{
	"testsuites": {children: []string{"testsuite"}, optional: []string{"name", "time", "tests", "failures", "errors"}},
	"testsuite": {
		children: []string{"testsuite", "properties", "testcase", "system-out", "system-err"},
		required: []string{"name", "tests", "failures", "errors"},
		optional: []string{"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
	},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {
		children: []string{"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"},
		required: []string{"name"},
		optional: []string{"time", "classname", "group"},
	},
	"failure":    {optional: []string{"type", "message"}, text: true},
	"error":      {optional: []string{"type", "message"}, text: true},
	"skipped":    {optional: []string{"type", "message"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// surefireTime is junit-10.xsd's SUREFIRE_TIME pattern, for time attributes.
var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

// validateJUnit checks doc against junitRules: well-formed XML whose root
// is testsuites, every element known and where its parent may hold it,
// required attributes present, no unknown attribute, text only where the
// schema allows it, integer counts.
func validateJUnit(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			rule, ok := junitRules[name]
			switch {
			case !ok:
				return fmt.Errorf("unknown element <%s>", name)
			case root && name != "testsuites":
				return fmt.Errorf("root element <%s>, want <testsuites>", name)
			case !root && !slices.Contains(junitRules[stack[len(stack)-1]].children, name):
				return fmt.Errorf("<%s> inside <%s>", name, stack[len(stack)-1])
			}
			root = false
			have := map[string]bool{}
			for _, a := range tok.Attr {
				k := a.Name.Local
				if !slices.Contains(rule.required, k) && !slices.Contains(rule.optional, k) {
					return fmt.Errorf("<%s> has attribute %s", name, k)
				}
				if k == "time" && !surefireTime.MatchString(a.Value) {
					return fmt.Errorf("<%s time=%q>: not SUREFIRE_TIME", name, a.Value)
				}
				if (k == "tests" || k == "failures" || k == "errors") && !regexp.MustCompile(`^[0-9]+$`).MatchString(a.Value) {
					return fmt.Errorf("<%s %s=%q>: not a count", name, k, a.Value)
				}
				have[k] = true
			}
			for _, k := range rule.required {
				if !have[k] {
					return fmt.Errorf("<%s> without attribute %s", name, k)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && !junitRules[stack[len(stack)-1]].text && strings.TrimSpace(string(tok)) != "" {
				return fmt.Errorf("text %q in <%s>", tok, stack[len(stack)-1])
			}
		}
	}
	if root {
		return fmt.Errorf("no root element")
	}
	return nil
}

func junitSuites() []Suite {
	fs := sarifFindings()
	return []Suite{
		{Name: "layout", Findings: fs[:1]},
		{Name: "web1", Services: []string{"a", "b", "s1", "s2", "x\x1b[2J"}, Findings: fs[1:3]},
		{Name: "web2", Services: []string{"odd name"}, Findings: fs[3:]},
	}
}

func TestJUnitValidates(t *testing.T) {
	var out bytes.Buffer
	j := NewJUnit(&out)
	for _, s := range junitSuites() {
		if err := j.Suite(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	var empty, viaFindings bytes.Buffer
	if err := Findings(&empty, "junit", nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Findings(&viaFindings, "junit", sarifFindings(), Options{}); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []*bytes.Buffer{&out, &empty, &viaFindings} {
		if err := validateJUnit(doc.Bytes()); err != nil {
			t.Errorf("JUnit output does not keep junit-10.xsd: %v\n%s", err, doc)
		}
	}
	// The rules would take broken documents too: check they do not.
	for _, bad := range []string{
		strings.Replace(out.String(), ` tests="5"`, "", 1),
		strings.Replace(out.String(), `<testcase name="a"`, `<testcase nom="a"`, 1),
		strings.Replace(out.String(), `<testsuites name="initorder">`, `<testsuites name="initorder"><testcase name="x"></testcase>`, 1),
		strings.Replace(out.String(), `</testsuite>`, `stray text</testsuite>`, 1),
		strings.Replace(out.String(), `</testsuites>`, ``, 1),
		`<testsuite name="x" tests="0" failures="0" errors="0"></testsuite>`,
	} {
		if validateJUnit([]byte(bad)) == nil {
			t.Errorf("validateJUnit takes a broken document:\n%s", bad)
		}
	}
}

func TestJUnit(t *testing.T) {
	var out bytes.Buffer
	j := NewJUnit(&out)
	for _, s := range junitSuites() {
		j.Suite(s)
	}
	j.Close()
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failures  []struct {
					Type    string `xml:"type,attr"`
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Out string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range doc.Suites {
		got = append(got, fmt.Sprintf("suite %s tests=%d failures=%d", s.Name, s.Tests, s.Failures))
		for _, c := range s.Cases {
			line := "  " + c.Classname + "/" + c.Name
			for _, f := range c.Failures {
				line += fmt.Sprintf(" FAIL[%s %q] %q", f.Type, f.Message, f.Text)
			}
			if c.Out != "" {
				line += fmt.Sprintf(" out %q", c.Out)
			}
			got = append(got, line)
		}
	}
	want := []string{
		`suite layout tests=1 failures=0`,
		`  layout/layout.ini out "layout.ini:3: warning: parse-error: colour: unknown key, ignoring it\n"`,
		`suite web1 tests=5 failures=2`,
		`  web1/a FAIL[cycle "loop"] "etc/init.d/a:3: error: cycle: loop\n  etc/init.d/b:3"`,
		`  web1/b`,
		`  web1/s1`,
		`  web1/s2 FAIL[cross-node "s2 start on started s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network"] "etc/init/s2.conf:2: error: cross-node: s2 start on started s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network"`,
		`  web1/x\x1b[2J`,
		`suite web2 tests=2 failures=0`,
		`  web2/odd name out "etc/init.d/odd name:x: info: no-header: no header\n"`,
		`  web2/some-new-kind out "info: some-new-kind: no source\n"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("JUnit =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var again bytes.Buffer
	j = NewJUnit(&again)
	for _, s := range junitSuites() {
		j.Suite(s)
	}
	j.Close()
	if again.String() != out.String() {
		t.Errorf("JUnit output differs between runs")
	}
}

func TestBootNames(t *testing.T) {
	g := &graph.Graph{Services: []graph.Service{
		{Name: "b"}, {Name: "a"}, {Name: "missing", Missing: true}, {Name: "barrier", Hidden: true},
		{Name: "elsewhere", Away: "runs only on db1"}, {Name: "off", Phase: graph.NotStarted},
	}}
	if got := BootNames(g); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("BootNames = %q, want [a b]", got)
	}
}
