package rootfs

import (
	"hash/maphash"
	"sync"
)

// shardedMap is a map of names cut in parts, each under its own lock,
// for the caches of a root that every core reads at once while a big
// root loads (an lstat of each component of each name): under one lock,
// the cores spent as much time waiting for it as looking names up. The
// zero value is empty and ready.
type shardedMap[V any] struct {
	parts [mapParts]mapPart[V]
}

// mapParts is how many parts a shardedMap has: enough that two cores
// seldom want the same one.
const mapParts = 32

type mapPart[V any] struct {
	mu sync.Mutex
	m  map[string]V
	_  [48]byte // a part to a cache line: one core's lock does not slow another's
}

// seed is the hash seed of every shardedMap.
var seed = maphash.MakeSeed()

func (s *shardedMap[V]) part(name string) *mapPart[V] {
	return &s.parts[maphash.String(seed, name)%mapParts]
}

func (s *shardedMap[V]) get(name string) (V, bool) {
	p := s.part(name)
	p.mu.Lock()
	v, ok := p.m[name]
	p.mu.Unlock()
	return v, ok
}

func (s *shardedMap[V]) put(name string, v V) {
	p := s.part(name)
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]V{}
	}
	p.m[name] = v
	p.mu.Unlock()
}

// update sets the value of name to what f returns for the value it has
// (ok: it has one), under the part's lock; when f says false, nothing
// changes.
func (s *shardedMap[V]) update(name string, f func(old V, ok bool) (V, bool)) {
	p := s.part(name)
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok := p.m[name]
	if v, set := f(old, ok); set {
		if p.m == nil {
			p.m = map[string]V{}
		}
		p.m[name] = v
	}
}

// clear empties the map.
func (s *shardedMap[V]) clear() {
	for i := range s.parts {
		p := &s.parts[i]
		p.mu.Lock()
		p.m = nil
		p.mu.Unlock()
	}
}
