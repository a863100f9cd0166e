package rootfs

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
)

// resolve chases name inside the root, modelled on systemd's chase() with
// CHASE_PREFIX_ROOT (src/basic/chase.c). Like chase() it keeps two lists:
// done, the components already resolved (never a symlink, "." for the root),
// and todo, the components still to process; each step moves one component
// from todo to done; a symlink's target is walked the same way, once for
// the root (followLink). Only the backend's lstat and readlink of names
// under done are used, so nothing outside the root can be reached by
// construction. A resolved path of PATH_MAX bytes or more is
// ENAMETOOLONG, as the kernel says of a name that long.
//
// With followLast false the last component of name is not followed (lstat,
// readlink). The returned path is clean and root-relative. If a component
// does not exist the error wraps fs.ErrNotExist and the path is what the
// name would resolve to (done plus the rest of todo, cleaned lexically).
//
// Each step costs one lstat. A name takes at most len(name) steps of its
// own, and each symlink of the root costs at most pathMax/2 steps once,
// whatever the number of names resolved through it.
func (f *FS) resolve(name string, followLast bool) (string, error) {
	if r, _, ok := f.resolveClean(name, followLast); ok {
		return r, nil
	}
	// The long way, once for each name: the root is read as a snapshot,
	// and a .wants/ link is resolved for its target, then for its type.
	resolved := &f.resolved[b2i(followLast)]
	if c, ok := resolved.get(name); ok {
		return c.path, c.err
	}
	r, ok := "", false
	if followLast {
		r, ok = f.followClean(name)
	}
	var err error
	if !ok {
		r, err = f.chase(name, followLast)
	}
	if cacheable(err) {
		resolved.put(name, resolution{r, err})
	}
	return r, err
}

// b2i is 1 for true, 0 for false: FS keeps the names resolve and
// followLink looked at in two maps, by a flag.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type resolution struct {
	path string
	err  error
}

// followClean is the short way for a symlink in a clean directory (a
// .wants/ link to ../../../lib/systemd/system/foo.service, or to
// /lib/systemd/system/foo.service): the target is joined to the link's
// directory lexically, which is what the kernel does when every ".." it
// takes leaves a directory that is not a symlink (the link's clean
// directory, or the root, which ".." does not leave), and the result is
// looked at by resolveClean, link after link, at most maxHops. Anything
// else (a ".." after a component of the target, /dev/null, a missing
// file, too many links) reports false, and chase takes the long way from
// the start: the short way only ever returns what resolveClean found.
func (f *FS) followClean(name string) (string, bool) {
	for range maxHops {
		if name == devNull {
			return "", false // always the machine's /dev/null: chase says so
		}
		dir, _ := split(name)
		if dir != "." && !f.isClean(dir) {
			return "", false
		}
		if mode, err := f.b.lmode(name); err != nil || mode&fs.ModeSymlink == 0 {
			return "", false
		}
		target, err := f.b.readlink(name)
		if err != nil || target == "" || len(target) >= pathMax {
			return "", false
		}
		if name, err = joinLexically(dir, target); err != nil || len(name) >= pathMax {
			return "", false
		}
		if r, _, ok := f.resolveClean(name, true); ok {
			return r, true
		}
	}
	return "", false
}

var errNotLexical = errors.New("not lexical")

// joinLexically joins a symlink's target to its clean directory dir, as
// followClean needs: leading ".." components leave dir (the root stays the
// root), and a ".." after a component of the target is refused.
func joinLexically(dir, target string) (string, error) {
	out := dir
	if target[0] == '/' || out == "." {
		out = ""
	}
	inTarget := false
	for c := range strings.SplitSeq(target, "/") {
		switch {
		case c == "" || c == ".":
		case c == ".." && inTarget:
			return "", errNotLexical
		case c == "..":
			if i := strings.LastIndexByte(out, '/'); i >= 0 {
				out = out[:i]
			} else {
				out = ""
			}
		default:
			inTarget = true
			if out == "" {
				out = c
			} else {
				out += "/" + c
			}
		}
	}
	if out == "" {
		return "", errNotLexical // the root itself: chase says so
	}
	return out, nil
}

