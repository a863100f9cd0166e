package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/initorder/initorder/graph"
)

// Why writes the explanation x of boot b in the given format: "text" or
// "json". In text, the first line is the answer and the lines after it,
// indented, the reasons:
//
//	ssh.service starts before getty.target:
//	  ssh.service Before=getty.target (lib/systemd/system/ssh.service:5)
//
//	a and b are not ordered: nothing orders them either way
//	  both wait for: base
//	  a race: a Wants b, but nothing orders them: a may start first (etc/a:3)
//
//	s2 never starts: it waits for start on started s1 (etc/init/s2.conf:2), and nothing provides s1
func Why(w io.Writer, format string, b Boot, x graph.Explanation) error {
	switch format {
	case "text", "":
		_, err := io.WriteString(w, whyText(b, x))
		return err
	case "json":
		return writeJSON(w, whyDoc(b, x))
	}
	return fmt.Errorf("unknown format %q for why (want text or json)", format)
}

// whyText is the text of why, each line made of printable parts: the
// names, messages and directives in it are escaped where they are put.
func whyText(b Boot, x graph.Explanation) string {
	g := b.Graph
	name := func(i int) string { return printable(g.Services[i].Name) }
	var sb strings.Builder
	switch x.Verdict {
	case graph.Same:
		s := &g.Services[x.A]
		fmt.Fprintf(&sb, "%s: both names are this one service, which does not start before itself", s.Name)
		if len(s.Aliases) > 0 {
			fmt.Fprintf(&sb, " (it also answers to %s)", strings.Join(s.Aliases, ", "))
		}
		sb.WriteByte('\n')
	case graph.NotBooted:
		for _, f := range x.Why {
			sb.WriteString(printable(f.Message))
			if len(f.Sources) > 0 && !strings.Contains(f.Message, f.Sources[0].String()) {
				fmt.Fprintf(&sb, " (%s)", printable(f.Sources[0].String()))
			}
			sb.WriteByte('\n')
		}
	case graph.Ordered:
		head := whyHead(x, name)
		if x.ByPhase {
			other := x.A
			if x.First == x.A {
				other = x.B
			}
			fmt.Fprintf(&sb, "%s:\n  %s starts in %s, %s in %s: %s runs to the end before %s starts\n", head,
				name(x.First), g.PhaseName(g.Services[x.First].Phase), name(other), g.PhaseName(g.Services[other].Phase),
				g.PhaseName(g.Services[x.First].Phase), g.PhaseName(g.Services[other].Phase))
			break
		}
		sb.WriteString(head + ":\n")
		for _, st := range steps(g, x.Chain) {
			sb.WriteString("  " + printable(st.text()) + "\n")
		}
	case graph.NoOrder:
		fmt.Fprintf(&sb, "%s and %s are not ordered: nothing orders them either way\n", name(x.A), name(x.B))
		if len(x.Shared) == 0 {
			sb.WriteString("  they wait for nothing in common\n")
		} else {
			var names []string
			for _, i := range x.Shared {
				names = append(names, name(i))
			}
			sb.WriteString("  both wait for: " + strings.Join(names, ", ") + "\n")
		}
		switch wa, wb := waveOf(b, x.A), waveOf(b, x.B); {
		case x.Race != nil:
			fmt.Fprintf(&sb, "  a race: %s", printable(x.Race.Message))
			if len(x.Race.Sources) > 0 {
				fmt.Fprintf(&sb, " (%s)", printable(x.Race.Sources[0].String()))
			}
			sb.WriteByte('\n')
		case wa == wb:
			fmt.Fprintf(&sb, "  not a race (neither depends on the other): they start together, in wave %d\n", wa)
		default:
			fmt.Fprintf(&sb, "  not a race (neither depends on the other): waves %d and %d, by timing only\n", wa, wb)
		}
	}
	return sb.String()
}

