package graph

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Severity orders findings for --fail-on.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity returns the severity named s ("error", "warning", "info").
func ParseSeverity(s string) (Severity, error) {
	for v := Info; v <= Error; v++ {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// The stable IDs of finding kinds (SPEC §6).
const (
	KindCycle             = "cycle"
	KindRace              = "race"
	KindNeverStarts       = "never-starts"
	KindMissingDependency = "missing-dependency"
	KindCrossNode         = "cross-node"
	KindOrderConflict     = "order-conflict"
	KindNoEffectOrder     = "no-effect-order"
	KindDanglingLink      = "dangling-link"
	KindMasked            = "masked"
	KindDuplicateProvides = "duplicate-provides"
	KindParseError        = "parse-error"
	KindNoHeader          = "no-header"
	KindUnknownService    = "unknown-service"
	KindOrphanOverride    = "orphan-override"
	KindEmptyBoot         = "empty-boot"
	// KindNotEmulated: a systemd generator of the root that initorder does
	// not emulate; the units it would make are missing from the boot.
	KindNotEmulated = "not-emulated"
)

// Kinds lists every finding kind, in the order check --help explains
// them.
var Kinds = []string{
	KindEmptyBoot, KindCycle, KindNeverStarts, KindMissingDependency, KindMasked, KindRace,
	KindNoEffectOrder, KindDuplicateProvides, KindOrderConflict, KindDanglingLink, KindParseError,
	KindNoHeader, KindOrphanOverride, KindNotEmulated, KindCrossNode, KindUnknownService,
}

// Finding is one thing worth telling about a boot. Services lists the
// services it is about, the dependent first; for a cycle, the loop in
// order. Sources are the directives behind it.
type Finding struct {
	Kind     string
	Severity Severity
	Node     string
	Services []string
	Message  string
	Sources  []Pos
}

func (f Finding) String() string {
	var b strings.Builder
	if len(f.Sources) > 0 {
		b.WriteString(f.Sources[0].String())
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: %s: %s", f.Severity, f.Kind, f.Message)
	return b.String()
}

// SortFindings sorts findings by first source, then kind, services and
// message, so that output never depends on the order analyses ran in.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		pa, pb := firstPos(a), firstPos(b)
		if pa.File != pb.File {
			return pa.File < pb.File
		}
		if pa.Line != pb.Line {
			return pa.Line < pb.Line
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if sa, sb := strings.Join(a.Services, "\x00"), strings.Join(b.Services, "\x00"); sa != sb {
			return sa < sb
		}
		return a.Message < b.Message
	})
}

// PerLine is how many findings of one kind of one source line
// LimitPerLine keeps.
const PerLine = 100

// LimitPerLine returns the sorted findings fs with at most PerLine of
// each kind of each source line (a file's line, or the file as a whole)
// of each node: past that, one finding says how many more there are, with
// the highest severity among them, so that --fail-on still sees them. A
// hostile file makes a finding of every line it has, not thousands of one
// (a template that pulls in 20,000 instances of itself, each without its
// sysinit.target, and each racing the two it wants). Findings without a
// source are kept.
func LimitPerLine(fs []Finding) []Finding {
	out := fs[:0:0]
	for i := 0; i < len(fs); {
		j := i + 1
		p := firstPos(fs[i])
		for j < len(fs) && fs[j].Node == fs[i].Node && fs[j].Kind == fs[i].Kind && firstPos(fs[j]) == p {
			j++
		}
		if p.File == "" || j-i <= PerLine {
			out = append(out, fs[i:j]...)
			i = j
			continue
		}
		out = append(out, fs[i:i+PerLine]...)
		sev := Info
		for _, f := range fs[i+PerLine : j] {
			sev = max(sev, f.Severity)
		}
		out = append(out, Finding{Kind: fs[i].Kind, Severity: sev, Node: fs[i].Node, Sources: []Pos{p},
			Message: fmt.Sprintf("%d more %s findings of this line are not shown: at most %d of a kind of a line are", j-i-PerLine, fs[i].Kind, PerLine)})
		i = j
	}
	return out
}

// ShortMax is the longest name a message quotes whole.
const ShortMax = 200

// Short returns a name from a root as a message quotes it: whole when it
// has at most ShortMax bytes, else its first 100 bytes (cut at a
// character) and how long it is. A name of a megabyte repeated in each
// message of a chain of a thousand services is a gigabyte of messages.
func Short(name string) string {
	if len(name) <= ShortMax {
		return name
	}
	cut := 100
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", name[:cut], len(name))
}

func firstPos(f Finding) Pos {
	if len(f.Sources) == 0 {
		return Pos{}
	}
	return f.Sources[0]
}

// Check runs every analysis that applies to any graph and returns the
// findings, sorted. Run Start first on a graph with triggered services.
//
// Races runs beside the others, which only read g too (its edge index is
// built first): on two cores a check of 10,000 units takes the time of
// Races alone. The findings are put together in one order, as before.
func Check(g *Graph) []Finding {
	g.index()
	var races, others []Finding
	var wg sync.WaitGroup
	wg.Go(func() { races = Races(g) })
	for _, c := range Cycles(g) {
		others = append(others, c.Finding(g))
	}
	others = append(others, Unsatisfied(g)...)
	others = append(others, OrderConflicts(g)...)
	wg.Wait()
	fs := append(races, others...)
	SortFindings(fs)
	return fs
}
