package systemd

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file holds the model of the systemd units a root defines, as
// systemd 252's manager loads them (systemd.unit(5)): which file is a
// unit's fragment, which names it answers to, which drop-ins and .wants/
// links apply to it. lex.go reads the files, namemap.go
// maps names to files, load.go loads units, specifier.go
// computes setting values and name.go holds the unit-name rules.
// The boot transaction is built on this model in boot.go.
//
// Where systemd 252 (Debian 12) and this model differ, on purpose:
// .upholds/ directories are read (systemd 252 misses them: its unit path
// cache keeps only .wants/, .requires/ and .d/ directories; later
// versions read them); the search path has usr/lib before lib, as SPEC
// §3.3 and upstream systemd do (Debian's systemd reads lib first, which
// only matters when the two are different directories); an assignment
// of a continued line is positioned at its first line (systemd reports
// the last).

// Unit is a unit after loading: its fragment and drop-ins merged as systemd
// merges them.
type Unit struct {
	Name     string   // "foo.service", "getty@tty1.service" (instance), "foo@.service" (template itself: never started by systemd)
	Type     string   // "service", "socket", "target", "mount", "timer", "path", "slice", "device", "swap", "automount", "scope"
	Path     string   // the fragment file, root-relative ("" when the unit has none, e.g. only drop-ins or a device)
	Template string   // "getty@.service" for an instance, "" otherwise
	Instance string   // "tty1"
	Aliases  []string // other names it answers to: symlinks to it in the search path (Alias= is not applied: it acts only through [Install] links), sorted
	Masked   bool     // its fragment is /dev/null or an empty file (the highest-priority one wins); drop-ins and links are still read, as systemd does
	// LoadError is why systemd would refuse the unit although it has a
	// fragment (load state "error"): the fragment cannot be read, or has a
	// line that makes config_parse() stop (UnitFile.Err). Options then
	// hold what systemd read before stopping.
	LoadError error
	DropIns   []string // applied drop-in files, in application order
	Options   []Option // every assignment of the fragment then the drop-ins, in order (empty assignments kept)
	// Wants, Requires and Upholds come from NAME.wants/, .requires/ and
	// .upholds/ directories of this unit's names, its template, their
	// dash prefixes and its type (Name = the unit pulled in, template
	// names given this unit's instance; Value = the link's target; Pos =
	// the link), sorted by link name.
	Wants, Requires, Upholds []Option
	// Errors are the diagnostics of the unit's fragment, drop-ins and
	// links (also in Units.Errors).
	Errors parse.ErrorList

	realPath string // the fragment with every symlink resolved, for %y
	tx       int    // its service in the boot transaction plus one, 0 before it is pulled in (builder.pull)
}

// Units is what a root's unit search path holds.
type Units struct {
	ByName  map[string]*Unit // every name a unit answers to (aliases included) -> the unit
	Names   []string         // unit names (not aliases), sorted when readUnits and Read return (a later LoadUnit appends)
	Default string           // what default.target resolves to ("graphical.target"), "" if none

	// What applies to a unit, computed once (dirNames, realDir).
	dirNameCache map[string][]string  // name -> the names whose directories apply to it
	realDirs     map[[3]string]string // {search directory, NAME, ".d" (".wants" ...)} -> the directory it resolves to, "" for none

	fsys     *rootfs.FS
	dirs     []string                       // the search path, deduplicated
	expanded []string                       // the search path and its resolved directories, for alias checks
	suffixed map[string]map[string][]string // ".wants" -> NAME -> the search directories with an entry NAME.wants
	ids      map[string]unitID              // unit_file_build_name_map: name -> file or alias
	names    map[string][]string            // unit name -> the names that lead to it
	files    map[string]*parsedFile         // parsed unit files by path
	absent   map[string]bool                // names LoadUnit found nothing for
	// unreadable are the search directories that could not be looked
	// at (a permission, a loop), not those that do not exist.
	unreadable []string
	// instances counts the instances of templates loaded, for
	// maxInstances; capped is what it kept out, by template.
	instances int
	capped    map[string]*capped
	unsorted  bool                     // names were appended to Names since it was sorted
	listings  map[string][]fs.DirEntry // drop-in and dependency directories read so far
	links     map[string]linkInfo      // the entries of dependency directories prefetch looked at, while readUnits loads
	errs      parse.ErrorList
	unloaded  []string // the aliases readUnits could not load (danglingAliases)

	// prepared are the units prepare made on every core, by name, until
	// readUnits loads them. While it runs, each core has a copy of Units
	// with peek set, which only reads: gaveUp says it needed to change
	// something.
	prepared     map[string]preparedUnit
	peek, gaveUp bool

	// With the SysV bridge (addSysV): the units systemd-sysv-generator
	// made, by name, and why it made none of some scripts.
	sysv        map[string]*sysvUnit
	sysvSkipped map[string]string

	// gen is what the emulated generators wrote (generator.go): where
	// each of their files comes from.
	gen *genOutput
}