// chase is resolve without the fast path and the memo of names.
func (f *FS) chase(name string, followLast bool) (string, error) {
	if name == "" || name == "." || strings.HasSuffix(name, "/") || strings.HasSuffix(name, "/.") {
		followLast = true // "foo/" names the directory foo leads to, as in the kernel
	}
	l := f.walk(".", components(name, nil), followLast, false, nil)
	return l.path, l.err
}

// walkLink walks the target of a link in the link's directory dir.
func (f *FS) walkLink(dir, target string, more bool, in nesting) link {
	return f.walk(dir, components(target, nil), true, more, in)
}

// walk moves the components todo, one by one, onto the resolved directory
// done and returns where they lead and how many symlinks it followed. With
// more, components follow todo in an enclosing walk (todo is a link's
// target, the rest of the name comes after it): its last component is
// then not the last of the name.
//
// A symlink on the way is followed by followLink, which resolves each link
// of the root once: a name that goes through a link another name went
// through costs one step there, not a walk of the link's target again
// (20,000 rc links through a chain of 39 long links cost one walk of the
// chain, not 20,000). Each step of the walk costs one lstat; a resolved
// name longer than pathMax is ENAMETOOLONG, so a walk takes at most
// pathMax/2 steps of its own.
func (f *FS) walk(done string, todo []string, followLast, more bool, in nesting) link {
	hops, cut := 0, false
	for len(todo) > 0 {
		// /dev/null is a device node of the running machine (devtmpfs), not a
		// file of the image: "dev/null" is masked even if the root has no dev/.
		if !more && done == "." && len(todo) == 2 && todo[0] == "dev" && todo[1] == "null" {
			return link{path: devNull, hops: hops, cut: cut}
		}
		c := todo[0]
		todo = todo[1:]
		last := len(todo) == 0 && !more

		// chase(): "If we already are at the top, then going up will not change
		// anything. This is in-line with how the kernel handles this."
		// ".." from the root stays at the root, as after chroot(2).
		if c == ".." {
			done = parent(done)
			continue
		}

		next := join(done, c)
		if last && next == devNull {
			return link{path: devNull, hops: hops, cut: cut}
		}
		// No init system names a file by a path longer than PATH_MAX
		// (systemd and insserv keep unit and script paths as strings), and
		// a walk of deeper directories would only cost time and memory.
		if len(next) >= pathMax {
			return link{path: done, hops: hops, err: syscall.ENAMETOOLONG, cut: cut}
		}
		mode, err := f.b.lmode(next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				next = cleanRel(next + "/" + strings.Join(todo, "/"))
			}
			return link{path: next, hops: hops, err: err, cut: cut}
		}
		if mode&fs.ModeSymlink == 0 {
			if (len(todo) > 0 || more) && !mode.IsDir() {
				return link{path: next, hops: hops, err: syscall.ENOTDIR, cut: cut}
			}
			done = next
			continue
		}
		if !followLast && last {
			done = next
			continue
		}
		l := f.followLink(next, !last, in)
		hops, cut = hops+l.hops, cut || l.cut
		// "If people change our tree behind our back, they might send us in
		// circles. Put a limit on things." More than maxHops links is a loop.
		if hops > maxHops {
			return link{path: next, hops: hops, err: ErrLoop, cut: cut}
		}
		if l.err != nil {
			if errors.Is(l.err, fs.ErrNotExist) {
				l.path = cleanRel(l.path + "/" + strings.Join(todo, "/"))
			}
			return link{path: l.path, hops: hops, err: l.err, cut: cut}
		}
		done = l.path
	}
	return link{path: done, hops: hops, cut: cut}
}

// link is where a symlink of the root leads, followed to the end: the
// path, or the error and the path it was found at, and how many links it
// took, itself included.
type link struct {
	path string
	hops int
	err  error
	cut  bool // found under maxNesting: a walk begun elsewhere may find more
}

// maxNesting bounds how many links one resolution follows inside each
// other's targets (a link whose target goes through a link whose target
// goes through a link ...). It only bounds the stack: more than maxHops
// of them are a loop anyway, but a chain of links as long as this is
// resolved, and kept, in one walk.
const maxNesting = 4096

// nesting is the links the walks of one resolution are inside of.
type nesting map[string]bool

