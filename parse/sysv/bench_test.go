package sysv

import (
	"fmt"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/synth"
	"github.com/initorder/initorder/parse/rootfs"
)

// BenchmarkSysV reads a synthetic root of n scripts and runs every
// analysis on it: what "initorder check" does, less the printing.
func BenchmarkSysV(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("scripts=%d", n), func(b *testing.B) {
			if n > 10000 && testing.Short() {
				b.Skip("-short")
			}
			root := b.TempDir()
			if err := synth.SysV(root, n, 1); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				fsys, err := rootfs.Open(root)
				if err != nil {
					b.Fatal(err)
				}
				sv, err := Read(fsys, Options{Runlevel: "2"})
				if err != nil {
					b.Fatal(err)
				}
				graph.Order(sv.Graph)
				if fs := graph.Check(sv.Graph); len(fs) != 0 {
					b.Fatalf("synthetic root has findings: %v", fs[0])
				}
				fsys.Close()
			}
		})
	}
}
