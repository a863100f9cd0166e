package rootfs

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// layerSource is one layer of an image: its uncompressed tar stream (the
// function may be called twice, for the second pass) and the digest of
// that stream, which the config lists as its diff_id.
type layerSource struct {
	open   func() (io.ReadCloser, error)
	diffID v1.Hash
}

// imageLimits are the limits of an image's root: a tar root's (a test
// makes them small).
var imageLimits = defaultTarLimits

// maxTrailing bounds what a layer may hold after the end of its tar
// archive: tar pads to its record size (10 KiB for GNU tar), nothing more.
const maxTrailing = 1 << 20

// applyLayers builds the index of an image root by applying its layers in
// order, as a container runtime extracts them into one directory (OCI
// image spec, layer.md "Applying Changesets"), without writing anything:
//
//   - a member replaces what the lower layers had at its name; a
//     directory over a directory merges with it, anything else over a
//     directory removes the directory and everything below it;
//   - a whiteout .wh.NAME removes NAME, and everything below it, as the
//     lower layers have it; .wh..wh..opq removes everything the lower
//     layers have below its directory. Neither removes what the whiteout's
//     own layer adds, whatever the order of the members ("Whiteout files
//     MUST only apply to resources in lower/parent layers"), and neither
//     is itself a file of the root; other .wh..wh. names (aufs metadata)
//     are ignored;
//   - a member lands where extraction would write it: through a symlinked
//     parent directory, never outside the root (cleanRel, place).
//
// Each layer's stream must match its diff_id, as a runtime checks it. The
// limits of a tar root (imageLimits) hold for the image as a whole:
// headers and bytes of index over all layers, bytes of contents kept;
// past the index limits the rest of the image is not read, and Problems
// says so (ErrPartial), as it does of the members no file system holds.
// The files reachable through symlinks but not kept are read in a second
// pass over just the layers that hold them. It runs in time linear in the
// layers' headers and the lengths of their names.
func applyLayers(path string, layers []layerSource) (*FS, error) {
	t := newTarFS(imageLimits)
	f := &FS{path: path, b: t}
	a := &applier{t: t, f: f, layer: map[string]int{".": -1}, kids: map[string]map[string]struct{}{}}
	first := make([]int, len(layers)+1) // ordinal of each layer's first header
	for i, l := range layers {
		first[i] = a.ord
		if t.stop != nil {
			continue // past the limits: the layer is not read
		}
		if err := a.apply(i, l); err != nil {
			return nil, fmt.Errorf("layer %d of %d (%s): %w", i+1, len(layers), l.diffID, err)
		}
	}
	first[len(layers)] = a.ord
	f.forget()
	t.link()
	f.problems = t.problems()
	need := t.reachable(f)
	byLayer := make(map[int]map[int]*tarEntry)
	for ord, e := range need {
		i := sort.SearchInts(first, ord+1) - 1
		if byLayer[i] == nil {
			byLayer[i] = map[int]*tarEntry{}
		}
		byLayer[i][ord] = e
	}
	for i, l := range layers {
		if len(byLayer[i]) == 0 {
			continue
		}
		rc, err := l.open()
		if err != nil {
			return nil, fmt.Errorf("layer %d of %d: %w", i+1, len(layers), err)
		}
		err = t.fill(tar.NewReader(bufio.NewReaderSize(rc, 64<<10)), byLayer[i], first[i])
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("layer %d of %d: %w", i+1, len(layers), err)
		}
		f.problems = t.problems() // fill may have found the layer cut short (changed since its digest was checked)
	}
	t.buf = nil
	return f, nil
}

// applier applies layers to a tarFS. Besides the index it keeps, for each
// name, the layer that wrote it and the names of each directory, so that a
// whiteout removes a subtree in time proportional to the subtree.
type applier struct {
	t     *tarFS
	f     *FS
	ord   int                            // ordinal of the next header, over all layers
	layer map[string]int                 // name → the layer that wrote it
	kids  map[string]map[string]struct{} // directory → the names in it
	// cleared are the directories of the current layer's whiteouts below
	// which every name is the current layer's: a later whiteout there has
	// nothing left to remove.
	cleared map[string]bool
}

