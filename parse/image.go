package parse

import (
	"path"
	"slices"
	"strings"

	"github.com/initorder/initorder/parse/rootfs"
)

// initNames are the programs that, run as PID 1, boot a machine from its
// init configuration: systemd, upstart and sysvinit are all "init" in
// /sbin (systemd also as itself in /lib/systemd).
var initNames = []string{"init", "systemd", "upstart"}

// ImageNote says, for a root read from a container image, when the
// image's configured command (Entrypoint, then Cmd, as a runtime joins
// them) is not an init system: the container then boots none of the
// services its init configuration names, which is read all the same, as
// a machine booted from the image would read it. It returns "" for a root
// that is no image and for an image whose command is an init system. A
// shell's -c script is looked at for its first command (sh -c "exec
// /sbin/init").
func ImageNote(img *rootfs.Image) string {
	if img == nil {
		return ""
	}
	argv := append(slices.Clone(img.Entrypoint), img.Cmd...)
	if len(argv) == 0 {
		return "the image configures no command (Entrypoint and Cmd are empty): a container of it boots nothing; its init configuration is read as a machine booted from the image would read it"
	}
	if isInitCommand(argv) {
		return ""
	}
	return "the image's command " + quoteArgv(argv) + " is not an init system: a container of it starts none of these services; its init configuration is read as a machine booted from the image would read it"
}

// isInitCommand reports whether argv runs an init system as PID 1.
func isInitCommand(argv []string) bool {
	prog := path.Base(argv[0])
	if (prog == "sh" || prog == "bash" || prog == "dash") && len(argv) >= 3 && argv[1] == "-c" {
		words := strings.Fields(argv[2])
		for len(words) > 0 && words[0] == "exec" {
			words = words[1:]
		}
		if len(words) == 0 {
			return false
		}
		prog = path.Base(words[0])
	}
	return slices.Contains(initNames, prog)
}

// quoteArgv prints argv as a shell would read it back, words with blanks
// or quotes quoted.
func quoteArgv(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
