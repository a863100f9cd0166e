package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/initorder/initorder/render"
	"github.com/schollz/progressbar/v3"
)

// progressDelay is how long work runs before its progress is shown: work
// that ends sooner shows nothing.
const progressDelay = time.Second

// progress shows on stderr how far long work has gone: a bar when its
// size is known (nodes written, groups of nodes analysed), a spinner
// when it is not (a root read, Graphviz laying out a picture). It shows
// nothing for the first second, nor ever when stderr is no terminal or
// under CI (wantProgress). A nil *progress shows nothing, so that code
// that reports progress need not ask whether anyone looks.
//
// The bar is github.com/schollz/progressbar/v3: it draws a bar or a
// spinner on any writer, clears its line when done, throttles its
// redraws and keeps its own lock; it is maintained and much used, and
// has no dependency that needs cgo.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	timer *time.Timer
	bar   *progressbar.ProgressBar // nil until shown
	ended bool
	desc  string
	total int // -1: not known
	done  int
}

// wantProgress reports whether progress is for a user to watch: stderr
// is a terminal (not a pipe, a file or a CI log), CI is not set (as
// GitHub Actions, GitLab and most CI systems set it; "false" or "0" is
// not CI) and the terminal is not dumb.
func wantProgress(terminal bool, getenv func(string) string) bool {
	ci := strings.ToLower(getenv("CI"))
	return terminal && (ci == "" || ci == "false" || ci == "0") && getenv("TERM") != "dumb"
}

// newProgress starts the progress of a verb on stderr, or returns nil
// when nobody watches (wantProgress); desc says what it does until a
// step says more.
func newProgress(stderr io.Writer, getenv func(string) string, desc string) *progress {
	if !wantProgress(isTerminal(stderr), getenv) {
		return nil
	}
	p := &progress{w: stderr, total: -1, desc: desc}
	p.timer = time.AfterFunc(progressDelay, p.show)
	return p
}

// step starts a step of the work: desc, in total units (-1: not known).
func (p *progress) step(desc string, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.desc, p.total, p.done = desc, total, 0
	if p.bar != nil {
		p.bar.Finish()
		p.bar = p.newBar()
	}
}

// add counts n units of the step done.
func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.bar != nil && p.total >= 0 {
		p.bar.Add(n)
	}
}

// show draws the progress, once the work has run progressDelay.
func (p *progress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ended {
		p.bar = p.newBar()
	}
}

// newBar draws the step: a bar, or a spinner when its size is not
// known.
func (p *progress) newBar() *progressbar.ProgressBar {
	total := int64(p.total)
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
	}
	if total > 0 {
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true))
	} else {
		total = -1
	}
	b := progressbar.NewOptions64(total, opts...)
	if total > 0 && p.done > 0 {
		b.Set(p.done)
	}
	b.RenderBlank()
	return b
}

// end clears the progress, if shown, and shows no more: before the
// verb writes on a terminal that the progress would share.
func (p *progress) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	p.timer.Stop()
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// writing is the last step of check: writing the findings of the fleet f
// node by node (o.Progress counts them). On a terminal, the findings
// themselves show how far it has gone: the progress ends.
func (p *progress) writing(out io.Writer, f *render.Fleet, o *render.Options) {
	if p == nil {
		return
	}
	nodes := 0
	for _, g := range f.Groups {
		nodes += len(g.Nodes)
	}
	if isTerminal(out) || o.GroupNodes || nodes == 0 {
		p.end()
		return
	}
	p.step(fmt.Sprintf("writing the findings of %d nodes", nodes), nodes)
	o.Progress = func() { p.add(1) }
}

// drawing is the last step of graph: drawing ds (Graphviz lays it out,
// for svg, png and html) and writing it on out, or in file.
func (p *progress) drawing(out io.Writer, file string, ds []render.Drawing) {
	if p == nil {
		return
	}
	if file == "" && isTerminal(out) {
		p.end()
		return
	}
	n := 0
	for _, d := range ds {
		n += len(d.Graph.Services)
	}
	p.step(fmt.Sprintf("drawing %d services", n), -1)
}
