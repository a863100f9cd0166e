package upstart

import (
	"slices"
	"strings"

	"github.com/initorder/initorder/graph"
)

// This file turns what starts each job — its start on, and the scripts
// that start it — into clauses of ways, and the clauses into edges.

// way is one way to meet a clause: a service whose start makes it happen.
type way struct {
	to   int
	kind graph.Kind
	pos  graph.Pos
	via  string
}

// condition is what starts a job: its start on (nil when it has none, or
// is manual) and the jobs whose scripts start it.
type condition struct {
	job     int
	startOn *Expr
	starts  []way
	leaves  []leaf        // the ways of each event match of startOn
	byExpr  map[*Expr]int // index of leaves, made by leaf for a long start on
	// instances: the job starts one instance per event (instance $VAR),
	// so each starting J it waits for holds J (docs/upstart.md).
	instances bool
}

// wayKey is what makes two ways one: the service, and how it is met.
type wayKey struct {
	to   int
	kind graph.Kind
}

// leaf is what meets one event match of a start on: its ways, or init
// and the outside world at once (always).
type leaf struct {
	e      *Expr
	ways   []way
	always bool
}

// clause is a condition of a job of which any one way will do.
type clause struct {
	from      int
	ways      []way
	instances bool
}

// condition returns what starts job j (index i), and reads the ways of
// each event match of its start on.
func (b *builder) condition(i int, j *Job) condition {
	c := condition{job: i, instances: strings.Contains(j.Instance, "$")}
	for _, s := range b.starters[i] {
		c.starts = append(c.starts, way{to: s.job, kind: graph.StartFrom, pos: s.cmd.Pos})
	}
	expr := j.StartOn
	if j.Manual {
		expr = nil
	}
	if b.shutdown != nil && b.shutdown.running[i] {
		expr, c.starts = j.StopOn, nil // a running job stops on its stop on
	}
	if expr != nil {
		c.startOn = expr
		for _, e := range events(expr) {
			c.leaves = append(c.leaves, b.leaf(j, e))
		}
	}
	return c
}

// leaf returns the ways of one event match. An event match that nothing
// meets is a way to a placeholder that never starts, so that a job that
// never starts is explained by all it waits for.
func (b *builder) leaf(j *Job, e *Expr) leaf {
	ws, always := b.ways(j, e)
	if always {
		return leaf{e: e, always: true}
	}
	if len(ws) == 0 {
		ws = []int{b.placeholder(j, e)}
	}
	stopOn := b.shutdown != nil && b.shutdown.running[b.jobIndex[j.Name]]
	l := leaf{e: e}
	for _, to := range ws {
		l.ways = append(l.ways, way{to: to, kind: b.kind(e.Event, to, stopOn), pos: e.Pos, via: e.String()})
	}
	return l
}

// kind is the kind of the edge from a job to service to, which makes
// event happen: the job holds starting J, and in a shutdown stopping J of
// a job J that stops there (J's service is its stop), so J waits for it
// (Hook); otherwise the job comes after (StartOn). In a shutdown, what a
// job that stops waits for is its stop on (StopOn, StopHook).
func (b *builder) kind(event string, to int, stopOn bool) graph.Kind {
	hook := event == "starting" ||
		event == "stopping" && b.shutdown != nil && to < len(b.up.Jobs) && b.shutdown.running[to]
	switch {
	case stopOn && hook:
		return graph.StopHook
	case stopOn:
		return graph.StopOn
	case hook:
		return graph.Hook
	}
	return graph.StartOn
}

