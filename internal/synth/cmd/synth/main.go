// Command synth writes a synthetic root for scale tests and benchmarks:
//
//	go run ./internal/synth/cmd/synth -kind systemd -n 10000 DIR
//	go run ./internal/synth/cmd/synth -kind sysv -n 100000 -nodes 10000 -sets 50 -layout fleet.ini DIR
//
// DIR must not exist yet. -kind is sysv, upstart or systemd; -seed picks
// another tree of the same size. With -layout it also writes a layout of
// -nodes nodes over -sets role sets whose roles hold the root's last-layer
// services.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/initorder/initorder/internal/synth"
)

func main() {
	kind := flag.String("kind", "systemd", "init system: sysv, upstart, systemd or systemd-light (each unit Wants=+After= 0-3 earlier ones)")
	n := flag.Int("n", 1000, "number of services")
	seed := flag.Uint64("seed", 1, "random seed")
	layout := flag.String("layout", "", "also write a layout file here")
	nodes := flag.Int("nodes", 10000, "with -layout: number of nodes")
	sets := flag.Int("sets", 50, "with -layout: number of distinct role sets")
	flag.Parse()
	if flag.NArg() != 1 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: synth [-kind sysv|upstart|systemd] [-n N] [-seed S] [-layout FILE -nodes N -sets K] DIR")
		os.Exit(2)
	}
	if err := run(*kind, *n, *seed, *layout, *nodes, *sets, flag.Arg(0)); err != nil {
		fmt.Fprintf(os.Stderr, "synth: %v\n", err)
		os.Exit(1)
	}
}

func run(kind string, n int, seed uint64, layout string, nodes, sets int, dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%s exists", dir)
	}
	var err error
	switch kind {
	case "sysv":
		err = synth.SysV(dir, n, seed)
	case "upstart":
		err = synth.Upstart(dir, n, seed)
	case "systemd":
		err = synth.Systemd(dir, n, seed)
	case "systemd-light":
		err = synth.SystemdLight(dir, n, seed)
		layout = ""
	default:
		return fmt.Errorf("-kind %q: want sysv, upstart, systemd or systemd-light", kind)
	}
	if err != nil || layout == "" {
		return err
	}
	return os.WriteFile(layout, synth.Layout(kind, n, nodes, sets), 0o644)
}
