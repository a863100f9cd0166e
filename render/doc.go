// Package render turns what the analyses of package graph return into
// bytes: the ls /etc/rc2.d-style listing (text.go), JSON (json.go) and
// findings, as text grouped by node, JSON or SARIF 2.1.0 (sarif.go). It
// knows no input format and never reads files: package parse reads
// roots, package graph analyses them.
package render
