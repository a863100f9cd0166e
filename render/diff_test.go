package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/initorder/initorder/graph"
)

func testDrift() graph.Drift {
	return graph.Drift{
		Added:   []graph.Listed{{Name: "foo", Wave: 3}},
		Removed: []graph.Listed{{Name: "bar", Wave: 5}},
		Order: []graph.Reorder{
			{A: "a", B: "b", Was: graph.Earlier, Now: graph.Later},
			{A: "a", B: "c", Was: graph.Earlier, Now: graph.Concurrent},
			{A: "d", B: "e", Was: graph.Concurrent, Now: graph.Earlier},
		},
		New:   []graph.Finding{{Kind: graph.KindRace, Severity: graph.Warning, Services: []string{"a", "b"}, Message: "a Wants b", Sources: []graph.Pos{{File: "etc/a", Line: 2}}}},
		Gone:  []graph.Finding{{Kind: graph.KindNoHeader, Severity: graph.Info, Services: []string{"c"}, Message: "c has no header"}},
		Waves: 6,
	}
}

func TestDiff(t *testing.T) {
	many := testDrift()
	many.Waves = 120
	tests := []struct {
		name, format string
		d            Drift
		o            Options
		want         string
	}{
		{"text", "text", Drift{Drift: testDrift()}, Options{}, `+ S03 foo
- S05 bar
~ a before b -> a after b
~ a before c -> concurrent
~ concurrent -> d before e
+ finding etc/a:2: warning: race: a Wants b
- finding info: no-header: c has no header
`},
		{"stop", "text", Drift{Drift: testDrift(), Stop: true}, Options{}, "+ K03 foo\n- K05 bar\n"},
		{"three digits", "text", Drift{Drift: many}, Options{}, "+ S003 foo\n- S005 bar\n"},
		{"colour", "text", Drift{Drift: testDrift()}, Options{Color: true}, "\x1b[32m+ S03 foo\x1b[0m\n\x1b[31m- S05 bar\x1b[0m\n\x1b[33m~ a before b"},
		{"alike", "text", Drift{}, Options{}, ""},
		{"json", "json", Drift{Drift: testDrift()}, Options{}, `"order": [
    {
      "a": "a",
      "b": "b",
      "before": "before",
      "after": "after"
    },`},
		{"init switched", "text", Drift{Drift: graph.Drift{WasInit: "sysv", NowInit: "systemd", Switched: []graph.Switch{{Was: "ssh", WasInit: "sysv", Now: "ssh.service", NowInit: "systemd"}}}}, Options{},
			"~ init sysv -> systemd\n~ ssh (sysv) -> ssh.service (systemd)\n"},
		{"json alike", "json", Drift{}, Options{}, `{
  "init": {
    "before": "",
    "after": ""
  },
  "switched": [],
  "added": [],
  "removed": [],
  "order": [],
  "findings": {
    "new": [],
    "gone": []
  }
}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var first bytes.Buffer
			if err := Diff(&first, tc.format, tc.d, tc.o); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(first.String(), tc.want) || (tc.want == "" && first.Len() > 0) {
				t.Errorf("Diff(%s) =\n%s\nwant it to contain\n%s", tc.format, first.String(), tc.want)
			}
			for i := 0; i < 5; i++ {
				var again bytes.Buffer
				Diff(&again, tc.format, tc.d, tc.o)
				if again.String() != first.String() {
					t.Fatalf("Diff(%s) differs between runs:\n%s\n%s", tc.format, first.String(), again.String())
				}
			}
		})
	}
	if err := Diff(&bytes.Buffer{}, "sarif", Drift{}, Options{}); err == nil {
		t.Errorf("Diff(sarif) = nil error")
	}
}

func TestDiffJSONFields(t *testing.T) {
	var out bytes.Buffer
	if err := Diff(&out, "json", Drift{Drift: testDrift()}, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Added   []map[string]any
		Removed []map[string]any
		Order   []map[string]string
		// Findings new and gone are findings as check writes them.
		Findings struct{ New, Gone []map[string]any }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Added[0]["name"] != "foo" || doc.Added[0]["wave"] != 3.0 || doc.Removed[0]["name"] != "bar" {
		t.Errorf("added, removed = %v, %v", doc.Added, doc.Removed)
	}
	if o := doc.Order[2]; o["a"] != "d" || o["b"] != "e" || o["before"] != "concurrent" || o["after"] != "before" {
		t.Errorf("order[2] = %v, want d, e, concurrent, before", o)
	}
	if f := doc.Findings.New[0]; f["kind"] != "race" || f["severity"] != "warning" {
		t.Errorf("findings.new[0] = %v", f)
	}
	if f := doc.Findings.Gone[0]; f["kind"] != "no-header" || len(f["sources"].([]any)) != 0 {
		t.Errorf("findings.gone[0] = %v", f)
	}
}

func TestCongruence(t *testing.T) {
	cs := []graph.Congruence{
		{Role: "db", Nodes: []string{"db1", "db2"}, Reference: "db1"},
		{Role: "web", Nodes: []string{"web1", "web2", "web3"}, Reference: "web2", Differ: []graph.NodeDrift{
			{Node: "web1", Drift: graph.Drift{Removed: []graph.Listed{{Name: "worker", Wave: 3}}, Waves: 3}},
		}},
	}
	var text, js bytes.Buffer
	if err := Congruence(&text, "text", cs, false, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "== role web: web1 differs from web2\n- S03 worker\n"; text.String() != want {
		t.Errorf("Congruence(text) = %q, want %q", text.String(), want)
	}
	if err := Congruence(&js, "json", cs, false, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"role": "db"`, `"congruent": true`, `"differing": []`, `"reference": "web2"`, `"node": "web1"`, `"removed": [`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("Congruence(json) lacks %s:\n%s", want, js.String())
		}
	}
	var again bytes.Buffer
	Congruence(&again, "json", cs, false, Options{})
	if again.String() != js.String() {
		t.Errorf("Congruence(json) differs between runs")
	}
	if err := Congruence(&bytes.Buffer{}, "sarif", cs, false, Options{}); err == nil {
		t.Errorf("Congruence(sarif) = nil error")
	}
}
