package oracle

import (
	"reflect"
	"testing"
)

// These stderr samples are what insserv 1.24.0 (Debian 12) printed on the
// hand-made roots described in docs/insserv.md.
func TestParseMessages(t *testing.T) {
	tests := []struct {
		name   string
		stderr string
		want   []Message
	}{
		{
			name: "loop of two",
			stderr: "insserv: There is a loop between service a and b if started\n" +
				"insserv:  loop involving service b at depth 2\n" +
				"insserv:  loop involving service a at depth 1\n" +
				"insserv: There is a loop between service a and b if stopped\n" +
				"insserv:  loop involving service b at depth 2\n" +
				"insserv: There is a loop at service b if stopped\n" +
				"insserv: exiting now without changing boot order!\n",
			want: []Message{
				{KindLoop, []string{"a", "b"}, "There is a loop between service a and b if started"},
				{KindLoop, []string{"b"}, " loop involving service b at depth 2"},
				{KindLoop, []string{"a"}, " loop involving service a at depth 1"},
				{KindLoop, []string{"a", "b"}, "There is a loop between service a and b if stopped"},
				{KindLoop, []string{"b"}, "There is a loop at service b if stopped"},
				{KindOther, nil, "exiting now without changing boot order!"},
			},
		},
		{
			name: "dependency on a $all script",
			stderr: "insserv: Starting a depends on b and therefore on system facility `$all' which can not be true!\n" +
				"insserv: Starting a depends on b and therefore on system facility `$all' which can not be true!\n" +
				"insserv: Max recursions depth 99 reached\n",
			want: []Message{
				{KindLoop, []string{"a", "b"}, "Starting a depends on b and therefore on system facility `$all' which can not be true!"},
				{KindOther, nil, "Max recursions depth 99 reached"},
			},
		},
		{
			name: "required service",
			stderr: "insserv: warning: could not find all dependencies for $portmap\n" +
				"insserv: warning: could not find all dependencies for $portmap\n" +
				"insserv: FATAL: service nfs-common has to be enabled to use service nfs-kernel-server\n" +
				"insserv: exiting now!\n",
			want: []Message{
				{KindMissing, []string{"$portmap"}, "warning: could not find all dependencies for $portmap"},
				{KindNotEnabled, []string{"nfs-kernel-server", "nfs-common"}, "FATAL: service nfs-common has to be enabled to use service nfs-kernel-server"},
				{KindOther, nil, "exiting now!"},
			},
		},
		{
			name:   "enabled in too few runlevels",
			stderr: "insserv: FATAL: service dep is missed in the runlevels 2 4 5 to use service web\ninsserv: exiting now!\n",
			want: []Message{
				{KindNotEnabled, []string{"web", "dep"}, "FATAL: service dep is missed in the runlevels 2 4 5 to use service web"},
				{KindOther, nil, "exiting now!"},
			},
		},
		{
			name:   "has to exist",
			stderr: "insserv: FATAL: service foo has to exist for service bar\n",
			want:   []Message{{KindMissing, []string{"bar", "foo"}, "FATAL: service foo has to exist for service bar"}},
		},
		{
			name:   "duplicate provides",
			stderr: "insserv: script opensmtpd: service mail-transport-agent already provided!\ninsserv: exiting now!\n",
			want: []Message{
				{KindDuplicateProvides, []string{"opensmtpd", "mail-transport-agent"}, "script opensmtpd: service mail-transport-agent already provided!"},
				{KindOther, nil, "exiting now!"},
			},
		},
		{
			name: "headers and names",
			stderr: "insserv: warning: script 's4' missing LSB tags\n" +
				"insserv: Default-Start undefined, assuming empty start runlevel(s) for script `s4'\n" +
				"insserv: script s5 is broken: incomplete LSB comment.\n" +
				"insserv: missing `Required-Stop:'  entry: please add even if empty.\n" +
				"insserv: script name skeleton is not valid, skipped!\n" +
				"insserv: script samedirlink is a symlink to another script, skipped!\n" +
				"insserv: script nonexec is not an executable file, will be skipped in boot sequence!\n",
			want: []Message{
				{KindOther, nil, "warning: script 's4' missing LSB tags"},
				{KindOther, nil, "Default-Start undefined, assuming empty start runlevel(s) for script `s4'"},
				{KindOther, nil, "script s5 is broken: incomplete LSB comment."},
				{KindOther, nil, "missing `Required-Stop:'  entry: please add even if empty."},
				{KindOther, nil, "script name skeleton is not valid, skipped!"},
				{KindOther, nil, "script samedirlink is a symlink to another script, skipped!"},
				{KindOther, nil, "script nonexec is not an executable file, will be skipped in boot sequence!"},
			},
		},
		{name: "silence", stderr: "", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseMessages(tc.stderr); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseMessages(%q) =\n%#v\nwant\n%#v", tc.stderr, got, tc.want)
			}
		})
	}
}

func TestRefineMissing(t *testing.T) {
	msgs := ParseMessages("insserv: FATAL: service nosuch has to be enabled to use service web\n" +
		"insserv: FATAL: service dep has to be enabled to use service web\n" +
		"insserv: FATAL: service dep is missed in the runlevels 2 to use service web\n")
	refineMissing(msgs, map[string]bool{"web": true, "dep": true})
	var kinds []string
	for _, m := range msgs {
		kinds = append(kinds, m.Kind)
	}
	if want := []string{KindMissing, KindNotEnabled, KindNotEnabled}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("refineMissing kinds = %v, want %v", kinds, want)
	}
}

// A .depend.start that insserv wrote for a hand-made root.
func TestParseDepend(t *testing.T) {
	in := "TARGETS = b first a c last last2\n" +
		"INTERACTIVE = c\n" +
		"a: b\n" +
		"c: b\n" +
		"last: a c first\n" +
		"last2: a c first\n"
	got := parseDepend(in)
	want := depend{
		targets:     []string{"a", "b", "c", "first", "last", "last2"},
		interactive: []string{"c"},
		deps: map[string][]string{
			"a": {"b"}, "c": {"b"}, "last": {"a", "c", "first"}, "last2": {"a", "c", "first"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseDepend(%q) = %+v, want %+v", in, got, want)
	}
}
