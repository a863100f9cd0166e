package oracle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// systemdUnitDirs are the unit directories a .deb may ship files in,
// relative to /. Debian 12 is merged-/usr: BuildUnitRoot puts what a
// package ships in lib/systemd/system into usr/lib/systemd/system and makes
// lib a symlink to usr/lib, as on an installed system.
var systemdUnitDirs = []string{"etc/systemd/system/", "lib/systemd/system/", "usr/lib/systemd/system/"}

// BuildUnitRoot extracts into root, which must be empty or absent, the
// systemd units the .deb files in debs ship, enables them as the packages'
// postinst scripts would, and returns root as an absolute path:
//
//   - everything under lib/systemd/system, usr/lib/systemd/system and
//     etc/systemd/system (unit files, alias and .wants/ symlinks, masks,
//     drop-in directories), with lib/systemd/system/X stored as
//     usr/lib/systemd/system/X and lib a symlink to usr/lib;
//   - the enablement symlinks under etc/systemd/system that
//     `deb-systemd-helper enable` and `systemctl enable` would create when
//     the packages are first configured (see systemdEnable): for each unit
//     the postinst enables, T.wants/UNIT for WantedBy=T, T.requires/UNIT
//     for RequiredBy=T, T.upholds/UNIT for UpheldBy=T and ALIAS for
//     Alias=ALIAS, following Also= and DefaultInstance=; plus
//     display-manager.service for lightdm, whose postinst makes that link
//     by hand. The links are relative (../../../lib/systemd/system/UNIT
//     where Debian writes /lib/systemd/system/UNIT), so that they resolve
//     inside the root for systemd as for initorder;
//   - usr/lib/systemd/system/default.target -> graphical.target when no
//     package ships a default.target (the systemd package does);
//   - etc/machine-id, as systemd's postinst writes it
//     (systemd-machine-id-setup): without it systemd 252 would take the
//     root's next boot for its first and apply the presets
//     (docs/defaults-presets.md), which `systemd --test` never does.
//
// There is no etc/fstab, no etc/init.d and no /run: the root holds unit
// files only. Files are made world-readable (RunSystemdTest runs systemd as
// nobody). Two .deb files shipping one path is a conflict dpkg would
// refuse; the first in debs wins and the test log says so. Extractions are
// cached in a .extract-systemd directory beside each .deb.
func BuildUnitRoot(t testing.TB, debs []string, root string) string {
	t.Helper()
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		t.Fatalf("oracle: root %s is not empty", root)
	}
	for _, d := range []string{"etc/systemd/system", "usr/lib/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatalf("oracle: %v", err)
		}
	}
	if err := os.Symlink("usr/lib", filepath.Join(root, "lib")); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	trees := extractUnitsAll(t, debs)

	b := &unitRoot{t: t, root: root, owner: make(map[string]string), shippedIn: make(map[string]string)}
	var enable []enableRequest
	for i, tree := range trees {
		pkg := packageName(debs[i])
		b.copyTree(tree, pkg)
		postinst, err := os.ReadFile(filepath.Join(tree, "postinst"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("oracle: %v", err)
		}
		for _, u := range postinstEnables(string(postinst)) {
			enable = append(enable, enableRequest{pkg, u})
		}
		for _, u := range systemdExtraEnables[pkg] {
			enable = append(enable, enableRequest{pkg, u})
		}
	}
	if _, ok := b.find("default.target"); !ok {
		b.link("usr/lib/systemd/system/default.target", "graphical.target", "BuildUnitRoot")
	}
	for _, e := range enable {
		b.enable(e.pkg, e.unit)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "machine-id"), []byte(MachineID+"\n"), 0o444); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	b.makeReadable()
	t.Logf("oracle: BuildUnitRoot: %d files from %d packages, %d units enabled, %d links made",
		len(b.owner)-b.links, len(debs), len(enable), b.links)
	return root
}

type enableRequest struct{ pkg, unit string }

// MachineID is the etc/machine-id of the roots BuildUnitRoot makes.
const MachineID = "5d3ca1f1a1b2c3d4e5f60718293a4b5c"

// systemdExtraEnables are enablements a postinst makes without
// deb-systemd-helper or systemctl: lightdm's postinst links
// /etc/systemd/system/display-manager.service to its service when
// /etc/X11/default-display-manager names lightdm, which its debconf
// question does when it is the only display manager. An entry
// "ALIAS=UNIT" makes etc/systemd/system/ALIAS a link to UNIT.
var systemdExtraEnables = map[string][]string{
	"lightdm": {"display-manager.service=lightdm.service"},
}

