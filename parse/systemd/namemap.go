package systemd

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
)

// This file maps unit names to unit files as systemd 252 does:
// unit_file_build_name_map() and unit_file_find_fragment() in
// src/shared/unit-file.c, with the search path of src/basic/path-lookup.c.

// unitSearchPath is the system manager's unit search path, highest
// priority first (SPEC §3.3). run/systemd/system.attached is read too, as
// systemd 252 does (systemd-analyze unit-paths).
var unitSearchPath = []string{
	"etc/systemd/system.control",
	"run/systemd/system.control",
	"run/systemd/transient",
	"run/systemd/generator.early",
	"etc/systemd/system",
	"etc/systemd/system.attached",
	"run/systemd/system",
	"run/systemd/system.attached",
	"run/systemd/generator",
	"usr/local/lib/systemd/system",
	"usr/lib/systemd/system",
	"lib/systemd/system",
	"run/systemd/generator.late",
}

// unitID is where a name leads in the name map: a file of the search path
// (a unit file, a mask, or a link to a file outside the path), or another
// name (an alias).
type unitID struct {
	file  string // root-relative path
	alias string // unit name
}

// linkOf returns the search-path file that gives name, for messages: the
// first search directory's entry of that name (its listing told its type).
func (us *Units) linkOf(name string) string {
	for _, d := range us.dirs {
		if _, err := us.fsys.Type(d + "/" + name); err == nil {
			return d + "/" + name
		}
	}
	return name
}

// dirSuffixes are the suffixes of the directories that apply to a unit.
var dirSuffixes = []string{".d", ".wants", ".requires", ".upholds"}

// addSuffixed records an entry NAME.d (.wants ...) of the search
// directory d under its suffix and NAME, so that looking for a unit's
// directories costs no string concatenation.
func (us *Units) addSuffixed(d, entry string) {
	for _, suffix := range dirSuffixes {
		if base, ok := strings.CutSuffix(entry, suffix); ok && base != "" {
			if us.suffixed[suffix] == nil {
				us.suffixed[suffix] = map[string][]string{}
			}
			us.suffixed[suffix][base] = append(us.suffixed[suffix][base], d)
		}
	}
}

// hasEntry reports whether the search directory d has an entry
// name+suffix, suffix one of dirSuffixes.
func (us *Units) hasEntry(d, name, suffix string) bool {
	return slices.Contains(us.suffixed[suffix][name], d)
}

// buildNameMap reads the search directories (unit_file_build_name_map):
// the first directory that has a name decides what it is.
func (us *Units) buildNameMap() error {
	seen := map[string]bool{}
	var failed []string                 // the messages of search directories that could not be looked at, in order
	failedDirs := map[string][]string{} // message -> the directories
	for _, d := range unitSearchPath {
		us.expanded = append(us.expanded, d)
		real, err := us.fsys.Resolve(d)
		if err != nil {
			// systemd warns of a directory it cannot open and goes on
			// (unit_file_build_name_map): so does initorder, and the
			// units there are missing.
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
				msg := parse.UnwrapPath(err).Error()
				if failedDirs[msg] == nil {
					failed = append(failed, msg)
				}
				failedDirs[msg] = append(failedDirs[msg], d)
			}
			continue
		}
		if !slices.Contains(us.expanded, real) {
			us.expanded = append(us.expanded, real)
		}
		if !seen[real] {
			seen[real] = true
			us.dirs = append(us.dirs, d)
		}
	}
	for _, msg := range failed {
		dirs := failedDirs[msg]
		us.unreadable = append(us.unreadable, dirs...)
		us.errs = append(us.errs, &parse.Error{Pos: graph.Pos{File: dirs[0]},
			Err: fmt.Errorf("unit directory %s could not be read: %s: the units there are missing from the boot", strings.Join(dirs, ", "), msg)})
	}
	listed := us.listSearchPath()
	for k, d := range us.dirs {
		ents, err := listed[k].ents, listed[k].err
		for dir, sub := range listed[k].subdirs {
			us.listings[dir] = sub
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				continue
			}
			return fmt.Errorf("reading %s: %w", d, parse.UnwrapPath(err))
		}
		for _, e := range ents {
			name, mode := e.Name(), e.Type()
			if mode&(fs.ModeDir|fs.ModeSymlink) != 0 || mode.IsRegular() {
				us.addSuffixed(d, name)
			}
			if mode.IsDir() || !validUnitName(name, nameAny) {
				continue
			}
			if _, ok := us.ids[name]; ok {
				continue
			}
			if mode&fs.ModeSymlink == 0 {
				// A FIFO, a socket or a device is a unit file to systemd
				// too (unit_file_build_name_map takes any entry): a
				// character device is a mask (null_or_empty_path), the
				// others cannot be read (loadFragment says so).
				if !mode.IsRegular() && mode&fs.ModeCharDevice != 0 {
					us.errs.Warnf(wholeFile(d+"/"+name), "", "%s: systemd takes it for a mask, as /dev/null (null_or_empty_path)", parse.FileKind(mode))
				}
				us.ids[name] = unitID{file: d + "/" + name}
				continue
			}
			if id, ok := us.readSymlink(d, name); ok {
				us.ids[name] = id
			}
		}
	}
	return nil
}

