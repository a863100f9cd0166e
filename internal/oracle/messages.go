package oracle

import (
	"regexp"
	"strings"
)

// Message kinds, the first word of what insserv complains about.
const (
	KindLoop              = "loop"               // a dependency cycle, or a dependency on a $all script
	KindMissing           = "missing"            // a required service or facility nobody provides
	KindNotEnabled        = "not-enabled"        // a required script that exists but is not started in the runlevels needed
	KindDuplicateProvides = "duplicate-provides" // a second script provides a name
	KindOther             = "other"              // anything else ("exiting now!", header complaints, ...)
)

// A Message is one line insserv printed on stderr, without its "insserv: "
// prefix, and what it is about. Services lists the services named, the
// dependent first: for "service B has to be enabled to use service A" it is
// [A B]; for a loop, the services in the order insserv names them; for
// "script S: service P already provided!" it is [S P].
type Message struct {
	Kind     string
	Services []string
	Text     string
}

// messagePatterns classify insserv 1.24.0's messages. The texts are
// insserv's (insserv.c, listing.c); see docs/insserv.md.
var messagePatterns = []struct {
	kind  string
	re    *regexp.Regexp
	order []int // submatches to Services, dependent first
}{
	{KindLoop, regexp.MustCompile(`^There is a loop between service (\S+) and (\S+) if (?:started|stopped)$`), []int{1, 2}},
	{KindLoop, regexp.MustCompile(`^There is a loop at service (\S+) if (?:started|stopped)$`), []int{1}},
	{KindLoop, regexp.MustCompile(`^\s*loop involving service (\S+) at depth \d+$`), []int{1}},
	// "Starting A depends on B and therefore on system facility `$all' which
	// can not be true!": B needs $all, so B starts after A, and A needs B.
	{KindLoop, regexp.MustCompile("^(?:Starting|Stopping) (\\S+) depends on (\\S+) and therefore on system facility `\\$all' which can not be true!$"), []int{1, 2}},
	// Printed for a name that no script provides as well as for a script
	// that exists but is disabled; RunInsserv tells the two apart.
	{KindNotEnabled, regexp.MustCompile(`^FATAL: service (\S+) has to be enabled to use service (\S+)$`), []int{2, 1}},
	{KindNotEnabled, regexp.MustCompile(`^FATAL: service (\S+) is missed in the runlevels .* to use service (\S+)$`), []int{2, 1}},
	{KindMissing, regexp.MustCompile(`^FATAL: service (\S+) has to exists? for service (\S+)$`), []int{2, 1}},
	{KindMissing, regexp.MustCompile(`^warning: could not find all dependencies for (\S+)$`), []int{1}},
	{KindDuplicateProvides, regexp.MustCompile(`^script (\S+): service (\S+) already provided!$`), []int{1, 2}},
}

// ParseMessages splits insserv's stderr into Messages, one per distinct
// line, in the order first printed. insserv prints some lines twice (once
// for the start and once for the stop dependencies); those count once.
func ParseMessages(stderr string) []Message {
	var msgs []Message
	seen := make(map[string]bool)
	for line := range strings.SplitSeq(stderr, "\n") {
		text := strings.TrimPrefix(strings.TrimRight(line, " \r"), "insserv: ")
		if strings.TrimSpace(text) == "" || seen[text] {
			continue
		}
		seen[text] = true
		msgs = append(msgs, classify(text))
	}
	return msgs
}

func classify(text string) Message {
	for _, p := range messagePatterns {
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		services := make([]string, len(p.order))
		for i, n := range p.order {
			services[i] = m[n]
		}
		return Message{Kind: p.kind, Services: services, Text: text}
	}
	return Message{Kind: KindOther, Text: text}
}

// refineMissing turns a "has to be enabled" not-enabled Message into a
// missing one when no script in the root provides the required name:
// insserv prints the same text for both.
func refineMissing(msgs []Message, provided map[string]bool) {
	for i, m := range msgs {
		if m.Kind == KindNotEnabled && strings.Contains(m.Text, " has to be enabled ") && !provided[m.Services[1]] {
			msgs[i].Kind = KindMissing
		}
	}
}