// whyHead is the answer to "why does A start before B".
func whyHead(x graph.Explanation, name func(int) string) string {
	if x.First == x.A {
		return fmt.Sprintf("%s starts before %s", name(x.A), name(x.B))
	}
	return fmt.Sprintf("%s does not start before %s: %s starts first", name(x.A), name(x.B), name(x.B))
}

// chainStep is a step of a chain as printed: one directive, or the
// directives that order a service through hidden barriers (the link
// numbers of headerless scripts), said as one.
type chainStep struct {
	from, to, kind string // the later service, the earlier, the kind
	directive      string
	through        []string // the hidden services between them
	pos            graph.Pos
}

func (st chainStep) text() string {
	s := st.directive
	if st.pos.File != "" {
		s += " (" + st.pos.String() + ")"
	}
	if len(st.through) > 0 {
		s += ", through " + strings.Join(st.through, ", ")
	}
	return s
}

// steps returns the chain as printed: a run of edges through hidden
// services becomes one step from the last visible service before them to
// the first after, "c sequence number a (etc/rc2.d/S30c), through (rc2
// links below 20)", with the last edge's kind and position.
func steps(g *graph.Graph, chain []int) []chainStep {
	var out []chainStep
	var hidden []string
	last := -1 // the visible service the run started from
	for _, k := range chain {
		e := g.Edges[k]
		first, then, _ := e.Ordering()
		if last < 0 {
			last = first
		}
		if g.Services[then].Hidden {
			hidden = append(hidden, g.Services[then].Name)
			continue
		}
		st := chainStep{from: g.Services[e.From].Name, to: g.Services[e.To].Name, kind: e.Kind.String(), directive: directive(g, e), pos: e.Pos}
		if len(hidden) > 0 {
			st.from, st.to, st.through = g.Services[then].Name, g.Services[last].Name, hidden
			st.directive = fmt.Sprintf("%s %s %s", st.from, st.kind, st.to)
		}
		out = append(out, st)
		hidden, last = nil, then
	}
	return out
}

func waveOf(b Boot, i int) int {
	for _, st := range b.Schedule.Steps {
		if st.Service == i {
			return st.Wave
		}
	}
	return 0
}

// The JSON document of why. Field names are stable.

type whyJSON struct {
	A       string        `json:"a"`
	B       string        `json:"b"`
	Verdict string        `json:"verdict"` // ordered, unordered, not-started
	First   string        `json:"first"`   // ordered: the one that starts first
	ByPhase bool          `json:"by_phase"`
	Chain   []whyStep     `json:"chain"`
	Shared  []string      `json:"shared"`
	Race    *findingJSON  `json:"race"`
	Why     []findingJSON `json:"why"`
	Text    string        `json:"text"`
}

type whyStep struct {
	From      string      `json:"from"`
	To        string      `json:"to"`
	Kind      string      `json:"kind"`
	Directive string      `json:"directive"`
	Source    *sourceJSON `json:"source"`
	Through   []string    `json:"through"`
}

func whyDoc(b Boot, x graph.Explanation) whyJSON {
	g := b.Graph
	doc := whyJSON{
		A: g.Services[x.A].Name, B: g.Services[x.B].Name, Verdict: x.Verdict.String(), ByPhase: x.ByPhase,
		Chain: []whyStep{}, Shared: []string{}, Why: findingList(x.Why), Text: whyText(b, x),
	}
	if x.First >= 0 {
		doc.First = g.Services[x.First].Name
	}
	for _, st := range steps(g, x.Chain) {
		doc.Chain = append(doc.Chain, whyStep{From: st.from, To: st.to, Kind: st.kind, Directive: st.directive, Source: source(st.pos), Through: append([]string{}, st.through...)})
	}
	for _, i := range x.Shared {
		doc.Shared = append(doc.Shared, g.Services[i].Name)
	}
	if x.Race != nil {
		doc.Race = &findingList([]graph.Finding{*x.Race})[0]
	}
	return doc
}