// clauses returns the clauses of a condition: its start on in
// conjunctive normal form, each clause with the jobs whose scripts start
// it as more ways; without start on, those jobs alone. A clause that init
// or the outside world meets at boot is left out. With started (the
// services that start), what cannot happen is left out first (docs/
// upstart.md "Alternatives and what can happen"): an event match none of
// whose ways starts is false, and the start on is simplified
// ((a and never) or b is b) before it is put in normal form; a way that
// does not start is left out of its clause.
func (b *builder) clauses(c condition, started func(int) bool) []clause {
	starts := c.starts
	expr := c.startOn
	if started != nil {
		starts = possible(starts, started)
		if expr != nil {
			var v int8
			expr, v = c.simplify(expr, started)
			switch {
			case v > 0:
				return nil // met at once
			case v < 0:
				expr = nil
			}
		}
	}
	if expr == nil {
		if len(starts) == 0 {
			return nil
		}
		return []clause{{from: c.job, ways: starts, instances: c.instances}}
	}
	var out []clause
	for _, exprs := range cnf(expr, 64) {
		cl := clause{from: c.job, instances: c.instances}
		var seen map[wayKey]bool // for a long clause: the ways in it
		add := func(ws []way) {
			for _, w := range ws {
				// One way met through several event matches is still one way.
				k := wayKey{w.to, w.kind}
				switch {
				case seen != nil:
					if seen[k] {
						continue
					}
				case slices.ContainsFunc(cl.ways, func(o way) bool { return o.to == w.to && o.kind == w.kind }):
					continue
				}
				cl.ways = append(cl.ways, w)
				if seen != nil {
					seen[k] = true
				} else if len(cl.ways) > 32 {
					seen = make(map[wayKey]bool, 2*len(cl.ways))
					for _, o := range cl.ways {
						seen[wayKey{o.to, o.kind}] = true
					}
				}
			}
		}
		always := false
		for _, e := range exprs {
			l := c.leaf(e)
			if l.always {
				always = true
				break
			}
			if started != nil {
				add(possible(l.ways, started))
			} else {
				add(l.ways)
			}
		}
		if always {
			continue
		}
		add(starts)
		out = append(out, cl)
	}
	return out
}

// leaf returns the leaf of event match e of c's start on (a job has a
// few: a scan is cheaper than a map of every job's, but not for a start on
// of thousands).
func (c *condition) leaf(e *Expr) leaf {
	if len(c.leaves) <= 32 {
		for _, l := range c.leaves {
			if l.e == e {
				return l
			}
		}
		return leaf{}
	}
	if c.byExpr == nil {
		c.byExpr = make(map[*Expr]int, len(c.leaves))
		for k, l := range c.leaves {
			if _, ok := c.byExpr[l.e]; !ok {
				c.byExpr[l.e] = k
			}
		}
	}
	if k, ok := c.byExpr[e]; ok {
		return c.leaves[k]
	}
	return leaf{}
}

// possible returns the ways whose service starts.
func possible(ws []way, started func(int) bool) []way {
	var out []way
	for _, w := range ws {
		if started(w.to) {
			out = append(out, w)
		}
	}
	return out
}

// simplify returns e with what cannot happen in this boot taken out: an
// event match that init meets at boot is true, one none of whose ways
// starts is false. v is 1 when e is always met, -1 when never, else 0
// and the expression that is left.
func (c *condition) simplify(e *Expr, started func(int) bool) (*Expr, int8) {
	if e.Op == "" {
		l := c.leaf(e)
		switch {
		case l.always:
			return nil, 1
		case len(possible(l.ways, started)) == 0:
			return nil, -1
		}
		return e, 0
	}
	left, lv := c.simplify(e.Left, started)
	right, rv := c.simplify(e.Right, started)
	if e.Op == "and" {
		switch {
		case lv < 0 || rv < 0:
			return nil, -1
		case lv > 0:
			return right, rv
		case rv > 0:
			return left, lv
		}
	} else {
		switch {
		case lv > 0 || rv > 0:
			return nil, 1
		case lv < 0:
			return right, rv
		case rv < 0:
			return left, lv
		}
	}
	if left == e.Left && right == e.Right {
		return e, 0
	}
	return &Expr{Op: e.Op, Left: left, Right: right, Pos: left.Pos}, 0
}

