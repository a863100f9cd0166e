package main

import (
	"regexp"
	"testing"

	"github.com/initorder/initorder/graph"
)

// TestCheckHelpKinds checks that check --help explains every finding
// kind, each at the start of a line of its own.
func TestCheckHelpKinds(t *testing.T) {
	long := newCheckCmd(&globals{}).Long
	for _, k := range graph.Kinds {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(k) + ` `).MatchString(long) {
			t.Errorf("check --help does not explain the finding kind %s", k)
		}
	}
}
