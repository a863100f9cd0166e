package upstart

import "testing"

func TestMatchEnv(t *testing.T) {
	runlevel := []string{"RUNLEVEL=2", "PREVLEVEL=N"}
	job := jobEventEnv(&Job{Name: "mountall"}, "stopped", false)
	failed := jobEventEnv(&Job{Name: "mountall"}, "stopped", true)
	started := jobEventEnv(&Job{Name: "rc"}, "started", false)
	rc := jobEventEnv(&Job{Name: "rc", Export: []string{"RUNLEVEL", "PREVLEVEL"}}, "stopped", false)
	tests := []struct {
		args []string
		env  []string
		want bool
	}{
		{[]string{"[2345]"}, runlevel, true},
		{[]string{"[!2345]"}, runlevel, false},
		{[]string{"[016]"}, runlevel, false},
		{[]string{"2", "N"}, runlevel, true},
		{[]string{"2", "N", "extra"}, runlevel, false},
		{[]string{"RUNLEVEL=[2345]"}, runlevel, true},
		{[]string{"PREVLEVEL!=N"}, runlevel, false},
		{[]string{"FOO!=x"}, runlevel, true},
		{[]string{"FOO=x"}, runlevel, false},
		{[]string{"mountall"}, job, true},
		{[]string{"mount*"}, job, true},
		{[]string{"udev"}, job, false},
		{[]string{"mountall", "EXIT_STATUS=4"}, job, false},
		{[]string{"mountall", "EXIT_STATUS!=4"}, job, true},
		{[]string{"mountall", "EXIT_STATUS=4"}, failed, true},
		{[]string{"mountall", "ok"}, job, false}, // positional: JOB, INSTANCE, RESULT
		{[]string{"mountall", "", "ok"}, job, true},
		{[]string{"mountall", "RESULT=ok"}, job, true},
		{[]string{"rc", "RESULT=ok"}, started, false},         // started carries no RESULT
		{[]string{"mountall", "RUNLEVEL=[2345]"}, job, false}, // not exported: not carried
		{[]string{"rc", "RUNLEVEL=[2345]"}, rc, true},         // exported: its value is not known
		{[]string{"mountall", "RUNLEVEL!=2"}, job, true},
		{[]string{"IFACE=lo"}, []string{"IFACE=$iface"}, true},
	}
	for _, tc := range tests {
		if got := matchEnv(tc.args, tc.env); got != tc.want {
			t.Errorf("matchEnv(%q, %q) = %v, want %v", tc.args, tc.env, got, tc.want)
		}
	}
}

func TestExpandVars(t *testing.T) {
	env := map[string]string{"X": "1", "LONG_NAME": "v"}
	for in, want := range map[string]string{
		"$X": "1", "${X}y": "1y", "$LONG_NAME-$X": "v-1", "$MISSING": "$MISSING", "a$": "a$", "${": "${",
	} {
		if got := expandVars(in, env); got != want {
			t.Errorf("expandVars(%q) = %q, want %q", in, got, want)
		}
	}
}
