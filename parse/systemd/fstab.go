package systemd

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file reads /etc/fstab as systemd-fstab-generator does
// (systemd-fstab-generator(8)): each line that is mounted at boot becomes
// a mount unit that local-fs.target (or remote-fs.target, for a network
// file system) requires, or only wants with nofail; swap lines become
// swap units that swap.target wants. A unit file of the same name wins.

// fstabEntry is one line of etc/fstab that the boot mounts.
type fstabEntry struct {
	unit    string // "var-lib.mount", "dev-sda2.swap"
	where   string
	fstype  string
	options string
	pos     graph.Pos
}

func (e fstabEntry) network() bool {
	return e.fstype != "swap" && (strings.Contains(","+e.options+",", ",_netdev,") || networkFS[e.fstype])
}

func (e fstabEntry) nofail() bool { return strings.Contains(","+e.options+",", ",nofail,") }

var networkFS = map[string]bool{"nfs": true, "nfs4": true, "cifs": true, "smbfs": true, "sshfs": true, "fuse.sshfs": true, "ncpfs": true, "ncp": true, "afs": true, "ceph": true, "glusterfs": true, "davfs": true, "9p": true, "lustre": true, "ocfs2": true, "gfs": true, "gfs2": true}

// readFstab returns the entries of etc/fstab that are mounted at boot.
func readFstab(fsys *rootfs.FS) ([]fstabEntry, parse.ErrorList) {
	data, err := fsys.ReadFile("etc/fstab")
	if err != nil {
		return nil, nil
	}
	return parseFstab(data)
}

// parseFstab returns the entries of an fstab that are mounted at boot.
func parseFstab(data []byte) ([]fstabEntry, parse.ErrorList) {
	var entries []fstabEntry
	var errs parse.ErrorList
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		f := strings.Fields(string(line))
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		pos := graph.Pos{File: "etc/fstab", Line: n}
		if len(f) < 3 {
			errs.Warnf(pos, "", "want at least device, mount point and type, ignoring the line")
			continue
		}
		e := fstabEntry{where: f[1], fstype: f[2], pos: pos}
		if len(f) > 3 {
			e.options = f[3]
		}
		if strings.Contains(","+e.options+",", ",noauto,") {
			continue
		}
		switch {
		case e.fstype == "swap":
			e.unit = escapePath(f[0]) + ".swap"
		case strings.HasPrefix(e.where, "/"):
			e.unit = escapePath(e.where) + ".mount"
		default:
			continue // "none" and the like
		}
		// unit_name_from_path() refuses a name of UNIT_NAME_MAX bytes or
		// more, and the generator skips the line: "Failed to generate unit
		// name: File name too long".
		if !validUnitName(e.unit, namePlain) {
			what := e.where
			if e.fstype == "swap" {
				what = f[0]
			}
			errs.Warnf(pos, "", "%s: the unit name would be longer than %d bytes, ignoring the line", what, unitNameMax-1)
			continue
		}
		entries = append(entries, e)
	}
	return entries, errs
}

// escapePath is systemd-escape --path: "/" is "-", "/var/lib" is
// "var-lib", with unit-name escapes for the rest.
func escapePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return "-"
	}
	return escapeUnitName(p)
}

// fstabDeps are the dependencies of a unit the generator writes.
func fstabDeps(e fstabEntry) []dep {
	const via = "fstab"
	if e.fstype == "swap" {
		return []dep{
			{kind: graph.SystemdBefore, name: "swap.target", pos: e.pos, via: via},
			{kind: graph.Conflicts, name: "umount.target", pos: e.pos, via: via},
		}
	}
	u := &Unit{Name: e.unit, Type: "mount"}
	ds := mountDefaults(u, e.pos)
	if e.network() {
		ds = []dep{
			{kind: graph.SystemdAfter, name: "remote-fs-pre.target", pos: e.pos, via: via},
			{kind: graph.SystemdAfter, name: "network.target", pos: e.pos, via: via},
			{kind: graph.SystemdAfter, name: "network-online.target", pos: e.pos, via: via},
			{kind: graph.Wants, name: "network-online.target", pos: e.pos, via: via},
			{kind: graph.Conflicts, name: "umount.target", pos: e.pos, via: via},
		}
		if !e.nofail() {
			ds = append(ds, dep{kind: graph.SystemdBefore, name: "remote-fs.target", pos: e.pos, via: via})
		}
	}
	return ds
}

// mountsFor returns the mount units a path needs (RequiresMountsFor=): the
// mount of every prefix of the path that has one.
func (b *builder) mountsFor(path string) []string {
	var names []string
	p := "/"
	for _, c := range append([]string{""}, strings.Split(strings.Trim(path, "/"), "/")...) {
		if c != "" {
			p = strings.TrimSuffix(p, "/") + "/" + c
		}
		name := escapePath(p) + ".mount"
		if b.boot.Units.LoadUnit(name) != nil || b.fstab[name] != nil {
			names = append(names, name)
		}
	}
	return names
}

func (e fstabEntry) String() string { return fmt.Sprintf("%s %s %s", e.unit, e.where, e.fstype) }
