package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
)

// chaseReference is chase as it was before links were kept (followLink):
// every link's target walked again each time it is met, with one hop
// count for the whole name. TestChaseAgreesWithReference holds chase to it.
func (f *FS) chaseReference(name string, followLast bool) (string, error) {
	if name == "" || name == "." || strings.HasSuffix(name, "/") || strings.HasSuffix(name, "/.") {
		followLast = true
	}
	todo := components(name, nil)
	done := "."
	hops := 0
	for len(todo) > 0 {
		if done == "." && len(todo) == 2 && todo[0] == "dev" && todo[1] == "null" {
			return devNull, nil
		}
		c := todo[0]
		todo = todo[1:]
		if c == ".." {
			done = parent(done)
			continue
		}
		next := join(done, c)
		if next == devNull && len(todo) == 0 {
			return devNull, nil
		}
		mode, err := f.b.lmode(next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return cleanRel(next + "/" + strings.Join(todo, "/")), err
			}
			return next, err
		}
		if mode&fs.ModeSymlink == 0 {
			if len(todo) > 0 && !mode.IsDir() {
				return next, syscall.ENOTDIR
			}
			done = next
			continue
		}
		if !followLast && len(todo) == 0 {
			done = next
			continue
		}
		hops++
		if hops > maxHops {
			return next, ErrLoop
		}
		target, err := f.b.readlink(next)
		switch {
		case err != nil:
			return next, err
		case target == "":
			return next, syscall.EINVAL
		case len(target) >= pathMax:
			return next, syscall.ENAMETOOLONG
		}
		if target[0] == '/' {
			done = "."
		}
		todo = components(target, todo)
	}
	return done, nil
}

// randomTree is a small tree of directories, files and links that point
// every way: up, down, absolute, at dev/null, in loops and chains.
func randomTree(r *rand.Rand) []node {
	parts := []string{"a", "b", "c", "dev", "null", "..", "."}
	randPath := func(n int) string {
		var p []string
		for range n {
			p = append(p, parts[r.IntN(len(parts))])
		}
		return strings.Join(p, "/")
	}
	seen := map[string]bool{}    // written
	implied := map[string]bool{} // parents of what was written
	var nodes []node
	add := func(n node) {
		c := cleanRel(n.name)
		if c == "." || seen[c] || implied[c] {
			return
		}
		for d := parent(c); d != "."; d = parent(d) {
			if seen[d] {
				return // keep parents directories: writeDir makes them
			}
		}
		seen[c] = true
		for d := parent(c); d != "."; d = parent(d) {
			implied[d] = true
		}
		n.name = c
		nodes = append(nodes, n)
	}
	for range 12 {
		name := randPath(1 + r.IntN(3))
		switch r.IntN(4) {
		case 0:
			add(node{name: name, data: "x"})
		case 1:
			add(node{name: name, dir: true})
		default:
			target := randPath(1 + r.IntN(4))
			if r.IntN(3) == 0 {
				target = "/" + target
			}
			add(node{name: name, link: target})
		}
	}
	// A chain longer than 40 links, and one just short of it.
	for k := range 45 {
		add(node{name: fmt.Sprintf("ch/l%02d", k), link: fmt.Sprintf("l%02d", k+1)})
	}
	add(node{name: "ch/l45", data: "end"})
	return nodes
}

// TestChaseAgreesWithReference resolves names in random trees with chase
// and with chaseReference (which reads the backend alone, not what chase
// keeps): the same path and the same error, but for where a loop was
// noticed.
func TestChaseAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 5))
	names := []string{"ch/l00", "ch/l05", "ch/l00/x", "ch/l10/.."}
	parts := []string{"a", "b", "c", "dev", "null", "..", "ch", "l00"}
	for range 40 {
		var p []string
		for range 1 + r.IntN(5) {
			p = append(p, parts[r.IntN(len(parts))])
		}
		names = append(names, strings.Join(p, "/"))
	}
	for trial := range 25 {
		nodes := randomTree(r)
		for kind, f := range roots(t, nodes) {
			for _, name := range names {
				for _, followLast := range []bool{true, false} {
					got, gotErr := f.chase(name, followLast)
					want, wantErr := f.chaseReference(name, followLast)
					same := errClass(gotErr) == errClass(wantErr) && (got == want || errors.Is(wantErr, ErrLoop))
					if !same {
						t.Fatalf("trial %d, %s, tree %v:\nchase(%q, %v) = %q, %v; the reference gives %q, %v", trial, kind, nodes, name, followLast, got, gotErr, want, wantErr)
					}
				}
			}
		}
	}
}

