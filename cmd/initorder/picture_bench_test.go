package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkPictureDebian times initorder graph, the whole command (read
// the root, analyse, draw, run initorder-render), on a real root: the
// units of 115 Debian 12 packages (oracle.BuildUnitRoot, fetched at run
// time), 242 units in the graphical.target boot. Each format draws the
// whole boot (rails, reduced), as a user's `initorder graph --format F`
// does; cpu-s/op is the CPU time of a run, the renderer's included (the
// wall time, ns/op, follows the load of the shared machine); peak-MB is
// the largest resident size of the renderer on that boot. focus reports how many services --focus ssh.service
// --depth 2 draws (hubs are ends).
//
//	go test ./cmd/initorder -run '^$' -bench PictureDebian -benchtime 5x
func BenchmarkPictureDebian(b *testing.B) {
	root := debianPictures(b)
	out := filepath.Join(b.TempDir(), "boot")
	run := func(b *testing.B, args ...string) []byte {
		return initorder(b, append([]string{"graph", "--root", root, "--init", "systemd"}, args...)...)
	}
	dot := run(b, "--format", "dot")
	for _, format := range []string{"svg", "png", "html", "plot"} {
		b.Run(format, func(b *testing.B) {
			before, n := cpu(), 0
			for b.Loop() {
				run(b, "--format", format, "-o", out)
				n++
			}
			// CPU time, the renderer's included: the wall time follows
			// the load of the machine, this does not.
			b.ReportMetric((cpu()-before)/float64(n), "cpu-s/op")
			if format == "svg" || format == "png" {
				b.ReportMetric(rendererPeak(b, format, dot), "peak-MB")
			}
		})
	}
	b.Run("focus", func(b *testing.B) {
		var doc struct {
			Graphs []struct {
				Services []struct{ Name string } `json:"services"`
			} `json:"graphs"`
		}
		for b.Loop() {
			if err := json.Unmarshal(run(b, "--focus", "ssh.service", "--depth", "2", "--format", "json"), &doc); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(doc.Graphs[0].Services)), "services")
	})
}

// cpu is the user and system CPU time of this process and of the
// processes it has waited for, in seconds.
func cpu() float64 {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(self.Utime) + sec(self.Stime) + sec(children.Utime) + sec(children.Stime)
}

// rendererPeak runs initorder-render -T format on the DOT text once and
// returns its peak resident size in MB.
func rendererPeak(b *testing.B, format string, dot []byte) float64 {
	bin, err := exec.LookPath(rendererName)
	if err != nil {
		b.Fatal(err)
	}
	c := exec.Command(bin, "-T", format)
	c.Stdin = bytes.NewReader(dot)
	if out, err := c.CombinedOutput(); err != nil {
		b.Fatalf("%s -T %s: %v\n%.300s", bin, format, err, out)
	}
	ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
