package rootfs

import (
	"slices"
	"strings"
	"testing"
)

// TestDeepDirsKept walks down a directory chain deeper than the budget of
// directories kept open: the ones kept are the deepest, where the walk
// is, so that each level costs one open from the level above (a root that
// kept the first ones it met would open every deeper level from there, a
// walk as long as the depth each time).
func TestDeepDirsKept(t *testing.T) {
	deep := strings.Repeat("d/", 50) + "f"
	dir := t.TempDir()
	writeDir(t, dir, []node{{name: deep, data: "deep"}, {name: "e/f", data: "e"}})
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := f.b.(*dirFS)
	d.maxDirs = 4
	if got, err := f.ReadFile(deep); string(got) != "deep" || err != nil {
		t.Fatalf("ReadFile(%q) = %q, %v", deep, got, err)
	}
	var kept []string
	for k := d.lru.head; k != nil; k = k.next {
		kept = append(kept, k.name)
	}
	var want []string
	for depth := 50; depth > 46; depth-- {
		want = append(want, strings.TrimSuffix(strings.Repeat("d/", depth), "/"))
	}
	if !slices.Equal(kept, want) {
		t.Errorf("kept open %q, want the deepest four, last used first: %q", kept, want)
	}
	if len(d.dirs) != 4 {
		t.Errorf("%d directories in the map, want 4", len(d.dirs))
	}
	// Another directory takes the place of the one used least recently.
	if got, err := f.ReadFile("e/f"); string(got) != "e" || err != nil {
		t.Fatalf("ReadFile(e/f) = %q, %v", got, err)
	}
	if d.lru.head.name != "e" || d.dirs[want[3]] != nil || len(d.dirs) != 4 {
		t.Errorf("after e/f: head %q, %q kept: %v", d.lru.head.name, want[3], d.dirs[want[3]] != nil)
	}
	for k := d.lru.head; k != nil; k = k.next {
		if k.refs != 0 {
			t.Errorf("%s: %d references left", k.name, k.refs)
		}
	}
}
