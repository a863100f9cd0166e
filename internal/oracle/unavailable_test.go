package oracle

import (
	"path/filepath"
	"runtime"
	"testing"
)

// ending is a testing.TB that records how a helper ended the test: a
// failure or a skip (each stops the goroutine, as testing's do).
type ending struct {
	testing.TB
	failed, skipped bool
}

func (e *ending) Helper()               {}
func (e *ending) Fatalf(string, ...any) { e.failed = true; runtime.Goexit() }
func (e *ending) Skipf(string, ...any)  { e.skipped = true; runtime.Goexit() }
func (e *ending) Skip(...any)           { e.skipped = true; runtime.Goexit() }

// end runs f on an ending and returns it once f has returned or ended
// the test.
func end(t *testing.T, f func(testing.TB)) *ending {
	e := &ending{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(e)
	}()
	<-done
	return e
}

// TestMissingToolFailsUnderCI: a differential test whose tool this
// machine lacks skips, except under CI=true, where it fails
// (Unavailable): a CI machine without the tool must not pass.
func TestMissingToolFailsUnderCI(t *testing.T) {
	old := SysvGeneratorBinary
	SysvGeneratorBinary = filepath.Join(t.TempDir(), "no-systemd-sysv-generator")
	t.Cleanup(func() { SysvGeneratorBinary = old })
	for ci, fails := range map[string]bool{"true": true, "": false} {
		t.Setenv("CI", ci)
		e := end(t, func(tb testing.TB) { RunSysvGenerator(tb, t.TempDir()) })
		if e.failed != fails || e.skipped == fails {
			t.Errorf("CI=%q, RunSysvGenerator without its binary: failed %v, skipped %v; want failed %v", ci, e.failed, e.skipped, fails)
		}
	}
}
