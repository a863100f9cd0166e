package render

import (
	"sort"

	"github.com/initorder/initorder/graph"
)

// Drawing is one boot to draw, with its findings (which mark races and
// loops) and what to leave out of the picture.
type Drawing struct {
	Boot
	Findings []graph.Finding
	Only     []bool // if not nil, the services to draw (graph.Neighbourhood, graph.Chains)
	// Reduce leaves out the drawn ordering edges that other drawn
	// ordering edges imply (graph.Redundant on what is drawn: after the
	// cut, across barriers, rails left out).
	Reduce bool
	// Hubs, if not nil, are the services (graph.Hubs) that a picture
	// draws as rails when more than RailEdges of its edges touch one: in
	// the wave ruler, without those edges.
	Hubs []bool
}

// RailEdges is how many edges a hub has in a picture before it is drawn
// as a rail: sysinit.target, which a whole boot's services wait for, but
// not the targets at the edge of a cut.
const RailEdges = 12

// scene is what a picture shows of a drawing, format-neutral: dot.go and
// graphjson.go print it.
type scene struct {
	node  string // the layout node, "" for none
	stop  bool
	waves int
	nodes []sceneNode // by name
	edges []sceneEdge // by tail, head, kind, position
}

type sceneNode struct {
	svc    *graph.Service
	wave   int    // 0: does not start
	cyclic bool   // on an ordering loop
	state  string // started, missing, masked, never-starts, not-started
	why    string // for a service that does not start: the finding that says why
	rail   bool   // a hub drawn in the wave ruler, without its edges
	edges  int    // how many edges touch it (before rails and reduction)
}

type sceneEdge struct {
	tail, head int // indexes into scene.nodes
	edge       graph.Edge
	through    []string // hidden services the edge was drawn across
	race       bool     // a race finding names it
	cycle      bool     // on an ordering loop or a start condition loop
	omit       string   // why it is not drawn: "rail" (it touches one), "reduced" (a chain implies it); "" drawn
}

// drawn returns the edges a picture draws: not those of rails, nor
// those a chain of others implies.
func (sc *scene) drawn() []sceneEdge {
	out := make([]sceneEdge, 0, len(sc.edges))
	for _, e := range sc.edges {
		if e.omit == "" {
			out = append(out, e)
		}
	}
	return out
}

// The states of a service in a picture (graph JSON "state").
const (
	stateStarted     = "started"
	stateMissing     = "missing"
	stateMasked      = "masked"
	stateNeverStarts = "never-starts"
	stateNotStarted  = "not-started"
	stateBarrier     = "barrier" // a hidden service drawn (barriersMultiply)
)

// newScene chooses what to draw of d: every service that starts, what a
// started service points at (a dependency that does not start, unless
// only as an optional member of a facility), and
// every service a finding names (a dependency that is missing or masked
// only where a finding says it keeps a service from starting); of those,
// the ones
// d.Only keeps. Hidden services (barriers) are not drawn: an edge that
// leads into one is drawn to each visible service the barrier leads to,
// transitively; but when that would multiply the edges (barriersMultiply),
// the barriers are drawn, and each edge once. With d.Reduce, the drawn
// ordering edges that a chain of other drawn ones implies are left out.
func newScene(d Drawing) *scene {
	g := d.Graph
	sc := &scene{node: d.Node, stop: d.Stop, waves: d.Schedule.Waves}
	want := make([]bool, len(g.Services))
	for i := range g.Services {
		want[i] = g.Services[i].Started()
	}
	for _, e := range g.Edges {
		// A name nothing defines, or a masked unit, only where a finding
		// names it: an After= or Wants= on a unit that is not installed
		// is no error (systemd ignores it, check does not report it).
		// Nor an optional member of a facility that does not start
		// (Debian's $remote_fs names +umountfs and +sendsigs, which run
		// at shutdown): nothing needs it, and it orders nothing here.
		if to := &g.Services[e.To]; g.Services[e.From].Started() && !to.Missing && !to.Masked && (!e.Soft || to.Started()) {
			want[e.To] = true
		}
	}
	named := map[string]string{} // service -> the first finding that names it first
	for _, f := range d.Findings {
		for k, name := range f.Services {
			if i, ok := g.Lookup(name); ok {
				if s := &g.Services[i]; (s.Missing || s.Masked) && !isWhyNot(f.Kind) {
					continue // e.g. no-effect-order on a unit that is not installed
				}
				want[i] = true
				if _, seen := named[name]; !seen && k == 0 && isWhyNot(f.Kind) {
					named[name] = f.Message
				}
			}
		}
	}
	wave := make([]int, len(g.Services))
	cyclic := make([]bool, len(g.Services))
	for _, st := range d.Schedule.Steps {
		wave[st.Service], cyclic[st.Service] = st.Wave, st.Cyclic
	}
	var idx []int
	for i := range g.Services {
		if want[i] && !g.Services[i].Hidden && (d.Only == nil || d.Only[i]) {
			idx = append(idx, i)
		}
	}
	if barriersMultiply(g, want, idx) {
		for i := range g.Services {
			if want[i] && g.Services[i].Hidden && (d.Only == nil || d.Only[i]) {
				idx = append(idx, i)
			}
		}
	}
	sort.Slice(idx, func(a, b int) bool { return g.Services[idx[a]].Name < g.Services[idx[b]].Name })
	at := make([]int, len(g.Services))
	for i := range at {
		at[i] = -1
	}
	for k, i := range idx {
		s := &g.Services[i]
		n := sceneNode{svc: s, wave: wave[i], cyclic: cyclic[i], state: stateStarted}
		switch {
		case s.Hidden:
			n.state = stateBarrier
		case s.Missing:
			n.state = stateMissing
		case s.Masked:
			n.state = stateMasked
		case !s.Started() && named[s.Name] != "":
			n.state = stateNeverStarts
		case !s.Started():
			n.state = stateNotStarted
		}
		if !s.Started() {
			n.why = named[s.Name]
		}
		at[i] = k
		sc.nodes = append(sc.nodes, n)
	}
	sc.edges = sceneEdges(d, at)
	for _, e := range sc.edges {
		sc.nodes[e.tail].edges++
		sc.nodes[e.head].edges++
	}
	if d.Hubs != nil {
		rails(d, sc, idx)
	}
	if d.Reduce {
		reduce(sc)
	}
	markEdges(d, sc)
	return sc
}

