package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector's pace, under the memory limit (Main): a small
// heap may grow to eleven times what is live before a collection
// (GOGC=1000), as long as that stays under smallHeap; past it, four
// times (gcPercent). A check of 10,000 units keeps about 30 MB live and
// made three collections at GOGC=300, a tenth of its time on two cores;
// a root of 100,000 units or a fleet of nodes keeps enough live that its
// pace is GOGC=300 as before, and its peak the same.
const (
	maxGCPercent = 1000
	smallHeap    = 256 << 20
)

// paceGC sets GOGC to maxGCPercent now and, after each collection, to
// what keeps the next one under smallHeap, not below gcPercent: the
// runtime has no setting for "grow freely while small", so a cleanup
// that runs once each cycle sets it. Once a process: tests call Main
// many times.
var paceGC = sync.OnceFunc(func() {
	debug.SetGCPercent(maxGCPercent)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := maxGCPercent
	var arm func()
	arm = func() {
		// An object nothing refers to: the next collection frees it, and
		// its cleanup runs after that collection.
		runtime.AddCleanup(new(*byte), func(struct{}) {
			metrics.Read(sample)
			if p := gcPercentFor(sample[0].Value.Uint64()); p != last {
				debug.SetGCPercent(p)
				last = p
			}
			arm()
		}, struct{}{})
	}
	arm()
})

// gcPercentFor is the GOGC that lets a heap with live bytes grow to
// smallHeap before the next collection, between gcPercent and
// maxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	return int(min(max(smallHeap*100/live, 100+gcPercent), 100+maxGCPercent) - 100)
}
