package systemd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/internal/roottest"
	"github.com/initorder/initorder/parse"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// readUnitRoot builds the root of a txtar case and reads it: readUnits,
// then LoadUnit of every name in its "load" section.
func readUnitRoot(t *testing.T, ar *txtar.Archive) (us *Units, errs parse.ErrorList, loads, dir string) {
	dir = t.TempDir()
	roottest.Write(t, dir, ar)
	fsys, err := rootfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	us, errs, err = readUnits(fsys, nil)
	if err != nil {
		t.Fatalf("readUnits: %v", err)
	}
	var b strings.Builder
	for _, n := range strings.Fields(string(golden.Section(ar, "load"))) {
		if u := us.LoadUnit(n); u == nil {
			b.WriteString("load " + n + ": nil\n")
		} else {
			b.WriteString("load " + n + ": " + u.Name + "\n")
		}
	}
	return us, errs, b.String(), dir
}

// TestReadUnits reads testdata/units/NAME.txtar: its files (and
// "symlinks") make a root, readUnits reads it and LoadUnit loads the names
// of "load"; the dump of the units, then the diagnostics of readUnits and
// then of Units.Errors must equal "want".
func TestReadUnits(t *testing.T) {
	golden.EachTxtar(t, "units", func(t *testing.T, name string, ar *txtar.Archive) []byte {
		us, errs, loads, _ := readUnitRoot(t, ar)
		dump := us.String()
		if again := us.String(); again != dump {
			t.Errorf("Units.String() differs from one call to the next:\n%s\nthen\n%s", dump, again)
		}
		got := []byte(loads + dump + "== diagnostics\n" + errs.String())
		if all := us.Errors().String(); all != errs.String() {
			got = append(got, "== diagnostics after LoadUnit\n"+all...)
		}
		if fs := us.danglingAliases(); len(fs) > 0 {
			got = append(got, "== aliases that lead to no unit\n"...)
			for _, f := range fs {
				got = append(got, f.String()+"\n"...)
			}
		}
		return got
	})
}

// TestParseUnitFileLines checks the line handling of read_line() and
// config_parse() that txtar cannot hold: NUL and lone CR line ends, and
// lines around LONG_LINE_MAX.
func TestParseUnitFileLines(t *testing.T) {
	long := strings.Repeat("x", longLineMax-len("Description="))
	tests := []struct {
		name, in, want string
	}{
		{"nul ends a line", "[Unit]\x00After=a.service\x00\x00Before=b.service", "2 [Unit] After=a.service\n4 [Unit] Before=b.service\n"},
		{"cr ends a line", "[Unit]\rAfter=a.service\r\rBefore=b.service\n", "2 [Unit] After=a.service\n4 [Unit] Before=b.service\n"},
		{"lf cr is one end", "[Unit]\n\rAfter=a.service\r\n\x00Before=b.service", "2 [Unit] After=a.service\n3 [Unit] Before=b.service\n"},
		{"longest line", "[Unit]\nDescription=" + long[1:] + "\nAfter=a.service\n", "2 [Unit] Description=" + long[1:] + "\n3 [Unit] After=a.service\n"},
		{"line too long", "[Unit]\nAfter=a.service\nDescription=" + long + "\nAfter=b.service\n",
			"2 [Unit] After=a.service\nerror u:3: line too long: 1048576 bytes or more, systemd reads at most 1048575\n"},
		{"continued line too long", "[Unit]\nDescription=" + long[:len(long)/2] + "\\\n" + long[:len(long)/2] + "\\\n" + "xxx\nAfter=b.service\n",
			"error u:2: continued line too long: more than 1048576 bytes\n"},
		{"continuation at the end", "[Unit]\nAfter=a.service \\\n  b.service \\", "2 [Unit] After=a.service    b.service\n"},
		{"bom only at the start of a line", "[Unit]\nAfter=\xef\xbb\xbfa.service\n\xef\xbb\xbfBefore=b.service\n", "2 [Unit] After=\xef\xbb\xbfa.service\n3 [Unit] Before=b.service\n"},
		{"noncharacter", "[Unit]\nDescription=\xef\xbf\xbe\nAfter=a.service\n", "error u:2: String is not UTF-8 clean, ignoring assignment: Description=\xef\xbf\xbe\n"},
		{"warnings are bounded", "[Unit]\n" + strings.Repeat("x\n", 30), strings.Repeat("warning\n", maxUnitFileWarnings)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uf, errs := parseUnitFile([]byte(tc.in), "u")
			var b strings.Builder
			for _, o := range uf.Options {
				fmt.Fprintf(&b, "%d [%s] %s=%s\n", o.Pos.Line, o.Section, o.Name, o.Value)
			}
			for _, e := range errs {
				if e.Warning {
					b.WriteString("warning\n")
				} else {
					fmt.Fprintf(&b, "error %v\n", e)
				}
			}
			if (uf.Err != nil) != strings.Contains(tc.want, "error") {
				t.Errorf("parseUnitFile(%.40q).Err = %v", tc.in, uf.Err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("parseUnitFile(%.40q) =\n%.300s\nwant\n%.300s", tc.in, got, tc.want)
			}
		})
	}
}

