package sysv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/initorder/initorder/internal/golden"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestLSB reads testdata/lsb/NAME.txtar: the script in "in" is read as
// etc/init.d/NAME and the dump of the result, then its diagnostics, must
// equal "want".
func TestLSB(t *testing.T) {
	golden.EachTxtar(t, "lsb", func(t *testing.T, name string, ar *txtar.Archive) []byte {
		s, errs := parseLSB(golden.Section(ar, "in"), "etc/init.d/"+name)
		return []byte(s.String() + errs.String())
	})
}

func TestLinkName(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"S20foo", "S 20 foo"},
		{"K01bar.sh", "K 1 bar.sh"},
		{"S100big", "S 100 big"},
		{"README", "-"},
		{"S20", "-"},
		{"Sfoo", "-"},
		{"X20foo", "-"},
		{"S12345x", "-"},
	}
	for _, tc := range tests {
		l, ok := linkName(tc.in)
		got := "-"
		if ok {
			got = fmt.Sprintf("%c %d %s", map[bool]rune{true: 'S', false: 'K'}[l.Start], l.Number, l.Name)
		}
		if got != tc.want {
			t.Errorf("linkName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestInsservConf(t *testing.T) {
	in := "# comment\n$local_fs +mountall,+mountall-bootclean\n$remote_fs $local_fs +mountnfs # trailing\n<interactive> +keymap\nbogus line\n$remote_fs=+extra;x\n$empty: +\n $indented +a\n"
	facs := map[string]*Facility{}
	errs := parseInsservConf([]byte(in), "etc/insserv.conf", facs)
	var b strings.Builder
	for _, name := range []string{"$local_fs", "$remote_fs", "<interactive>", "$empty"} {
		f := facs[name]
		fmt.Fprintf(&b, "%s@%d:", name, f.Pos.Line)
		for _, m := range f.Members {
			fmt.Fprintf(&b, " %s/%v@%d", m.Name, m.Optional, m.Pos.Line)
		}
		b.WriteString("\n")
	}
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	want := `$local_fs@2: mountall/true@2 mountall-bootclean/true@2
$remote_fs@3: $local_fs/false@3 mountnfs/true@3 #/false@3 trailing/false@3 extra/true@6 x/false@6
<interactive>@4: keymap/true@4
$empty@7:
etc/insserv.conf:3: $remote_fs: insserv reads "# trailing" as members, not as a comment
etc/insserv.conf:5: line does not start with a $facility or <group>, ignoring it
etc/insserv.conf:7: $empty: empty member, ignoring
etc/insserv.conf:8: line does not start with a $facility or <group>, ignoring it
`
	if got := b.String(); got != want {
		t.Errorf("parseInsservConf =\n%s\nwant\n%s", got, want)
	}
}

func TestInsservConfBinary(t *testing.T) {
	data := []byte("$local_fs +a\n$x\x00\x01\x02 y\n$remote_fs b\n" + strings.Repeat("\xff\xfe garbage\n", 1000))
	facs := map[string]*Facility{}
	errs := parseInsservConf(data, "etc/insserv.conf", facs)
	if len(errs) != 1 || errs[0].Error() != "etc/insserv.conf:2: binary file (NUL byte), ignoring it" || len(facs) != 0 {
		t.Errorf("parseInsservConf(binary) = %v and %d facilities, want one diagnostic at line 2 and none", errs, len(facs))
	}
}

func TestInsservConfGarbage(t *testing.T) {
	errs := parseInsservConf([]byte(strings.Repeat("not a facility\n", 1000)), "etc/insserv.conf", map[string]*Facility{})
	if len(errs) != maxConfProblems+1 || errs[maxConfProblems].Error() != "etc/insserv.conf:21: 20 problems already, ignoring the rest of the file" {
		t.Errorf("parseInsservConf(1000 bad lines) = %d diagnostics, the last %v; want %d, the last saying the rest is passed over", len(errs), errs[len(errs)-1], maxConfProblems+1)
	}
}

func TestIgnoredScript(t *testing.T) {
	for name, want := range map[string]bool{
		"ssh": false, "rc.local": false, "hwclock.sh": false,
		"README": true, "skeleton": true, "rc": true, "rcS": true, ".hidden": true,
		"foo~": true, "foo.dpkg-old": true, "foo.dpkg-dist": true, "foo.dpkg-new": true, "foo.rpmsave": true, "foo.swp": true,
	} {
		if got := ignoredScript(name); got != want {
			t.Errorf("ignoredScript(%q) = %v, want %v", name, got, want)
		}
	}
}
