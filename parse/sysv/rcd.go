package sysv

import (
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
)

// UpstartJob is what etc/init.d/NAME links to on an upstart machine when
// NAME is an upstart job that answers to "service NAME start" (Ubuntu's
// /lib/init/upstart-job): that name is the job, not a script.
const UpstartJob = "lib/init/upstart-job"

// IsUpstartJob reports whether a link resolves (or would resolve, were it
// in the root) to the upstart-job wrapper: target is what Resolve returned,
// with or without an error; on a merged-/usr root it is under usr/.
func IsUpstartJob(target string) bool {
	return target == UpstartJob || target == "usr/"+UpstartJob
}

// Link is one entry of an /etc/rcN.d directory: S20foo or K01foo, a
// symlink to the script it runs (sysv-rc, "The rc?.d links").
type Link struct {
	Path   string // etc/rc2.d/S20foo
	Start  bool   // S link (else K)
	Number int    // 20
	Name   string // foo: the name after the number
	Target string // the resolved target relative to the root; "dev/null" when disabled
	Script string // the script's name when the target is in etc/init.d
}

// rcLinks reads the S and K links of dir (etc/rc2.d), sorted by name as
// ls and sysv-rc sort them. Entries that are not [SK]NNname are ignored
// (README); links that lead nowhere are reported as dangling.
func rcLinks(fsys *rootfs.FS, dir string) ([]Link, []graph.Finding, parse.ErrorList) {
	var errs parse.ErrorList
	var found []graph.Finding
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, parse.FileError(dir, err))
		}
		return nil, nil, errs
	}
	var links []Link
	for _, ent := range ents {
		l, ok := linkName(ent.Name())
		if !ok {
			continue
		}
		l.Path = path.Join(dir, ent.Name())
		target, err := fsys.Resolve(l.Path)
		switch {
		case target == "dev/null":
			l.Target = target
		case IsUpstartJob(target):
			// The wrapper may be absent (an /etc-only tree): the link
			// still says which job it is.
			l.Target = UpstartJob
		case errors.Is(err, fs.ErrNotExist):
			found = append(found, graph.Finding{
				Kind: graph.KindDanglingLink, Severity: graph.Warning, Services: []string{l.Name},
				Message: "link " + l.Path + " leads to /" + target + ", which does not exist",
				Sources: []graph.Pos{{File: l.Path}},
			})
			continue
		case err != nil:
			found = append(found, graph.Finding{
				Kind: graph.KindDanglingLink, Severity: graph.Warning, Services: []string{l.Name},
				Message: "link " + l.Path + ": " + parse.UnwrapPath(err).Error(),
				Sources: []graph.Pos{{File: l.Path}},
			})
			continue
		default:
			l.Target = target
			if path.Dir(target) == "etc/init.d" {
				l.Script = path.Base(target)
			} else if hop := firstHop(fsys, l.Path); path.Dir(hop) == "etc/init.d" && target != UpstartJob {
				// S01outsidelink -> ../init.d/outsidelink -> ../outsider:
				// the script kept outside etc/init.d is the one insserv
				// reads as etc/init.d/outsidelink.
				l.Script = path.Base(hop)
			}
		}
		links = append(links, l)
	}
	return links, found, errs
}

// firstHop returns where the symlink p points, one link followed,
// lexically: etc/init.d/foo for etc/rc2.d/S20foo -> ../init.d/foo or
// -> /etc/init.d/foo. It is "" when p cannot be read.
func firstHop(fsys *rootfs.FS, p string) string {
	raw, err := fsys.Readlink(p)
	if err != nil {
		return ""
	}
	if !strings.HasPrefix(raw, "/") {
		raw = path.Dir(p) + "/" + raw
	}
	return strings.TrimPrefix(path.Clean("/"+raw), "/")
}

// linkName splits "S20foo" into S, 20 and foo.
func linkName(name string) (Link, bool) {
	if len(name) < 3 || (name[0] != 'S' && name[0] != 'K') {
		return Link{}, false
	}
	i := 1
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i == 1 || i == len(name) || i > 4 {
		return Link{}, false
	}
	n, _ := strconv.Atoi(name[1:i])
	return Link{Start: name[0] == 'S', Number: n, Name: name[i:]}, true
}

// DefaultRunlevel returns the default runlevel of etc/inittab
// ("id:2:initdefault:"), or "" when there is none.
func DefaultRunlevel(fsys *rootfs.FS) string {
	data, err := fsys.ReadFile("etc/inittab")
	if err != nil {
		return ""
	}
	return inittabDefault(data)
}

// inittabDefault returns the runlevel of the initdefault line of an
// inittab, or "" when there is none.
func inittabDefault(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		f := strings.Split(strings.TrimSpace(line), ":")
		if len(f) >= 3 && f[2] == "initdefault" && len(f[1]) == 1 && strings.Contains("0123456Ss", f[1]) {
			return f[1]
		}
	}
	return ""
}