// unitRoot is BuildUnitRoot's state.
type unitRoot struct {
	t     testing.TB
	root  string
	owner map[string]string // path in root (slash-separated) -> who put it there
	// shippedIn maps a unit file name to the directory, relative to /,
	// its package put it in (lib/systemd/system, usr/lib/systemd/system or
	// etc/systemd/system): the target Debian's enablement links name.
	shippedIn map[string]string
	links     int // enablement links made
}

// inRoot maps a path a package ships to where it goes in the merged-/usr
// root.
func inRoot(rel string) string {
	if rest, ok := strings.CutPrefix(rel, "lib/"); ok {
		return "usr/lib/" + rest
	}
	return rel
}

// copyTree copies the unit directories of an extracted tree into the root,
// file by file, so that .wants/ and drop-in directories of several
// packages merge.
func (b *unitRoot) copyTree(tree, pkg string) {
	b.t.Helper()
	files := filepath.Join(tree, "files")
	err := filepath.WalkDir(files, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == files {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(files, p)
		rel = filepath.ToSlash(rel)
		dst := inRoot(rel)
		if prev := b.owner[dst]; prev != "" {
			b.t.Logf("oracle: %s ships %s, already taken from %s; keeping %s's", pkg, rel, prev, prev)
			return nil
		}
		if target, err := os.Readlink(p); err == nil && filepath.IsAbs(target) && target != "/dev/null" {
			b.t.Logf("oracle: %s ships %s -> %s: systemd --test would follow it out of the root", pkg, rel, target)
		}
		if err := copyTree(p, filepath.Join(b.root, filepath.FromSlash(dst))); err != nil {
			return err
		}
		b.owner[dst] = pkg
		if dir, name := path.Split(rel); slices.Contains(systemdUnitDirs, dir) {
			b.shippedIn[name] = strings.TrimSuffix(dir, "/")
		}
		return nil
	})
	if err != nil {
		b.t.Fatalf("oracle: copying the units of %s: %v", pkg, err)
	}
}

// find returns the path in the root (slash-separated) of the unit file
// name, in systemd's order: etc/systemd/system, then usr/lib/systemd/system
// (which holds lib/systemd/system).
func (b *unitRoot) find(name string) (string, bool) {
	for _, dir := range []string{"etc/systemd/system/", "usr/lib/systemd/system/"} {
		if _, err := os.Lstat(filepath.Join(b.root, filepath.FromSlash(dir+name))); err == nil {
			return dir + name, true
		}
	}
	return "", false
}

// link makes the symlink rel (in the root) point to target, unless
// something is there already.
func (b *unitRoot) link(rel, target, by string) {
	b.t.Helper()
	if prev := b.owner[rel]; prev != "" {
		if got, _ := os.Readlink(filepath.Join(b.root, filepath.FromSlash(rel))); got != target {
			b.t.Logf("oracle: %s: not linking %s -> %s: %s put %s there", by, rel, target, prev, got)
		}
		return
	}
	dst := filepath.Join(b.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		b.t.Fatalf("oracle: %v", err)
	}
	if err := os.Symlink(target, dst); err != nil {
		b.t.Fatalf("oracle: %v", err)
	}
	b.owner[rel] = by
	b.links++
}

// linkTo makes etc/systemd/system/rel a relative link to the unit file
// file, as the path Debian's tools would write (/lib/systemd/system/FILE
// for a unit shipped there), seen from inside the root.
func (b *unitRoot) linkTo(rel, file, by string) {
	b.t.Helper()
	dir := b.shippedIn[file]
	if dir == "" {
		dir = "lib/systemd/system"
	}
	from := path.Dir("etc/systemd/system/" + rel)
	target := strings.Repeat("../", strings.Count(from, "/")+1) + dir + "/" + file
	b.link("etc/systemd/system/"+rel, target, by)
}

// enable does what `systemctl enable NAME` does to /etc/systemd/system,
// which for the [Install] keys Debian's units use is also what
// `deb-systemd-helper enable NAME` does: NAME may be a unit, an instance of
// a template (getty@tty1.service), a template with DefaultInstance=, or
// "ALIAS=UNIT" for a bare alias link (systemdExtraEnables).
func (b *unitRoot) enable(pkg, name string) {
	b.t.Helper()
	by := pkg + " (enable " + name + ")"
	if alias, unit, ok := strings.Cut(name, "="); ok {
		if _, found := b.find(unit); !found {
			b.t.Logf("oracle: %s: no unit %s", by, unit)
			return
		}
		b.linkTo(alias, unit, by)
		return
	}
	b.enableUnit(name, by, make(map[string]bool))
}

