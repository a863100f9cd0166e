package synth

import (
	"fmt"
	"strings"
)

// Upstart writes n upstart jobs under root/etc/init in 40 layers (see
// layers), with the shapes of an Ubuntu image: mountall emits the
// filesystem events, rc-sysinit the runlevel; the first tenth start on startup, virtual-filesystems
// or early jobs; the others on "started A and started B", some with
// "and local-filesystems" or "and runlevel [2345]"; every tenth is a
// task its dependents wait for with "stopped"; every ninth emits an event
// of its own (an emits stanza and "initctl emit" in post-start) that its
// dependents start on instead; one in twenty has an "or" (a race); one in
// fifty is a hook ("start on starting A"), one in fifty has an override
// that replaces its start on, and one in a hundred lives in etc/init/net/.
// The tree is deterministic for n and seed.
func Upstart(root string, n int, seed uint64) error {
	ls := newLayers(n, seed)
	t := newTree(root)
	t.file("etc/init/mountall.conf", "description \"Mount filesystems on boot\"\nstart on startup\ntask\nemits virtual-filesystems\nemits local-filesystems\nemits remote-filesystems\nemits all-swaps\nemits filesystem\nexec mountall --daemon\n", 0o644)
	t.file("etc/init/rc-sysinit.conf", "description \"System V initialisation compatibility\"\nstart on filesystem\nstop on runlevel\nemits runlevel\nenv DEFAULT_RUNLEVEL=2\ntask\nexec telinit \"${DEFAULT_RUNLEVEL}\"\n", 0o644)
	task := func(i int) bool { return i%10 == 7 }
	emits := func(i int) bool { return i%9 == 2 }
	event := func(d int) string {
		switch {
		case emits(d):
			return fmt.Sprintf("ev-%05d", d)
		case task(d):
			return "stopped " + name("upstart", d)
		}
		return "started " + name("upstart", d)
	}
	for i := 0; i < n; i++ {
		deps := ls.pick(i, 1+ls.r.IntN(3))
		var evs []string
		for _, d := range deps {
			evs = append(evs, event(d))
		}
		var cond string
		switch {
		case len(evs) == 0 && i%2 == 0:
			cond = "startup"
		case len(evs) == 0:
			cond = "virtual-filesystems"
		case i%50 == 9:
			cond = "starting " + name("upstart", deps[0])
		case i%20 == 5 && len(evs) > 1:
			cond = "(" + strings.Join(evs, " or ") + ") and local-filesystems"
		case !ls.early(i) && i%4 == 1:
			cond = strings.Join(evs, " and ") + " and runlevel [2345]"
		case i%4 == 2:
			cond = "local-filesystems and " + strings.Join(evs, " and ")
		default:
			cond = strings.Join(evs, " and ")
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# job %d\ndescription \"synthetic job %d\"\nauthor \"synth\"\n\nstart on %s\n", i, i, cond)
		if !ls.early(i) {
			b.WriteString("stop on runlevel [!2345]\n")
		}
		if task(i) {
			b.WriteString("task\n")
		} else {
			b.WriteString("respawn\nrespawn limit 10 5\n")
		}
		fmt.Fprintf(&b, "env DAEMON=/usr/sbin/job-%05d\n", i)
		if emits(i) {
			fmt.Fprintf(&b, "emits ev-%05d\n", i)
		}
		b.WriteString("\npre-start script\n    [ -x \"$DAEMON\" ] || { stop; exit 0; }\n    mkdir -p /run/job\nend script\n\nexec $DAEMON --foreground\n")
		if emits(i) {
			fmt.Fprintf(&b, "\npost-start exec initctl emit --no-wait ev-%05d\n", i)
		}
		file := "etc/init/" + name("upstart", i)
		t.file(file+".conf", b.String(), 0o644)
		if i%50 == 25 {
			t.file(file+".override", fmt.Sprintf("# local change\nstart on %s and filesystem\nrespawn limit 20 5\n", cond), 0o644)
		}
	}
	return t.err
}
