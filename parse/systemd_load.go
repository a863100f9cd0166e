package parse

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file finds units as systemd 252's manager does:
// unit_file_build_name_map() and unit_file_find_fragment() in
// src/shared/unit-file.c, unit_load_fragment() in src/core/load-fragment.c,
// unit_load_dropin() in src/core/load-dropin.c and
// unit_file_find_dropin_paths() in src/shared/dropin.c.

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

// parsedFile is a unit file read once, however many units apply it.
type parsedFile struct {
	uf   *UnitFile
	errs ErrorList
	err  *Error // it could not be read
}

// ReadUnits reads the unit search path of a root and loads every unit
// that a file or symlink in it names (templates included, as units of
// their own; instances only when a symlink names them). Names that
// dependencies mention load on demand with LoadUnit.
//
// A directory of the search path that is a symlink to another one (/lib
// to usr/lib on a merged-/usr system) is read once. Problems in files
// are diagnostics; the error is for a search directory that exists but
// cannot be listed.
func ReadUnits(fsys *rootfs.FS) (*Units, ErrorList, error) {
	us := &Units{
		ByName:  map[string]*Unit{},
		fsys:    fsys,
		entries: map[string]map[string]bool{},
		ids:     map[string]unitID{},
		names:   map[string][]string{},
		files:   map[string]*parsedFile{},
		absent:  map[string]bool{},
	}
	if err := us.buildNameMap(); err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(us.ids))
	for n := range us.ids {
		ids = append(ids, n)
	}
	sort.Strings(ids)
	for _, n := range ids {
		if us.LoadUnit(n) == nil && us.ids[n].alias != "" {
			us.errs.add(posOf(us.linkOf(n)), "", true, "alias of %s, which does not exist", us.ids[n].alias)
		}
	}
	us.Default = us.defaultTarget()
	return us, us.Errors(), nil
}

// linkOf returns the search-path file that gives name, for messages.
func (us *Units) linkOf(name string) string {
	for _, d := range us.dirs {
		if us.entries[d][name] {
			return d + "/" + name
		}
	}
	return name
}

