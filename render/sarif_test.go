package render

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	// Imported for its copy of the OASIS SARIF 2.1.0 schema, which
	// sarifSchemaText reads from the module's source: the schema is not
	// fetched from the web at test time.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/initorder/initorder/graph"
)

// sarifSchemaText returns the SARIF 2.1.0 JSON schema that
// github.com/owenrumney/go-sarif/v3 ships as the Go constant "schema" in
// pkg/report/v210/sarif/schema.go (the OASIS errata01 schema), read from
// the module cache.
func sarifSchemaText(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif").Output()
	if err != nil {
		t.Fatalf("locating go-sarif: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	_, text, ok := strings.Cut(string(src), "const schema = `")
	if !ok || !strings.Contains(text, "`") {
		t.Fatalf("schema.go of go-sarif no longer holds `const schema = ...`")
	}
	text = text[:strings.LastIndexByte(text, '`')]
	if !strings.Contains(text, `"title": "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"`) {
		t.Fatalf("go-sarif's schema is not the SARIF 2.1.0 schema")
	}
	return text
}

func sarifFindings() []graph.Finding {
	return []graph.Finding{
		{Kind: graph.KindParseError, Severity: graph.Warning, Services: []string{}, Message: "colour: unknown key, ignoring it", Sources: []graph.Pos{{File: "layout.ini", Line: 3}}},
		{Kind: graph.KindCrossNode, Severity: graph.Error, Node: "web1", Services: []string{"s2", "s1"},
			Message: "s2 start on started s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network",
			Sources: []graph.Pos{{File: "etc/init/s2.conf", Line: 2}}},
		{Kind: graph.KindCycle, Severity: graph.Error, Node: "web1", Services: []string{"a", "b"}, Message: "loop",
			Sources: []graph.Pos{{File: "etc/init.d/a", Line: 3}, {File: "etc/init.d/b", Line: 3}}},
		{Kind: graph.KindNoHeader, Severity: graph.Info, Node: "web2", Services: []string{"odd name"}, Message: "no header",
			Sources: []graph.Pos{{File: "etc/init.d/odd name:x"}}},
		{Kind: "some-new-kind", Severity: graph.Info, Node: "web2", Message: "no source"},
	}
}

func TestSARIFValidates(t *testing.T) {
	schema := compileSchema(t, sarifSchema, sarifSchemaText(t))
	for _, fs := range [][]graph.Finding{nil, sarifFindings()} {
		var out bytes.Buffer
		if err := Findings(&out, "sarif", fs, Options{}); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("Findings(sarif) does not validate against SARIF 2.1.0: %v\n%s", err, out.String())
		}
		// The schema would take a broken document too: check it does not.
		bad := strings.Replace(out.String(), `"version": "2.1.0"`, `"version": "2.0.0"`, 1)
		inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if schema.Validate(inst) == nil {
			t.Errorf("the schema takes version 2.0.0")
		}
	}
}

func TestSARIF(t *testing.T) {
	var first bytes.Buffer
	if err := Findings(&first, "sarif", sarifFindings(), Options{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
				RelatedLocations []json.RawMessage
				Properties       struct{ Node string }
			}
		}
	}
	if err := json.Unmarshal(first.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "initorder" {
		t.Fatalf("SARIF log: version %q, %d runs, driver %+v", log.Version, len(log.Runs), log.Runs)
	}
	run := log.Runs[0]
	var got []string
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d, which is rule %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		s := r.RuleID + " " + r.Level + " node=" + r.Properties.Node
		for _, l := range r.Locations {
			s += " " + l.PhysicalLocation.ArtifactLocation.URI
			if l.PhysicalLocation.Region != nil {
				s += ":" + string(rune('0'+l.PhysicalLocation.Region.StartLine))
			}
		}
		if len(r.RelatedLocations) > 0 {
			s += " +related"
		}
		got = append(got, s)
	}
	want := []string{
		"parse-error warning node= layout.ini:3",
		"cross-node error node=web1 etc/init/s2.conf:2",
		"cycle error node=web1 etc/init.d/a:3 +related",
		"no-header note node=web2 etc/init.d/odd%20name:x",
		"some-new-kind note node=web2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("SARIF results =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var again bytes.Buffer
	Findings(&again, "sarif", sarifFindings(), Options{})
	if again.String() != first.String() {
		t.Errorf("Findings(sarif) differs between runs")
	}
}

func TestFindingsByNode(t *testing.T) {
	fs := []graph.Finding{
		{Kind: graph.KindParseError, Severity: graph.Warning, Message: "layout"},
		{Kind: graph.KindCrossNode, Severity: graph.Error, Node: "db1", Message: "x"},
		{Kind: graph.KindCrossNode, Severity: graph.Error, Node: "web1", Message: "y"},
		{Kind: graph.KindNeverStarts, Severity: graph.Error, Node: "web1", Message: "z"},
	}
	var out bytes.Buffer
	Findings(&out, "text", fs, Options{})
	want := "warning: parse-error: layout\n== node db1\nerror: cross-node: x\n== node web1\nerror: cross-node: y\nerror: never-starts: z\n"
	if out.String() != want {
		t.Errorf("Findings(text) =\n%s\nwant\n%s", out.String(), want)
	}
}
