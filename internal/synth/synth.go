// Package synth writes synthetic roots of any size for benchmarks and
// scale tests: realistic dependency shapes, written by us, deterministic
// for a given size and seed.
package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// SysV writes n LSB init scripts under root/etc/init.d, an insserv.conf
// with the usual facilities, and their links: the first tenth in rcS.d,
// the rest in rc2.d. Each script requires one to three scripts of the
// layers below it and a facility, should-starts one more, and a few of
// the last layer need $all, so chains are long and fan-in is wide, as in
// a real image.
func SysV(root string, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 42))
	for _, d := range []string{"etc/init.d", "etc/rcS.d", "etc/rc2.d"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	conf := "$local_fs\t+s00000 +s00001\n$remote_fs\t$local_fs +s00002\n$syslog\t+s00003\n$network\t+s00004\n$time\t+s00005\n"
	if err := os.WriteFile(filepath.Join(root, "etc/insserv.conf"), []byte(conf), 0o644); err != nil {
		return err
	}
	// Scripts are in 40 layers; a script depends only on scripts of the
	// three layers below its own in its own phase (rcS: layers 0-3), so
	// the link number layer+1 agrees with the headers, as insserv writes
	// it, and chains are up to 40 deep whatever n is.
	const layers = 40
	layerStart := func(l int) int { return (l*n + layers - 1) / layers }
	boot := layerStart(4)
	facilities := []string{"$local_fs", "$remote_fs", "$syslog", "$network", "$time"}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s%05d", i)
		layer := i * layers / n
		first := 0
		if i >= boot {
			first = 4
		}
		lo, hi := layerStart(max(layer-3, first)), layerStart(layer)
		var req, should []string
		if hi > lo {
			for k := 0; k < 1+r.IntN(3); k++ {
				req = append(req, fmt.Sprintf("s%05d", lo+r.IntN(hi-lo)))
			}
			should = append(should, fmt.Sprintf("s%05d", lo+r.IntN(hi-lo)))
		}
		if i >= layerStart(1) && i >= 6 {
			req = append(req, facilities[r.IntN(len(facilities))])
		}
		if i >= boot && layer == layers-1 && r.IntN(20) == 0 {
			req = append(req, "$all")
		}
		levels := "2 3 4 5"
		if i < boot {
			levels = "S"
		}
		script := fmt.Sprintf("#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          %s\n# Required-Start:    %s\n# Required-Stop:\n# Should-Start:      %s\n# Default-Start:     %s\n# Default-Stop:      0 1 6\n# Short-Description: synthetic service %d\n### END INIT INFO\n\ncase \"$1\" in\nstart) echo starting %s ;;\nesac\n",
			name, strings.Join(req, " "), strings.Join(should, " "), levels, i, name)
		if err := os.WriteFile(filepath.Join(root, "etc/init.d", name), []byte(script), 0o755); err != nil {
			return err
		}
		dir := "etc/rc2.d"
		if i < boot {
			dir = "etc/rcS.d"
		}
		link := filepath.Join(root, dir, fmt.Sprintf("S%02d%s", layer+1, name))
		if err := os.Symlink("../init.d/"+name, link); err != nil {
			return err
		}
	}
	return nil
}