// addConditions turns the conditions into edges. Which services start
// is decided first from the clauses with every way (startedBy): leaving
// out what cannot happen changes nothing of that. Then the edges of a job
// that starts are those of what can happen, so that one way left binds
// alone and nothing races against the impossible ones. A job that does
// not start keeps all its ways, to explain why.
func (b *builder) addConditions(conds []condition) {
	g := b.up.Graph
	full := make([][]clause, len(conds))
	n := len(b.stopClauses)
	for k, c := range conds {
		full[k] = b.clauses(c, nil)
		n += len(full[k])
	}
	all := append(make([]clause, 0, n), b.stopClauses...)
	for _, cls := range full {
		all = append(all, cls...)
	}
	started := startedBy(g, all)
	for _, cl := range b.stopClauses {
		b.addClause(g, cl, false)
	}
	isStarted := func(i int) bool { return started[i] }
	for k, c := range conds {
		cls := full[k]
		if started[c.job] && !b.allPossible(c, isStarted) {
			cls = b.clauses(c, isStarted)
		}
		for _, cl := range cls {
			b.addClause(g, cl, true)
		}
	}
}

// allPossible reports whether every way of c starts: nothing is left to
// take out.
func (b *builder) allPossible(c condition, started func(int) bool) bool {
	for _, w := range c.starts {
		if !started(w.to) {
			return false
		}
	}
	if c.startOn == nil {
		return true
	}
	ok := true
	c.startOn.events(func(e *Expr) {
		for _, w := range c.leaf(e).ways {
			if !started(w.to) {
				ok = false
			}
		}
	})
	return ok
}

// startedBy returns which services of g start when the triggered ones
// need each of their clauses met (graph.Start's rule for the edges the
// clauses become): a service that is started and not triggered starts; a
// triggered one once each of its clauses has a way that starts (a way to
// itself does not count). This algorithm runs in O(V + W) time, W the
// ways of all clauses.
func startedBy(g *graph.Graph, clauses []clause) []bool {
	n := len(g.Services)
	started := make([]bool, n)
	pending := make([]int, n)
	waiting := make([][]int32, n) // service -> the clauses one of whose ways it is
	for k, cl := range clauses {
		pending[cl.from]++
		for _, w := range cl.ways {
			if w.to != cl.from {
				waiting[w.to] = append(waiting[w.to], int32(k))
			}
		}
	}
	var queue []int
	for i := range g.Services {
		s := &g.Services[i]
		if s.Started() && (!s.Triggered || pending[i] == 0) {
			started[i] = true
			queue = append(queue, i)
		}
	}
	met := make([]bool, len(clauses))
	for len(queue) > 0 {
		u := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, k := range waiting[u] {
			if met[k] {
				continue
			}
			met[k] = true
			v := clauses[k].from
			if pending[v]--; pending[v] == 0 && !started[v] && g.Services[v].Started() {
				started[v] = true
				queue = append(queue, v)
			}
		}
	}
	return started
}

// addClause adds the edges of one clause: a single way binds alone;
// several are alternatives of one group. For a job that starts an
// instance per event, each starting J it waits for also orders J after
// it (an order, not a need).
func (b *builder) addClause(g *graph.Graph, cl clause, instances bool) {
	anyID := 0
	if len(cl.ways) > 1 {
		b.nextAny++
		anyID = b.nextAny
	}
	for _, w := range cl.ways {
		g.AddEdge(graph.Edge{From: cl.from, To: w.to, Kind: w.kind, Pos: w.pos, Via: w.via, Any: anyID})
		if instances && anyID != 0 && w.kind == graph.Hook && cl.instances {
			g.AddEdge(graph.Edge{From: cl.from, To: w.to, Kind: graph.Hook, Pos: w.pos, Via: w.via, Soft: true})
		}
	}
}

