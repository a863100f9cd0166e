package systemd

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file loads units as systemd 252's manager does, on the name map of
// namemap.go: unit_load_fragment() in src/core/load-fragment.c,
// unit_load_dropin() in src/core/load-dropin.c and
// unit_file_find_dropin_paths() in src/shared/dropin.c.

// parsedFile is a unit file read once, however many units apply it.
type parsedFile struct {
	uf   *UnitFile
	errs parse.ErrorList
	err  *parse.Error // it could not be read

	null    bool // what nullOrEmpty says of it, once
	nullErr error
}

// readUnits reads the unit search path of a root and loads every unit
// that a file or symlink in it names (templates included, as units of
// their own; instances only when a symlink names them). Names that
// dependencies mention load on demand with LoadUnit.
//
// A directory of the search path that is a symlink to another one (/lib
// to usr/lib on a merged-/usr system) is read once. Problems in files
// are diagnostics; the error is for a search directory that exists but
// cannot be listed. gen, when not nil, describes the files an overlay of
// the root holds for the emulated generators (where each comes from).
func readUnits(fsys *rootfs.FS, gen *genOutput) (*Units, parse.ErrorList, error) {
	us := &Units{
		gen:    gen,
		ByName: map[string]*Unit{},
		fsys:   fsys,

		suffixed: map[string]map[string][]string{},
		realDirs: map[[3]string]string{},

		dirNameCache: map[string][]string{},
		ids:          map[string]unitID{},
		names:        map[string][]string{},
		files:        map[string]*parsedFile{},
		absent:       map[string]bool{},

		listings: map[string][]fs.DirEntry{},
	}
	if err := us.buildNameMap(); err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(us.ids))
	for n := range us.ids {
		ids = append(ids, n)
	}
	sort.Strings(ids)
	us.prefetch()
	us.buildAliases(ids)
	us.prepare(ids)
	for _, n := range ids {
		if us.LoadUnit(n) == nil && us.ids[n].alias != "" {
			us.unloaded = append(us.unloaded, n)
		}
	}
	us.prepared = nil // each was loaded, or another name of it was first
	us.links = nil    // what prefetch found: a later LoadUnit looks again
	us.Default = us.defaultTarget()
	us.sortNames()
	return us, us.Errors(), nil
}

// danglingAliases says which alias links lead to no unit, once the units
// of the SysV bridge are there too: a dangling-link finding at the link
// when its target does not resolve (an /etc tree whose links lead into
// the /lib it lacks; a loop), as SysV says of its rc links; a parse-error
// when it leads to a file that is no unit.
func (us *Units) danglingAliases() []graph.Finding {
	var found []graph.Finding
	for _, n := range us.unloaded {
		if us.LoadUnit(n) != nil {
			continue
		}
		link := us.linkOf(n)
		f := graph.Finding{Kind: graph.KindParseError, Severity: graph.Warning, Services: []string{n}, Sources: []graph.Pos{wholeFile(link)},
			Message: "alias of " + us.ids[n].alias + ", which does not exist"}
		if to, err := us.aliasTarget(link); err != nil {
			f.Kind, f.Message = graph.KindDanglingLink, "link "+link+" leads to /"+to
			if errors.Is(err, fs.ErrNotExist) {
				f.Message += ", which does not exist"
			} else {
				f.Message += ": " + parse.UnwrapPath(err).Error()
			}
		}
		found = append(found, f)
	}
	return found
}

// aliasTarget returns where the symlink link leads (its parent directories
// resolved, as readSymlink reads it) and why that does not resolve, nil
// when it does.
func (us *Units) aliasTarget(link string) (string, error) {
	target, err := us.fsys.Readlink(link)
	if err != nil {
		return "", nil
	}
	if !strings.HasPrefix(target, "/") {
		target = path.Dir(link) + "/" + target
	}
	simplified, err := us.chaseParent(target)
	if err != nil {
		return "", nil
	}
	_, err = us.fsys.Resolve(simplified)
	return simplified, err
}

