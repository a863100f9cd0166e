package systemd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file emulates systemd 252's systemd-fstab-generator
// (src/fstab-generator/fstab-generator.c, src/shared/generator.c,
// src/shared/fstab-util.c; docs/generators.md says which rule comes from
// which lines): each line of etc/fstab becomes the mount, swap or
// automount unit the generator writes into run/systemd/generator, with
// its fsck service, its hooks into local-fs.target, remote-fs.target or
// swap.target, and its x-systemd.* options.

// mntent is one line of an fstab, as getmntent(3) reads it.
type mntent struct {
	fsname, dir, typ, opts string
	passno                 int
	pos                    graph.Pos
}

// parseFstab reads an fstab as glibc's getmntent does: fields separated by
// spaces and tabs, \040 \011 \012 \134 and \\ decoded, blank and comment
// lines skipped, a missing options field "", missing numbers 0.
func parseFstab(data []byte, file string) []mntent {
	var ents []mntent
	n := 0
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		f := strings.FieldsFunc(string(line), func(r rune) bool { return r == ' ' || r == '\t' })
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for len(f) < 4 {
			f = append(f, "")
		}
		e := mntent{fsname: decodeMntName(f[0]), dir: decodeMntName(f[1]), typ: decodeMntName(f[2]), opts: decodeMntName(f[3]),
			pos: graph.Pos{File: file, Line: n}}
		if len(f) > 5 {
			e.passno, _ = strconv.Atoi(leadingInt(f[5]))
		}
		ents = append(ents, e)
	}
	return ents
}