// apply reads the layer's headers into the index and checks its digest.
func (a *applier) apply(layer int, l layerSource) error {
	rc, err := l.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	r := io.TeeReader(bufio.NewReaderSize(rc, 64<<10), h)
	tr := tar.NewReader(r)
	a.cleared = map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		t := a.t
		cost := entryCost + int64(len(hdr.Name)) + int64(len(hdr.Linkname))
		if a.ord >= t.limits.headers || t.size+cost > t.limits.index {
			// Past the limits the rest is not read, and the layer's
			// digest cannot be checked: the root is partial, and says so.
			t.stop = &tarStop{ord: a.ord, name: hdr.Name}
			a.f.forget()
			return nil
		}
		t.size += cost
		ord := a.ord
		a.ord++
		if !holdable(hdr) {
			if t.odd == 0 {
				t.firstOdd = hdr.Name
			}
			t.odd++
			continue // no booted machine can name it
		}
		if err := a.member(layer, hdr, ord, tr); err != nil {
			return err
		}
	}
	// The rest of the stream belongs to the digest too.
	n, err := io.Copy(io.Discard, io.LimitReader(r, maxTrailing+1))
	switch {
	case err != nil:
		return err
	case n > maxTrailing:
		return fmt.Errorf("more than %d bytes after the end of the tar archive", maxTrailing)
	}
	if got := hex.EncodeToString(h.Sum(nil)); l.diffID.Algorithm != "sha256" || got != l.diffID.Hex {
		return fmt.Errorf("contents do not match the diff_id: sha256:%s", got)
	}
	a.f.forget()
	return nil
}

// member applies one header of the layer.
func (a *applier) member(layer int, hdr *tar.Header, ord int, tr *tar.Reader) error {
	t, f := a.t, a.f
	name := cleanRel(hdr.Name)
	dir, base := split(name)
	if isWhiteout(base) {
		a.whiteout(layer, dir, base)
		return nil
	}
	e := t.entry(hdr, ord)
	if e == nil {
		return nil
	}
	if name == "." {
		if e.mode.IsDir() {
			t.files["."] = e
		}
		return nil
	}
	if t.underSymlink(dir) {
		f.forget() // what resolve remembers may have changed with this layer
	}
	name = t.place(f, name)
	if old := t.files[name]; old != nil && old.mode.IsDir() && !e.mode.IsDir() {
		a.dropBelow(name)
	}
	t.files[name] = e
	a.layer[name] = layer
	for n := name; n != "."; n = parent(n) {
		p, b := split(n)
		k := a.kids[p]
		if k == nil {
			k = map[string]struct{}{}
			a.kids[p] = k
		}
		if _, ok := k[b]; ok {
			break
		}
		k[b] = struct{}{}
		a.layer[n] = layer // n is name, or a directory place made for it
	}
	if e.mode.IsRegular() && int(e.ord) == ord && hasKeptPrefix(name) {
		if err := t.keep(e, tr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// whiteout applies the whiteout file base of the directory dir.
func (a *applier) whiteout(layer int, dir, base string) {
	if a.t.underSymlink(dir) {
		a.f.forget()
		if r, err := a.f.resolve(dir, true); err == nil {
			dir = r
		}
	}
	switch {
	case base == whiteoutOpaque:
		if e := a.t.files[dir]; e == nil || !e.mode.IsDir() || a.clearedAt(dir) {
			return
		}
		for k := range a.kids[dir] {
			a.removeLower(layer, join(dir, k))
		}
		a.cleared[dir] = true
	case len(base) > len(whiteoutMeta) && base[:len(whiteoutMeta)] == whiteoutMeta:
		return // .wh..wh.plnk and the like: aufs's own files
	default:
		victim := base[len(whiteoutPrefix):]
		if victim == "" || victim == "." || victim == ".." {
			return
		}
		p := join(dir, victim)
		if a.clearedAt(dir) || a.cleared[p] {
			return
		}
		if a.removeLower(layer, p) {
			a.cleared[p] = true
		}
	}
	a.f.forget()
}

// clearedAt reports whether dir or a directory above it is cleared.
func (a *applier) clearedAt(dir string) bool {
	for d := dir; ; d = parent(d) {
		if a.cleared[d] {
			return true
		}
		if d == "." {
			return false
		}
	}
}

// removeLower removes p and what is below it as the lower layers wrote
// them, and reports whether p stays: p is the current layer's, or a
// directory with something of the current layer below it.
func (a *applier) removeLower(layer int, p string) bool {
	e := a.t.files[p]
	if e == nil {
		return false
	}
	if a.cleared[p] {
		return a.layer[p] == layer || len(a.kids[p]) > 0
	}
	keep := a.layer[p] == layer
	if e.mode.IsDir() {
		for k := range a.kids[p] {
			if a.removeLower(layer, join(p, k)) {
				keep = true
			}
		}
	}
	if !keep {
		a.drop(p)
	}
	return keep
}

// drop removes p and everything below it.
func (a *applier) drop(p string) {
	a.dropBelow(p)
	delete(a.t.files, p)
	delete(a.layer, p)
	dir, base := split(p)
	delete(a.kids[dir], base)
}

// dropBelow removes everything below the directory p.
func (a *applier) dropBelow(p string) {
	for k := range a.kids[p] {
		a.drop(join(p, k))
	}
	delete(a.kids, p)
}

// forget drops what resolve remembers: applying a layer may change where
// a name leads.
func (f *FS) forget() {
	f.clean.Clear()
	for i := range 2 {
		f.resolved[i].clear()
		f.links[i].clear()
	}
}