// TestCompleteName completes names as systemctl does: a name that does
// not end in a unit type is a service's.
func TestCompleteName(t *testing.T) {
	for in, want := range map[string]string{
		"ssh": "ssh.service", "foo.bar": "foo.bar.service", "getty@tty1": "getty@tty1.service",
		"ssh.service": "", "network.target": "", "x.mount": "",
	} {
		got, ok := completeName(in)
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("completeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnitNames(t *testing.T) {
	tests := []struct {
		name string
		kind nameKind
	}{
		{"foo.service", namePlain},
		{"getty@tty1.service", nameInstance},
		{"getty@.service", nameTemplate},
		{"a@b@c.service", nameInstance},
		{"dev-sda1.device", namePlain},
		{`x\x2dy.mount`, namePlain},
		{"@foo.service", 0},
		{"foo.conf", 0},
		{".service", 0},
		{"foo", 0},
		{"foo bar.service", 0},
		{"foo%.service", 0},
		{strings.Repeat("a", 248) + ".service", 0},
		{strings.Repeat("a", 247) + ".service", namePlain},
	}
	for _, tc := range tests {
		if got := unitNameKind(tc.name); got != tc.kind {
			t.Errorf("unitNameKind(%q) = %v, want %v", tc.name, got, tc.kind)
		}
	}
	prefixes := map[string]string{
		"foo-bar-baz.service":  "foo-bar-.service",
		"foo-bar-.service":     "foo-.service",
		"foo-.service":         "",
		"foo.service":          "",
		"-foo.service":         "",
		"foo-bar@inst.service": "foo-@inst.service",
		"foo-bar@.service":     "foo-.service",
		"a--b.service":         "a--.service",
	}
	for n, want := range prefixes {
		got, ok := dashPrefixName(n)
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("dashPrefixName(%q) = %q, want %q", n, got, want)
		}
	}
	// unit_name_escape, as systemd-escape prints it; unescaping gives
	// the input back.
	escapes := map[string]string{"dev/sda1": "dev-sda1", "foo-bar": `foo\x2dbar`, ".hidden": `\x2ehidden`, "a.b": "a.b",
		"a b": `a\x20b`, `x\y`: `x\x5cy`, "ü": `\xc3\xbc`, "getty": "getty"}
	for in, want := range escapes {
		got := unitNameEscape(in)
		back, err := unescapeUnitName(got)
		if got != want || err != nil || back != in {
			t.Errorf("unitNameEscape(%q) = %q (back: %q, %v), want %q", in, got, back, err, want)
		}
	}
	paths := map[string]string{"-": "/", "dev-sda1": "/dev/sda1", `a\x2db`: "/a-b", "a--b": "", "-a": "", `a\x2`: ""}
	for in, want := range paths {
		got, err := unescapeUnitPath(in)
		if err != nil {
			got = ""
		}
		if got != want {
			t.Errorf("unescapeUnitPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitValue(t *testing.T) {
	tests := []struct {
		in   string
		mode splitMode
		want string
	}{
		{` a.service  "b c" d\e `, splitWords, `a.service|"b|c"|d\e`},
		{` a.service  "b c" d\e `, splitEscape, `a.service|"b|c"|de`},
		{` a.service  "b c" d\e 'f g'h`, splitUnquote, `a.service|b c|de|f gh`},
		{` "b\ c" d\e`, splitUnquoteRetain, `b\ c|d\e`},
		{`a "b`, splitUnquote, `a|error`},
		{`a b\`, splitEscape, `a|error`},
		{` a b `, splitNone, ` a b `},
	}
	for _, tc := range tests {
		words, err := splitValue(tc.in, tc.mode)
		got := strings.Join(words, "|")
		if err != nil {
			got += "|error"
		}
		if got != tc.want {
			t.Errorf("splitValue(%q, %d) = %q, want %q", tc.in, tc.mode, got, tc.want)
		}
	}
}