// genOrigin returns where a file an emulated generator wrote comes from
// (an fstab line, the kernel command line ...).
func (us *Units) genOrigin(p string) (graph.Pos, bool) {
	if us == nil || us.gen == nil || !strings.HasPrefix(p, "run/systemd/generator") {
		return graph.Pos{}, false
	}
	return us.gen.originOf(p)
}

// Errors returns every diagnostic found so far, by readUnits and later
// LoadUnit calls, once each, sorted by position. (A problem in a drop-in
// or link that applies to many units is in each one's Unit.Errors.)
func (us *Units) Errors() parse.ErrorList {
	var l parse.ErrorList
	seen := map[string]bool{}
	for _, e := range us.errs {
		if k := fmt.Sprint(e.Warning, e); !seen[k] {
			seen[k] = true
			l = append(l, e)
		}
	}
	l.Sort()
	return l
}

// String dumps the units canonically, for golden tests: the default
// target, then every unit in name order with its fragment, names,
// drop-ins, assignments, the Values of the settings that name other units,
// and its .wants/, .requires/ and .upholds/ links.
func (us *Units) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "default %s\n", unitOrNone(us.Default))
	us.sortNames()
	for _, n := range us.Names {
		u := us.ByName[n]
		fmt.Fprintf(&b, "unit %s\n", u.Name)
		if u.Path != "" {
			fmt.Fprintf(&b, "\tpath %s\n", u.Path)
		}
		if u.Template != "" {
			fmt.Fprintf(&b, "\ttemplate %s instance %s\n", u.Template, u.Instance)
		}
		if len(u.Aliases) > 0 {
			fmt.Fprintf(&b, "\taliases %s\n", strings.Join(u.Aliases, " "))
		}
		if u.Masked {
			b.WriteString("\tmasked\n")
		}
		if u.LoadError != nil {
			fmt.Fprintf(&b, "\tload error: %v\n", u.LoadError)
		}
		for _, d := range u.DropIns {
			fmt.Fprintf(&b, "\tdrop-in %s\n", d)
		}
		for _, o := range u.Options {
			fmt.Fprintf(&b, "\t%s: [%s] %s=%s\n", o.Pos, o.Section, o.Name, o.Value)
		}
		for _, k := range dumpedSettings {
			vals, errs := u.ExpandValues(k.section, k.name)
			if len(vals) == 0 && len(errs) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\t%s.%s =", k.section, k.name)
			for _, v := range vals {
				fmt.Fprintf(&b, " %s (%s)", v.Value, v.Pos)
			}
			b.WriteString("\n")
			for _, e := range errs {
				fmt.Fprintf(&b, "\t\t%v\n", e)
			}
		}
		for _, l := range []struct {
			kind string
			deps []Option
		}{{"wants", u.Wants}, {"requires", u.Requires}, {"upholds", u.Upholds}} {
			for _, d := range l.deps {
				fmt.Fprintf(&b, "\t%s %s (%s -> %s)\n", l.kind, d.Name, d.Pos.File, d.Value)
			}
		}
	}
	var aliases []string
	for name, u := range us.ByName {
		if name != u.Name {
			aliases = append(aliases, name+" -> "+u.Name)
		}
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		fmt.Fprintf(&b, "alias %s\n", a)
	}
	return b.String()
}

// sortNames sorts Names after LoadUnit appended to it: a sorted insert
// for each unit loaded on demand would be quadratic (100,000 instances
// of a template named only by dependencies).
func (us *Units) sortNames() {
	if us.unsorted {
		sort.Strings(us.Names)
		us.unsorted = false
	}
}

func unitOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// dumpedSettings are the settings String shows the Values of.
var dumpedSettings = func() []struct{ section, name string } {
	var l []struct{ section, name string }
	for _, n := range unitDeps {
		l = append(l, struct{ section, name string }{"Unit", n})
	}
	for _, k := range []string{"Unit.RequiresMountsFor", "Unit.WantsMountsFor", "Service.Sockets", "Service.Slice",
		"Socket.Service", "Timer.Unit", "Path.Unit", "Install.WantedBy", "Install.RequiredBy", "Install.UpheldBy",
		"Install.Alias", "Install.Also", "Install.DefaultInstance"} {
		s, n, _ := strings.Cut(k, ".")
		l = append(l, struct{ section, name string }{s, n})
	}
	return l
}()
