package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

// testFleet is a fleet of four nodes in three groups, given out of
// order: a finding all groups share (with characters JSON, XML and a
// terminal treat apart), one two groups share, one group's own, two
// findings alike but for their line (Code Quality's #2), and a warning
// of the layout file, of no node.
func testFleet() *Fleet {
	common := graph.Finding{Kind: graph.KindParseError, Severity: graph.Warning, Services: []string{"x<&>"},
		Message: "x<&> \"quoted\" é \x1b[2J: unknown key, ignoring it", Sources: []graph.Pos{{File: "etc/systemd/system/x.service", Line: 4}}}
	cross := graph.Finding{Kind: graph.KindCrossNode, Severity: graph.Error, Services: []string{"s2", "s1"},
		Message: "s2 needs s1, which runs only on db1", Sources: []graph.Pos{{File: "etc/init/s2.conf", Line: 2}}}
	twice := func(line int) graph.Finding {
		return graph.Finding{Kind: graph.KindCycle, Severity: graph.Error, Services: []string{"a", "b"}, Message: "a after b after a",
			Sources: []graph.Pos{{File: "etc/init.d/a", Line: line}, {File: "etc/init.d/b", Line: 3}}}
	}
	own := graph.Finding{Kind: graph.KindNoHeader, Severity: graph.Info, Services: []string{"odd"}, Message: "no header", Sources: []graph.Pos{{File: "etc/init.d/odd"}}}
	sorted := func(fs ...graph.Finding) []graph.Finding { graph.SortFindings(fs); return fs }
	return &Fleet{
		Name:     "layout",
		Findings: []graph.Finding{{Kind: graph.KindParseError, Severity: graph.Warning, Services: []string{}, Message: "colour: unknown key", Sources: []graph.Pos{{File: "layout.ini", Line: 9}}}},
		Groups: []NodeGroup{
			{Nodes: []string{"web3"}, Roles: []string{"web"}, Root: "images/new", Services: []string{"s2", "x<&>"}, Findings: sorted(common, cross)},
			{Nodes: []string{"db1"}, Roles: []string{"db"}, Services: []string{"odd", "s1", "x<&>"}, Findings: sorted(common, own, twice(3), twice(7))},
			{Nodes: []string{"web1", "web2"}, Roles: []string{"web"}, Services: []string{"s2", "x<&>"}, Findings: sorted(common, cross)},
		},
	}
}

// allFindings is every finding of f, each group's copied to each of its
// nodes, sorted: what Findings is given for a check of one node or none.
func allFindings(f *Fleet) []graph.Finding {
	out := slices.Clone(f.Findings)
	for _, g := range f.Groups {
		out = append(out, graph.PerNode(g.Findings, g.Nodes)...)
	}
	graph.SortFindings(out)
	return out
}

// TestFleetFindingsAsWhole: written node by node, a fleet's findings are
// the bytes Findings writes for all of them at once.
func TestFleetFindingsAsWhole(t *testing.T) {
	for _, f := range []*Fleet{testFleet(), {Name: "root"}, {Name: "root", Findings: testFleet().Groups[1].Findings}} {
		for _, format := range []string{"text", "json", "sarif", "codequality"} {
			var got, want bytes.Buffer
			if err := FleetFindings(&got, format, f, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := Findings(&want, format, allFindings(f), Options{}); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("FleetFindings(%s, %d groups) =\n%s\nwant, as Findings writes them all,\n%s", format, len(f.Groups), got.String(), want.String())
			}
		}
	}
}

// TestStreamedDocuments: the JSON and SARIF documents, written finding
// by finding, are the bytes the whole document encodes to.
func TestStreamedDocuments(t *testing.T) {
	for _, fs := range [][]graph.Finding{nil, allFindings(testFleet()), sarifFindings()} {
		var got, want bytes.Buffer
		findingsJSON(&got, fs)
		writeJSON(&want, findingsDoc{Findings: findingList(fs)})
		if got.String() != want.String() {
			t.Errorf("findings JSON of %d findings, streamed =\n%s\nwant\n%s", len(fs), got.String(), want.String())
		}

		got.Reset()
		want.Reset()
		findingsSARIF(&got, fs)
		s, err := newSARIFStream(&bytes.Buffer{}, sarifKinds(fs))
		if err != nil {
			t.Fatal(err)
		}
		var rules []sarifRule
		if err := json.Unmarshal(sarifRulesOf(t, got.Bytes()), &rules); err != nil {
			t.Fatal(err)
		}
		run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "initorder", Rules: rules}}, Results: []sarifResult{}}
		for _, f := range fs {
			run.Results = append(run.Results, s.result(f))
		}
		writeJSON(&want, sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
		if got.String() != want.String() {
			t.Errorf("SARIF of %d findings, streamed =\n%s\nwant\n%s", len(fs), got.String(), want.String())
		}
	}
}

// sarifRulesOf returns the rules of a SARIF log.
func sarifRulesOf(t *testing.T, doc []byte) json.RawMessage {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules json.RawMessage }
			}
		}
	}
	if err := json.Unmarshal(doc, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("SARIF log: %v\n%s", err, doc)
	}
	return log.Runs[0].Tool.Driver.Rules
}

// TestFleetJUnit: a suite for the layout's own findings, then one for
// each node, in name order, with its group's services as test cases and
// its findings.
func TestFleetJUnit(t *testing.T) {
	var out bytes.Buffer
	if err := FleetFindings(&out, "junit", testFleet(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := validateJUnit(out.Bytes()); err != nil {
		t.Fatalf("FleetFindings(junit): %v\n%s", err, out.String())
	}
	got := junitOutline(t, out.Bytes())
	want := []string{
		"layout: layout.ini",
		"db1: a(2 failures) odd s1 x<&>",
		"web1: s2(1 failures) x<&>",
		"web2: s2(1 failures) x<&>",
		"web3: s2(1 failures) x<&>",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("FleetFindings(junit) suites =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A node's suite is a copy of its group's first, with its name: the
	// bytes Suite writes for it, whatever the name holds.
	f := testFleet()
	f.Groups[2].Nodes = []string{"web1", "web2 <&>\"'\t\x01\xff\u00e9", "web4"}
	var ref bytes.Buffer
	j := NewJUnit(&ref)
	j.Suite(Suite{Name: f.Name, Findings: f.Findings})
	for _, n := range fleetNodes(f.Groups) {
		g := f.Groups[n.group]
		j.Suite(Suite{Name: n.name, Services: g.Services, Findings: graph.PerNode(g.Findings, []string{n.name})})
	}
	j.Close()
	out.Reset()
	if err := FleetFindings(&out, "junit", f, Options{}); err != nil {
		t.Fatal(err)
	}
	if out.String() != ref.String() {
		t.Errorf("FleetFindings(junit) =\n%s\nwant, suite by suite,\n%s", out.String(), ref.String())
	}
}

// junitOutline lists the suites of a JUnit document: "name: case case(N
// failures) ...".
func junitOutline(t *testing.T, doc []byte) []string {
	var suites struct {
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name     string     `xml:"name,attr"`
				Failures []struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(doc, &suites); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range suites.Suites {
		line := s.Name + ":"
		for _, c := range s.Cases {
			line += " " + c.Name
			if len(c.Failures) > 0 {
				line += "(" + string(rune('0'+len(c.Failures))) + " failures)"
			}
		}
		out = append(out, line)
	}
	return out
}
