// Package parse reads a machine's init configuration from a root and
// builds the graph of one boot from it, with positioned diagnostics
// ("path:line: message", paths relative to the root) for everything it
// could not use. The root itself is read through parse/rootfs, the one
// place that touches the disk.
//
// The formats and the specifications followed:
//
//   - lsb.go: init script comment blocks, LSB Core 4.1 §20.3 "Comment
//     Conventions for Init Scripts", with Debian's X-Start-Before,
//     X-Stop-After and X-Interactive, read the way insserv 1.24.0 reads
//     them where it differs (docs/insserv.md); Red Hat's "# chkconfig:".
//   - insserv.go: /etc/insserv.conf and insserv.conf.d, insserv(8).
//   - rcd.go: /etc/rcN.d links and /etc/inittab's initdefault (sysv-rc).
//   - sysv.go, sysv_edges.go: the SysV boot as insserv and startpar order it.
//   - upstart.go, upstart_expr.go: upstart job files, init(5) of upstart
//     1.3 to 1.13, lexed as libnih's config parser does.
//   - upstart_boot.go: the upstart boot, upstart-events(7).
//   - layout.go: layouts (SPEC §5); inventory*.go, hostrange.go: Ansible
//     inventories (INI and YAML) as a layout's nodes, as ansible-core
//     2.14's ini and yaml inventory plugins read them.
//   - image.go: the note on a container image whose command is no init.
//
// Package parse knows nothing of output formats: it never imports
// render. The analyses of the graphs it builds are package graph's.
package parse
