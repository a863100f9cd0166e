package svg

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const small = `digraph initorder {
	rankdir=BT;
	"b" -> "a" [color="green", tooltip="b After=a (x:1)"];
	"c" [shape=record, label="{ c | ENOENT }"];
	"b" -> "c";
}
`

func TestSVG(t *testing.T) {
	var out bytes.Buffer
	if err := SVG(&out, []byte(small)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"<svg", "<title>a</title>", "<title>b&#45;&gt;a</title>", `stroke="green"`, "ENOENT", `xlink:title="b After=a (x:1)"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
	var again bytes.Buffer
	SVG(&again, []byte(small))
	if again.String() != s {
		t.Errorf("SVG differs between runs")
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := JSON(&out, []byte(small)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BB      string `json:"bb"`
		Objects []struct {
			Name string           `json:"name"`
			Draw []map[string]any `json:"_draw_"`
		} `json:"objects"`
		Edges []map[string]any `json:"edges"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.BB == "" || len(doc.Objects) != 3 || len(doc.Edges) != 2 || len(doc.Objects[0].Draw) == 0 {
		t.Errorf("JSON = bb %q, %d objects, %d edges:\n%s", doc.BB, len(doc.Objects), len(doc.Edges), out.String())
	}
}

func TestBadDOT(t *testing.T) {
	for _, in := range []string{"", "digraph {", "not dot at all"} {
		if err := SVG(&bytes.Buffer{}, []byte(in)); err == nil {
			t.Errorf("SVG(%q) = nil error", in)
		}
	}
}
