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
// line of output with a newline of its own. JSON and SARIF escape in
// their own way. Text that needs no escape is returned as it is.
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
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
