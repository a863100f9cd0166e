package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
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

// findingsJSON writes fs as the findings document of SPEC §6.
func findingsJSON(w io.Writer, fs []graph.Finding) error {
	s, err := newJSONStream(w)
	if err != nil {
		return err
	}
	for _, f := range fs {
		s.add(f)
	}
	return s.close()
}

// jsonStream writes the findings document finding by finding, byte for
// byte as writeJSON writes it whole.
type jsonStream struct {
	findings *jsonArray
	tail     string
}

func newJSONStream(w io.Writer) (*jsonStream, error) {
	head, tail, err := splitJSON(findingsDoc{Findings: []findingJSON{}}, "findings")
	if err != nil {
		return nil, err
	}
	return &jsonStream{findings: newJSONArray(w, head, 2), tail: tail}, nil
}

func (s *jsonStream) add(f graph.Finding) error { return s.findings.add(findingOf(f)) }

func (s *jsonStream) close() error { return s.findings.close(s.tail) }

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
		out = append(out, findingOf(f))
	}
	return out
}

// findingOf is f as JSON, with empty lists rather than null.
func findingOf(f graph.Finding) findingJSON {
	fj := findingJSON{
		Kind: f.Kind, Severity: f.Severity.String(), Node: f.Node,
		Services: append([]string{}, f.Services...), Message: f.Message, Sources: []sourceJSON{},
	}
	for _, p := range f.Sources {
		fj.Sources = append(fj.Sources, sourceJSON{File: p.File, Line: p.Line})
	}
	return fj
}

// splitJSON returns doc as writeJSON writes it, cut inside the one array
// named key, which doc has empty: the head up to and with its "[", and
// the tail after its "]". Written around the elements by a jsonArray,
// they make the bytes writeJSON writes for doc with those elements.
func splitJSON(doc any, key string) (head, tail string, err error) {
	var b bytes.Buffer
	if err := writeJSON(&b, doc); err != nil {
		return "", "", err
	}
	s := b.String()
	mark := `"` + key + `": []`
	k := strings.Index(s, mark)
	if k < 0 || strings.Count(s, mark) != 1 {
		return "", "", fmt.Errorf("json: no single empty %q in the document", key)
	}
	return s[:k+len(mark)-1], s[k+len(mark):], nil
}

// jsonArray writes the elements of an array one by one, indented as
// writeJSON indents them in a document where they are at the given depth
// (2 for the elements of a top-level key's array): each element is encoded alone, with the indentation of
// its place as prefix. Only one element is in memory at a time.
type jsonArray struct {
	w      io.Writer
	buf    bytes.Buffer
	enc    *json.Encoder
	indent string // before each element
	n      int
	err    error
}

// newJSONArray writes head (which ends with the array's "[") on w.
func newJSONArray(w io.Writer, head string, depth int) *jsonArray {
	a := &jsonArray{w: w, indent: strings.Repeat("  ", depth)}
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetIndent(a.indent, "  ")
	a.enc.SetEscapeHTML(false)
	_, a.err = io.WriteString(w, head)
	return a
}

// add writes v as the next element.
func (a *jsonArray) add(v any) error {
	if a.err != nil {
		return a.err
	}
	a.buf.Reset()
	if a.err = a.enc.Encode(v); a.err != nil {
		return a.err
	}
	sep := ",\n"
	if a.n == 0 {
		sep = "\n"
	}
	a.n++
	if _, a.err = io.WriteString(a.w, sep+a.indent); a.err != nil {
		return a.err
	}
	_, a.err = a.w.Write(jsonPrintable(bytes.TrimSuffix(a.buf.Bytes(), []byte("\n"))))
	return a.err
}

// close ends the array and writes tail, the rest of the document.
func (a *jsonArray) close(tail string) error {
	if a.err != nil {
		return a.err
	}
	end := "]"
	if a.n > 0 {
		end = "\n" + a.indent[2:] + "]"
	}
	_, a.err = io.WriteString(a.w, end+tail)
	return a.err
}
