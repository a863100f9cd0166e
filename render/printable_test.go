package render

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
)

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

// TestJSONPrintable: the JSON of hostile names carries no C1 control and
// no format character raw, and reads back as the same strings.
func TestJSONPrintable(t *testing.T) {
	names := []string{"c1\u0085\u009bx", "rlo\u202etxt", "zw\u200b\ufeff", "tag\U000e0041", "plain ünïcode 日本"}
	var out bytes.Buffer
	if err := writeJSON(&out, names); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if r >= 0x80 && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			t.Errorf("JSON has %U raw:\n%s", r, out.String())
		}
	}
	var back []string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || !slices.Equal(back, names) {
		t.Errorf("JSON reads back as %q, %v; want %q", back, err, names)
	}
	if !strings.Contains(out.String(), `"tag\udb40\udc41"`) || !strings.Contains(out.String(), `"plain ünïcode 日本"`) {
		t.Errorf("JSON = %s", out.String())
	}
}
