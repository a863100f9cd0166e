package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{1 << 20, maxGCPercent},        // 1 MB: 11 MB is far under smallHeap
		{smallHeap / 11, maxGCPercent}, // just fits
		{smallHeap / 8, 700},           // 32 MB may grow to 256 MB
		{smallHeap / 4, gcPercent},     // 64 MB: four times is 256 MB
		{smallHeap, gcPercent},         // a big root: as before
		{4 << 30, gcPercent},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}
