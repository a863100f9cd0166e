package oracle

// DebianPackages names Debian 12 (bookworm) binary packages whose .deb ships
// init configuration: /etc/init.d scripts with LSB headers, insserv.conf.d
// facility files (bind9, dnsmasq, unbound: $named; rpcbind: $portmap;
// postfix: $mail-transport-agent; gdm3, xdm: $x-display-manager;
// busybox-syslogd: $syslog), and the rc?.d README files and the
// README/rc/rcS symlinks of sysv-rc, which insserv must ignore.
//
// Together they form one root on which insserv accepts every script: exit 0,
// no refusal. Most scripts need $remote_fs, $syslog, $network, $named,
// $time or $portmap, so every facility resolves to real scripts; four
// syslog daemons fill $syslog at once; X-Start-Before ($x-display-manager,
// $mail-transport-agent), $all (rc.local, plymouth, stop-bootlogd),
// X-Interactive (apache2, openvpn), <interactive> (udev, checkroot.sh,
// cryptdisks...), rcS-only and runlevel-1 scripts and a same-directory
// symlink (nut-client's ups-monitor) all occur. Packages that would make
// insserv refuse are in RefusalCases instead.
//
// insserv and orphan-sysvinit-scripts are part of the list: the first gives
// etc/insserv.conf and the insserv binary, the second the init.d scripts
// Debian 12 moved out of rsyslog, avahi-daemon and network-manager (see
// BuildRoot).
var DebianPackages = []string{
	// insserv itself and the boot scripts of a sysvinit system.
	"insserv", "orphan-sysvinit-scripts", "initscripts", "sysv-rc", "bootlogd",
	"udev", "procps", "kmod", "ifupdown", "util-linux-extra", "x11-common",
	"cryptsetup", "mdadm", "apparmor", "auditd", "plymouth", "alsa-utils",
	"netfilter-persistent", "ufw", "quota", "cpufrequtils",
	// $syslog and $time providers, several of each.
	"rsyslog", "syslog-ng-core", "inetutils-syslogd", "busybox-syslogd",
	"ntpsec", "chrony", "openntpd",
	// Networking, remote file systems, $portmap.
	"openssh-server", "dbus", "elogind", "network-manager", "avahi-daemon",
	"bluez", "fail2ban", "open-iscsi", "multipath-tools", "rpcbind",
	"nfs-common", "nfs-kernel-server", "autofs", "openvpn",
	"strongswan-starter", "xinetd", "openbsd-inetd", "keepalived", "corosync",
	// $named and DHCP.
	"bind9", "unbound", "dnsmasq", "isc-dhcp-server", "isc-dhcp-relay",
	"radvd", "hostapd", "minissdpd",
	// Web.
	"apache2", "nginx-common", "lighttpd", "haproxy", "squid", "varnish",
	"uwsgi", "php8.2-fpm",
	// Mail ($mail-transport-agent).
	"postfix", "exim4-base", "sendmail-bin", "dovecot-core", "spamd",
	"clamav-daemon", "clamav-freshclam", "amavisd-new", "opendkim",
	"postgrey", "sasl2-bin",
	// Databases, directories, queues.
	"mariadb-server", "postgresql-common", "redis-server", "memcached",
	"slapd", "mosquitto", "nscd", "unscd", "nslcd", "krb5-kdc",
	"krb5-admin-server", "pcscd",
	// File, print and package services.
	"samba", "winbind", "rsync", "vsftpd", "proftpd-core", "tftpd-hpa",
	"apt-cacher-ng", "cups-daemon", "sane-utils",
	// Monitoring and hardware.
	"snmpd", "munin-node", "nagios-nrpe-server", "zabbix-agent",
	"smartmontools", "sysstat", "fancontrol", "irqbalance", "nut-server",
	"nut-client", "acpid", "rng-tools-debian", "haveged", "uuid-runtime",
	"qemu-guest-agent", "open-vm-tools", "lxc",
	// Scheduling.
	"cron", "anacron", "at",
	// Display managers ($x-display-manager) and the console.
	"gdm3", "lightdm", "xdm", "gpm",
}

// A RefusalCase is a small set of real Debian 12 packages on whose root
// insserv refuses to order the boot, with the kind of Message that says why.
type RefusalCase struct {
	Name     string
	Packages []string // includes insserv
	Kind     string   // the Message.Kind insserv's refusal is parsed into
	Services []string // the Message.Services of that refusal
}

// RefusalCases are the refusals that real packages provoke. Loops and
// scripts enabled in too few runlevels do not occur among Debian 12's
// scripts; the package tests build those roots by hand.
var RefusalCases = []RefusalCase{
	{
		// Both scripts say "Provides: ... mail-transport-agent". With both on
		// one insserv command line insserv 1.24.0 crashes (SIGSEGV);
		// RunInsserv then enables postfix, the later name, on its own, as
		// dpkg would install it after opensmtpd, and insserv refuses it.
		Name:     "duplicate-provides",
		Packages: []string{"insserv", "initscripts", "postfix", "opensmtpd"},
		Kind:     "duplicate-provides",
		Services: []string{"postfix", "mail-transport-agent"},
	},
	{
		// nfs-kernel-server has "Required-Start: $remote_fs nfs-common
		// $portmap $time" and nothing provides nfs-common or $portmap.
		Name:     "missing-required",
		Packages: []string{"insserv", "initscripts", "nfs-kernel-server"},
		Kind:     "missing",
		Services: []string{"nfs-kernel-server", "nfs-common"},
	},
}
