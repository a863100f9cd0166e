package systemd

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/initorder/initorder/parse/rootfs"
)

// The path conditions a root settles. systemd.unit(5), "Conditions and
// Asserts": a unit whose conditions fail is skipped when its start job
// runs (the job succeeds, nothing runs, what it would have needed is not
// needed); conditions are evaluated as the job runs, on the booted
// machine. Of them, only the path conditions on the parts of a root that
// its packages own and nothing writes at boot (/usr and the usr-merge
// names of its directories) can be decided from the root: /etc, /var,
// /run and the rest may be written by units that run earlier (tmpfiles,
// firstboot), and the other conditions ask the running machine.
var pathConditions = map[string]func(fsys *rootfs.FS, path string) (bool, error){
	"ConditionPathExists": func(fsys *rootfs.FS, p string) (bool, error) {
		return found(fsys.Stat(p))
	},
	"ConditionPathIsDirectory": func(fsys *rootfs.FS, p string) (bool, error) {
		fi, err := fsys.Stat(p)
		ok, err := found(fi, err)
		return ok && fi.IsDir(), err
	},
	"ConditionPathIsSymbolicLink": func(fsys *rootfs.FS, p string) (bool, error) {
		fi, err := fsys.Lstat(p)
		ok, err := found(fi, err)
		return ok && fi.Mode()&fs.ModeSymlink != 0, err
	},
	"ConditionFileNotEmpty": func(fsys *rootfs.FS, p string) (bool, error) {
		fi, err := fsys.Stat(p)
		ok, err := found(fi, err)
		return ok && fi.Mode().IsRegular() && fi.Size() > 0, err
	},
	"ConditionFileIsExecutable": func(fsys *rootfs.FS, p string) (bool, error) {
		fi, err := fsys.Stat(p)
		ok, err := found(fi, err)
		return ok && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0, err
	},
	"ConditionDirectoryNotEmpty": func(fsys *rootfs.FS, p string) (bool, error) {
		ents, err := fsys.ReadDir(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, e := range ents { // dir_is_empty skips hidden and backup files
			if !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), "~") {
				return true, nil
			}
		}
		return false, nil
	},
}

// staticPrefixes are the directories of a root whose contents the boot
// does not change: a path condition on them is settled by the root.
var staticPrefixes = []string{"usr/", "lib/", "lib32/", "lib64/", "libx32/", "bin/", "sbin/"}

// found turns the error of a look into whether the name is there; an
// error other than a missing name leaves it unsettled.
func found(_ fs.FileInfo, err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// skippedBy returns the condition of u that makes systemd skip it on
// this root, as written ("ConditionPathExists=|/lib/systemd/system/dbus.service"),
// with where, when the root settles it: a plain condition that fails, or
// triggering ones (|) that all fail. It follows condition_test_list of
// systemd 252: every plain condition must hold and, when there are
// triggering ones, one of them; an empty assignment of any condition
// resets them all. A condition the root does not settle (another kind,
// another path, a specifier) counts as holding: nothing is said of a unit
// that might run.
func skippedBy(fsys *rootfs.FS, u *Unit) (Option, bool) {
	var conds []Option
	for _, o := range u.Options {
		if o.Section != "Unit" || !strings.HasPrefix(o.Name, "Condition") {
			continue
		}
		if o.Value == "" {
			conds = conds[:0]
			continue
		}
		conds = append(conds, o)
	}
	var trigger []Option // triggering conditions, all settled as failing so far
	triggers, holds := 0, false
	for _, c := range conds {
		v := strings.TrimSpace(c.Value)
		trig := strings.HasPrefix(v, "|")
		v = strings.TrimSpace(strings.TrimPrefix(v, "|"))
		neg := strings.HasPrefix(v, "!")
		v = strings.TrimSpace(strings.TrimPrefix(v, "!"))
		result, settled := settle(fsys, c.Name, v)
		ok := result != neg
		if trig {
			triggers++
			if !settled || ok {
				holds = true
			} else {
				trigger = append(trigger, c)
			}
			continue
		}
		if settled && !ok {
			return c, true
		}
	}
	if triggers > 0 && !holds {
		return trigger[0], true
	}
	return Option{}, false
}

// settle evaluates one path condition on the root, with settled false
// when the root cannot say.
func settle(fsys *rootfs.FS, name, path string) (result, settled bool) {
	test := pathConditions[name]
	if test == nil || !strings.HasPrefix(path, "/") || strings.Contains(path, "%") {
		return false, false
	}
	rel := strings.TrimPrefix(path, "/")
	static := false
	for _, p := range staticPrefixes {
		if strings.HasPrefix(rel+"/", p) {
			static = true
			break
		}
	}
	if !static {
		return false, false
	}
	result, err := test(fsys, rel)
	return result, err == nil
}

// skipNote says that a unit is skipped, and by which condition.
func skipNote(c Option) string {
	return "its " + c.Name + "=" + c.Value + " fails on this root: systemd skips it when its start job runs"
}
