// Command initorder reads a machine's init configuration without booting
// it and shows the real boot order, its cycles and the dependencies that
// can never be met.
//
// It is the thin layer: one file per verb turns flags into calls of the
// library (parse.Detect and the readers of parse/sysv, parse/upstart and
// parse/systemd in load.go; graph's analyses, once per group of a
// layout's nodes in layout.go) and hands the results to render. It holds
// no file format and no analysis of its own, and does not link Graphviz
// (initorder-render does).
package main

import "os"

func main() { os.Exit(Main()) }
