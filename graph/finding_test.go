package graph

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLimitPerLine: at most PerLine findings of a kind of a line are
// kept, then one that says how many more, with their highest severity;
// other lines, other kinds and findings without a source are kept whole.
func TestLimitPerLine(t *testing.T) {
	var fs []Finding
	for i := range PerLine + 50 {
		sev := Info
		if i == PerLine+10 {
			sev = Error
		}
		fs = append(fs, Finding{Kind: KindRace, Severity: sev, Message: fmt.Sprintf("race %03d", i), Sources: []Pos{{File: "a", Line: 3}}})
		fs = append(fs, Finding{Kind: KindNeverStarts, Severity: Warning, Message: fmt.Sprintf("never %03d", i)})
	}
	fs = append(fs, Finding{Kind: KindParseError, Severity: Warning, Message: "bad", Sources: []Pos{{File: "a", Line: 3}}})
	fs = append(fs, Finding{Kind: KindRace, Severity: Info, Message: "other line", Sources: []Pos{{File: "a", Line: 4}}})
	SortFindings(fs)
	got := LimitPerLine(fs)
	count := map[string]int{}
	for _, f := range got {
		count[f.Kind+" "+firstPos(f).String()]++
		if strings.Contains(f.Message, "more race findings") {
			if f.Severity != Error || !strings.HasPrefix(f.Message, "50 more") {
				t.Errorf("summary %v, want 50 more, an error", f)
			}
		}
	}
	want := map[string]int{"race a:3": PerLine + 1, "never-starts ": PerLine + 50, "parse-error a:3": 1, "race a:4": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d findings of %s, want %d", count[k], k, n)
		}
	}
}

// TestLongNamesQuotedShort: a chain of 1,000 services that never start
// because the first waits for an event of a megabyte quotes the name
// short in each message: the messages are kilobytes, not a gigabyte.
func TestLongNamesQuotedShort(t *testing.T) {
	g := &Graph{Phases: []string{"boot"}}
	long := strings.Repeat("e", 1<<20)
	ev := g.Add(Service{Name: long, Phase: NotStarted, Missing: true, Note: "is emitted by no job"})
	prev := ev
	for i := range 1000 {
		j := g.Add(Service{Name: fmt.Sprintf("j%04d", i), Triggered: true})
		g.AddEdge(Edge{From: j, To: prev, Kind: StartOn, Pos: Pos{File: fmt.Sprintf("etc/init/j%04d.conf", i), Line: 1}})
		prev = j
	}
	total := 0
	for _, f := range Start(g) {
		total += len(f.Message)
		if strings.Contains(f.Message, long[:ShortMax+1]) {
			t.Fatalf("a message quotes the name whole: %.300s", f.Message)
		}
	}
	if total == 0 || total > 1<<20 {
		t.Errorf("%d bytes of messages, want some, and less than a megabyte", total)
	}
	if got := Short("ab" + strings.Repeat("é", 200)); !strings.HasSuffix(got, "… (402 bytes)") || !utf8.ValidString(got) {
		t.Errorf("Short = %q", got)
	}
}
