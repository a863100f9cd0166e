package render

import "testing"

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ssh.service", "ssh.service"},
		{`getty@tty1.service systemd-fsck@dev-disk-by\x2duuid.service`, `getty@tty1.service systemd-fsck@dev-disk-by\x2duuid.service`},
		{"café ünïcode", "café ünïcode"},
		{"a\nb", `a\x0ab`},
		{"\x1b]0;owned\x07title", `\x1b]0;owned\x07title`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"bad\xff\xfe", `bad\xff\xfe`},
		{"tab\tdel\x7f", `tab\x09del\x7f`},
		{"c1\u0085next\u2028line", `c1\u0085next\u2028line`},
		{"rlo\u202etxt.exe", `rlo\u202etxt.exe`},
		{"bidi\u2066isolate\u2069\u200fmark", `bidi\u2066isolate\u2069\u200fmark`},
		{"zero\u200bwidth\u200c\u200d\u2060\ufeffjoin", `zero\u200bwidth\u200c\u200d\u2060\ufeffjoin`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"日本語 ℃ ü", "日本語 ℃ ü"},
		{"", ""},
	} {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