// buildNameMap reads the search directories (unit_file_build_name_map):
// the first directory that has a name decides what it is.
func (us *Units) buildNameMap() error {
	seen := map[string]bool{}
	for _, d := range unitSearchPath {
		us.expanded = append(us.expanded, d)
		real, err := us.fsys.Resolve(d)
		if err != nil {
			continue
		}
		if !contains(us.expanded, real) {
			us.expanded = append(us.expanded, real)
		}
		if !seen[real] {
			seen[real] = true
			us.dirs = append(us.dirs, d)
		}
	}
	for _, d := range us.dirs {
		ents, err := us.fsys.ReadDir(d)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				continue
			}
			return fmt.Errorf("reading %s: %w", d, unwrapPath(err))
		}
		set := map[string]bool{}
		us.entries[d] = set
		for _, e := range ents {
			name, mode := e.Name(), e.Type()
			if mode&(fs.ModeDir|fs.ModeSymlink) != 0 || mode.IsRegular() {
				set[name] = true
			}
			if !(mode.IsRegular() || mode&fs.ModeSymlink != 0) || !validUnitName(name, nameAny) {
				continue
			}
			if _, ok := us.ids[name]; ok {
				continue
			}
			if mode.IsRegular() {
				us.ids[name] = unitID{file: d + "/" + name}
				continue
			}
			if id, ok := us.readSymlink(d, name); ok {
				us.ids[name] = id
			}
		}
	}
	// The reverse map: unit name -> every name that leads to it. A mask
	// has no other names.
	srcs := make([]string, 0, len(us.ids))
	for n := range us.ids {
		srcs = append(srcs, n)
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		file, ok := us.idsGet(src)
		if !ok {
			continue
		}
		if null, err := us.nullOrEmpty(file); null || err != nil {
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
	return nil
}

// readSymlink classifies the symlink dir/name: an alias when its target is
// in the search path (the target's name is then what it leads to), a
// linked unit file or a mask otherwise (the link itself is then the file).
// ok is false when systemd ignores it.
func (us *Units) readSymlink(dir, name string) (unitID, bool) {
	link := dir + "/" + name
	target, err := us.fsys.Readlink(link)
	if err != nil {
		us.errs.add(posOf(link), "", true, "reading symlink, ignoring: %v", unwrapPath(err))
		return unitID{}, false
	}
	full := target
	if !strings.HasPrefix(target, "/") {
		full = dir + "/" + target
	}
	simplified, err := us.chaseParent(full)
	if err != nil {
		us.errs.add(posOf(link), "", true, "resolving symlink to %s, ignoring: %v", target, unwrapPath(err))
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
		us.errs.add(posOf(link), "", true, "suspicious symlink to %s, treating as alias", simplified)
	}
	if err := validateAlias(name, dst); err != nil {
		us.errs.add(posOf(link), "", true, "%v", err)
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
	if us.fsys.IsDevNull(p) {
		return true, nil
	}
	fi, err := us.fsys.Stat(p)
	if err != nil {
		return false, err
	}
	return fi.Mode()&fs.ModeCharDevice != 0 || fi.Mode().IsRegular() && fi.Size() == 0, nil
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
		if !contains(names, n) {
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

// LoadUnit loads the unit name leads to (manager_load_unit): an alias
// gives its unit, an instance of a template its own unit (instances exist
// only when something names them), a name with drop-ins or .wants/ links
// but no fragment a unit without Path. It returns nil for an invalid name
// and for a name that nothing in the search path defines. Units are loaded
// once: a second call, under any of their names, returns the same *Unit.
func (us *Units) LoadUnit(name string) *Unit {
	if u, ok := us.ByName[name]; ok {
		return u
	}
	kind := unitNameKind(name)
	if kind == 0 || us.absent[name] {
		return nil
	}
	frag, names := us.findFragment(name)
	id := name
	if frag != "" {
		id = path.Base(frag)
		if kind == nameInstance && validUnitName(id, nameTemplate) {
			id, _ = replaceInstance(id, unitInstance(name))
		}
	}
	if u, ok := us.ByName[id]; ok {
		us.ByName[name] = u
		if name != id && !contains(u.Aliases, name) {
			u.Aliases = append(u.Aliases, name)
			sort.Strings(u.Aliases)
		}
		return u
	}
	u := &Unit{Name: id, Type: unitTypeOf(id)}
	if unitNameKind(id) == nameInstance {
		u.Template, u.Instance = unitTemplate(id), unitInstance(id)
	}
	for _, n := range names {
		if n != id {
			u.Aliases = append(u.Aliases, n)
		}
	}
	if name != id && !contains(u.Aliases, name) {
		u.Aliases = append(u.Aliases, name)
	}
	sort.Strings(u.Aliases)
	if frag != "" {
		us.loadFragment(u, frag)
	}
	us.loadDropIns(u)
	u.Wants = us.loadDeps(u, ".wants", "Wants")
	u.Requires = us.loadDeps(u, ".requires", "Requires")
	u.Upholds = us.loadDeps(u, ".upholds", "Upholds")
	if u.Path == "" && u.LoadError == nil && len(u.DropIns) == 0 && len(u.Wants)+len(u.Requires)+len(u.Upholds) == 0 {
		us.absent[name] = true
		return nil
	}
	us.ByName[id] = u
	for _, a := range u.Aliases {
		if _, taken := us.ByName[a]; !taken {
			us.ByName[a] = u
		}
	}
	i := sort.SearchStrings(us.Names, id)
	us.Names = append(us.Names, "")
	copy(us.Names[i+1:], us.Names[i:])
	us.Names[i] = id
	return u
}

// loadFragment reads the unit's fragment: a mask, or its options.
func (us *Units) loadFragment(u *Unit, frag string) {
	null, err := us.nullOrEmpty(frag)
	if errors.Is(err, fs.ErrNotExist) {
		// A dangling linked unit file: systemd cannot open it, the unit
		// is not found.
		us.unitError(u, &Error{Pos: posOf(frag), Err: fmt.Errorf("symlink to a file that does not exist, unit not found"), Warning: true})
		return
	}
	u.Path = frag
	if err != nil {
		u.LoadError = fileError(frag, err)
		us.unitError(u, u.LoadError.(*Error))
		return
	}
	if null {
		u.Masked = true
		return
	}
	u.realPath, _ = us.fsys.Resolve(frag)
	pf := us.parse(frag)
	u.Errors = append(u.Errors, pf.errs...)
	switch {
	case pf.err != nil:
		u.LoadError = pf.err
	case pf.uf.Err != nil:
		u.LoadError = pf.uf.Err
	}
	if pf.uf != nil {
		u.Options = append(u.Options, pf.uf.Options...)
	}
}

// unitError records a diagnostic about the unit.
func (us *Units) unitError(u *Unit, e *Error) {
	u.Errors = append(u.Errors, e)
	us.errs = append(us.errs, e)
}

// parse reads and lexes a file once.
func (us *Units) parse(p string) *parsedFile {
	if pf, ok := us.files[p]; ok {
		return pf
	}
	pf := &parsedFile{}
	us.files[p] = pf
	if null, err := us.nullOrEmpty(p); err == nil && null {
		pf.uf = &UnitFile{Path: p}
		return pf
	}
	data, err := us.fsys.ReadFile(p)
	if err != nil {
		pf.err = fileError(p, err)
		pf.errs = ErrorList{pf.err}
	} else {
		pf.uf, pf.errs = ParseUnitFile(data, p)
	}
	us.errs = append(us.errs, pf.errs...)
	return pf
}

// loadDropIns applies the unit's NAME.d/*.conf files (unit_load_dropin):
// all of them, sorted by file name, a file hiding those of the same name
// in directories that come after its own.
func (us *Units) loadDropIns(u *Unit) {
	for _, f := range us.listDir(us.dropInDirs(u, ".d"), ".conf") {
		u.DropIns = append(u.DropIns, f)
		pf := us.parse(f)
		u.Errors = append(u.Errors, pf.errs...)
		if pf.uf != nil {
			u.Options = append(u.Options, pf.uf.Options...)
		}
	}
}

// dropInDirs returns the directories NAME+suffix that apply to the unit,
// in priority order (unit_file_find_dropin_paths): for its name, then for
// each alias (sorted; systemd takes them in hash order), in every search
// directory: NAME, then its template, then its dash prefixes
// (foo-bar-.service, foo-.service); last the type's ("service.d").
func (us *Units) dropInDirs(u *Unit, suffix string) []string {
	var dirs []string
	for _, n := range append([]string{u.Name}, u.Aliases...) {
		for _, d := range us.dirs {
			us.findDirs(d, n, suffix, &dirs)
		}
	}
	for _, d := range us.dirs {
		us.findDirs(d, u.Type, suffix, &dirs)
	}
	return dirs
}

// findDirs adds dir/name+suffix and those of name's template and dash
// prefixes (unit_file_find_dirs).
func (us *Units) findDirs(dir, name, suffix string, dirs *[]string) {
	if us.entries[dir][name+suffix] {
		p := dir + "/" + name + suffix
		if fi, err := us.fsys.Stat(p); err == nil && fi.IsDir() {
			if r, err := us.fsys.Resolve(p); err == nil && !contains(*dirs, r) {
				*dirs = append(*dirs, r)
			}
		}
	}
	if unitTypes[name] {
		return
	}
	if unitNameKind(name) == nameInstance {
		us.findDirs(dir, unitTemplate(name), suffix, dirs)
	}
	if p, ok := dashPrefixName(name); ok {
		us.findDirs(dir, p, suffix, dirs)
	}
}

// listDir lists the files of dirs whose names end in suffix (every one
// when suffix is ""), skipping hidden and backup files, the first
// directory that has a name hiding the others' file of that name, sorted
// by file name (conf_files_list_strv).
func (us *Units) listDir(dirs []string, suffix string) []string {
	seen := map[string]bool{}
	var files []string
	for _, d := range dirs {
		ents, err := us.fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if hiddenOrBackup(n) || !strings.HasSuffix(n, suffix) || seen[n] {
				continue
			}
			seen[n] = true
			files = append(files, d+"/"+n)
		}
	}
	sort.Slice(files, func(i, j int) bool { return path.Base(files[i]) < path.Base(files[j]) })
	return files
}

// loadDeps reads the unit's NAME.wants/ (.requires/, .upholds/) links
// (process_deps): the link's name is the unit pulled in; a link to
// /dev/null masks that name in the directories after its own.
func (us *Units) loadDeps(u *Unit, suffix, kind string) []Option {
	var deps []Option
	for _, f := range us.listDir(us.dropInDirs(u, suffix), "") {
		entry := path.Base(f)
		if null, _ := us.nullOrEmpty(f); null {
			continue
		}
		fi, err := us.fsys.Lstat(f)
		if err != nil {
			us.unitError(u, &Error{Pos: posOf(f), Err: fmt.Errorf("%s dropin unreadable, ignoring: %v", kind, unwrapPath(err)), Warning: true})
			continue
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			us.unitError(u, &Error{Pos: posOf(f), Err: fmt.Errorf("%s dependency dropin is not a symlink, ignoring", kind), Warning: true})
			continue
		}
		if !validUnitName(entry, nameAny) {
			us.unitError(u, &Error{Pos: posOf(f), Err: fmt.Errorf("%s dependency dropin is not a valid unit name, ignoring", kind), Warning: true})
			continue
		}
		target, err := us.fsys.Readlink(f)
		if err != nil {
			continue
		}
		n := entry
		if validUnitName(n, nameTemplate) {
			n = u.resolveTemplate(n)
		}
		deps = append(deps, Option{Name: n, Value: target, Pos: graph.Pos{File: f}})
	}
	return deps
}

// defaultTarget returns the unit default.target leads to; for an alias to
// a unit that does not exist, that unit's name.
func (us *Units) defaultTarget() string {
	const name = "default.target"
	if u := us.LoadUnit(name); u != nil {
		return u.Name
	}
	id, ok := us.ids[name]
	if !ok {
		return ""
	}
	n := name
	for i := 0; i < 8 && id.alias != ""; i++ {
		n = id.alias
		if id, ok = us.ids[n]; !ok {
			break
		}
	}
	return n
}
