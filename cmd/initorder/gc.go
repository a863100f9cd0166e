package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector's pace, under the memory limit (Main): the first
// collection comes when the heap reaches smallHeap (GOGC=firstGCPercent:
// the runtime starts at 4 MB times GOGC/100); after it, the heap may grow
// to eleven times what is live (GOGC=1000) as long as that stays under
// smallHeap, and past it to four times (gcPercent). A check of 10,000
// units allocates some 100 MB and keeps 30 MB live: it made three
// collections at GOGC=300, a tenth of its time on two cores, one at
// GOGC=1000 (9 ms of 0.21 s), and now none (RSS 95 -> 110 MB). A root of
// 100,000 units or a fleet of nodes keeps enough live that its pace is
// GOGC=300 as before, and its peak the same.
const (
	firstGCPercent = 6300
	maxGCPercent   = 1000
	smallHeap      = 256 << 20
)

// paceGC sets GOGC to firstGCPercent now and, after each collection, to
// what keeps the next one under smallHeap, between gcPercent and
// maxGCPercent: the runtime has no setting for "grow freely while
// small", so a cleanup that runs once each cycle sets it. Once a
// process: tests call Main many times.
var paceGC = sync.OnceFunc(func() {
	debug.SetGCPercent(firstGCPercent)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := firstGCPercent
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
