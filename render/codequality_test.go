package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/initorder/initorder/graph"
)

// codeQualitySchema is GitLab's Code Quality report format as its
// documentation gives it ("Code Quality report format" in
// docs.gitlab.com/ci/testing/code_quality, the fields GitLab reads:
// "description: a human-readable description of the code quality
// violation; check_name: a unique name representing the check, or rule,
// associated with this violation; fingerprint: a unique fingerprint to
// identify this specific code quality violation, such as a hash of its
// contents; severity: the severity of the violation, can be one of info,
// minor, major, critical, or blocker; location.path: the file containing
// the code quality violation, expressed as a relative path in the
// repository; location.lines.begin or location.positions.begin.line: the
// line on which the code quality violation occurred"), written by us as
// a JSON Schema. The report is an array of such issues.
const codeQualitySchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://initorder.test/gitlab-code-quality.json",
  "type": "array",
  "items": {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
      "description": {"type": "string", "minLength": 1},
      "check_name": {"type": "string", "minLength": 1},
      "fingerprint": {"type": "string", "minLength": 1},
      "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
      "location": {
        "type": "object",
        "required": ["path"],
        "properties": {
          "path": {"type": "string", "minLength": 1},
          "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}},
          "positions": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "object", "required": ["line"], "properties": {"line": {"type": "integer", "minimum": 1}}}}}
        },
        "oneOf": [{"required": ["lines"]}, {"required": ["positions"]}]
      }
    }
  }
}`

func TestCodeQualityValidates(t *testing.T) {
	schema := compileSchema(t, "https://initorder.test/gitlab-code-quality.json", codeQualitySchema)
	for _, fs := range [][]graph.Finding{nil, sarifFindings()} {
		var out bytes.Buffer
		if err := Findings(&out, "codequality", fs, Options{}); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("Findings(codequality) is not JSON: %v\n%s", err, out.String())
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("Findings(codequality) does not validate against GitLab's format: %v\n%s", err, out.String())
		}
		if len(fs) == 0 {
			continue
		}
		// The schema would take a broken report too: check it does not.
		for _, bad := range []string{
			strings.Replace(out.String(), `"severity":"major"`, `"severity":"error"`, 1),
			strings.Replace(out.String(), `"begin":2`, `"begin":0`, 1),
			strings.Replace(out.String(), `"fingerprint":`, `"fingerprints":`, 1),
		} {
			inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(bad))
			if schema.Validate(inst) == nil {
				t.Errorf("the schema takes a broken report:\n%s", bad)
			}
		}
	}
}

// compileSchema compiles the JSON schema text, known as id.
func compileSchema(t *testing.T, id, text string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func codeQualityIssues(t *testing.T, fs []graph.Finding) []codeQualityIssue {
	t.Helper()
	var out bytes.Buffer
	if err := Findings(&out, "codequality", fs, Options{}); err != nil {
		t.Fatal(err)
	}
	var issues []codeQualityIssue
	if err := json.Unmarshal(out.Bytes(), &issues); err != nil {
		t.Fatal(err)
	}
	return issues
}

func TestCodeQuality(t *testing.T) {
	fs := sarifFindings()
	issues := codeQualityIssues(t, fs)
	var got []string
	seen := map[string]bool{}
	for _, is := range issues {
		got = append(got, is.CheckName+" "+is.Severity+" "+is.Location.Path+":"+string(rune('0'+is.Location.Lines.Begin))+" "+is.Description)
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s given twice", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
	want := []string{
		"parse-error minor layout.ini:3 colour: unknown key, ignoring it",
		"cross-node major etc/init/s2.conf:2 node web1: s2 start on started s1, but s1 runs only on db1: no init system orders across machines: wait for it over the network",
		"cycle major etc/init.d/a:3 node web1: loop",
		"no-header info etc/init.d/odd name:x:1 node web2: no header",
		"some-new-kind info .:1 node web2: no source",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Code Quality issues =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Stable: the same findings, on other lines (an edit above them),
	// have the same fingerprints; another node, kind or message does not.
	moved := sarifFindings()
	for i := range moved {
		for k := range moved[i].Sources {
			if moved[i].Sources[k].Line > 0 {
				moved[i].Sources[k].Line += 10
			}
		}
	}
	moved[1].Message = strings.Replace(moved[1].Message, "s2 start on", "s2 start on", 1)
	for i, is := range codeQualityIssues(t, moved) {
		if is.Fingerprint != issues[i].Fingerprint {
			t.Errorf("finding %d moved 10 lines down: fingerprint %s, was %s", i, is.Fingerprint, issues[i].Fingerprint)
		}
	}
	quoting := []graph.Finding{
		{Kind: graph.KindCycle, Severity: graph.Error, Services: []string{"a", "b"}, Message: "a After b (etc/a.service:3); b After a (etc/b.service:7)", Sources: []graph.Pos{{File: "etc/a.service", Line: 3}}},
		{Kind: graph.KindCycle, Severity: graph.Error, Services: []string{"a", "b"}, Message: "a After b (etc/a.service:30); b After a (etc/b.service:70)", Sources: []graph.Pos{{File: "etc/a.service", Line: 30}}},
	}
	if q := codeQualityIssues(t, quoting); q[0].Fingerprint+"#2" != q[1].Fingerprint {
		t.Errorf("a finding whose quoted lines moved: fingerprints %s and %s, want the same (and #2 for the second)", q[0].Fingerprint, q[1].Fingerprint)
	}
	other := sarifFindings()
	other[1].Node = "web9"
	other[2].Kind = "race"
	other[3].Message = "another"
	for i, is := range codeQualityIssues(t, other)[1:4] {
		if is.Fingerprint == issues[i+1].Fingerprint {
			t.Errorf("finding %d changed: same fingerprint %s", i+1, is.Fingerprint)
		}
	}
}
