package parse

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Parallel calls f(0) ... f(n-1) on as many goroutines as there are
// CPUs, and returns when all have returned.
func Parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}
