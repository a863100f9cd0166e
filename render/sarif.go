package render

import (
	"io"
	"net/url"
	"sort"

	"github.com/initorder/initorder/graph"
)

// SARIF 2.1.0 (OASIS, errata 01): one run of the tool "initorder", whose
// rules are the finding kinds; each finding is a result. Only what the
// findings carry is written; the format's other properties are optional.

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// ruleText describes each finding kind for SARIF viewers.
var ruleText = map[string]string{
	graph.KindCycle:             "Services that must start after each other in a loop",
	graph.KindRace:              "A dependency that nothing orders",
	graph.KindNeverStarts:       "A service whose start condition is never met",
	graph.KindMissingDependency: "A hard dependency that nothing provides or that is not enabled",
	graph.KindCrossNode:         "A hard dependency on a service that runs only on other nodes",
	graph.KindOrderConflict:     "Sequence numbers that contradict the declared order",
	graph.KindNoEffectOrder:     "An ordering directive that orders nothing",
	graph.KindDanglingLink:      "A link that leads nowhere",
	graph.KindMasked:            "A masked service",
	graph.KindDuplicateProvides: "A name that two services provide",
	graph.KindParseError:        "A file or line that cannot be read",
	graph.KindNoHeader:          "A script without an LSB header, ordered by its link number",
	graph.KindUnknownService:    "A name in a layout role that matches no service",
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	Results    []sarifResult `json:"results"`
	Properties any           `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name  string      `json:"name"`
	Rules []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string     `json:"id"`
	ShortDescription *sarifText `json:"shortDescription,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifText       `json:"message"`
	Locations        []sarifLocation `json:"locations,omitempty"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
	Properties       any             `json:"properties"`
}

type sarifProps struct {
	Node     string   `json:"node"`
	Services []string `json:"services"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

var sarifLevel = map[graph.Severity]string{graph.Error: "error", graph.Warning: "warning", graph.Info: "note"}

// findingsSARIF writes fs as a SARIF log. The rules are every known
// finding kind and any other kind fs has, sorted; a result's first source
// is its location, the others are related locations. URIs are the
// sources' paths (relative to the root), escaped.
func findingsSARIF(w io.Writer, fs []graph.Finding) error {
	s, err := newSARIFStream(w, sarifKinds(fs))
	if err != nil {
		return err
	}
	for _, f := range fs {
		s.add(f)
	}
	return s.close()
}

// sarifKinds returns the kinds of fs, for the rules.
func sarifKinds(fs []graph.Finding) map[string]bool {
	kinds := map[string]bool{}
	for _, f := range fs {
		kinds[f.Kind] = true
	}
	return kinds
}

// sarifStream writes a SARIF log result by result, byte for byte as
// writeJSON writes the whole log, so that a fleet's results are never in
// memory at once.
type sarifStream struct {
	index   map[string]int // rule index of each kind
	results *jsonArray
	tail    string
}

// newSARIFStream writes the head of the log on w: the tool, whose rules
// are every known finding kind and the kinds given, sorted.
func newSARIFStream(w io.Writer, kinds map[string]bool) (*sarifStream, error) {
	return newSARIFStreamProps(w, kinds, nil)
}

// newSARIFStreamProps is newSARIFStream with properties for the run.
func newSARIFStreamProps(w io.Writer, kinds map[string]bool, props any) (*sarifStream, error) {
	all := map[string]bool{}
	for k := range ruleText {
		all[k] = true
	}
	for k := range kinds {
		all[k] = true
	}
	ids := make([]string, 0, len(all))
	for k := range all {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	s := &sarifStream{index: map[string]int{}}
	driver := sarifDriver{Name: "initorder", Rules: []sarifRule{}}
	for i, id := range ids {
		s.index[id] = i
		r := sarifRule{ID: id}
		if text := ruleText[id]; text != "" {
			r.ShortDescription = &sarifText{Text: text}
		}
		driver.Rules = append(driver.Rules, r)
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, Properties: props}
	head, tail, err := splitJSON(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}, "results")
	if err != nil {
		return nil, err
	}
	s.results = newJSONArray(w, head, 4)
	s.tail = tail
	return s, nil
}

// add writes f as a result.
func (s *sarifStream) add(f graph.Finding) error {
	return s.results.add(s.result(f))
}

// result is f as a SARIF result, with the node in its properties.
func (s *sarifStream) result(f graph.Finding) sarifResult {
	res := sarifResult{
		RuleID: f.Kind, RuleIndex: s.index[f.Kind], Level: sarifLevel[f.Severity],
		Message:    sarifText{Text: f.Message},
		Properties: sarifProps{Node: f.Node, Services: append([]string{}, f.Services...)},
	}
	if res.Level == "" {
		res.Level = "none"
	}
	for k, p := range f.Sources {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: (&url.URL{Path: p.File}).String()}}}
		if p.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: p.Line}
		}
		if k == 0 {
			res.Locations = append(res.Locations, loc)
			continue
		}
		id := k
		loc.ID = &id
		res.RelatedLocations = append(res.RelatedLocations, loc)
	}
	return res
}

// close ends the log.
func (s *sarifStream) close() error {
	return s.results.close(s.tail)
}
