package render

import (
	"encoding/json"
	"io"
	"sort"

	"github.com/initorder/initorder/graph"
)

// The JSON documents of SPEC §6. Field names are stable: scripts read
// them. Lists are sorted and never null.

type lsDoc struct {
	Init            string      `json:"init"`
	InitVersion     int         `json:"init_version,omitempty"`
	InitVersionFrom string      `json:"init_version_from,omitempty"`
	Goal            string      `json:"goal"`
	Node            string      `json:"node"`
	Notes           []string    `json:"notes,omitempty"`
	Services        []lsService `json:"services"`
}

type lsService struct {
	Name    string   `json:"name"`
	Wave    int      `json:"wave"`
	Init    string   `json:"init"`
	Aliases []string `json:"aliases"`
	Source  string   `json:"source"`
	Link    string   `json:"link,omitempty"`
	Cyclic  bool     `json:"cyclic,omitempty"`
	Note    string   `json:"note,omitempty"`
}

func lsJSON(w io.Writer, b Boot) error {
	doc := lsDoc{Init: b.Init, InitVersion: b.Version, InitVersionFrom: b.VersionFrom, Goal: b.Goal, Node: b.Node, Notes: b.Notes, Services: []lsService{}}
	for _, st := range b.Schedule.Steps {
		s := &b.Graph.Services[st.Service]
		aliases := append([]string{}, s.Aliases...)
		sort.Strings(aliases)
		doc.Services = append(doc.Services, lsService{
			Name: s.Name, Wave: st.Wave, Init: s.Init, Aliases: aliases,
			Source: s.Source.File, Link: s.Link, Cyclic: st.Cyclic, Note: s.Note,
		})
	}
	return writeJSON(w, doc)
}

type findingsDoc struct {
	Findings []findingJSON `json:"findings"`
}

type findingJSON struct {
	Kind     string       `json:"kind"`
	Severity string       `json:"severity"`
	Node     string       `json:"node"`
	Services []string     `json:"services"`
	Message  string       `json:"message"`
	Sources  []sourceJSON `json:"sources"`
}

type sourceJSON struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func findingsJSON(w io.Writer, fs []graph.Finding) error {
	doc := findingsDoc{Findings: findingList(fs)}
	return writeJSON(w, doc)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// findingList is fs as JSON, in order, with empty lists rather than null.
func findingList(fs []graph.Finding) []findingJSON {
	out := []findingJSON{}
	for _, f := range fs {
		fj := findingJSON{
			Kind: f.Kind, Severity: f.Severity.String(), Node: f.Node,
			Services: append([]string{}, f.Services...), Message: f.Message, Sources: []sourceJSON{},
		}
		for _, p := range f.Sources {
			fj.Sources = append(fj.Sources, sourceJSON{File: p.File, Line: p.Line})
		}
		out = append(out, fj)
	}
	return out
}
