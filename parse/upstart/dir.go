package upstart

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// readJobs reads every etc/init/**/*.conf of the root
// (recursively, sorted by name), applies the matching .override, and
// returns the jobs sorted by Name. Like upstart (conf_dir_filter,
// nih_dir_walk) it follows symbolic links, skips hidden and backup
// directories and directory loops, and reads only files named *.conf.
// An .override without its .conf is an info finding (orphan-override:
// upstart passes over it without a word); unreadable or
// oversized files are ErrorList entries. It returns an error only when
// etc/init exists but cannot be listed; without etc/init it returns
// nothing.
func readJobs(fsys *rootfs.FS) ([]*Job, []graph.Finding, parse.ErrorList, error) {
	const dir = "etc/init"
	if _, err := fsys.ReadDir(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, nil
		}
		return nil, nil, nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	w := &jobWalk{fsys: fsys, overrides: map[string]bool{}}
	w.walk(dir, nil)
	var jobs []*Job
	for _, conf := range w.confs {
		override := strings.TrimSuffix(conf, ".conf") + ".override"
		hasOverride := w.overrides[override]
		delete(w.overrides, override)
		data, err := fsys.ReadFile(conf)
		if err != nil {
			w.errs = append(w.errs, parse.FileError(conf, err))
			continue
		}
		job, errs := parseJob(data, strings.TrimSuffix(strings.TrimPrefix(conf, dir+"/"), ".conf"), conf)
		w.errs = append(w.errs, errs...)
		if hasOverride {
			// An override that cannot be read leaves the job as its .conf
			// says (conf_load_path_with_override).
			if data, err := fsys.ReadFile(override); err != nil {
				w.errs = append(w.errs, parse.FileError(override, err))
			} else {
				w.errs = append(w.errs, applyOverride(job, data, override)...)
			}
		}
		jobs = append(jobs, job)
	}
	var found []graph.Finding
	for o := range w.overrides {
		job := strings.TrimSuffix(strings.TrimPrefix(o, dir+"/"), ".override")
		found = append(found, graph.Finding{
			Kind:     graph.KindOrphanOverride,
			Severity: graph.Info,
			Services: []string{job},
			Message:  "override without " + path.Base(job) + ".conf: upstart ignores it (the job's package was removed, or the job renamed?)",
			Sources:  []graph.Pos{{File: o}},
		})
	}
	sort.Slice(found, func(a, b int) bool { return found[a].Sources[0].File < found[b].Sources[0].File })
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].Name < jobs[b].Name })
	w.errs.Sort()
	return jobs, found, w.errs, nil
}

// maxJobDepth bounds how deep the walk of etc/init goes. Upstart itself
// stops only at PATH_MAX, but each level costs a resolution of the whole
// path: 2,000 nested directories would take seconds for nothing (real job
// sets are two or three levels deep).
const maxJobDepth = 32

type jobWalk struct {
	fsys      *rootfs.FS
	confs     []string
	overrides map[string]bool
	errs      parse.ErrorList
}

// walk lists dir; parents are the resolved directories above it, to stop
// at a loop (nih_dir_walk_visit: "Directory loop detected").
func (w *jobWalk) walk(dir string, parents []string) {
	real, err := w.fsys.Resolve(dir)
	if err != nil {
		w.errs = append(w.errs, parse.FileError(dir, err))
		return
	}
	for _, p := range parents {
		if p == real {
			w.errs = append(w.errs, &parse.Error{Pos: graph.Pos{File: dir}, Err: errors.New("directory loop, not read"), Warning: true})
			return
		}
	}
	if len(parents) > maxJobDepth {
		w.errs = append(w.errs, &parse.Error{Pos: graph.Pos{File: dir}, Err: fmt.Errorf("directories nested more than %d deep, not read", maxJobDepth), Warning: true})
		return
	}
	ents, err := w.fsys.ReadDir(dir)
	if err != nil {
		w.errs = append(w.errs, parse.FileError(dir, err))
		return
	}
	parents = append(parents, real)
	for _, ent := range ents {
		name, p := ent.Name(), dir+"/"+ent.Name()
		conf, override := jobFileName(name, ".conf"), jobFileName(name, ".override")
		mode := ent.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := w.fsys.Stat(p)
			if err != nil {
				if conf {
					w.errs = append(w.errs, parse.FileError(p, err))
				}
				continue
			}
			mode = fi.Mode().Type()
		}
		switch {
		case mode.IsDir():
			if !ignoredJobDir(name) {
				w.walk(p, parents)
			}
		case !mode.IsRegular():
			if conf || override {
				// upstart opens it (nih_file_read) and blocks on a FIFO;
				// a job nobody can read is missing from the boot.
				w.errs = append(w.errs, &parse.Error{Pos: graph.Pos{File: p}, Warning: true,
					Err: fmt.Errorf("%s, not a job file: upstart would block opening it, or read a device as the job; not read", parse.FileKind(mode))})
			}
		case conf:
			w.confs = append(w.confs, p)
		case override:
			w.overrides[p] = true
		}
	}
}

// jobFileName reports whether name is a job file with suffix ext
// (is_conf_file: something before the dot).
func jobFileName(name, ext string) bool {
	return len(name) > len(ext) && strings.HasSuffix(name, ext)
}

// ignoredJobDir reports whether upstart skips a directory of that name
// (nih_file_ignore): hidden, backup or package-manager leftovers.
func ignoredJobDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		strings.Contains(name, ".dpkg-") || strings.Contains(name, ".rpm") || strings.HasSuffix(name, ".bak")
}