func (b *unitRoot) enableUnit(name, by string, seen map[string]bool) {
	b.t.Helper()
	if seen[name] {
		return
	}
	seen[name] = true
	if !strings.Contains(name, ".") {
		name += ".service" // systemctl enable unattended-upgrades
	}
	file := name
	prefix, instance, isInstance := unitInstance(name)
	if isInstance && instance != "" {
		if _, found := b.find(name); !found {
			file = prefix + "@" + name[strings.LastIndex(name, "."):]
		}
	}
	p, found := b.find(file)
	if !found {
		b.t.Logf("oracle: %s: no unit file for %s", by, name)
		return
	}
	data, err := b.readUnit(p)
	if err != nil {
		b.t.Logf("oracle: %s: %s is masked or unreadable, not enabled: %v", by, p, err)
		return
	}
	install := parseInstall(data)
	if isInstance && instance == "" {
		if install.defaultInstance == "" {
			b.t.Logf("oracle: %s: template %s has no DefaultInstance=, nothing enabled", by, name)
			return
		}
		instance = install.defaultInstance
		name = prefix + "@" + instance + name[strings.LastIndex(name, "."):]
	}
	expand := func(v string) string { return expandInstallSpecifiers(v, name, prefix, instance) }
	for _, dep := range []struct {
		values []string
		suffix string
	}{{install.wantedBy, ".wants"}, {install.requiredBy, ".requires"}, {install.upheldBy, ".upholds"}} {
		for _, target := range dep.values {
			b.linkTo(expand(target)+dep.suffix+"/"+name, file, by)
		}
	}
	for _, alias := range install.alias {
		alias = expand(alias)
		if aPrefix, aInstance, ok := unitInstance(alias); ok && aInstance == "" && instance != "" {
			alias = aPrefix + "@" + instance + alias[strings.LastIndex(alias, "."):]
		}
		if alias != name {
			b.linkTo(alias, file, by)
		}
	}
	for _, also := range install.also {
		b.enableUnit(expand(also), by, seen)
	}
}

// readUnit reads the unit file at rel in the root, following symlinks
// inside the root (an absolute target is taken inside the root too); a
// link to /dev/null is a mask and an error.
func (b *unitRoot) readUnit(rel string) ([]byte, error) {
	p := filepath.Join(b.root, filepath.FromSlash(rel))
	for range 40 {
		target, err := os.Readlink(p)
		if err != nil {
			break // not a symlink
		}
		switch {
		case target == "/dev/null":
			return nil, errors.New("masked")
		case filepath.IsAbs(target):
			p = filepath.Join(b.root, target)
		default:
			p = filepath.Join(filepath.Dir(p), target)
		}
	}
	return os.ReadFile(p)
}

// unitInstance splits "foo@bar.service" into "foo" and "bar"; ok is false
// for a name without "@".
func unitInstance(name string) (prefix, instance string, ok bool) {
	at := strings.Index(name, "@")
	dot := strings.LastIndex(name, ".")
	if at < 0 || dot < at {
		return "", "", false
	}
	return name[:at], name[at+1 : dot], true
}

// expandInstallSpecifiers expands the specifiers systemctl expands in
// [Install] values: %n %N %p %i %%. Others are left as they are.
func expandInstallSpecifiers(v, name, prefix, instance string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' || i+1 == len(v) {
			sb.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n':
			sb.WriteString(name)
		case 'N':
			sb.WriteString(name[:strings.LastIndex(name, ".")])
		case 'p':
			sb.WriteString(prefix)
		case 'i':
			sb.WriteString(instance)
		case '%':
			sb.WriteByte('%')
		default:
			sb.WriteByte('%')
			sb.WriteByte(v[i])
		}
	}
	return sb.String()
}

// installSection is the [Install] section of a unit file.
type installSection struct {
	wantedBy, requiredBy, upheldBy, alias, also []string
	defaultInstance                             string
}

// parseInstall reads the [Install] section of a unit file: keys are
// case-sensitive, values are split at white space, an empty assignment
// resets the list, a line ending in a backslash continues on the next.
func parseInstall(data []byte) installSection {
	var in installSection
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var cont string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") || line == "" {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont = strings.TrimSuffix(line, "\\")
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		if section != "Install" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var list *[]string
		switch key {
		case "WantedBy":
			list = &in.wantedBy
		case "RequiredBy":
			list = &in.requiredBy
		case "UpheldBy":
			list = &in.upheldBy
		case "Alias":
			list = &in.alias
		case "Also":
			list = &in.also
		case "DefaultInstance":
			in.defaultInstance = value
			continue
		default:
			continue
		}
		if value == "" {
			*list = nil
			continue
		}
		*list = append(*list, strings.Fields(value)...)
	}
	return in
}