// leadingInt is the number sscanf("%d") reads at the start of s.
func leadingInt(s string) string {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// decodeMntName is glibc's decode_name.
func decodeMntName(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`, `\\`, `\`)
	return r.Replace(s)
}

// networkFilesystems are fstype_is_network's (src/basic/mountpoint-util.c:374
// and src/basic/filesystems.c:117, "fuse." cut off first).
var networkFilesystems = map[string]bool{
	"afs": true, "ceph": true, "cifs": true, "gfs": true, "gfs2": true, "ncp": true, "ncpfs": true, "nfs": true,
	"nfs4": true, "ocfs2": true, "orangefs": true, "pvfs2": true, "smb3": true, "smbfs": true,
	"davfs": true, "glusterfs": true, "lustre": true, "sshfs": true,
}

func fstypeIsNetwork(t string) bool { return networkFilesystems[strings.TrimPrefix(t, "fuse.")] }

// apiMountPoints are mount_point_is_api's table (src/shared/mount-setup.c:64,
// with Debian's /run/lock) and mount_point_ignore's list (:130).
var apiMountPoints = map[string]bool{
	"/proc": true, "/sys": true, "/dev": true, "/dev/shm": true, "/dev/pts": true, "/run": true, "/run/lock": true,
	"/sys/kernel/security": true, "/sys/fs/smackfs": true, "/sys/fs/cgroup": true, "/sys/fs/cgroup/systemd": true,
	"/sys/fs/cgroup/unified": true, "/sys/fs/pstore": true, "/sys/firmware/efi/efivars": true, "/sys/fs/bpf": true,
	"/sys/fs/selinux": true, "/dev/console": true, "/proc/kmsg": true, "/proc/sys": true, "/proc/sys/kernel/random/boot_id": true,
}

func mountPointIsAPI(where string) bool {
	where = simplifyPath(where)
	if apiMountPoints[where] {
		return true
	}
	_, cg := cutPathPrefix(where, "/sys/fs/cgroup")
	_, host := cutPathPrefix(where, "/run/host")
	return cg && where != "/sys/fs/cgroup" || host
}

// fstabIsExtrinsic is fstab_is_extrinsic (fstab-util.c:38): the OS's own
// file systems, API file systems and initrd mounts, which get no default
// dependencies.
func fstabIsExtrinsic(where, opts string) bool {
	where = simplifyPath(where)
	switch where {
	case "/", "/usr", "/etc":
		return true
	}
	for _, p := range []string{"/run/initramfs", "/proc", "/sys", "/dev"} {
		if _, ok := cutPathPrefix(where, p); ok {
			return true
		}
	}
	return optTest(opts, "x-initrd.mount")
}

// fstabGenerator is systemd-fstab-generator on the host (not the initrd):
// run_generator (fstab-generator.c:1205-1247).
func fstabGenerator(g *genContext) {
	k := g.args
	if k.volatile == "state" {
		// add_volatile_var: a tmpfs /var, late, unless fstab has one.
		addMount(g, genLate, mntent{fsname: "tmpfs", dir: "/var", typ: "tmpfs", opts: "mode=0755,size=25%,nr_inodes=1m", pos: cmdlinePos},
			"tmpfs", "/var", "", "local-fs.target", "/proc/cmdline", 0)
	}
	if !k.fstab {
		return
	}
	file := "etc/fstab"
	data, err := g.fsys.ReadFile(file)
	if err == nil {
		for _, e := range parseFstab(data, file) {
			fstabEntry(g, e)
		}
	} else if !isNotExist(err) {
		g.out.errs.Errorf(graph.Pos{File: file}, "", "%v", parse.UnwrapPath(err))
	}
	// generator_enable_remount_fs_service, even with no fstab.
	g.out.hook(genNormal, "local-fs.target", "wants", systemUnitDir+"/systemd-remount-fs.service", graph.Pos{File: file})
}

// mount flags (fstab-generator.c:36).
const (
	mountNoauto = 1 << iota
	mountNofail
	mountAutomount
	mountMakefs
	mountGrowfs
	mountRWOnly
)

// fstabEntry handles one fstab line (parse_fstab, :659-768).
func fstabEntry(g *genContext, e mntent) {
	what := fstabNodeToUdevNode(e.fsname)
	where := e.dir
	canonical := ""
	if strings.HasPrefix(where, "/") {
		where = simplifyPath(where)
		// chase_symlinks(where, CHASE_NONEXISTENT): inside the root.
		if r, err := g.fsys.Resolve(where); (err == nil || isNotExist(err)) && r != "" && "/"+strings.TrimPrefix(r, ".") != where && r != "." {
			canonical = "/" + r
		}
	}
	flags := 0
	if optTest(e.opts, "x-systemd.makefs") {
		flags |= mountMakefs
	}
	if optTest(e.opts, "x-systemd.growfs") {
		flags |= mountGrowfs
	}
	if optYesNo(e.opts, "noauto", "auto") {
		flags |= mountNoauto
	}
	if optYesNo(e.opts, "nofail", "fail") {
		flags |= mountNofail
	}
	if e.typ == "swap" {
		addSwap(g, what, e, flags)
		return
	}
	if optTest(e.opts, "x-systemd.rw-only") {
		flags |= mountRWOnly
	}
	if optTest(e.opts, "comment=systemd.automount", "x-systemd.automount") {
		flags |= mountAutomount
	}
	target := "local-fs.target"
	if optTest(e.opts, "_netdev") || fstypeIsNetwork(e.typ) {
		target = "remote-fs.target"
	}
	w, orig := where, ""
	if canonical != "" {
		w, orig = canonical, where
	}
	addMount(g, genNormal, e, what, w, orig, target, "/etc/fstab", flags)
}

// addSwap is add_swap (:98-188), on a real machine (no container).
func addSwap(g *genContext, what string, e mntent, flags int) {
	if !g.args.swap {
		return
	}
	name, ok := unitNameFromPath(what, ".swap")
	if !ok {
		g.out.errs.Warnf(e.pos, "", "%s: no unit name can be made of it (systemd-fstab-generator: Failed to generate unit name), ignoring the line", what)
		return
	}
	var b strings.Builder
	b.WriteString("[Unit]\nDocumentation=man:fstab(5) man:systemd-fstab-generator(8)\nSourcePath=/etc/fstab\n")
	writeBlockdevDependency(&b, what)
	b.WriteString("\n[Swap]\n")
	fmt.Fprintf(&b, "What=%s\n", specifierEscape(what))
	writeOptions(&b, e.opts)
	if !g.out.unit(genNormal, name, e.pos, b.String()) {
		return
	}
	if flags&mountMakefs != 0 {
		hookMkswap(g, what, name, e.pos)
	}
	if flags&mountNoauto == 0 {
		g.out.hook(genNormal, "swap.target", wantsOrRequires(flags), name, e.pos)
	}
}

func wantsOrRequires(flags int) string {
	if flags&mountNofail != 0 {
		return "wants"
	}
	return "requires"
}

// writeOptions is write_options: no line for "" or "defaults".
func writeOptions(b *strings.Builder, opts string) {
	if opts != "" && opts != "defaults" {
		fmt.Fprintf(b, "Options=%s\n", specifierEscape(opts))
	}
}

// writeBlockdevDependency is generator_write_blockdev_dependency
// (generator.c:597-619).
func writeBlockdevDependency(b *strings.Builder, what string) {
	if _, ok := cutPathPrefix(what, "/dev/"); !ok {
		return
	}
	esc, ok := unitNameFromPath(what, ".target")
	if !ok {
		return
	}
	fmt.Fprintf(b, "After=blockdev@%s.target\n", strings.TrimSuffix(esc, ".target"))
}

// addMount is add_mount (:351-585) on the host.
func addMount(g *genContext, dir string, e mntent, what, where, origWhere, target, source string, flags int) {
	opts, typ := e.opts, e.typ
	if typ == "autofs" {
		return
	}
	if !strings.HasPrefix(where, "/") {
		if where != "none" && where != "" {
			g.out.errs.Warnf(e.pos, "", "mount point %s is not a valid path, ignoring the line", where)
		}
		return
	}
	if mountPointIsAPI(where) {
		return
	}
	wantedBy := optValues(opts, "x-systemd.wanted-by")
	requiredBy := optValues(opts, "x-systemd.required-by")
	if where == "/" {
		wantedBy, requiredBy = nil, nil
		flags &^= mountNoauto | mountNofail | mountAutomount
	}
	name, ok := unitNameFromPath(where, ".mount")
	if !ok {
		g.out.errs.Warnf(e.pos, "", "%s: no unit name can be made of it (the name would be too long, or the path is not normalized), ignoring the line", where)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[Unit]\nDocumentation=man:fstab(5) man:systemd-fstab-generator(8)\nSourcePath=%s\n", source)
	if (typ == "nfs" || typ == "nfs4") && flags&mountAutomount == 0 && optYesNo(opts, "bg", "fg") {
		opts = "x-systemd.mount-timeout=infinity,retry=10000,nofail," + opts + ",fg"
		flags |= mountNofail
	}
	writeDependency(&b, opts, "x-systemd.after", "After=%[1]s\n")
	writeDependency(&b, opts, "x-systemd.requires", "After=%[1]s\nRequires=%[1]s\n")
	writeDependency(&b, opts, "x-systemd.before", "Before=%[1]s\n")
	if paths := optValues(opts, "x-systemd.requires-mounts-for"); len(paths) > 0 {
		for i := range paths {
			paths[i] = specifierEscape(paths[i])
		}
		fmt.Fprintf(&b, "RequiresMountsFor=%s\n", strings.Join(paths, " "))
	}
	if flags&mountNofail == 0 {
		fmt.Fprintf(&b, "Before=%s\n", target)
	}
	if e.passno != 0 {
		writeFsckDeps(g, &b, what, where, typ, e.pos)
	}
	writeBlockdevDependency(&b, what)
	b.WriteString("\n[Mount]\n")
	fmt.Fprintf(&b, "What=%s\n", specifierEscape(what))
	if origWhere != "" {
		fmt.Fprintf(&b, "# Canonicalized from %s\n", origWhere)
	}
	fmt.Fprintf(&b, "Where=%s\n", specifierEscape(where))
	if typ != "" && typ != "auto" {
		fmt.Fprintf(&b, "Type=%s\n", specifierEscape(typ))
	}
	filtered := writeTimeouts(g, dir, what, opts, e.pos)
	writeDeviceDeps(g, dir, what, where, opts, e.pos)
	if t, ok := optValue(opts, "x-systemd.mount-timeout"); ok {
		fmt.Fprintf(&b, "TimeoutSec=%s\n", t)
	}
	writeOptions(&b, filtered)
	if flags&mountRWOnly != 0 {
		b.WriteString("ReadWriteOnly=yes\n")
	}
	if !g.out.unit(dir, name, e.pos, b.String()) {
		return
	}
	if flags&mountMakefs != 0 {
		hookMkfs(g, dir, what, where, typ, name, e.pos)
	}
	if flags&mountGrowfs != 0 {
		hookGrowfs(g, dir, where, target, name, e.pos)
	}
	if flags&mountAutomount == 0 {
		if flags&mountNoauto == 0 && len(wantedBy) == 0 && len(requiredBy) == 0 {
			g.out.hook(dir, target, wantsOrRequires(flags), name, e.pos)
		} else {
			for _, t := range wantedBy {
				g.out.hook(dir, t, "wants", name, e.pos)
			}
			for _, t := range requiredBy {
				g.out.hook(dir, t, "requires", name, e.pos)
			}
		}
		return
	}
	auto, _ := unitNameFromPath(where, ".automount")
	var a strings.Builder
	fmt.Fprintf(&a, "[Unit]\nSourcePath=%s\nDocumentation=man:fstab(5) man:systemd-fstab-generator(8)\n\n[Automount]\nWhere=%s\n", source, specifierEscape(where))
	if t, ok := optValue(opts, "x-systemd.idle-timeout"); ok {
		fmt.Fprintf(&a, "TimeoutIdleSec=%s\n", t)
	}
	if g.out.unit(dir, auto, e.pos, a.String()) {
		g.out.hook(dir, target, wantsOrRequires(flags), auto, e.pos)
	}
}

// writeDependency writes format with the unit names of every value of
// the option name (write_dependency, :242-284), when it has some.
func writeDependency(b *strings.Builder, opts, name, format string) {
	var units []string
	for _, v := range optValues(opts, name) {
		if n, ok := mangleUnitName(v, ".mount"); ok {
			units = append(units, n)
		}
	}
	if len(units) > 0 {
		fmt.Fprintf(b, format, strings.Join(units, " "))
	}
}

// writeFsckDeps is generator_write_fsck_deps (generator.c:145-246) on the
// host.
func writeFsckDeps(g *genContext, b *strings.Builder, what, where, typ string, pos graph.Pos) {
	if !isDevicePath(what) {
		return // "Checking was requested for ..., but it is not a device."
	}
	if !fsckExists(g.fsys, typ) {
		return
	}
	if where == "/" {
		g.out.link(genNormal, "local-fs.target.wants/systemd-fsck-root.service", systemUnitDir+"/systemd-fsck-root.service", pos)
		return
	}
	dep := "Requires"
	if where == "/usr" {
		dep = "Wants"
	}
	esc, ok := unitNameFromPath(what, ".service")
	if !ok {
		return
	}
	fsck := "systemd-fsck@" + strings.TrimSuffix(esc, ".service") + ".service"
	fmt.Fprintf(b, "%s=%s\nAfter=%s\n", dep, fsck, fsck)
}

// execPath is the manager's default $PATH for generators, as directories
// of the root.
var execPath = []string{"usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin"}

// fsckExists is fsck_exists_for_fstype (src/basic/path-util.c:766-809):
// fsck, and fsck.TYPE for a type other than auto, are executables on the
// path that are not links to true.
func fsckExists(fsys *rootfs.FS, typ string) bool {
	if !executableIsGood(fsys, "fsck") {
		return false
	}
	if typ == "" || typ == "auto" {
		return true
	}
	return executableIsGood(fsys, "fsck."+typ)
}

func executableIsGood(fsys *rootfs.FS, name string) bool {
	for _, d := range execPath {
		p := d + "/" + name
		fi, err := fsys.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		if t, err := fsys.Readlink(p); err == nil {
			switch t {
			case "true", "/bin/true", "/usr/bin/true", "/dev/null":
				return false
			}
		}
		return true
	}
	return false
}

// writeTimeouts is generator_write_timeouts (generator.c:248-299): the
// device-timeout options leave Options=, and make a drop-in on the device
// (no order). It returns the options left.
func writeTimeouts(g *genContext, dir, what, opts string, pos graph.Pos) string {
	names := []string{"comment=systemd.device-timeout", "x-systemd.device-timeout"}
	t, found := optValue(opts, names...)
	filtered := optFilter(opts, names...)
	if !found {
		return filtered
	}
	node := fstabNodeToUdevNode(what)
	if !isDevicePath(node) {
		return filtered
	}
	if unit, ok := unitNameFromPath(node, ".device"); ok {
		g.out.dropIn(dir, unit, "50-device-timeout", pos,
			fmt.Sprintf("# Automatically generated by %s\n# from supplied options \"%s\"\n\n[Unit]\nJobRunningTimeoutSec=%s", g.out.gen, opts, t))
	}
	return filtered
}

// writeDeviceDeps is generator_write_device_deps (generator.c:301-342):
// with _netdev, the device waits for the network.
func writeDeviceDeps(g *genContext, dir, what, where, opts string, pos graph.Pos) {
	if fstabIsExtrinsic(where, opts) || !optTest(opts, "_netdev") {
		return
	}
	node := fstabNodeToUdevNode(what)
	if !isDevicePath(node) {
		return
	}
	if unit, ok := unitNameFromPath(node, ".device"); ok {
		g.out.dropIn(dir, unit, "50-netdev-dependencies", pos,
			"# Automatically generated by "+g.out.gen+"\n\n[Unit]\nAfter=network-online.target network.target\nWants=network-online.target\n")
	}
}

// hookMkswap is generator_hook_up_mkswap (generator.c:363-432).
func hookMkswap(g *genContext, what, swap string, pos graph.Pos) {
	node := fstabNodeToUdevNode(what)
	if !isDevicePath(node) {
		return
	}
	esc, ok := unitNameFromPath(node, ".service")
	if !ok {
		return
	}
	unit := "systemd-mkswap@" + strings.TrimSuffix(esc, ".service") + ".service"
	g.out.unit(genNormal, unit, pos, fmt.Sprintf("[Unit]\nDescription=Make Swap on %%f\nDocumentation=man:systemd-mkswap@.service(8)\n"+
		"DefaultDependencies=no\nBindsTo=%%i.device\nConflicts=shutdown.target\nAfter=%%i.device\nBefore=shutdown.target %s\n\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/lib/systemd/systemd-makefs swap %s\nTimeoutSec=0\n", swap, node))
	g.out.hook(genNormal, swap, "requires", unit, pos)
}

// hookMkfs is generator_hook_up_mkfs (generator.c:434-522).
func hookMkfs(g *genContext, dir, what, where, typ, mount string, pos graph.Pos) {
	node := fstabNodeToUdevNode(what)
	if !isDevicePath(node) || typ == "" || typ == "auto" {
		g.out.errs.Warnf(pos, "", "x-systemd.makefs: %s cannot be formatted (not a device, or no file system type), ignoring the option", what)
		return
	}
	esc, ok := unitNameFromPath(node, ".service")
	if !ok {
		return
	}
	unit := "systemd-makefs@" + strings.TrimSuffix(esc, ".service") + ".service"
	g.out.unit(dir, unit, pos, fmt.Sprintf("[Unit]\nDescription=Make File System on %%f\nDocumentation=man:systemd-makefs@.service(8)\n"+
		"DefaultDependencies=no\nBindsTo=%%i.device\nConflicts=shutdown.target\nAfter=%%i.device\nBefore=shutdown.target systemd-fsck@%%i.service %s\n\n"+
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/lib/systemd/systemd-makefs %s %s\nTimeoutSec=0\n", mount, typ, node))
	g.out.hook(dir, mount, "requires", unit, pos)
}

// hookGrowfs is generator_hook_up_growfs (generator.c:524-589).
func hookGrowfs(g *genContext, dir, where, target, mount string, pos graph.Pos) {
	esc, ok := unitNameFromPath(where, ".service")
	if !ok {
		return
	}
	unit := "systemd-growfs@" + strings.TrimSuffix(esc, ".service") + ".service"
	text := fmt.Sprintf("[Unit]\nDescription=Grow File System on %%f\nDocumentation=man:systemd-growfs@.service(8)\n"+
		"DefaultDependencies=no\nBindsTo=%%i.mount\nConflicts=shutdown.target\nAfter=systemd-repart.service %%i.mount\nBefore=shutdown.target %s\n", target)
	if where == "/" {
		text += "After=systemd-remount-fs.service\n"
	}
	text += fmt.Sprintf("\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/lib/systemd/systemd-growfs %s\nTimeoutSec=0\n", where)
	g.out.unit(dir, unit, pos, text)
	g.out.hook(dir, mount, "wants", unit, pos)
}

// isNotExist reports a missing file.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
