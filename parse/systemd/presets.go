package systemd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// This file emulates `systemctl preset-all` of systemd 252 (systemd.preset(5);
// src/shared/install.c read_presets, query_presets, unit_file_preset_all,
// execute_preset) and the manager's first-boot preset (src/core/main.c,
// manager.c manager_preset_all): which units the root's preset files enable
// or disable, and the links that leaves in etc/systemd/system. Nothing is
// written: the links are read through rootfs.FS.With. docs/defaults-presets.md
// has the rules and the experiments behind them.

// presetDirs are where preset files are read, highest priority first;
// Debian 12's systemd 252 is built with split /usr and reads lib/ too.
var presetDirs = []string{
	"etc/systemd/system-preset",
	"run/systemd/system-preset",
	"usr/local/lib/systemd/system-preset",
	"usr/lib/systemd/system-preset",
	"lib/systemd/system-preset",
}

// presetRule is one "enable PATTERN [INSTANCE...]" or "disable PATTERN"
// line.
type presetRule struct {
	pattern   string
	instances []string
	enable    bool
	pos       graph.Pos
}

// Presets is what `systemctl preset-all` would do to a root.
type Presets struct {
	// Links are the symlinks it makes (path -> target, root-relative
	// paths; targets as systemctl writes them), Removed those it removes
	// (full mode only).
	Links   map[string]string
	Removed []string
	// Enabled are the units it enables that were not, by name
	// (instances of templates included): it made a link for each;
	// Disabled the units a disable rule names (in enable-only mode too:
	// their links stay).
	Enabled, Disabled []string
	// Files are the preset files read, in the order their rules apply.
	Files []string
	// Contested are the links several enabled units claim (an Alias=
	// of two targets), with the file names of their claimants: systemctl
	// makes the first it meets, in directory order; Links has the first
	// by name.
	Contested map[string][]string
	// Errors are the preset lines systemctl cannot parse, and problems
	// reading the files.
	Errors parse.ErrorList
}

// Changes are the links as rootfs.FS.With reads them.
func (p *Presets) Changes() rootfs.Changes {
	return rootfs.Changes{Links: p.Links, Removed: p.Removed}
}

// PresetAll returns what `systemctl --root=ROOT preset-all` would do to
// the root: with enableOnly, what `--preset-mode=enable-only` does, and
// what systemd 252 does at a first boot (it removes nothing). The error
// is for a unit directory that cannot be listed.
func PresetAll(fsys *rootfs.FS, enableOnly bool) (*Presets, error) {
	us, _, err := readUnits(fsys, nil) // generated units are not preset (-EADDRNOTAVAIL)
	if err != nil {
		return nil, err
	}
	p := &Presets{Links: map[string]string{}}
	rules := p.readPresets(fsys)
	names := make([]string, 0, len(us.ids))
	for n := range us.ids {
		names = append(names, n)
	}
	sort.Strings(names)
	type install struct {
		name      string   // the unit (a template, an instance, a plain unit)
		instances []string // of a template, from the rule
	}
	var plus []install
	minus := map[string]bool{}
	for _, name := range names {
		u := us.LoadUnit(name)
		// An alias is passed over (preset_prepare_one: "Skipping %s because
		// it is an alias for %s"), and so is a masked unit or a name with
		// no unit file.
		if u == nil || u.Name != name || u.Path == "" || u.Masked {
			continue
		}
		r := queryPreset(rules, name)
		switch {
		case r == nil || r.enable:
			in := install{name: name}
			if r != nil && len(r.instances) > 0 && validUnitName(name, nameTemplate) {
				in.instances = r.instances
			}
			plus = append(plus, in)
		default:
			minus[name] = true
			p.Disabled = append(p.Disabled, name)
		}
	}
	if !enableOnly {
		p.removeLinks(fsys, minus)
	}
	done := map[string]bool{}
	var apply func(name string)
	apply = func(name string) {
		if done[name] {
			return
		}
		done[name] = true
		u := us.LoadUnit(name)
		if u == nil || u.Path == "" || u.Masked {
			return
		}
		if p.installLinks(fsys, us, u, name) {
			p.Enabled = append(p.Enabled, name)
		}
		for _, also := range u.Values("Install", "Also") {
			apply(also.Value)
		}
	}
	for _, in := range plus {
		if len(in.instances) == 0 {
			apply(in.name)
			continue
		}
		for _, i := range in.instances {
			if n, ok := replaceInstance(in.name, i); ok {
				apply(n)
			}
		}
	}
	sort.Strings(p.Enabled)
	return p, nil
}