// enableCall matches the units a postinst enables:
// `deb-systemd-helper enable 'UNIT'` (the dh_installsystemd snippets) and
// `systemctl [--root=...] enable UNIT...` (systemd's and
// unattended-upgrades' own code).
var (
	dshEnable       = regexp.MustCompile(`(?m)^[ \t]*deb-systemd-helper[ \t]+enable[ \t]+([^>|;&\n]+)`)
	dshInstalled    = regexp.MustCompile(`(?m)deb-systemd-helper[ \t]+debian-installed[ \t]+'?([^' \t\n;]+)`)
	systemctlEnable = regexp.MustCompile(`(?m)^[ \t]*systemctl(?:[ \t]+(?:-[^ \t\n]+|\$\{[^}\n]*\}))*[ \t]+enable[ \t]+([^>|;&\n]+)`)
)

// postinstEnables returns the units a postinst enables on a first
// installation. dh_installsystemd wraps the units of `--no-enable` in
// `if deb-systemd-helper debian-installed 'UNIT'`, which is false on a
// first installation: those are left out.
func postinstEnables(script string) []string {
	var units []string
	var guarded [][]string // per open "if": the units its debian-installed test names
	for _, line := range strings.Split(script, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "if":
			var names []string
			for _, m := range dshInstalled.FindAllStringSubmatch(line, -1) {
				names = append(names, m[1])
			}
			guarded = append(guarded, names)
		case "fi", "fi;":
			if len(guarded) > 0 {
				guarded = guarded[:len(guarded)-1]
			}
		}
		for _, re := range []*regexp.Regexp{dshEnable, systemctlEnable} {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				for _, f := range strings.Fields(m[1]) {
					f = strings.Trim(f, `'"`)
					if f == "" || strings.HasPrefix(f, "-") || strings.ContainsAny(f, "$`") || slices.Contains(units, f) || isGuarded(guarded, f) {
						continue
					}
					units = append(units, f)
				}
			}
		}
	}
	return units
}

// isGuarded reports whether one of the open "if"s tests
// `deb-systemd-helper debian-installed UNIT`: an enable inside runs on
// upgrades only, never on a first installation.
func isGuarded(guarded [][]string, unit string) bool {
	for _, names := range guarded {
		if slices.Contains(names, unit) {
			return true
		}
	}
	return false
}

// makeReadable gives every directory of the root mode 0755 and every file
// a+r, whatever the umask was, so that nobody can read the root.
func (b *unitRoot) makeReadable() {
	b.t.Helper()
	err := filepath.WalkDir(b.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fi.Mode().Perm() | 0o444
		if d.IsDir() {
			want |= 0o111
		}
		if want != fi.Mode().Perm() {
			return os.Chmod(p, want)
		}
		return nil
	})
	if err != nil {
		b.t.Fatalf("oracle: %v", err)
	}
}

// extractUnitsAll extracts debs in parallel and returns their unit trees,
// in the order of debs.
func extractUnitsAll(t testing.TB, debs []string) []string {
	t.Helper()
	return extractEach(t, debs, extractUnits)
}

// extractUnits returns a directory holding, under files/, the unit
// directories of deb (systemdUnitDirs) and, as postinst, its postinst
// script if it has one; it extracts deb on first use. The directory is
// DIR/.extract-systemd/BASE for DIR/BASE.deb, or a fresh temporary
// directory when DIR is not writable. A .done file marks it complete.
func extractUnits(deb string) (string, error) {
	base := strings.TrimSuffix(filepath.Base(deb), ".deb")
	cache := filepath.Join(filepath.Dir(deb), ".extract-systemd")
	dir := filepath.Join(cache, base)
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		if cache, err = os.MkdirTemp("", "initorder-extract-"); err != nil {
			return "", err
		}
		dir = filepath.Join(cache, base)
	}
	tmp, err := os.MkdirTemp(cache, base+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	full, control, kept := filepath.Join(tmp, "full"), filepath.Join(tmp, "control"), filepath.Join(tmp, "kept")
	for _, args := range [][]string{{"-x", deb, full}, {"-e", deb, control}} {
		var stderr bytes.Buffer
		cmd := exec.Command("dpkg-deb", args...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("dpkg-deb %s %s: %v: %s", args[0], deb, err, stderr.Bytes())
		}
	}
	if err := os.MkdirAll(filepath.Join(kept, "files"), 0o755); err != nil {
		return "", err
	}
	for _, d := range systemdUnitDirs {
		src := filepath.Join(full, filepath.FromSlash(d))
		if _, err := os.Lstat(src); err != nil {
			continue
		}
		to := filepath.Join(kept, "files", filepath.FromSlash(d))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return "", err
		}
		if err := os.Rename(src, to); err != nil {
			return "", err
		}
	}
	if err := os.Rename(filepath.Join(control, "postinst"), filepath.Join(kept, "postinst")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(kept, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(kept, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, ".done")); statErr == nil {
			return dir, nil // a concurrent extraction won the race
		}
		return "", err
	}
	return dir, nil
}
