package render

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/initorder/initorder/graph"
)

func groupedOut(t *testing.T, format string, f *Fleet) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := FleetFindings(&out, format, f, Options{GroupNodes: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestGroupedText(t *testing.T) {
	want := `layout.ini:9: warning: parse-error: colour: unknown key
== group g1 (1 node, roles db): db1
== group g2 (2 nodes, roles web): web1 web2
== group g3 (1 node, roles web, root images/new): web3
== on every node (4 nodes)
etc/systemd/system/x.service:4: warning: parse-error: x<&> "quoted" é \x1b[2J: unknown key, ignoring it
== on every node but g1 (3 nodes)
etc/init/s2.conf:2: error: cross-node: s2 needs s1, which runs only on db1
== on g1 (1 node)
etc/init.d/a:3: error: cycle: a after b after a
etc/init.d/a:7: error: cycle: a after b after a
etc/init.d/odd: info: no-header: no header
`
	if got := string(groupedOut(t, "text", testFleet())); got != want {
		t.Errorf("FleetFindings(text, GroupNodes) =\n%s\nwant\n%s", got, want)
	}
	// Without a layout there are no groups: the findings as they are.
	f := &Fleet{Name: "root", Findings: testFleet().Groups[1].Findings}
	var plain bytes.Buffer
	Findings(&plain, "text", f.Findings, Options{})
	if got := string(groupedOut(t, "text", f)); got != plain.String() {
		t.Errorf("FleetFindings(text, GroupNodes) of a root =\n%s\nwant\n%s", got, plain.String())
	}
}

type groupedDocTest struct {
	NodeGroups []struct {
		ID    string
		Nodes []string
		Roles []string
		Root  string
	}
	Findings []struct {
		findingJSON
		NodeGroups []string
		NodeCount  int
	}
}

// TestGroupedJSON: every node is in one group; each finding is there
// once, with the groups it holds on; and spread back over the groups'
// nodes, the findings are those of the per-node document, no more, no
// fewer.
func TestGroupedJSON(t *testing.T) {
	f := testFleet()
	var doc groupedDocTest
	if err := json.Unmarshal(groupedOut(t, "json", f), &doc); err != nil {
		t.Fatal(err)
	}
	nodes := map[string][]string{}
	var all []string
	for _, g := range doc.NodeGroups {
		nodes[g.ID] = g.Nodes
		all = append(all, g.Nodes...)
	}
	if slices.Sort(all); strings.Join(all, " ") != "db1 web1 web2 web3" {
		t.Errorf("nodes of the groups: %v, want each node once", all)
	}
	var spread []string
	keys := map[string]bool{}
	for _, x := range doc.Findings {
		key := x.Kind + " " + x.Message + " " + strings.Join(x.NodeGroups, ",")
		if len(x.Sources) > 0 {
			key += " " + x.Sources[0].File
		}
		if keys[key] && x.Kind != graph.KindCycle {
			t.Errorf("finding %s twice", key)
		}
		keys[key] = true
		if x.Node != "" {
			t.Errorf("grouped finding %s has node %q", x.Kind, x.Node)
		}
		n := 0
		for _, id := range x.NodeGroups {
			for _, node := range nodes[id] {
				y := x.findingJSON
				y.Node = node
				b, _ := json.Marshal(y)
				spread = append(spread, string(b))
				n++
			}
		}
		if len(x.NodeGroups) == 0 {
			b, _ := json.Marshal(x.findingJSON)
			spread = append(spread, string(b))
		}
		if n != x.NodeCount {
			t.Errorf("finding %s: nodeCount %d, its groups have %d nodes", x.Kind, x.NodeCount, n)
		}
	}
	var want []string
	for _, x := range findingList(allFindings(f)) {
		b, _ := json.Marshal(x)
		want = append(want, string(b))
	}
	slices.Sort(spread)
	slices.Sort(want)
	if strings.Join(spread, "\n") != strings.Join(want, "\n") {
		t.Errorf("grouped findings spread over their nodes =\n%s\nwant the per-node findings\n%s", strings.Join(spread, "\n"), strings.Join(want, "\n"))
	}
	if len(doc.Findings) != 6 {
		t.Errorf("%d grouped findings, want 6 (the layout's, the shared parse error and cross-node, db1's two cycles and no-header)", len(doc.Findings))
	}
}

// TestGroupedValidates: each grouped form keeps its format's schema.
func TestGroupedValidates(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		"sarif":       compileSchema(t, sarifSchema, sarifSchemaText(t)),
		"codequality": compileSchema(t, "https://initorder.test/gitlab-code-quality.json", codeQualitySchema),
	}
	for _, f := range []*Fleet{testFleet(), {Name: "root"}} {
		for format, schema := range schemas {
			out := groupedOut(t, format, f)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("grouped %s is not JSON: %v\n%s", format, err, out)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("grouped %s does not validate: %v\n%s", format, err, out)
			}
		}
		if out := groupedOut(t, "junit", f); validateJUnit(out) != nil {
			t.Errorf("grouped junit does not keep junit-10.xsd: %v\n%s", validateJUnit(out), out)
		}
	}
}