// searchDir is a search directory listed by listSearchPath, with the
// listings of its dependency directories, by path.
type searchDir struct {
	ents    []fs.DirEntry
	err     error
	subdirs map[string][]fs.DirEntry
}

// listSearchPath lists the search directories, each with its dependency
// directories (NAME.wants/, .requires/, .upholds/), on every core: a big
// root's /etc/systemd/system/multi-user.target.wants/ has as many entries
// as its /lib/systemd/system, and is listed beside it. A subdirectory
// that is a symlink, or could not be listed, is left to Units.listing,
// which says why; prefetch lists the NAME.d/ directories as it reads
// them.
func (us *Units) listSearchPath() []searchDir {
	listed := make([]searchDir, len(us.dirs))
	parse.Parallel(len(us.dirs), func(k int) {
		l := &listed[k]
		l.ents, l.err = us.fsys.ReadDir(us.dirs[k])
		for _, e := range l.ents {
			if !e.IsDir() || !hasDepSuffix(e.Name()) {
				continue
			}
			dir := us.dirs[k] + "/" + e.Name()
			if sub, err := us.fsys.ReadDir(dir); err == nil {
				if l.subdirs == nil {
					l.subdirs = map[string][]fs.DirEntry{}
				}
				l.subdirs[dir] = sub
			}
		}
	})
	return listed
}

// hasDepSuffix reports whether name ends in one of the suffixes of the
// dependency directories (.wants, .requires, .upholds), after a unit name.
func hasDepSuffix(name string) bool {
	for _, suffix := range dirSuffixes[1:] {
		if base, ok := strings.CutSuffix(name, suffix); ok && base != "" {
			return true
		}
	}
	return false
}

// buildAliases makes the reverse of the name map: unit name -> every
// name that leads to it, in the order of srcs (the names of the map,
// sorted). A mask has no other names. It runs after
// prefetch, which read the files, so that telling an empty one costs no
// system call.
func (us *Units) buildAliases(srcs []string) {
	for _, src := range srcs {
		file, ok := us.idsGet(src)
		if !ok {
			continue
		}
		if null, err := us.nullOrEmptyFile(file); null || err != nil {
			continue
		}
		dst := path.Base(file)
		if validUnitName(dst, nameTemplate) && validUnitName(src, nameInstance) {
			// An instance symlink to a template is a name of that
			// instance only: foo@id.service -> template@id.service.
			if inst, ok := replaceInstance(dst, unitInstance(src)); ok {
				dst = inst
			} else {
				continue
			}
		}
		us.names[dst] = append(us.names[dst], src)
	}
}

// readSymlink classifies the symlink dir/name: an alias when its target is
// in the search path (the target's name is then what it leads to), a
// linked unit file or a mask otherwise (the link itself is then the file).
// ok is false when systemd ignores it.
func (us *Units) readSymlink(dir, name string) (unitID, bool) {
	link := dir + "/" + name
	target, err := us.fsys.Readlink(link)
	if err != nil {
		us.errs.Warnf(wholeFile(link), "", "reading symlink, ignoring: %v", parse.UnwrapPath(err))
		return unitID{}, false
	}
	full := target
	if !strings.HasPrefix(target, "/") {
		full = dir + "/" + target
	}
	simplified, err := us.chaseParent(full)
	if err != nil {
		us.errs.Warnf(wholeFile(link), "", "resolving symlink to %s, ignoring: %v", target, parse.UnwrapPath(err))
		return unitID{}, false
	}
	tail, inPath := "", false
	for _, d := range us.expanded {
		if t, ok := strings.CutPrefix(simplified, d+"/"); ok {
			tail, inPath = t, true
			break
		}
	}
	if !inPath {
		return unitID{file: link}, true
	}
	dst := path.Base(simplified)
	if dst == name {
		return unitID{}, false // a self-alias has no effect
	}
	if strings.Contains(tail, "/") {
		us.errs.Warnf(wholeFile(link), "", "suspicious symlink to %s, treating as alias", simplified)
	}
	if err := validateAlias(name, dst); err != nil {
		us.errs.Warnf(wholeFile(link), "", "%v", err)
		return unitID{}, false
	}
	return unitID{alias: dst}, true
}

