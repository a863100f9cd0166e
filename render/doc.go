// Package render turns what the analyses of package graph return into
// bytes: the ls /etc/rc2.d-style listing (text.go), JSON (json.go),
// findings as text grouped by node, JSON, SARIF 2.1.0 (sarif.go), JUnit
// XML (junit.go) or GitLab Code Quality JSON (codequality.go), those of
// a fleet node by node as they are written (fleet.go), the
// changes between two boots (diff.go), pictures of a boot as Graphviz
// DOT (dot.go, from the scene of scene.go), as a map to explore in a
// browser around Graphviz's SVG of that DOT (html.go, htmlsvg.go, and
// the page's code in assets/), as a chart of its waves (plot.go) or as
// data (graphjson.go), and why one service starts before another
// (why.go). It knows no input format and never reads files: package
// parse reads roots, package graph analyses them. Laying DOT out as SVG
// or PNG is not here: render/graphviz (the only importer of go-graphviz) and
// render/raster do it, in the command initorder-render, so that
// initorder does not link Graphviz; HTML gets the SVG from its caller.
package render