func errClass(err error) string {
	for _, e := range []error{fs.ErrNotExist, syscall.ENOTDIR, ErrLoop, syscall.EINVAL, syscall.ENAMETOOLONG} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

// TestResolvedPathMax: a name that resolves to a path of PATH_MAX bytes or
// more is ENAMETOOLONG, however deep the directories really are: no init
// system names its files by such paths, and walking them would only cost
// time and memory (39 links into directories 2,040 deep each ran for more
// than 300 s).
func TestResolvedPathMax(t *testing.T) {
	dir := t.TempDir()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	const c, depth = "dddddddddd", 420 // 4,620 bytes
	for range depth {
		if err := r.Mkdir(c, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := r.OpenRoot(c)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		r = next
	}
	if err := r.WriteFile("f", []byte("deep"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.Close()
	half := strings.Repeat(c+"/", depth/2)
	writeDir(t, dir, []node{
		{name: "l", link: half},
		{name: "fits", link: strings.Repeat(c+"/", 370) + "x"},
	})
	// l -> half the depth, then m -> the other half and f.
	mdir, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := mdir.Symlink(half+"f", half+"m"); err != nil {
		t.Fatal(err)
	}
	mdir.Close()
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		name string
		want error
	}{
		{"l/m", syscall.ENAMETOOLONG},
		{"fits", fs.ErrNotExist}, // 4,071 bytes: looked at
	} {
		_, err := f.ReadFile(tc.name)
		checkErr(t, "read", tc.name, err, tc.want)
	}
}

// counting is a backend that counts the lmode calls made on it.
type counting struct {
	backend
	lmodes int
}

func (c *counting) lmode(name string) (fs.FileMode, error) {
	c.lmodes++
	return c.backend.lmode(name)
}

// TestLinksResolvedOnce resolves 200 links whose targets go through a
// chain of 39 links with long targets ("d/../d/../..." 800 times, then the
// next link): each link of the chain is walked once for all of them, not
// once for each (20,000 rc links through such a chain took 70 s).
func TestLinksResolvedOnce(t *testing.T) {
	pad := strings.Repeat("d/../", 800)
	nodes := []node{{name: "d", dir: true}, {name: "etc/init.d/s", data: "s"}}
	for k := 1; k <= 39; k++ {
		next := fmt.Sprintf("l%02d", k+1)
		if k == 39 {
			next = "etc"
		}
		nodes = append(nodes, node{name: fmt.Sprintf("l%02d", k), link: pad + next})
	}
	const links = 200
	for i := range links {
		nodes = append(nodes, node{name: fmt.Sprintf("etc/rc2.d/S%03ds", i), link: "/l01/init.d/s"})
	}
	for kind, f := range roots(t, nodes) {
		c := &counting{backend: f.b}
		f.b = c
		for i := range links {
			name := fmt.Sprintf("etc/rc2.d/S%03ds", i)
			if got, err := f.Resolve(name); got != "etc/init.d/s" || err != nil {
				t.Fatalf("%s: Resolve(%q) = %q, %v", kind, name, got, err)
			}
		}
		// The chain once (39 links of 1,601 components), then a few
		// steps a name.
		if max := 39*1601 + links*8; c.lmodes > max {
			t.Errorf("%s: %d lstats for %d names, want at most %d", kind, c.lmodes, links, max)
		}
	}
}
