package oracle

// SystemdPackages names Debian 12 (bookworm) binary packages whose .deb
// ships systemd units, for BuildUnitRoot and RunSystemdTest. They can be
// installed together (one syslog daemon, one NTP daemon, one MTA, one FTP
// server, one display manager), so that the root is a machine dpkg could
// have made, and together they exercise:
//
//   - templates and their instances: getty@tty1 (systemd's postinst),
//     serial-getty@, systemd-fsck@, postgresql@, mariadb@, openvpn@,
//     hostapd@, saned@, dnsmasq@, wpa_supplicant@, ifup@;
//   - sockets that activate services (dbus, avahi-daemon, cups, rpcbind,
//     libvirt, lvm2, clamav-daemon, dovecot, pcscd, uuidd, systemd-oomd,
//     multipathd, iscsid, acpid), .path units (cups, acpid) and timers
//     (apt, dpkg, e2fsprogs, man-db, logrotate, util-linux, sysstat,
//     anacron);
//   - Alias= (syslog.service, mysql.service, sshd.service, named/bind9,
//     dbus-org.freedesktop.* names, display-manager.service), Also=
//     (avahi-daemon, cups), masks shipped as symlinks to /dev/null;
//   - WantedBy=multi-user.target, graphical.target (lightdm), sockets.target,
//     timers.target, sysinit.target, network-online.target;
//     Requires/BindsTo/PartOf (nfs, libvirt, postgresql, openvpn),
//     DefaultDependencies=no (early units of systemd, lvm2, plymouth,
//     ifupdown, apparmor), Conflicts (chrony against the other NTP
//     daemons, ssh.socket against ssh.service);
//   - drop-ins shipped under lib/systemd/system/*.d/ (systemd's user-.slice.d,
//     mariadb@bootstrap.service.d, ...).
//
// "systemd" comes first: where two packages ship one path, BuildUnitRoot
// keeps the first.
var SystemdPackages = []string{
	// systemd itself, its split-out parts and the early boot.
	"systemd", "systemd-sysv", "udev", "dbus", "dbus-system-bus-common",
	"systemd-resolved", "systemd-oomd", "systemd-container",
	"systemd-journal-remote", "polkitd", "apparmor", "auditd", "lvm2",
	"mdadm", "plymouth", "console-setup-linux", "alsa-utils",
	// Housekeeping, timers and schedulers.
	"apt", "dpkg", "e2fsprogs", "util-linux", "man-db", "logrotate", "cron",
	"anacron", "at", "sysstat", "unattended-upgrades", "rsyslog", "chrony",
	// Hardware and power.
	"udisks2", "upower", "rtkit", "lm-sensors", "fancontrol",
	"smartmontools", "irqbalance", "haveged", "acpid", "uuid-runtime",
	"rasdaemon", "gpm", "open-vm-tools", "qemu-guest-agent", "pcscd",
	// Networking.
	"ifupdown", "network-manager", "wpasupplicant", "modemmanager",
	"networkd-dispatcher", "avahi-daemon", "bluez", "nftables", "ufw",
	"netfilter-persistent", "openssh-server", "openvpn",
	"strongswan-starter", "keepalived", "corosync", "hostapd", "radvd",
	"minissdpd", "fail2ban", "open-iscsi", "multipath-tools",
	// Name services and directories.
	"bind9", "unbound", "dnsmasq", "nscd", "slapd", "krb5-kdc",
	// Remote file systems.
	"rpcbind", "nfs-common", "nfs-kernel-server", "autofs", "samba",
	"winbind", "quota",
	// Web, databases, caches, queues.
	"nginx-common", "apache2", "lighttpd", "haproxy", "varnish", "squid",
	"php8.2-fpm", "postgresql-common", "mariadb-server", "redis-server",
	"memcached", "mosquitto", "apt-cacher-ng", "rsync", "vsftpd",
	// Mail.
	"postfix", "dovecot-core", "spamd", "clamav-daemon", "clamav-freshclam",
	"amavisd-new", "opendkim", "postgrey",
	// Monitoring, virtualisation, printing, the desktop.
	"snmpd", "munin-node", "nagios-nrpe-server", "zabbix-agent",
	"nut-server", "nut-client", "lxc", "libvirt-daemon-system",
	"cups-daemon", "cups-browsed", "sane-utils", "accountsservice",
	"lightdm",
}
