package parse

import "strings"

// SplitKernelCmdline splits kernel command lines into words as systemd
// reads /proc/cmdline (proc_cmdline_parse_given in systemd 252's
// src/basic/proc-cmdline.c: extract_first_word with EXTRACT_UNQUOTE,
// EXTRACT_RELAX and EXTRACT_RETAIN_ESCAPE): words are separated by white
// space, single or double quotes group and are removed, a backslash is
// an ordinary character, an unclosed quote runs to the end. Each line is split on its own and the words are concatenated.
func SplitKernelCmdline(lines ...string) []string {
	var words []string
	for _, line := range lines {
		var w strings.Builder
		inWord := false
		var quote byte
		for i := 0; i < len(line); i++ {
			c := line[i]
			switch {
			case quote != 0 && c == quote:
				quote = 0
			case quote != 0:
				w.WriteByte(c)
			case c == '\'' || c == '"':
				quote, inWord = c, true
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if inWord {
					words = append(words, w.String())
					w.Reset()
					inWord = false
				}
			default:
				w.WriteByte(c)
				inWord = true
			}
		}
		if inWord {
			words = append(words, w.String())
		}
	}
	return words
}

// KernelRunlevel returns the SysV runlevel the last runlevel word of a
// kernel command line asks for, as sysvinit and upstart's rc-sysinit read
// it: "single", "s", "S" and "-s" are S, a digit 1 to 5 that runlevel;
// "" when none does. ("emergency" and "-b" start no runlevel's scripts at
// all with sysvinit: they are systemd's emergency.target and not read
// here.)
func KernelRunlevel(words []string) string {
	level := ""
	for _, w := range words {
		switch w {
		case "single", "s", "S", "-s":
			level = "S"
		case "1", "2", "3", "4", "5":
			level = w
		}
	}
	return level
}
