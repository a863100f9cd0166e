// Package parse holds what the readers of the init systems share:
// positioned diagnostics ("path:line: message", paths relative to the
// root: Error, ErrorList), the layout files that place services on nodes
// (Layout, an INI file), and which init system a root boots as PID 1
// (Detect, its rules in order, with the evidence). Each init system has a
// package of its own below it, which turns a root into the graph of one
// boot:
//
//   - parse/sysv: init scripts and their LSB headers, insserv.conf, the
//     rcN.d links, the boot as insserv and startpar order it;
//   - parse/upstart: upstart job files and events, and the rc jobs that
//     run the SysV scripts (it imports parse/sysv for them);
//   - parse/systemd: units, the boot transaction, and the generators
//     that matter to it (fstab, cryptsetup, integritysetup, veritysetup,
//     rc-local, system-update, getty, debug, systemd-sysv-generator).
//
// The root itself is read through parse/rootfs, the one place that
// touches the disk.
//
// Here too: Ansible inventories as a layout's nodes (inventory*.go,
// hostrange.go, as ansible-core 2.14's ini and yaml inventory plugins read
// them) and the note on a container image whose command is no init
// system (image.go).
//
// Package parse knows no format of an init system: it never imports the
// packages below it, which import no other format (upstart's use of
// sysv aside), and never render. The analyses of the graphs are package
// graph's.
package parse