// LoadUnit loads the unit name leads to (manager_load_unit): an alias
// gives its unit, an instance of a template its own unit (instances exist
// only when something names them), a name with a NAME.d/ or NAME.wants/
// (.requires/, .upholds/) directory of its own but no fragment a unit
// without Path. It returns nil for an invalid name and for a name that
// nothing in the search path defines. Units are loaded once: a second
// call, under any of their names, returns the same *Unit.
//
// A unit without Path is what systemd calls "not-found" for services,
// sockets, targets, timers, paths and automounts; devices, slices and
// scopes load without a fragment, and so do mounts and swaps that are
// active (/etc/fstab's come with a fragment from systemd-fstab-generator).
func (us *Units) LoadUnit(name string) *Unit {
	if u, ok := us.ByName[name]; ok {
		return u
	}
	if unitNameKind(name) == 0 || us.absent[name] {
		return nil
	}
	p, ok := us.prepared[name]
	if ok {
		delete(us.prepared, name)
	} else if p, ok = us.newUnit(name); !ok {
		return p.u // an alias of a unit loaded already, or nil
	}
	u := p.u
	if p.forget {
		delete(us.files, u.Path)
	}
	if u.Path == "" && u.LoadError == nil && !us.hasOwnDirs(u) {
		us.absent[name] = true
		return nil
	}
	us.ByName[u.Name] = u
	for _, a := range u.Aliases {
		if _, taken := us.ByName[a]; !taken {
			us.ByName[a] = u
		}
	}
	us.Names = append(us.Names, u.Name)
	us.unsorted = true
	return u
}

// preparedUnit is a unit newUnit made, not in ByName yet; forget: it has
// its own copy of its fragment's options (loadDropIns), so the parsed
// file is let go.
type preparedUnit struct {
	u      *Unit
	forget bool
}

