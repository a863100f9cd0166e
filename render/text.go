package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/initorder/initorder/graph"
)

// Boot is a boot order and what it is the order of.
type Boot struct {
	Init     string // init system: sysv, upstart, systemd
	Goal     string // "runlevel 2", "graphical.target"
	Node     string // the layout node, if any
	Stop     bool   // a shutdown order: K instead of S
	Graph    *graph.Graph
	Schedule graph.Schedule
	Notes    []string // about the root as a whole: a container image whose command is no init system
	// Version is the version of the init system whose rules were
	// applied (systemd: the root's, else 252), VersionFrom the file of
	// the root that said so ("" when none did).
	Version     int
	VersionFrom string
}

// Options are the presentation choices of the text formats.
type Options struct {
	Long  bool // ls -l: init system, source and notes
	Color bool // ANSI colours (only on a terminal, never with NO_COLOR)
	// GroupNodes asks FleetFindings for each distinct finding once, with
	// the groups of nodes it holds on, instead of once a node.
	GroupNodes bool
	// Progress, if not nil, is called by FleetFindings after each node
	// it writes.
	Progress func()
}

// LS writes b in the given format: "text" (ls /etc/rc2.d style) or "json".
func LS(w io.Writer, format string, b Boot, o Options) error {
	switch format {
	case "text", "":
		return lsText(w, b, o)
	case "json":
		return lsJSON(w, b)
	}
	return fmt.Errorf("unknown format %q for ls (want text or json)", format)
}

// lsText writes one service a line, "S01 name": the same number for the
// services that start together; three digits when there are more than 99
// waves.
func lsText(w io.Writer, b Boot, o Options) error {
	prefix := "S"
	if b.Stop {
		prefix = "K"
	}
	digits := 2
	for n := b.Schedule.Waves; n > 99; n /= 10 {
		digits++
	}
	if !o.Long {
		var sb strings.Builder
		for _, st := range b.Schedule.Steps {
			fmt.Fprintf(&sb, "%s%0*d %s\n", prefix, digits, st.Wave, printable(b.Graph.Services[st.Service].Name))
		}
		_, err := io.WriteString(w, sb.String())
		return err
	}
	if b.Version != 0 {
		from := "the root does not say which it has"
		if b.VersionFrom != "" {
			from = "from " + printable(b.VersionFrom)
		}
		fmt.Fprintf(w, "# %s %d (%s)\n", b.Init, b.Version, from)
	}
	for _, n := range b.Notes {
		if _, err := fmt.Fprintf(w, "# note: %s\n", printable(n)); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, st := range b.Schedule.Steps {
		s := &b.Graph.Services[st.Service]
		var notes []string
		if st.Cyclic {
			notes = append(notes, paint(o, red, "on an ordering loop"))
		}
		if s.Alone {
			notes = append(notes, "starts alone (interactive)")
		}
		if s.Note != "" {
			notes = append(notes, printable(s.Note))
		}
		src := s.Source.File
		if s.Link != "" {
			src = s.Link + " -> " + src
		}
		fmt.Fprintf(tw, "%s%0*d\t%s\t%s\t%s", prefix, digits, st.Wave, printable(s.Name), s.Init, printable(src))
		if len(notes) > 0 {
			fmt.Fprintf(tw, "\t%s", strings.Join(notes, "; "))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// Findings writes fs in the given format: "text" (one
// "path:line: severity: kind: message" a line), "json" or "sarif"
// (SARIF 2.1.0). In text, the findings of a node of a layout come after
// a line "== node NAME"; fs must be sorted (graph.SortFindings), which
// puts those of no node first.
func Findings(w io.Writer, format string, fs []graph.Finding, o Options) error {
	switch format {
	case "text", "":
		// Written as it goes: a fleet of 10,000 nodes prints hundreds of
		// megabytes, which need not be in memory at once.
		bw := bufio.NewWriterSize(w, 64<<10)
		textFindings(bw, fs, o)
		return bw.Flush()
	case "json":
		return findingsJSON(w, fs)
	case "sarif":
		return findingsSARIF(w, fs)
	case "junit":
		return junit(w, fs)
	case "codequality":
		return codeQuality(w, fs)
	}
	return fmt.Errorf("unknown format %q for findings (want text, json, sarif, junit or codequality)", format)
}

// textFindings writes fs one a line, those of a node after a line
// "== node NAME" when they follow findings of another node or none.
func textFindings(bw *bufio.Writer, fs []graph.Finding, o Options) {
	for k, f := range fs {
		if f.Node != "" && (k == 0 || fs[k-1].Node != f.Node) {
			bw.WriteString("== node " + printable(f.Node) + "\n")
		}
		line := printable(f.String())
		if o.Color {
			sev := f.Severity.String()
			line = strings.Replace(line, sev+":", paint(o, severityColor[f.Severity], sev)+":", 1)
		}
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
}

// Summary is the one line that counts findings by severity:
// "2 errors, 1 warning, 0 infos".
func Summary(fs []graph.Finding) string {
	var n [3]int
	for _, f := range fs {
		if f.Severity >= graph.Info && f.Severity <= graph.Error {
			n[f.Severity]++
		}
	}
	return SummaryOf(n[graph.Error], n[graph.Warning], n[graph.Info])
}

// SummaryOf is Summary of counts already made: errors, warnings, infos.
func SummaryOf(errors, warnings, infos int) string {
	var n [3]int
	n[graph.Error], n[graph.Warning], n[graph.Info] = errors, warnings, infos
	plural := func(k int, word string) string {
		if k == 1 {
			return fmt.Sprintf("%d %s", k, word)
		}
		return fmt.Sprintf("%d %ss", k, word)
	}
	return plural(n[graph.Error], "error") + ", " + plural(n[graph.Warning], "warning") + ", " + plural(n[graph.Info], "info")
}

const (
	red    = "31"
	yellow = "33"
	cyan   = "36"
)

var severityColor = map[graph.Severity]string{graph.Error: red, graph.Warning: yellow, graph.Info: cyan}

func paint(o Options, color, s string) string {
	if !o.Color {
		return s
	}
	return "\x1b[" + color + "m" + s + "\x1b[0m"
}
