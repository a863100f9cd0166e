package systemd

import (
	"testing"

	"github.com/initorder/initorder/internal/synth"
)

// TestSystemdSynthetic holds the synthetic unit trees the benchmarks and
// scripts/scale.sh use against systemd --test: the same transaction and
// every order systemd dumps holds, so that the scale figures are taken on
// trees systemd reads as initorder does.
func TestSystemdSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd --test; not in -short")
	}
	for _, seed := range []uint64{1, 2} {
		root := t.TempDir()
		if err := synth.Systemd(root, 1500, seed); err != nil {
			t.Fatal(err)
		}
		compareTransaction(t, root, "", 3000, "")
	}
}