// TestGroupedTexts: SARIF results and Code Quality issues say the nodes
// in their text, as viewers show nothing else; fingerprints stay unique.
func TestGroupedTexts(t *testing.T) {
	f := testFleet()
	var log struct {
		Runs []struct {
			Results []struct {
				Message    struct{ Text string }
				Properties struct {
					NodeGroups []string
					NodeCount  int
				}
			}
			Properties struct{ NodeGroups []struct{ ID string } }
		}
	}
	if err := json.Unmarshal(groupedOut(t, "sarif", f), &log); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range log.Runs[0].Results {
		got = append(got, r.Message.Text+" "+strings.Join(r.Properties.NodeGroups, ","))
	}
	want := []string{
		"colour: unknown key ",
		"node db1: a after b after a g1",
		"node db1: a after b after a g1",
		"node db1: no header g1",
		"nodes web1, web2, web3: s2 needs s1, which runs only on db1 g2,g3",
		"all 4 nodes: x<&> \"quoted\" é \x1b[2J: unknown key, ignoring it g1,g2,g3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("grouped SARIF results =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(log.Runs[0].Properties.NodeGroups); n != 3 {
		t.Errorf("grouped SARIF run has %d node groups, want 3", n)
	}
	var issues []codeQualityIssue
	if err := json.Unmarshal(groupedOut(t, "codequality", f), &issues); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	got = nil
	for _, is := range issues {
		got = append(got, is.Description)
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s twice", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
	if got[4] != "nodes web1, web2, web3: s2 needs s1, which runs only on db1" {
		t.Errorf("grouped Code Quality issue = %q", got[4])
	}
}

// TestGroupedDeterministic: the same bytes whatever the order of the
// groups given and from run to run.
func TestGroupedDeterministic(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif", "junit", "codequality"} {
		first := groupedOut(t, format, testFleet())
		f := testFleet()
		slices.Reverse(f.Groups)
		if again := groupedOut(t, format, f); !bytes.Equal(first, again) {
			t.Errorf("grouped %s depends on the order of the groups:\n%s\n%s", format, first, again)
		}
	}
}

func TestNodesOf(t *testing.T) {
	gr := &grouped{groups: []NodeGroup{
		{Nodes: []string{"a1"}},
		{Nodes: []string{"b1", "b2"}},
		{Nodes: []string{"c1", "c2", "c3", "c4"}},
	}}
	for _, tc := range []struct {
		groups []int
		want   string
	}{
		{[]int{0}, "node a1"},
		{[]int{1}, "nodes b1, b2"},
		{[]int{0, 1}, "nodes a1, b1, b2"},
		{[]int{1, 2}, "nodes b1, b2, c1 and 3 more"},
		{[]int{0, 1, 2}, "all 7 nodes"},
	} {
		gf := groupedFinding{groups: tc.groups}
		for _, k := range tc.groups {
			gf.nodes += len(gr.groups[k].Nodes)
		}
		if got := gr.nodesOf(gf); got != tc.want {
			t.Errorf("nodesOf(%v) = %q, want %q", tc.groups, got, tc.want)
		}
	}
}