// addHookOrders orders each job that runs on starting J after what J
// waits for: J's starting event comes only when J's own condition holds,
// so the job cannot run before (ChromeOS's jobs on starting boot-services
// run after chromeos_startup, which boot-services waits for). The edges
// order and need nothing (Soft). What J waits for binding (also through
// a job J itself runs on the starting of) binds the job too; a group of
// J's alternatives becomes one of the job's, of the same services (the
// first of them starts J). These orders place the job in the waves; as
// Soft edges they are no dependency that could race.
func (b *builder) addHookOrders() {
	g := b.up.Graph
	preds := map[int][]graph.Edge{}
	state := map[int]int8{} // 1: being resolved, 2: done
	var resolve func(j int) []graph.Edge
	resolve = func(j int) []graph.Edge {
		if state[j] != 0 {
			return preds[j] // done, or a loop of hooks: what is known so far
		}
		state[j] = 1
		var out []graph.Edge
		for _, k := range g.Out(j) {
			e := g.Edges[k]
			switch {
			case e.Any != 0 && !e.Soft || e.Soft && e.Kind.Direction() != graph.After:
			case e.Kind.Direction() == graph.After:
				out = append(out, e)
			case e.Kind == graph.Hook || e.Kind == graph.StopHook:
				out = append(out, resolve(e.To)...)
			}
		}
		preds[j], state[j] = out, 2
		return out
	}
	var added []graph.Edge // added at the end: adding one drops the graph's index
	for k := range g.Edges {
		h := g.Edges[k]
		if h.Kind != graph.Hook && h.Kind != graph.StopHook || h.Any != 0 || h.Soft || b.hidden[h.From] {
			// An instance job on starting a or starting b runs one
			// instance before each: no one place of the job is after
			// what each waits for.
			continue
		}
		j := g.Services[h.To].Name
		edge := func(p graph.Edge, any int) {
			after := p.Via
			if after == "" {
				after = p.Kind.String() + " " + g.Services[p.To].Name
			}
			added = append(added, graph.Edge{From: h.From, To: p.To, Kind: graph.StartOn, Soft: true, Pos: h.Pos, Any: any,
				Via: "starting " + j + ", which waits for " + after})
		}
		for _, p := range resolve(h.To) {
			if p.To != h.From {
				edge(p, 0)
			}
		}
		groups := map[int]int{} // J's group -> the job's
		for _, ek := range g.Out(h.To) {
			p := g.Edges[ek]
			if p.Any == 0 || p.Soft || p.Kind.Direction() != graph.After || p.To == h.From {
				continue
			}
			if groups[p.Any] == 0 {
				b.nextAny++
				groups[p.Any] = b.nextAny
			}
			edge(p, groups[p.Any])
		}
	}
	for _, e := range added {
		g.AddEdge(e)
	}
}

// cnf returns e in conjunctive normal form: a list of clauses, each a list
// of event matches of which one will do. Beyond limit clauses, or 16 times
// limit events in them all, the expansion stops and the rest of an "or" is
// kept as one clause of all its events, which only loses guaranteed order,
// never a way to start. It runs in time linear in the events of e: a
// clause of all the events of a subexpression is a slice of one list of
// them all, not a copy (an "or" of 5,000 "and" pairs took seconds a job).
func cnf(e *Expr, limit int) [][]*Expr {
	c := cnfer{leaves: events(e), limit: limit}
	out, _ := c.walk(e, 0)
	return out
}

// cnfer is the state of one cnf: the events of the whole expression, in
// order, so that those of a subexpression are leaves[lo:hi].
type cnfer struct {
	leaves []*Expr
	limit  int
}

// walk returns the clauses of e, whose first event is leaves[lo], and
// the index after its last.
func (c *cnfer) walk(e *Expr, lo int) ([][]*Expr, int) {
	switch e.Op {
	case "and":
		l, mid := c.walk(e.Left, lo)
		r, hi := c.walk(e.Right, mid)
		return append(l, r...), hi
	case "or":
		l, mid := c.walk(e.Left, lo)
		r, hi := c.walk(e.Right, mid)
		if len(l)*len(r) > c.limit || len(r)*events2(l)+len(l)*events2(r) > 16*c.limit {
			return [][]*Expr{c.leaves[lo:hi:hi]}, hi
		}
		out := make([][]*Expr, 0, len(l)*len(r))
		for _, a := range l {
			for _, b := range r {
				out = append(out, append(append(make([]*Expr, 0, len(a)+len(b)), a...), b...))
			}
		}
		return out, hi
	}
	return [][]*Expr{c.leaves[lo : lo+1 : lo+1]}, lo + 1
}

// events2 counts the events of the clauses.
func events2(clauses [][]*Expr) int {
	n := 0
	for _, c := range clauses {
		n += len(c)
	}
	return n
}

// events returns every event match in e.
func events(e *Expr) []*Expr {
	if e.Op == "" {
		return []*Expr{e}
	}
	return append(events(e.Left), events(e.Right)...)
}