// followLink resolves the symlink name (a resolved path: its directory has
// no symlink) as a component of a walk, once for the root: where it leads
// does not depend on the walk it is met in, so it is kept, and the next
// name that goes through it costs one step there. in holds the links whose
// targets the walk is inside of: meeting one of them again is a loop.
func (f *FS) followLink(name string, more bool, in nesting) link {
	links := &f.links[b2i(more)]
	l, ok := links.get(name)
	switch {
	case ok:
		return l
	case in[name]:
		return link{path: name, hops: maxHops + 1, err: ErrLoop}
	case len(in) >= maxNesting:
		return link{path: name, hops: maxHops + 1, err: ErrLoop, cut: true}
	}
	target, err := f.b.readlink(name)
	switch {
	case err != nil:
		l = link{path: name, hops: 1, err: err}
	case target == "":
		l = link{path: name, hops: 1, err: syscall.EINVAL} // chase() refuses an empty destination too
	case len(target) >= pathMax:
		l = link{path: name, hops: 1, err: syscall.ENAMETOOLONG}
	default:
		// chase(): "An absolute destination. Start the loop from the
		// beginning, but use the root file descriptor as base." A
		// relative one stays in the link's directory.
		dir := parent(name)
		if target[0] == '/' {
			dir = "."
		}
		if in == nil {
			in = nesting{}
		}
		in[name] = true
		l = f.walkLink(dir, target, more, in)
		delete(in, name)
		l.hops++
		if l.hops > maxHops {
			l.path, l.err = name, ErrLoop
		}
	}
	// What a cut walk found is kept only when the links it went through
	// before the cut are a loop already.
	if (!l.cut || maxNesting-len(in) > maxHops+1) && cacheable(l.err) {
		l.cut = false
		links.put(name, l)
	}
	return l
}

// resolveClean is resolve's fast path, for a clean relative name
// ("etc/init.d/foo") whose components exist and are not symlinks (but
// the last one, when followLast is false): the name resolves to itself,
// found by one cached lstat of each prefix of name, and nothing is
// allocated; the mode is the last component's, as lmode has it. Any
// other case reports false, and resolve takes the long way.
func (f *FS) resolveClean(name string, followLast bool) (string, fs.FileMode, bool) {
	if name == "" || name[0] == '/' || name[len(name)-1] == '/' || name == devNull || len(name) >= pathMax {
		return "", 0, false
	}
	// A name in a directory found clean before: only its last component
	// is left to look at.
	dir, base := split(name)
	if dir != "." && base != "." && base != ".." && f.isClean(dir) {
		mode, err := f.b.lmode(name)
		if err != nil || mode&fs.ModeSymlink != 0 && followLast {
			return "", 0, false
		}
		return name, mode, true
	}
	start := 0
	for start <= len(name) {
		end := strings.IndexByte(name[start:], '/')
		last := end < 0
		if last {
			end = len(name)
		} else {
			end += start
		}
		c := name[start:end]
		if c == "" || c == "." || c == ".." {
			return "", 0, false
		}
		mode, err := f.b.lmode(name[:end])
		switch {
		case err != nil:
			return "", 0, false
		case mode&fs.ModeSymlink != 0:
			if last && dir != "." {
				f.markClean(dir) // every component before the link is a directory
			}
			if !last || followLast {
				return "", 0, false
			}
		case !last && !mode.IsDir():
			return "", 0, false
		}
		if last {
			if dir != "." {
				f.markClean(dir)
			}
			return name, mode, true
		}
		start = end + 1
	}
	return "", 0, false
}

// components splits p into its path components, dropping empty ones and ".",
// and returns them followed by rest.
func components(p string, rest []string) []string {
	var out []string
	for c := range strings.SplitSeq(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return append(out, rest...)
}

// join appends a component to a resolved, root-relative directory.
func join(dir, c string) string {
	if dir == "." {
		return c
	}
	return dir + "/" + c
}

// parent is the directory of a resolved, root-relative path; the root is its
// own parent.
func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	return p[:i]
}

// isClean reports whether the directory dir resolves to itself: resolveClean
// found each of its components to be a directory, not a symlink.
func (f *FS) isClean(dir string) bool {
	_, ok := f.clean.Load(dir)
	return ok
}

func (f *FS) markClean(dir string) { f.clean.Store(dir, struct{}{}) }
