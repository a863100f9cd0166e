package systemd

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/initorder/initorder/graph"
)

// This file puts the units systemd-sysv-generator makes into a root's
// Units (sysv.go makes them), and decides, as the generator does,
// which scripts a native unit keeps from being converted.

// nativeUnit is a unit file that keeps the generator from converting the
// script of the same name.
type nativeUnit struct {
	path   string
	masked bool
}

// addSysV adds to the units the ones systemd-sysv-generator makes of the
// root's init scripts, as if the generator had run before the manager
// read the search path: each unit (Path is its script, the positions of
// its settings are in the script and its rc links), its Provides aliases
// (a name the search path already has keeps its unit: generator.late comes
// last), and its WantedBy= links in the targets' Wants. It returns what
// converting the scripts found.
func (us *Units) addSysV() []graph.Finding {
	gen, found, errs, skipped := generateSysV(us.fsys, us.nativeUnit)
	us.sysv, us.sysvSkipped = map[string]*sysvUnit{}, skipped
	linked := map[string][]string{} // alias links that led to no unit, by the name they give
	for _, n := range us.unloaded {
		linked[us.ids[n].alias] = append(linked[us.ids[n].alias], n)
	}
	for _, su := range gen {
		us.sysv[su.name] = su
		us.addGenerated(su, linked[su.name])
	}
	// Each target's Wants stays sorted by name: appended, then sorted
	// once (an insert for each of 100,000 scripts would be quadratic).
	has := map[*Unit]map[string]bool{}
	var touched []*Unit
	for _, su := range gen {
		for _, w := range su.wantedBy {
			t := us.LoadUnit(w.Name)
			if t == nil {
				continue
			}
			if has[t] == nil {
				has[t] = map[string]bool{}
				for _, o := range t.Wants {
					has[t][o.Name] = true
				}
				touched = append(touched, t)
			}
			if has[t][su.name] {
				continue
			}
			has[t][su.name] = true
			t.Wants = append(t.Wants, Option{Name: su.name, Value: w.Value, Pos: w.Pos})
		}
	}
	for _, t := range touched {
		sort.SliceStable(t.Wants, func(i, j int) bool { return t.Wants[i].Name < t.Wants[j].Name })
	}
	return append(errs.Findings(), found...)
}

// generatorDir is where systemd-sysv-generator writes (its dest_late).
const generatorDir = "run/systemd/generator.late"

// addGenerated makes su a unit, loaded as LoadUnit loads one: its
// options, then the drop-ins and .wants/ (.requires/, .upholds/) links of
// its names; links are the alias links of the search path that name it
// and readUnits could not load.
func (us *Units) addGenerated(su *sysvUnit, links []string) {
	old := us.ByName[su.name]
	if old != nil && old.Path != "" && !strings.HasPrefix(old.Path, "run/systemd/generator") {
		return
	}
	isUnitName := old != nil && old.Name == su.name // in Names already
	u := &Unit{Name: su.name, Type: unitTypeOf(su.name), Path: su.script, Options: su.options, realPath: su.script}
	if unitNameKind(su.name) == nameInstance {
		u.Template, u.Instance = unitTemplate(su.name), unitInstance(su.name)
	}
	us.ids[su.name] = unitID{file: generatorDir + "/" + su.name}
	for _, a := range su.aliases {
		if _, taken := us.ids[a.Name]; taken || us.ByName[a.Name] != nil {
			continue
		}
		us.ids[a.Name] = unitID{alias: su.name}
		us.names[su.name] = append(us.names[su.name], a.Name)
		u.Aliases = append(u.Aliases, a.Name)
	}
	// An alias link in the search path may name the unit the generator
	// makes (etc/systemd/system/syslog.service -> rsyslog.service, and
	// rsyslog an init.d script): systemd loads it from generator.late
	// under the link's name too.
	for _, a := range links {
		if a != u.Name && !slices.Contains(u.Aliases, a) {
			u.Aliases = append(u.Aliases, a)
		}
	}
	sort.Strings(u.Aliases)
	us.loadDropIns(u)
	u.Wants = us.loadDeps(u, ".wants", "Wants")
	u.Requires = us.loadDeps(u, ".requires", "Requires")
	u.Upholds = us.loadDeps(u, ".upholds", "Upholds")
	for _, n := range append([]string{u.Name}, u.Aliases...) {
		us.ByName[n] = u
		delete(us.absent, n)
	}
	if !isUnitName {
		us.Names = append(us.Names, u.Name)
		us.unsorted = true
	}
}

// nativeUnit reports whether a unit file of that name (or of its
// template) keeps the generator from converting a script, as systemd 252's
// unit_file_exists() decides over the search path without the generator
// directories (install_info_traverse with no flags): the first directory
// where the name exists decides. Anything there that is not a symlink — a
// unit file, an empty file (a mask), even a directory — is a unit. A
// symlink is a mask when it leads to /dev/null or an empty file; in
// etc/systemd/system or run/systemd/system it is a unit however it ends
// (path_is_config: such links are not followed); elsewhere an alias, a
// link into the search path under another name, is a unit whether or not
// it resolves, and a link out of the search path (a linked unit file, of
// any name) or into it under the same name is a unit when its target
// exists: a dangling one is none, and the script is converted.
func (us *Units) nativeUnit(name string) (nativeUnit, bool) {
	names := []string{name}
	if unitNameKind(name) == nameInstance {
		names = append(names, unitTemplate(name))
	}
	for _, n := range names {
		for _, d := range unitSearchPath {
			if strings.HasPrefix(d, "run/systemd/generator") {
				continue
			}
			p := d + "/" + n
			fi, err := us.fsys.Lstat(p)
			switch {
			case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
				continue
			case err != nil || fi.Mode()&fs.ModeSymlink == 0:
				return nativeUnit{path: p, masked: err == nil && fi.Mode().IsRegular() && fi.Size() == 0}, true
			}
			return us.nativeLink(d, p)
		}
	}
	return nativeUnit{}, false
}

// nativeLink decides about the symlink p of search directory dir, for
// nativeUnit (unit_file_load_or_readlink, then install_info_follow).
func (us *Units) nativeLink(dir, p string) (nativeUnit, bool) {
	target, err := us.fsys.Readlink(p)
	if err != nil {
		return nativeUnit{path: p}, true
	}
	if !strings.HasPrefix(target, "/") {
		target = dir + "/" + target
	}
	simplified, err := us.chaseParent(target)
	if err != nil {
		return nativeUnit{path: p}, true
	}
	if null, err := us.nullOrEmpty(p); err == nil && null {
		return nativeUnit{path: p, masked: true}, true
	}
	if dir == "etc/systemd/system" || dir == "run/systemd/system" {
		return nativeUnit{path: p}, true
	}
	inPath := slices.ContainsFunc(unitSearchPath, func(d string) bool {
		return !strings.HasPrefix(d, "run/systemd/generator") && strings.HasPrefix(simplified, d+"/")
	})
	if inPath && path.Base(simplified) != path.Base(p) {
		return nativeUnit{path: p}, true
	}
	if _, err := us.fsys.Stat(p); err != nil {
		return nativeUnit{}, false
	}
	return nativeUnit{path: p}, true
}