// chaseParent resolves every component of p but the last, as chase()
// with CHASE_NOFOLLOW|CHASE_NONEXISTENT does.
func (us *Units) chaseParent(p string) (string, error) {
	i := strings.LastIndexByte(p, '/')
	parent, last := p[:max(i, 0)], p[i+1:]
	if last == "" || last == "." || last == ".." {
		r, err := us.fsys.Resolve(p)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return r, err
	}
	if parent == "" {
		parent = "/"
	}
	r, err := us.fsys.Resolve(parent)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if r == "." {
		return last, nil
	}
	return r + "/" + last, nil
}

// validateAlias checks an alias symlink src -> dst as
// unit_validate_alias_symlink_and_warn() does.
func validateAlias(src, dst string) error {
	sk, dk := unitNameKind(src), unitNameKind(dst)
	st := unitTypeOf(src)
	switch {
	case !canAlias[st]:
		return fmt.Errorf("symlinks are not allowed for units of this type, rejecting")
	case sk != namePlain && !canTemplate[st]:
		return fmt.Errorf("templates not allowed for %s units, rejecting", st)
	case dk == 0:
		return fmt.Errorf("points to %q which is not a valid unit name", dst)
	case !(dk == sk || sk == nameInstance && dk == nameTemplate):
		return fmt.Errorf("symlink target name type %q does not match source, rejecting", dst)
	case dk == nameInstance && unitInstance(src) != unitInstance(dst):
		return fmt.Errorf("unit symlink target %q instance name doesn't match, rejecting", dst)
	case unitTypeOf(dst) != st:
		return fmt.Errorf("symlink target %q has incompatible suffix, rejecting", dst)
	}
	return nil
}

// canAlias and canTemplate are unit_type_may_alias and
// unit_type_may_template.
var (
	canAlias    = map[string]bool{"service": true, "socket": true, "target": true, "device": true, "timer": true, "path": true}
	canTemplate = map[string]bool{"service": true, "socket": true, "target": true, "timer": true, "path": true}
)

// idsGet follows name through aliases to its file (unit_ids_map_get):
// an instance without entry of its own goes on through its template.
func (us *Units) idsGet(name string) (string, bool) {
	id := ""
	for range 8 { // FOLLOW_MAX
		key := name
		if id != "" {
			key = id
		}
		t, ok := us.ids[key]
		if !ok {
			if id == "" || !validUnitName(id, nameInstance) {
				return "", false
			}
			if t, ok = us.ids[unitTemplate(id)]; !ok {
				return "", false
			}
		}
		if t.file != "" {
			return t.file, true
		}
		id = t.alias
	}
	return "", false
}

// nullOrEmpty reports whether p leads to a character device (/dev/null)
// or an empty regular file: a mask (null_or_empty_path).
func (us *Units) nullOrEmpty(p string) (bool, error) {
	// Stat, with the one resolution it needs for /dev/null too.
	r, err := us.fsys.Resolve(p)
	if err != nil {
		return false, err
	}
	if r == "dev/null" {
		return true, nil
	}
	fi, err := us.fsys.Lstat(r) // the size too: known once the file was read
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return fi.Mode()&fs.ModeCharDevice != 0, nil
	}
	return fi.Size() == 0, nil
}

// findFragment returns the fragment of name and every name of the unit it
// loads (unit_file_find_fragment).
func (us *Units) findFragment(name string) (string, []string) {
	kind := unitNameKind(name)
	inst := unitInstance(name)
	var names []string
	add := func(n string) {
		if kind == nameInstance && validUnitName(n, nameTemplate) {
			var ok bool
			if n, ok = replaceInstance(n, inst); !ok {
				return
			}
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	addNames := func(n, fragBase string) {
		if kind != nameTemplate {
			add(n)
		}
		for _, a := range us.names[n] {
			if kind == nameInstance && validUnitName(a, nameTemplate) {
				// Skip aliases whose instance has a fragment of its own.
				if i, ok := replaceInstance(a, inst); ok && fragBase != "" {
					if f, ok := us.idsGet(i); ok && path.Base(f) != fragBase {
						continue
					}
				}
			}
			add(a)
		}
	}
	addNames(name, "")
	frag, ok := us.idsGet(name)
	if !ok && kind == nameInstance {
		frag, ok = us.idsGet(unitTemplate(name))
	}
	if ok {
		if b := path.Base(frag); b != name {
			addNames(b, b)
		}
	}
	return frag, names
}
