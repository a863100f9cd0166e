// Package graph is initorder's format-neutral model of a boot and the
// analyses on it: which triggered services start at all (start.go), boot
// phases and waves (order.go), ordering cycles (cycles.go), dependencies
// that cannot be met (unsatisfied.go), dependencies nothing orders
// (races.go) and sequence numbers that contradict the declared order
// (conflicts.go); and for pictures and explanations: what a cut keeps
// (cut.go), the transitive reduction of the ordering (reduce.go) and the
// chain of directives that orders two services (why.go); for layouts:
// the boot of a node (layout.go), what changed between two boots
// (diff.go) and which nodes of a role boot otherwise (congruent.go).
// Services are found by any of their names (Graph.Find), with the
// completion the reader of the init system gives the graph.
//
// It knows nothing of file formats and does no I/O: package parse builds
// graphs from a root and package render prints what the analyses return.
// Positions (Pos) are carried, never interpreted. Every result is
// deterministic: ties are broken by service name, never by map order.
package graph