// newUnit makes the unit name leads to, with its fragment, drop-ins and
// dependency links, for LoadUnit to add. It reports false, with the unit
// to return, when there is nothing to add: name is another name of a
// unit loaded already (which it adds the name to), or an instance past
// maxInstances (nil). While prepare runs (us.peek), it changes nothing
// in us and reports false when it would have to (us.gaveUp).
func (us *Units) newUnit(name string) (preparedUnit, bool) {
	kind := unitNameKind(name)
	frag, names := us.findFragment(name)
	id := name
	if frag != "" {
		id = path.Base(frag)
		if kind == nameInstance && validUnitName(id, nameTemplate) {
			id, _ = replaceInstance(id, unitInstance(name))
		}
	}
	if u, ok := us.ByName[id]; ok {
		if us.peek {
			us.gaveUp = true
			return preparedUnit{}, false
		}
		us.ByName[name] = u
		if name != id && !slices.Contains(u.Aliases, name) {
			u.Aliases = append(u.Aliases, name)
			sort.Strings(u.Aliases)
		}
		return preparedUnit{u: u}, false
	}
	if frag != "" && unitNameKind(id) == nameInstance {
		if us.peek {
			us.gaveUp = true
			return preparedUnit{}, false
		}
		if !us.countInstance(name, id, frag) {
			return preparedUnit{}, false
		}
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
	if name != id && !slices.Contains(u.Aliases, name) {
		u.Aliases = append(u.Aliases, name)
	}
	sort.Strings(u.Aliases)
	if frag != "" {
		us.loadFragment(u, frag)
	}
	forget := us.loadDropIns(u)
	u.Wants = us.loadDeps(u, ".wants", "Wants")
	u.Requires = us.loadDeps(u, ".requires", "Requires")
	u.Upholds = us.loadDeps(u, ".upholds", "Upholds")
	return preparedUnit{u: u, forget: forget}, true
}

// prepare makes, on every core, the units of the names readUnits is
// about to load one by one that are the name of their own fragment
// (most of a root's: not aliases, not instances), as newUnit makes them
// (reading the drop-ins and links that apply to each is most of the time
// of loading a big root). LoadUnit adds them, in its own order, as
// before: a unit newUnit could not make without changing something
// shared (a file or directory prefetch did not read, a diagnostic) is
// left to LoadUnit, which makes it as before.
func (us *Units) prepare(names []string) {
	var todo []string
	for _, n := range names {
		if unitNameKind(n) == nameInstance {
			continue
		}
		if f, ok := us.idsGet(n); ok && path.Base(f) == n {
			todo = append(todo, n)
		}
	}
	const chunk = 128
	done := make([]preparedUnit, len(todo))
	parse.Parallel((len(todo)+chunk-1)/chunk, func(c int) {
		w := *us // a view: it reads what us holds, and changes nothing
		w.peek, w.errs = true, nil
		for k := c * chunk; k < min(len(todo), (c+1)*chunk); k++ {
			w.gaveUp = false
			if p, ok := w.newUnit(todo[k]); ok && !w.gaveUp {
				done[k] = p
			}
		}
	})
	us.prepared = make(map[string]preparedUnit, len(todo))
	for k, p := range done {
		if p.u != nil {
			us.prepared[todo[k]] = p
		}
	}
}

// loaded returns what LoadUnit(name) returns when that changes nothing:
// a unit loaded already, or nil for a name known to have none; ok is
// false for a name LoadUnit has not looked at yet. It only reads, so that
// it can run on every core while nothing loads.
func (us *Units) loaded(name string) (u *Unit, ok bool) {
	if u, ok := us.ByName[name]; ok {
		return u, true
	}
	if unitNameKind(name) == 0 || us.absent[name] {
		return nil, true
	}
	return nil, false
}

// maxInstances bounds the instances of templates a root loads, all
// templates together. systemd has no such bound: a template that pulls in
// two instances of itself with longer names (t@.service with
// Wants=t@%ia.service t@%ib.service) makes 2^245 units before their
// names reach UNIT_NAME_MAX, and the manager runs out of memory. A real
// boot has a few hundred instances (gettys, fsck and cryptsetup units,
// the scripts of a SysV root).
var maxInstances = 20000

// capped is what maxInstances kept out of a root, by template.
type capped struct {
	frag  string // the template's file
	first string // the first instance not loaded
	n     int    // how many names were not loaded
}

// countInstance counts the new instance id, which name asked for, of the
// template in frag, and reports whether it may load: past maxInstances
// it may not, and the name is absent.
func (us *Units) countInstance(name, id, frag string) bool {
	if us.instances < maxInstances {
		us.instances++
		return true
	}
	tmpl := unitTemplate(id)
	c := us.capped[tmpl]
	if c == nil {
		if us.capped == nil {
			us.capped = map[string]*capped{}
		}
		c = &capped{frag: frag, first: id}
		us.capped[tmpl] = c
	}
	c.n++
	us.absent[name] = true
	return false
}

// cappedFindings say which templates maxInstances kept instances of out
// of the boot, a warning each at the template's file.
func (us *Units) cappedFindings() []graph.Finding {
	var fs []graph.Finding
	for _, tmpl := range slices.Sorted(maps.Keys(us.capped)) {
		c := us.capped[tmpl]
		fs = append(fs, graph.Finding{Kind: graph.KindParseError, Severity: graph.Warning, Services: []string{tmpl}, Sources: []graph.Pos{wholeFile(c.frag)},
			Message: fmt.Sprintf("%d instances of %s are not loaded, the first %s: the boot pulls in more than %d instances of templates, and initorder loads no more (systemd would load every one, and run out of memory first)",
				c.n, tmpl, c.first, maxInstances)})
	}
	return fs
}

// cappedNote is the note of an instance maxInstances kept out, "" for
// another name.
func (us *Units) cappedNote(name string) string {
	if unitNameKind(name) != nameInstance || us.capped[unitTemplate(name)] == nil || !us.absent[name] {
		return ""
	}
	return fmt.Sprintf("is not loaded: the boot pulls in more than %d instances of templates", maxInstances)
}

// hasOwnDirs reports whether a drop-in or dependency directory is named
// after one of the unit's names or its template: those that apply to every
// unit of a type or a dash prefix do not make a unit exist.
func (us *Units) hasOwnDirs(u *Unit) bool {
	names := append([]string{u.Name}, u.Aliases...)
	if u.Template != "" {
		names = append(names, u.Template)
	}
	for _, d := range us.dirs {
		for _, n := range names {
			for _, suffix := range dirSuffixes {
				if us.hasEntry(d, n, suffix) {
					return true
				}
			}
		}
	}
	return false
}

// loadFragment reads the unit's fragment: a mask, or its options.
func (us *Units) loadFragment(u *Unit, frag string) {
	null, err := us.nullOrEmptyFile(frag)
	if errors.Is(err, fs.ErrNotExist) {
		// A dangling linked unit file: systemd cannot open it, the unit
		// is not found.
		us.unitError(u, &parse.Error{Pos: wholeFile(frag), Err: fmt.Errorf("symlink to a file that does not exist, unit not found"), Warning: true})
		return
	}
	u.Path = frag
	if err != nil {
		u.LoadError = parse.FileError(frag, err)
		us.unitError(u, u.LoadError.(*parse.Error))
		return
	}
	if null {
		u.Masked = true
		return
	}
	u.realPath, _ = us.fsys.Resolve(frag)
	pf := us.parse(frag)
	if us.gaveUp {
		return // prepare: not read yet
	}
	u.Errors = append(u.Errors, pf.errs...)
	switch {
	case pf.err != nil:
		u.LoadError = pf.err
	case pf.uf.Err != nil:
		u.LoadError = pf.uf.Err
	}
	if pf.uf != nil {
		// Shared with the parsed file (units of one file, a template's
		// instances, are many): the cap makes a drop-in's append copy.
		u.Options = slices.Clip(pf.uf.Options)
	}
}

// nullOrEmptyFile is nullOrEmpty, with what reading the file p said when
// it was read: prefetch asked on every core.
func (us *Units) nullOrEmptyFile(p string) (bool, error) {
	if pf, ok := us.files[p]; ok {
		return pf.null, pf.nullErr
	}
	return us.nullOrEmpty(p)
}

// unitError records a diagnostic about the unit.
func (us *Units) unitError(u *Unit, e *parse.Error) {
	if us.peek {
		us.gaveUp = true
		return
	}
	u.Errors = append(u.Errors, e)
	us.errs = append(us.errs, e)
}

// parse reads and lexes a file once.
func (us *Units) parse(p string) *parsedFile {
	if pf, ok := us.files[p]; ok {
		return pf
	}
	if us.peek {
		us.gaveUp = true
		return &parsedFile{}
	}
	pf := us.readParsed(p)
	us.files[p] = pf
	us.errs = append(us.errs, pf.errs...)
	return pf
}

// readParsed reads and lexes the file p. It changes nothing in us, so
// that prefetch can run it on every core.
func (us *Units) readParsed(p string) *parsedFile {
	pf := &parsedFile{}
	data, err := us.fsys.ReadFile(p)
	if err == nil {
		pf.null = len(data) == 0 // a regular file, read whole: what nullOrEmpty would say
	} else {
		pf.null, pf.nullErr = us.nullOrEmpty(p)
	}
	if pf.nullErr == nil && pf.null {
		// After the read, which tells a regular file's size: /dev/null, or
		// an empty file.
		pf.uf = &UnitFile{Path: p}
		return pf
	}
	if errors.Is(err, rootfs.ErrNotRegular) {
		// A FIFO, socket or block device where a unit file is: systemd
		// opens it and blocks, or reads a disk; initorder does not.
		if t, terr := us.fsys.Type(p); terr == nil {
			err = fmt.Errorf("%s, not a unit file: systemd would block opening it, or read a device as the unit; not read", parse.FileKind(t))
		}
	}
	if err != nil {
		pf.err = parse.FileError(p, err)
		pf.errs = parse.ErrorList{pf.err}
	} else {
		pf.uf, pf.errs = parseUnitFile(data, p)
	}
	if origin, ok := us.genOrigin(p); ok && pf.uf != nil {
		// A file an emulated generator wrote: its settings come from
		// the line it was made of.
		for i := range pf.uf.Options {
			pf.uf.Options[i].Pos = origin
		}
		for _, e := range pf.errs {
			e.Pos = origin
		}
	}
	return pf
}

// prefetch parses, on every core, the regular files of the search path
// that name a unit: the fragments LoadUnit is about to read one by one
// (reading and lexing are most of the time of a big root), and the
// drop-ins of the NAME.d/ directories, each directory listed and its
// files read in one go (while the root keeps it open: dirBudget); and it
// resolves the links of their dependency directories. What it leaves out
// is read when asked for, as before.
func (us *Units) prefetch() {
	var paths []string
	for _, id := range us.ids {
		if id.file != "" && validUnitName(path.Base(id.file), nameAny) {
			paths = append(paths, id.file)
		}
	}
	sort.Strings(paths)
	paths = slices.Compact(paths)
	dropDirs := us.dropInDirsAll()
	// The links of the .wants/ (.requires/, .upholds/) directories: listed,
	// and resolved on every core with the files read, so that loadDeps
	// finds them in the root's caches (multi-user.target.wants holds most
	// units of a big root).
	var links []string
	for _, suffix := range dirSuffixes[1:] {
		bases := make([]string, 0, len(us.suffixed[suffix]))
		for base := range us.suffixed[suffix] {
			bases = append(bases, base)
		}
		sort.Strings(bases)
		for _, base := range bases {
			for _, d := range us.suffixed[suffix][base] {
				dir := d + "/" + base + suffix
				for _, e := range us.listing(dir) {
					if e.Type()&fs.ModeSymlink != 0 {
						links = append(links, dir+"/"+e.Name())
					}
				}
			}
		}
	}
	pfs := make([]*parsedFile, len(paths))
	drops := make([]dropInDir, len(dropDirs))
	infos := make([]linkInfo, len(links))
	parse.Parallel(len(paths)+len(dropDirs)+len(links), func(i int) {
		switch {
		case i < len(paths):
			pfs[i] = us.readRegular(paths[i])
		case i < len(paths)+len(dropDirs):
			drops[i-len(paths)] = us.readDropInDir(dropDirs[i-len(paths)])
		default:
			infos[i-len(paths)-len(dropDirs)] = us.linkInfoTyped(links[i-len(paths)-len(dropDirs)], fs.ModeSymlink, nil) // the listing says so
		}
	})
	for i, p := range paths {
		us.keepParsed(p, pfs[i])
	}
	for k, dir := range dropDirs {
		if _, ok := us.listings[dir]; !ok {
			us.keepListing(dir, drops[k].ents, drops[k].err)
		}
		for f, pf := range drops[k].files {
			us.keepParsed(drops[k].paths[f], pf)
		}
	}
	us.links = make(map[string]linkInfo, len(links))
	for i, l := range links {
		us.links[l] = infos[i]
	}
}

// readRegular is readParsed of p when p is a regular file, else nil.
func (us *Units) readRegular(p string) *parsedFile {
	if t, err := us.fsys.Type(p); err != nil || !t.IsRegular() {
		return nil
	}
	return us.readParsed(p)
}

// keepParsed keeps what prefetch read of the file p, if anything.
func (us *Units) keepParsed(p string, pf *parsedFile) {
	if pf != nil {
		us.files[p] = pf
		us.errs = append(us.errs, pf.errs...)
	}
}

// dropInDir is a NAME.d/ directory prefetch read: its entries, and its
// .conf files (paths) as read (files).
type dropInDir struct {
	ents  []fs.DirEntry
	err   error
	paths []string
	files []*parsedFile
}

// readDropInDir lists the drop-in directory dir, unless readUnits did,
// and reads its .conf files, as loadDropIns takes them (listDir). It
// changes nothing in us, so that prefetch can run it on every core.
func (us *Units) readDropInDir(dir string) dropInDir {
	var d dropInDir
	ents, ok := us.listings[dir]
	if !ok {
		ents, d.err = us.fsys.ReadDir(dir)
		d.ents = ents
	}
	for _, e := range ents {
		if n := e.Name(); !hiddenOrBackup(n) && strings.HasSuffix(n, ".conf") {
			if pf := us.readRegular(dir + "/" + n); pf != nil {
				d.paths = append(d.paths, dir+"/"+n)
				d.files = append(d.files, pf)
			}
		}
	}
	return d
}

// linkInfo is what loadDeps asks of an entry of a .wants/ (.requires/,
// .upholds/) directory.
type linkInfo struct {
	null      bool // nullOrEmpty: a link to /dev/null or an empty file
	mode      fs.FileMode
	modeErr   error
	target    string
	targetErr error
}

// linkInfoOf looks at the entry f of a dependency directory. It changes
// nothing in us, so that prefetch can run it on every core.
func (us *Units) linkInfoOf(f string) linkInfo {
	t, err := us.fsys.Type(f)
	return us.linkInfoTyped(f, t, err)
}

// linkInfoTyped is linkInfoOf of an entry whose type is known (mode, or
// modeErr): prefetch has it from the listing, which saves a look-up of
// each of 10,000 links.
func (us *Units) linkInfoTyped(f string, mode fs.FileMode, modeErr error) linkInfo {
	li := linkInfo{mode: mode, modeErr: modeErr}
	li.null, _ = us.nullOrEmpty(f)
	li.target, li.targetErr = us.fsys.Readlink(f)
	return li
}

// dropInDirsAll returns the NAME.d/ directories of the search path, as
// loadDropIns resolves them, sorted.
func (us *Units) dropInDirsAll() []string {
	var dirs []string
	for base, ds := range us.suffixed[".d"] {
		for _, d := range ds {
			if r := us.realDir(d, base, ".d"); r != "" {
				dirs = append(dirs, r)
			}
		}
	}
	sort.Strings(dirs)
	return slices.Compact(dirs)
}

// loadDropIns applies the unit's NAME.d/*.conf files (unit_load_dropin):
// all of them, sorted by file name, a file hiding those of the same name
// in directories that come after its own. It reports whether the parsed
// fragment can be let go (the unit has its own copy of the options).
func (us *Units) loadDropIns(u *Unit) (forget bool) {
	files := us.listDir(us.dropInDirs(u, ".d"), ".conf")
	n := len(u.Options)
	for _, f := range files {
		if pf := us.parse(f); pf.uf != nil {
			n += len(pf.uf.Options)
		}
	}
	if n > len(u.Options) {
		u.Options = append(make([]Option, 0, n), u.Options...)
		// The unit has its own copy: forget the fragment's, unless a
		// template's instances share it (another name of this unit
		// loads this *Unit). 100,000 units hold 80 MB less.
		forget = u.Path != "" && u.Template == "" && !strings.Contains(u.Name, "@")
	}
	for _, f := range files {
		u.DropIns = append(u.DropIns, f)
		pf := us.parse(f)
		u.Errors = append(u.Errors, pf.errs...)
		if pf.uf != nil {
			u.Options = append(u.Options, pf.uf.Options...)
		}
	}
	return forget
}

// dropInDirs returns the directories NAME+suffix that apply to the unit,
// in priority order (unit_file_find_dropin_paths): for its name, then for
// each alias (sorted; systemd takes them in hash order), in every search
// directory: NAME, then its template, then its dash prefixes
// (foo-bar-.service, foo-.service); last the type's ("service.d").
func (us *Units) dropInDirs(u *Unit, suffix string) []string {
	var dirs []string
	for k := -1; k < len(u.Aliases); k++ {
		n := u.Name
		if k >= 0 {
			n = u.Aliases[k]
		}
		if !us.anyDir(n, suffix) {
			continue // most names have none: one look for each of its dirNames
		}
		for _, d := range us.dirs {
			us.findDirs(d, n, suffix, &dirs)
		}
	}
	if us.anyDir(u.Type, suffix) {
		for _, d := range us.dirs {
			us.findDirs(d, u.Type, suffix, &dirs)
		}
	}
	return dirs
}

// anyDir reports whether some search directory has a NAME+suffix
// directory for one of the names that apply to a unit called name.
func (us *Units) anyDir(name, suffix string) bool {
	m := us.suffixed[suffix]
	if len(m) == 0 {
		return false
	}
	for _, n := range us.dirNames(name) {
		if len(m[n]) > 0 {
			return true
		}
	}
	return false
}

// findDirs adds dir/name+suffix and those of name's template and dash
// prefixes (unit_file_find_dirs).
func (us *Units) findDirs(dir, name, suffix string, dirs *[]string) {
	for _, n := range us.dirNames(name) {
		if !us.hasEntry(dir, n, suffix) {
			continue
		}
		if r := us.realDir(dir, n, suffix); r != "" && !slices.Contains(*dirs, r) {
			*dirs = append(*dirs, r)
		}
	}
}

// dirNames returns the names whose directories apply to a unit of that
// name, in unit_file_find_dirs order: the name, then (for an instance)
// those of its template, then those of its dash prefix. Each name's list
// is made once: a unit asks for it for each search directory and suffix.
func (us *Units) dirNames(name string) []string {
	if l, ok := us.dirNameCache[name]; ok {
		return l
	}
	l := []string{name}
	if !isUnitType(name) {
		if unitNameKind(name) == nameInstance {
			l = append(l, us.dirNames(unitTemplate(name))...)
		}
		if p, ok := dashPrefixName(name); ok {
			l = append(l, us.dirNames(p)...)
		}
	}
	if !us.peek { // while prepare runs, the caches are read only
		us.dirNameCache[name] = l
	}
	return l
}

// realDir returns the directory dir/name+suffix resolves to, or "" when
// it is no directory; once for each.
func (us *Units) realDir(dir, name, suffix string) string {
	key := [3]string{dir, name, suffix}
	if r, ok := us.realDirs[key]; ok {
		return r
	}
	p := dir + "/" + name + suffix
	r := ""
	if res, err := us.fsys.Resolve(p); err == nil {
		if t, err := us.fsys.Type(res); err == nil && t.IsDir() {
			r = res
		}
	}
	if !us.peek {
		us.realDirs[key] = r
	}
	return r
}

// listDir lists the files of dirs whose names end in suffix (every one
// when suffix is ""), skipping hidden and backup files, the first
// directory that has a name hiding the others' file of that name, sorted
// by file name (conf_files_list_strv).
func (us *Units) listDir(dirs []string, suffix string) []string {
	if len(dirs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var files []string
	for _, d := range dirs {
		for _, e := range us.listing(d) {
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

// listing returns the entries of the drop-in or .wants/ (.requires/,
// .upholds/) directory dir, read once: a type's service.d applies to every
// service. A directory that cannot be read counts as empty, as systemd
// 252 passes over a directory it cannot open ("Failed to search for files
// in %s, ignoring"), and it is a warning here.
func (us *Units) listing(dir string) []fs.DirEntry {
	ents, ok := us.listings[dir]
	if !ok && us.peek {
		us.gaveUp = true
		return nil
	}
	if !ok {
		var err error
		ents, err = us.fsys.ReadDir(dir)
		us.keepListing(dir, ents, err)
	}
	return ents
}

// keepListing keeps the listing of dir, and says why it is empty when it
// could not be read.
func (us *Units) keepListing(dir string, ents []fs.DirEntry, err error) {
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		us.errs.Warnf(wholeFile(dir), "", "%v, ignoring the directory", parse.UnwrapPath(err))
	}
	us.listings[dir] = ents
}

// loadDeps reads the unit's NAME.wants/ (.requires/, .upholds/) links
// (process_deps): the link's name is the unit pulled in; a link to
// /dev/null masks that name in the directories after its own.
func (us *Units) loadDeps(u *Unit, suffix, kind string) []Option {
	var deps []Option
	for _, f := range us.listDir(us.dropInDirs(u, suffix), "") {
		entry := path.Base(f)
		li, ok := us.links[f]
		if !ok {
			li = us.linkInfoOf(f)
		}
		if li.null {
			continue
		}
		t, err := li.mode, li.modeErr
		if err != nil {
			us.unitError(u, &parse.Error{Pos: wholeFile(f), Err: fmt.Errorf("%s dropin unreadable, ignoring: %v", kind, parse.UnwrapPath(err)), Warning: true})
			continue
		}
		if t&fs.ModeSymlink == 0 {
			us.unitError(u, &parse.Error{Pos: wholeFile(f), Err: fmt.Errorf("%s dependency dropin is not a symlink, ignoring", kind), Warning: true})
			continue
		}
		if !validUnitName(entry, nameAny) {
			us.unitError(u, &parse.Error{Pos: wholeFile(f), Err: fmt.Errorf("%s dependency dropin is not a valid unit name, ignoring", kind), Warning: true})
			continue
		}
		target, err := li.target, li.targetErr
		if err != nil {
			continue
		}
		n := entry
		if validUnitName(n, nameTemplate) {
			n = u.resolveTemplate(n)
		}
		pos := graph.Pos{File: f}
		if origin, ok := us.genOrigin(f); ok {
			pos = origin
		}
		deps = append(deps, Option{Name: n, Value: target, Pos: pos})
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

// wholeFile positions a diagnostic about a link or a file as a whole.
func wholeFile(file string) graph.Pos { return graph.Pos{File: file} }