// rails marks the hubs that more than RailEdges edges touch, and that
// start, as rails, and their edges as not drawn.
func rails(d Drawing, sc *scene, idx []int) {
	for k := range sc.nodes {
		n := &sc.nodes[k]
		n.rail = d.Hubs[idx[k]] && n.wave > 0 && n.edges > RailEdges
	}
	for k := range sc.edges {
		e := &sc.edges[k]
		if sc.nodes[e.tail].rail || sc.nodes[e.head].rail {
			e.omit = "rail"
		}
	}
}

// barriersMultiply reports whether drawing the edges into hidden services
// (barriers) as edges to what each leads to, as newScene does, would draw
// many more edges than drawing the barriers: k headerless scripts of one
// link number and m of the number before are k×m edges across their
// barrier (2×2,000 ran out of memory), or k+m to and from it. Then the
// barriers are drawn, and every edge once. Small pictures are drawn across
// their barriers, as before. This runs in O(V + E) time: what a barrier
// leads to is counted, not listed, and counted once.
func barriersMultiply(g *graph.Graph, want []bool, visible []int) bool {
	at := make([]bool, len(g.Services))
	for _, i := range visible {
		at[i] = true
	}
	count := map[int]int{} // hidden -> the visible services it leads to, with repeats
	var reach func(h int) int
	reach = func(h int) int {
		if n, ok := count[h]; ok {
			return n
		}
		count[h] = 0 // a loop of barriers leads nowhere new
		n := 0
		for _, list := range [][]int{g.Out(h), g.In(h)} {
			for _, k := range list {
				tail, head := g.Edges[k].Arrow()
				switch {
				case tail != h || head == h:
				case at[head]:
					n++
				case g.Services[head].Hidden && want[head]:
					n += reach(head)
				}
				n = min(n, 1<<40)
			}
		}
		count[h] = n
		return n
	}
	across, touching := 0, 0
	for _, e := range g.Edges {
		tail, head := e.Arrow()
		hidden := g.Services[head].Hidden && want[head]
		if hidden || g.Services[tail].Hidden && want[tail] {
			touching++
		}
		if at[tail] && hidden {
			across = min(across+reach(head), 1<<40)
		}
	}
	return across > 2*touching+64
}

// reduce marks the drawn ordering edges that a chain of other drawn
// ordering edges implies: graph.Redundant on a graph of the drawn
// services, each ordering edge as "tail after head".
func reduce(sc *scene) {
	g := &graph.Graph{}
	for _, n := range sc.nodes {
		g.Add(graph.Service{Name: n.svc.Name, Phase: n.svc.Phase})
	}
	var at []int // scene edge of each edge of g
	for k, e := range sc.edges {
		if e.omit != "" {
			continue
		}
		kind := graph.Wants // does not order: never redundant
		if orders(e.edge) {
			kind = graph.SystemdAfter
		}
		g.AddEdge(graph.Edge{From: e.tail, To: e.head, Kind: kind, Any: e.edge.Any})
		at = append(at, k)
	}
	for k, red := range graph.Redundant(g) {
		if red {
			sc.edges[at[k]].omit = "reduced"
		}
	}
}

// isWhyNot reports whether a finding of that kind explains why its first
// service does not start.
func isWhyNot(kind string) bool {
	switch kind {
	case graph.KindNeverStarts, graph.KindMissingDependency, graph.KindMasked, graph.KindCrossNode:
		return true
	}
	return false
}