// readPresets reads the preset files in priority order: a name in an
// earlier directory hides the same name in later ones, a link to
// /dev/null or an empty file masks it, and the rules of all files apply
// in the order of their file names (conf_files_list_strv).
func (p *Presets) readPresets(fsys *rootfs.FS) []presetRule {
	seen := map[string]string{}
	var files []string
	for _, dir := range presetDirs {
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				p.Errors = append(p.Errors, parse.FileError(dir, err))
			}
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".preset") || hiddenOrBackup(n) || seen[n] != "" {
				continue
			}
			seen[n] = dir + "/" + n
			files = append(files, n)
		}
	}
	sort.Strings(files)
	var rules []presetRule
	for _, n := range files {
		f := seen[n]
		if fsys.IsDevNull(f) {
			continue
		}
		data, err := fsys.ReadFile(f)
		if err != nil {
			p.Errors = append(p.Errors, parse.FileError(f, err))
			continue
		}
		p.Files = append(p.Files, f)
		rules = append(rules, p.parsePresets(data, f)...)
	}
	return rules
}

// parsePresets reads the lines of one preset file: blank lines and lines
// whose first non-blank character is # or ; are skipped; "enable" and
// "disable" are followed by white space and the rest (read_presets:
// first_word, split_pattern_into_name_and_instances). Anything else —
// "ignore" too, which came in systemd 254 — is "Couldn't parse line".
func (p *Presets) parsePresets(data []byte, file string) []presetRule {
	var rules []presetRule
	for n, line := range bytes.Split(data, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		pos := graph.Pos{File: file, Line: n + 1}
		if l == "" || strings.ContainsRune("#;", rune(l[0])) {
			continue
		}
		word, rest := l, ""
		if i := strings.IndexAny(l, " \t"); i >= 0 {
			word, rest = l[:i], strings.TrimSpace(l[i:])
		}
		switch {
		case word == "enable" && rest != "":
			f := strings.Fields(rest)
			if len(f) > 1 && !validUnitName(f[0], nameTemplate) {
				p.Errors.Warnf(pos, "", "couldn't parse line %q: instances follow a template only, ignoring", l)
				continue
			}
			rules = append(rules, presetRule{pattern: f[0], instances: f[1:], enable: true, pos: pos})
		case word == "disable" && rest != "":
			rules = append(rules, presetRule{pattern: rest, pos: pos})
		default:
			p.Errors.Warnf(pos, "", "couldn't parse line %q, ignoring (systemd 252 knows enable and disable)", l)
		}
	}
	return rules
}

// queryPreset returns the first rule that matches the unit name (its
// pattern, as fnmatch with FNM_NOESCAPE, or, for a rule with instances,
// the template of an instance in the list), or nil: the unit is enabled.
func queryPreset(rules []presetRule, name string) *presetRule {
	for k := range rules {
		r := &rules[k]
		if len(r.instances) > 0 && unitNameKind(name) == nameInstance && unitTemplate(name) == r.pattern && slices.Contains(r.instances, unitInstance(name)) {
			return r
		}
		if fnmatch(r.pattern, name) {
			return r
		}
	}
	return nil
}

