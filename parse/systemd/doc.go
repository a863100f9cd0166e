// Package systemd reads the systemd units of a root and builds the boot
// transaction the manager would build from them (Read): the unit search
// path, aliases, masks, drop-ins, templates and specifiers, .wants/
// links, the implicit dependencies, and the jobs the manager deletes to
// break ordering cycles. It emulates the generators whose units matter
// to the boot, never running them (generator.go writes their output in
// memory, and the loader reads it through an overlay of the root):
// systemd-fstab-generator (fstab.go), systemd-cryptsetup-generator and the
// integritysetup and veritysetup ones (cryptsetup.go), the rc-local,
// system-update, getty and debug generators (rclocal.go), all on the
// kernel command line of Options (cmdline.go); and systemd-sysv-generator
// (sysv*.go), which reads the LSB headers of etc/init.d itself, as the
// generator does. mount.go holds the manager's own dependencies of mounts
// and swaps and those execution settings imply; version.go finds which
// systemd a root has, where versions differ (docs/generators.md).
//
// The specifications followed are systemd.unit(5), systemd.special(7),
// systemd.service(5) and the code of systemd 252 where they are silent
// (docs/systemd-oracle.md): units.go, namemap.go and load.go load units
// as the manager does, lex.go reads unit files as config_parse() does,
// boot.go, implicit.go and jobs.go build the transaction.
//
// Package systemd knows no other init system's package: it imports
// parse for positioned diagnostics, never parse/sysv or parse/upstart,
// and never render.
package systemd
