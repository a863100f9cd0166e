package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// layers is the dependency shape every generator shares: n services in 40
// layers, a service depending only on services of the three layers below
// its own, never across the first boot phase (layers 0-3) and the rest.
// Chains are up to 40 deep whatever n is, and fan-in grows with n.
type layers struct {
	n int
	r *rand.Rand
}

const nLayers = 40

func newLayers(n int, seed uint64) layers {
	return layers{n: n, r: rand.New(rand.NewPCG(seed, 42))}
}

// start returns the index of the first service of layer l.
func (ls layers) start(l int) int { return (l*ls.n + nLayers - 1) / nLayers }

// layer returns the layer of service i.
func (ls layers) layer(i int) int { return i * nLayers / ls.n }

// early reports whether service i is in the first phase (layers 0-3).
func (ls layers) early(i int) bool { return i < ls.start(4) }

// below returns the range [lo, hi) of services i may depend on.
func (ls layers) below(i int) (lo, hi int) {
	first := 0
	if !ls.early(i) {
		first = 4
	}
	l := ls.layer(i)
	return ls.start(max(l-3, first)), ls.start(l)
}

// pick returns k distinct services below i (fewer when there are fewer).
func (ls layers) pick(i, k int) []int {
	lo, hi := ls.below(i)
	var out []int
	for tries := 0; len(out) < k && hi > lo && tries < 4*k; tries++ {
		j := lo + ls.r.IntN(hi-lo)
		dup := false
		for _, o := range out {
			dup = dup || o == j
		}
		if !dup {
			out = append(out, j)
		}
	}
	return out
}

// Leaves returns the names of the services of the last layer of a root of
// n services of kind ("sysv", "upstart" or "systemd"): what nothing else
// depends on, for a layout to place in roles.
func Leaves(kind string, n int) []string {
	ls := layers{n: n}
	var out []string
	for i := ls.start(nLayers - 1); i < n; i++ {
		out = append(out, name(kind, i))
	}
	return out
}

// name is the service name of service i in a root of kind.
func name(kind string, i int) string {
	switch kind {
	case "systemd":
		return fmt.Sprintf("svc-%05d.service", i)
	case "upstart":
		if i%100 == 50 {
			return fmt.Sprintf("net/job-%05d", i)
		}
		return fmt.Sprintf("job-%05d", i)
	}
	return fmt.Sprintf("s%05d", i)
}

// tree writes files and symlinks under a root, creating directories once.
type tree struct {
	root string
	dirs map[string]bool
	err  error
}

func newTree(root string) *tree { return &tree{root: root, dirs: map[string]bool{}} }

func (t *tree) mkdir(dir string) {
	if t.err != nil || t.dirs[dir] {
		return
	}
	t.err = os.MkdirAll(filepath.Join(t.root, dir), 0o755)
	t.dirs[dir] = true
}

// file writes the file name (slash-separated, relative to the root).
func (t *tree) file(name, text string, mode os.FileMode) {
	t.mkdir(filepath.Dir(name))
	if t.err == nil {
		t.err = os.WriteFile(filepath.Join(t.root, name), []byte(text), mode)
	}
}

// link makes name a symlink to target.
func (t *tree) link(name, target string) {
	t.mkdir(filepath.Dir(name))
	if t.err == nil {
		t.err = os.Symlink(target, filepath.Join(t.root, name))
	}
}

// relLink makes name a symlink to the root-relative path target, by a
// relative path: it leads to the same file whether the tree is read as a
// root (initorder --root) or as plain directories (SYSTEMD_UNIT_PATH).
func (t *tree) relLink(name, target string) {
	rel, err := filepath.Rel(filepath.Dir(name), target)
	if err != nil && t.err == nil {
		t.err = err
	}
	t.link(name, filepath.ToSlash(rel))
}
