package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/initorder/initorder/graph"
)

// Drift is what Diff writes: the changes between two boots, and how their
// waves are named.
type Drift struct {
	graph.Drift
	Stop bool // shutdown orders: K instead of S
}

// Diff writes d in the given format: "text", one change a line, or
// "json":
//
//	  ~ init sysv -> systemd        the boots' PID 1 differs
//	  ~ ssh (sysv) -> ssh.service (systemd)   a service both start, by another init system
//	- S03 foo                     started by the second boot only, in its wave there
//	- S05 bar                     started by the first boot only
//	  ~ a before b -> a after b     a pair that the two boots order otherwise
//	  ~ a before b -> concurrent
//	  ~ concurrent -> a before b
//	- finding PATH:LINE: SEVERITY: KIND: MESSAGE   a finding of the second boot only
//	- finding ...                 a finding of the first boot only
//
// Nothing is written when the boots are alike.
func Diff(w io.Writer, format string, d Drift, o Options) error {
	switch format {
	case "text", "":
		var sb strings.Builder
		driftText(&sb, d, o)
		_, err := io.WriteString(w, sb.String())
		return err
	case "json":
		return writeJSON(w, driftDoc(d))
	}
	return fmt.Errorf("unknown format %q for diff (want text or json)", format)
}

// Congruence writes, for each role of cs, the nodes that boot otherwise
// than the role's reference node, each with its drift: in text, a line
// "== role ROLE: NODE differs from REFERENCE" and the changes as Diff
// writes them; nothing for a role whose nodes boot alike. In JSON, every
// role, with all its nodes.
func Congruence(w io.Writer, format string, cs []graph.Congruence, stop bool, o Options) error {
	switch format {
	case "text", "":
		var sb strings.Builder
		for _, c := range cs {
			for _, nd := range c.Differ {
				sb.WriteString(printable(fmt.Sprintf("== role %s: %s differs from %s", c.Role, nd.Node, c.Reference)) + "\n")
				driftText(&sb, Drift{Drift: nd.Drift, Stop: stop}, o)
			}
		}
		_, err := io.WriteString(w, sb.String())
		return err
	case "json":
		doc := congruenceDoc{Roles: []roleJSON{}}
		for _, c := range cs {
			r := roleJSON{Role: c.Role, Nodes: append([]string{}, c.Nodes...), Reference: c.Reference, Congruent: len(c.Differ) == 0, Differing: []nodeDriftJSON{}}
			for _, nd := range c.Differ {
				r.Differing = append(r.Differing, nodeDriftJSON{Node: nd.Node, driftJSON: driftDoc(Drift{Drift: nd.Drift, Stop: stop})})
			}
			doc.Roles = append(doc.Roles, r)
		}
		return writeJSON(w, doc)
	}
	return fmt.Errorf("unknown format %q for check --congruent (want text or json)", format)
}

const addedColor = "32" // green

func driftText(sb *strings.Builder, d Drift, o Options) {
	prefix := "S"
	if d.Stop {
		prefix = "K"
	}
	digits := 2
	for n := d.Waves; n > 99; n /= 10 {
		digits++
	}
	line := func(color, s string) {
		sb.WriteString(paint(o, color, printable(s)))
		sb.WriteByte('\n')
	}
	if d.WasInit != d.NowInit {
		line(yellow, "~ init "+d.WasInit+" -> "+d.NowInit)
	}
	for _, sw := range d.Switched {
		line(yellow, fmt.Sprintf("~ %s (%s) -> %s (%s)", sw.Was, sw.WasInit, sw.Now, sw.NowInit))
	}
	for _, l := range d.Added {
		line(addedColor, fmt.Sprintf("+ %s%0*d %s", prefix, digits, l.Wave, l.Name))
	}
	for _, l := range d.Removed {
		line(red, fmt.Sprintf("- %s%0*d %s", prefix, digits, l.Wave, l.Name))
	}
	for _, r := range d.Order {
		line(yellow, "~ "+relationText(r.Was, r.A, r.B)+" -> "+relationText(r.Now, r.A, r.B))
	}
	for _, f := range d.New {
		line(addedColor, "+ finding "+f.String())
	}
	for _, f := range d.Gone {
		line(red, "- finding "+f.String())
	}
}

func relationText(r graph.Relation, a, b string) string {
	if r == graph.Concurrent {
		return "concurrent"
	}
	return a + " " + r.String() + " " + b
}

// The JSON documents of diff and check --congruent. Field names are
// stable; lists are never null.

type driftJSON struct {
	Init     initJSON       `json:"init"`
	Switched []switchJSON   `json:"switched"`
	Added    []listedJSON   `json:"added"`
	Removed  []listedJSON   `json:"removed"`
	Order    []reorderJSON  `json:"order"`
	Findings driftFindsJSON `json:"findings"`
}

// initJSON is the PID 1 of each boot: Before the first's, After the
// second's.
type initJSON struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// switchJSON is a service both boots start with another init system:
// named Before and started by BeforeInit in the first, After and
// AfterInit in the second.
type switchJSON struct {
	Before     string `json:"before"`
	BeforeInit string `json:"before_init"`
	After      string `json:"after"`
	AfterInit  string `json:"after_init"`
}

type listedJSON struct {
	Name string `json:"name"`
	Wave int    `json:"wave"`
}

// reorderJSON is a pair ordered otherwise: Before is A's relation to B
// ("before", "after" or "concurrent") in the first boot, After in the
// second.
type reorderJSON struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Before string `json:"before"`
	After  string `json:"after"`
}

type driftFindsJSON struct {
	New  []findingJSON `json:"new"`
	Gone []findingJSON `json:"gone"`
}

type congruenceDoc struct {
	Roles []roleJSON `json:"roles"`
}

type roleJSON struct {
	Role      string          `json:"role"`
	Nodes     []string        `json:"nodes"`
	Reference string          `json:"reference"`
	Congruent bool            `json:"congruent"`
	Differing []nodeDriftJSON `json:"differing"`
}

type nodeDriftJSON struct {
	Node string `json:"node"`
	driftJSON
}

func driftDoc(d Drift) driftJSON {
	doc := driftJSON{
		Init: initJSON{Before: d.WasInit, After: d.NowInit}, Switched: []switchJSON{},
		Added: []listedJSON{}, Removed: []listedJSON{}, Order: []reorderJSON{},
		Findings: driftFindsJSON{New: findingList(d.New), Gone: findingList(d.Gone)},
	}
	for _, sw := range d.Switched {
		doc.Switched = append(doc.Switched, switchJSON{Before: sw.Was, BeforeInit: sw.WasInit, After: sw.Now, AfterInit: sw.NowInit})
	}
	for _, l := range d.Added {
		doc.Added = append(doc.Added, listedJSON{Name: l.Name, Wave: l.Wave})
	}
	for _, l := range d.Removed {
		doc.Removed = append(doc.Removed, listedJSON{Name: l.Name, Wave: l.Wave})
	}
	for _, r := range d.Order {
		doc.Order = append(doc.Order, reorderJSON{A: r.A, B: r.B, Before: r.Was.String(), After: r.Now.String()})
	}
	return doc
}
