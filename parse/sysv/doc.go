// Package sysv reads a SysV root, as Debian's sysv-rc, insserv 1.24.0
// and startpar boot it, and builds the graph of one boot or shutdown
// (Read). The formats and the specifications followed:
//
//   - lsb.go: init script comment blocks, LSB Core 4.1 §20.3 "Comment
//     Conventions for Init Scripts", with Debian's X-Start-Before,
//     X-Stop-After and X-Interactive, read the way insserv 1.24.0 reads
//     them where it differs (docs/insserv.md); Red Hat's "# chkconfig:".
//   - insserv.go: /etc/insserv.conf and insserv.conf.d, insserv(8).
//   - rcd.go: /etc/rcN.d links and /etc/inittab's initdefault (sysv-rc).
//   - boot.go, edges.go: the boot as insserv and startpar order it.
//
// Package sysv knows no other init system: upstart's rc jobs and
// systemd-sysv-generator run SysV scripts, and their packages say how
// (parse/upstart imports this one; parse/systemd reads the headers
// itself, as the generator does). It never imports render.
package sysv
