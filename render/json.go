package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonPrintable(buf.Bytes()))
	return err
}

// jsonPrintable escapes in JSON text what encoding/json writes as it is
// but a terminal obeys or that hides the text around it: the C1 controls
// and Unicode's format characters (U+202E, U+200B ...), as \uNNNN, which
// a JSON reader reads as the same string. (encoding/json escapes C0,
// U+2028 and U+2029 itself, and writes invalid UTF-8 as U+FFFD.) Outside
// its strings JSON text is ASCII, so every such character is in one.
func jsonPrintable(b []byte) []byte {
	if bytes.IndexFunc(b, func(r rune) bool { return r >= 0x80 && escapedInJSON(r) }) < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r >= 0x80 && escapedInJSON(r) {
			for _, u := range utf16.AppendRune(nil, r) {
				out = fmt.Appendf(out, `\u%04x`, u)
			}
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

func escapedInJSON(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

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
