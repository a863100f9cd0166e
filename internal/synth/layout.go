package synth

import (
	"fmt"
	"strings"
)

// Layout returns a layout file (SPEC §5) for a root of n services of kind
// made by SysV, Upstart or Systemd: nodes nodes over sets role sets. There
// are 2×sets roles; node i has roles i%sets and sets+i%sets. The
// last-layer services (Leaves) are dealt to the roles in turn; every
// tenth role also holds a service of the layer below, which other
// roles' services depend on: on the nodes without that role, those are
// cross-node findings. Every other service is on every node.
func Layout(kind string, n, nodes, sets int) []byte {
	sets = max(sets, 1)
	leaves := Leaves(kind, n)
	roles := make([][]string, 2*sets)
	for j, s := range leaves {
		roles[j%len(roles)] = append(roles[j%len(roles)], s)
	}
	ls := layers{n: n}
	for r := 0; r < len(roles); r += 10 {
		if i := ls.start(nLayers-2) + r; i < ls.start(nLayers-1) {
			roles[r] = append(roles[r], name(kind, i))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; synthetic layout: %d nodes over %d role sets\n", nodes, sets)
	for r, svcs := range roles {
		fmt.Fprintf(&b, "[role \"role%03d\"]\nservices = %s\n", r, strings.Join(svcs, ", "))
	}
	for i := 0; i < nodes; i++ {
		fmt.Fprintf(&b, "[node \"node%05d\"]\nroles = role%03d, role%03d\n", i, i%sets, sets+i%sets)
	}
	return []byte(b.String())
}