// fnmatch matches name against a shell pattern with FNM_NOESCAPE: a
// backslash is an ordinary character (unit names escape with \x2d).
func fnmatch(pattern, name string) bool {
	p := strings.ReplaceAll(pattern, `\`, `\\`)
	p = strings.ReplaceAll(p, "[!", "[^")
	ok, err := path.Match(p, name)
	return err == nil && ok
}

// removeLinks removes, as execute_preset does before it enables
// anything, every symlink under etc/systemd/system and
// run/systemd/system (their subdirectories too) whose name, or the file
// name of whose target, is a unit disabled — and then the links to the
// links removed, until none is left (remove_marked_symlinks).
func (p *Presets) removeLinks(fsys *rootfs.FS, minus map[string]bool) {
	marked := map[string]bool{}
	for n := range minus {
		marked[n] = true
	}
	var links []string
	for _, dir := range []string{"etc/systemd/system", "run/systemd/system"} {
		links = append(links, symlinksUnder(fsys, dir, 0)...)
	}
	removed := map[string]bool{}
	for changed := len(marked) > 0; changed; {
		changed = false
		for _, l := range links {
			if removed[l] || !validUnitName(path.Base(l), nameAny) {
				continue
			}
			dest, _ := fsys.Resolve(l)
			if marked["/"+dest] || marked[path.Base(dest)] || marked[path.Base(l)] {
				removed[l] = true
				marked["/"+l] = true
				changed = true
			}
		}
	}
	for l := range removed {
		p.Removed = append(p.Removed, l)
	}
	sort.Strings(p.Removed)
}

// symlinksUnder lists the symlinks of dir and its subdirectories (not
// through links), sorted; depth bounds the walk.
func symlinksUnder(fsys *rootfs.FS, dir string, depth int) []string {
	if depth > 8 {
		return nil
	}
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		p := dir + "/" + e.Name()
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			out = append(out, p)
		case e.IsDir():
			out = append(out, symlinksUnder(fsys, p, depth+1)...)
		}
	}
	return out
}

// installLinks makes the links `systemctl enable` makes for the unit
// named name (u, or a template's instance): WantedBy=T is
// T.wants/NAME, RequiredBy=T T.requires/NAME, Alias=A is A, all in
// etc/systemd/system and to the unit's file. A template without an
// instance takes its DefaultInstance=, else gets no link. systemd 252
// does not know UpheldBy= in [Install]. A path that is there already
// with another target is left as it is. It reports whether it made a
// link: the unit is enabled by the presets, not before them.
func (p *Presets) installLinks(fsys *rootfs.FS, us *Units, u *Unit, name string) bool {
	linkName := name
	if validUnitName(name, nameTemplate) {
		if o, ok := u.Value("Install", "DefaultInstance"); ok && o.Value != "" {
			if n, ok := replaceInstance(name, o.Value); ok {
				linkName = n
				if inst := us.LoadUnit(n); inst != nil {
					u = inst
				}
			}
		} else {
			linkName = ""
		}
	} else if unitNameKind(name) == nameInstance {
		if inst := us.LoadUnit(name); inst != nil {
			u = inst
		}
	}
	target := "/" + u.Path
	made := false
	put := func(link string) {
		if first, taken := p.Links[link]; taken {
			// Another unit claimed it first (Alias=ctrl-alt-del.target of
			// reboot.target and kexec.target): systemctl keeps the first
			// it meets, in directory order; initorder the first by name.
			if first != target {
				if p.Contested == nil {
					p.Contested = map[string][]string{}
				}
				if len(p.Contested[link]) == 0 {
					p.Contested[link] = []string{path.Base(first)}
				}
				p.Contested[link] = append(p.Contested[link], path.Base(target))
			}
			return
		}
		if _, err := fsys.Lstat(link); err == nil {
			// There already: this unit's link (nothing to make), another
			// unit's (EEXIST: left), or a file.
			return
		}
		p.Links[link] = target
		made = true
	}
	for _, dep := range []struct{ key, suffix string }{{"WantedBy", ".wants"}, {"RequiredBy", ".requires"}} {
		for _, o := range u.Values("Install", dep.key) {
			switch {
			case !validUnitName(o.Value, nameAny):
			case linkName != "":
				put("etc/systemd/system/" + o.Value + dep.suffix + "/" + linkName)
			case validUnitName(o.Value, nameTemplate):
				// A template without an instance is linked into a
				// template's directory by its template name
				// (pg_receivewal@.service: WantedBy=postgresql@%i.service).
				put("etc/systemd/system/" + o.Value + dep.suffix + "/" + name)
			default: // "is a template without DefaultInstance": nothing
			}
		}
	}
	for _, o := range u.Values("Install", "Alias") {
		if !validUnitName(o.Value, nameAny) || unitTypeOf(o.Value) != unitTypeOf(name) || o.Value == name {
			continue
		}
		put("etc/systemd/system/" + o.Value)
	}
	return made
}

// FirstBoot reports whether systemd 252 takes the root's next boot for
// its first, and why (main.c): the kernel command line's
// systemd.condition-first-boot= says it when it is there (the last one;
// a bare key is true; a value that is no boolean is ignored); else
// etc/machine-id missing or unreadable, or saying "uninitialized" (its
// first line, the newline cut), is a first boot; an empty file, or an ID,
// is none (machine-id(5) "First Boot Semantics").
func FirstBoot(fsys *rootfs.FS, cmdline []string) (bool, string) {
	for i := len(cmdline) - 1; i >= 0; i-- {
		key, value, hasValue := strings.Cut(cmdline[i], "=")
		if strings.ReplaceAll(key, "_", "-") != "systemd.condition-first-boot" {
			continue
		}
		if !hasValue {
			return true, "the kernel command line says systemd.condition-first-boot"
		}
		switch strings.ToLower(value) {
		case "1", "yes", "y", "true", "t", "on":
			return true, "the kernel command line says " + cmdline[i]
		case "0", "no", "n", "false", "f", "off":
			return false, ""
		}
		break // not a boolean: "ignoring", as systemd does
	}
	data, err := fsys.ReadFile("etc/machine-id")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, "etc/machine-id is missing"
	case err != nil:
		return true, fmt.Sprintf("etc/machine-id cannot be read (%v)", parse.UnwrapPath(err))
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if string(first) == "uninitialized" {
		return true, "etc/machine-id says uninitialized"
	}
	return false, ""
}

// firstBootNote says what ConditionFirstBoot= of u means for a boot that
// is (or is not) a first boot: the job is in the transaction either way,
// and a condition that fails skips the unit without failing it
// (systemd.unit(5)). "" when u has none.
func firstBootNote(u *Unit, first bool) string {
	o, ok := u.Value("Unit", "ConditionFirstBoot")
	if !ok || o.Value == "" {
		return ""
	}
	want := strings.TrimPrefix(o.Value, "!")
	yes := slices.Contains([]string{"1", "yes", "y", "true", "t", "on"}, strings.ToLower(want))
	if strings.HasPrefix(o.Value, "!") {
		yes = !yes
	}
	switch {
	case yes && first:
		return "ConditionFirstBoot=" + o.Value + ": runs, this is a first boot"
	case yes:
		return "ConditionFirstBoot=" + o.Value + ": skipped, this is not a first boot"
	case first:
		return "ConditionFirstBoot=" + o.Value + ": skipped at this first boot"
	}
	return "ConditionFirstBoot=" + o.Value + ": runs, this is not a first boot"
}
