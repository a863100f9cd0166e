package graph

import "fmt"

// Unsatisfied returns a missing-dependency finding for every hard
// dependency of a started service that cannot be met: nothing provides
// the name, the provider is not started, or it starts only in a later
// phase (an rcS script that requires an rc2 script; insserv: "has to be
// enabled"). This algorithm runs in O(V + E) time.
func Unsatisfied(g *Graph) []Finding {
	var fs []Finding
	for _, e := range g.Edges {
		if !e.Needs() || e.Any != 0 {
			continue // an alternative is unmet only when all are: Start says so
		}
		from, to := &g.Services[e.From], &g.Services[e.To]
		if !from.Started() {
			continue
		}
		var why string
		switch {
		case to.Away != "":
			continue // the layout puts it elsewhere: Place says so
		case to.Missing && to.Note != "":
			why = to.Note
		case to.Missing:
			why = "nothing provides it"
			if e.Via != "" && e.Via != to.Name {
				why = "nothing provides " + to.Name
			}
		case !to.Started():
			why = fmt.Sprintf("%s has to be enabled in %s", Short(to.Name), g.PhaseName(from.Phase))
		case to.Phase > from.Phase && e.Kind.Direction() == After:
			why = fmt.Sprintf("%s starts only in %s, after %s", Short(to.Name), g.PhaseName(to.Phase), g.PhaseName(from.Phase))
		default:
			continue
		}
		written := Short(e.Via)
		if written == "" {
			written = Short(to.Name)
		}
		fs = append(fs, Finding{
			Kind:     KindMissingDependency,
			Severity: Error,
			Services: []string{from.Name, to.Name},
			Message:  fmt.Sprintf("%s %s %s: %s", Short(from.Name), e.Kind, written, why),
			Sources:  []Pos{e.Pos},
		})
	}
	return fs
}
