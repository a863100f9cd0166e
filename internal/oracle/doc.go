// Package oracle runs the real Debian insserv on roots built from real
// Debian 12 packages, so that tests can hold initorder's SysV boot order
// against the program Debian itself uses to order /etc/init.d scripts.
//
// It is a test helper: only _test.go files import it, and its functions take
// a testing.TB and fail or skip the test themselves. It fetches .deb files
// with apt-get (Fetch), extracts the init configuration they ship into a
// fresh root (BuildRoot), and runs insserv, unpacked from its own .deb and
// never installed, so that it writes the rc?.d links and the .depend.* files
// inside that root (RunInsserv). It knows nothing of initorder's packages:
// it reports what insserv did, and the caller compares.
//
// The same goes for the systemd installed on the machine: BuildUnitRoot
// makes a root of the packages' units, enabled as their postinst scripts
// would, RunSystemdTest runs systemd --test on it, and RunSysvGenerator
// runs systemd-sysv-generator on a root's init scripts (MergeSysV puts a
// BuildRoot root's scripts and links beside a BuildUnitRoot root's units).
//
// RunGenerators runs systemd's other generators (fstab, cryptsetup,
// rc-local, getty, system-update, debug, ...) confined in a root of their
// own inside a private mount namespace, and RunSystemdTestWith boots a
// root with their output on the search path, with the installed systemd
// 252, with 254 from Debian 12's backports (Systemd254) or with Debian
// trixie's 257 (Systemd257), extracted from their packages and never
// installed.
//
// The kernel is asked too: WatchOpens says whether a file was opened
// (inotify), for the tests that a swapped-in device is not.
//
// What insserv does and prints, with the experiments behind each claim, is
// written down in docs/insserv.md.
package oracle