// sceneEdges returns the drawn edges between drawn services (at[i] >= 0),
// across hidden services, deduplicated, sorted.
func sceneEdges(d Drawing, at []int) []sceneEdge {
	g := d.Graph
	var out []sceneEdge
	type key struct {
		tail, head int
		kind       graph.Kind
		pos        graph.Pos
	}
	seen := map[key]bool{}
	add := func(tail, head int, e graph.Edge, through []string) {
		k := key{at[tail], at[head], e.Kind, e.Pos}
		if tail == head || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, sceneEdge{tail: at[tail], head: at[head], edge: e, through: through})
	}
	// beyond[h]: for hidden service h, the visible services its arrows
	// lead to, directly or through other hidden ones (memoised: the
	// barriers form chains).
	beyond := map[int][][2]int{} // hidden -> (visible head, via hidden)
	var reach func(h int) [][2]int
	reach = func(h int) [][2]int {
		if r, ok := beyond[h]; ok {
			return r
		}
		beyond[h] = nil // a loop of barriers leads nowhere new
		var r [][2]int
		for _, k := range g.Out(h) {
			r = append(r, arrowFrom(g, h, k, at, reach)...)
		}
		for _, k := range g.In(h) {
			r = append(r, arrowFrom(g, h, k, at, reach)...)
		}
		beyond[h] = r
		return r
	}
	for _, e := range g.Edges {
		tail, head := e.Arrow()
		if at[tail] < 0 || e.Kind == graph.Activates {
			continue // socket activation: the socket's Before= is drawn, as systemd-analyze dot draws no Triggers=
		}
		switch {
		case at[head] >= 0:
			add(tail, head, e, nil)
		case g.Services[head].Hidden:
			for _, hv := range reach(head) {
				add(tail, hv[0], e, []string{g.Services[hv[1]].Name})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		x, y := out[a], out[b]
		if x.tail != y.tail {
			return x.tail < y.tail
		}
		if x.head != y.head {
			return x.head < y.head
		}
		if x.edge.Kind != y.edge.Kind {
			return x.edge.Kind < y.edge.Kind
		}
		if x.edge.Pos.File != y.edge.Pos.File {
			return x.edge.Pos.File < y.edge.Pos.File
		}
		return x.edge.Pos.Line < y.edge.Pos.Line
	})
	return out
}

// arrowFrom follows edge k out of hidden service h when its arrow leaves
// h: to the visible head, or on through another hidden service.
func arrowFrom(g *graph.Graph, h, k int, at []int, reach func(int) [][2]int) [][2]int {
	tail, head := g.Edges[k].Arrow()
	if tail != h || head == h {
		return nil
	}
	if at[head] >= 0 {
		return [][2]int{{head, h}}
	}
	if g.Services[head].Hidden {
		return reach(head)
	}
	return nil
}

// markEdges marks the edges that a race finding is about (its two
// services and the directive of its first source) and the edges of
// ordering loops among started services (graph.Cycles) and of the loops
// cycle findings name (a start condition loop; a loop systemd breaks by
// deleting a start job): an edge between two services that follow each
// other in the loop, written where one of the finding's sources is.
func markEdges(d Drawing, sc *scene) {
	g := d.Graph
	byName := map[string]int{}
	for k, n := range sc.nodes {
		byName[n.svc.Name] = k
	}
	type pair struct{ a, b string }
	races := map[pair][]graph.Pos{}
	loops := map[pair][]graph.Pos{} // consecutive services of a loop a cycle finding names
	for _, f := range d.Findings {
		switch {
		case f.Kind == graph.KindRace && len(f.Services) == 2:
			races[pair{f.Services[0], f.Services[1]}] = f.Sources
		case f.Kind == graph.KindCycle && len(f.Services) > 1:
			for k, name := range f.Services {
				next := f.Services[(k+1)%len(f.Services)]
				loops[pair{name, next}], loops[pair{next, name}] = f.Sources, f.Sources
			}
		}
	}
	onCycle := map[int]bool{}
	for _, c := range graph.Cycles(g) {
		for _, k := range c.Edges {
			onCycle[k] = true
		}
	}
	for k := range sc.edges {
		e := &sc.edges[k]
		from, to := g.Services[e.edge.From].Name, g.Services[e.edge.To].Name
		if srcs, ok := races[pair{from, to}]; ok && (e.edge.Any != 0 || !orders(e.edge)) && hasPos(srcs, e.edge.Pos) {
			e.race = true
		}
		if srcs, ok := loops[pair{from, to}]; ok && (orders(e.edge) || e.edge.Needs()) && hasPos(srcs, e.edge.Pos) {
			e.cycle = true
		}
	}
	// Ordering loops by edge: find the scene edge of each loop edge.
	for k := range sc.edges {
		e := &sc.edges[k]
		for _, gk := range g.Out(e.edge.From) {
			if onCycle[gk] && g.Edges[gk] == e.edge && len(e.through) == 0 {
				e.cycle = true
			}
		}
	}
}

func orders(e graph.Edge) bool { _, _, ok := e.Ordering(); return ok }

func hasPos(ps []graph.Pos, p graph.Pos) bool {
	if len(ps) == 0 {
		return true
	}
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
