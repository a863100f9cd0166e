package upstart

import (
	"fmt"

	"github.com/initorder/initorder/graph"
)

// emptyBoot returns the empty-boot finding when no job (and no script of
// the rc bridge) starts in the boot, with the cause: no job at all, or
// none whose start on can hold (the never-starts findings say why each,
// and --event names what the outside world emits). nil when something
// starts.
func (b *builder) emptyBoot() *graph.Finding {
	g := b.up.Graph
	for i := range g.Services {
		if s := &g.Services[i]; s.Started() && !s.Hidden && !s.Missing {
			return nil
		}
	}
	f := &graph.Finding{Kind: graph.KindEmptyBoot, Severity: graph.Error}
	n := 0
	for _, j := range b.up.Jobs {
		if !j.Rejected {
			n++
		}
	}
	if n == 0 {
		f.Message = "nothing starts: etc/init has no job upstart reads"
		return f
	}
	f.Sources = []graph.Pos{{File: "etc/init"}}
	job := "job"
	if n > 1 {
		job = fmt.Sprintf("%d jobs", n)
	}
	f.Message = fmt.Sprintf("nothing starts: none of the %s of etc/init has a start on that holds in runlevel %s (the never-starts findings say why each); --event NAME says an event the outside world emits, --runlevel N boots another runlevel", job, b.up.Runlevel)
	if n == 1 {
		f.Message = fmt.Sprintf("nothing starts: the one job of etc/init has no start on that holds in runlevel %s (the never-starts finding says why); --event NAME says an event the outside world emits, --runlevel N boots another runlevel", b.up.Runlevel)
	}
	return f
}
