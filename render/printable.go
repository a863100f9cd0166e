package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable returns s as the text formats print it: control characters
// (C0, DEL, C1) and bytes that are not UTF-8 are written as \xNN or
// \uNNNN, so that a file or unit name from a hostile root can neither
// move the terminal's cursor, change its title or colours, nor forge a
// line of output with a newline of its own. So are the characters that
// change how text around them looks without being seen themselves
// (Unicode's format characters, Cf: the bidirectional overrides such as
// U+202E, which print "exe.txt" for "txt.exe", and the zero-width ones
// such as U+200B, which make two names look the same) and the line and
// paragraph separators U+2028 and U+2029, and the noncharacters U+FFFE
// and U+FFFF, which XML does not allow (the SVG and the map). JSON and SARIF escape in their
// own way (writeJSON), the same characters. Text that needs no escape is
// returned as it is.
func printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || r == 0xfffe || r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Printable is printable for the messages the command line prints itself
// (its errors on stderr): each escaped once, where it is printed.
func Printable(s string) string { return printable(s) }
