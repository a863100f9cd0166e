package upstart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/golden"
	"github.com/initorder/initorder/parse/rootfs"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestUpstart reads testdata/jobs/NAME.txtar: "in" is read as
// etc/init/NAME.conf, then "override" (if any) as etc/init/NAME.override,
// and the dump of the job, then its diagnostics, must equal "want".
func TestUpstart(t *testing.T) {
	golden.EachTxtar(t, "jobs", func(t *testing.T, name string, ar *txtar.Archive) []byte {
		job, errs := parseJob(golden.Section(ar, "in"), name, "etc/init/"+name+".conf")
		if override := golden.Section(ar, "override"); override != nil {
			errs = append(errs, applyOverride(job, override, "etc/init/"+name+".override")...)
		}
		return []byte(job.String() + errs.String())
	})
}

// corpusDir holds real job files that upstart accepted, beside the
// repository: main/parse/upstart/../../../shared is shared/, the sibling of main/.
const corpusDir = "../../../shared/corpus/upstart"

// corpusSets returns the roots of the corpus (each holds etc/init), or
// skips the test when the corpus is not there.
func corpusSets(t *testing.T) []string {
	sets, _ := filepath.Glob(filepath.Join(corpusDir, "*", "etc", "init"))
	if len(sets) == 0 {
		abs, _ := filepath.Abs(corpusDir)
		t.Logf("no upstart corpus at %s", abs)
		t.Skip("no upstart corpus")
	}
	for i, s := range sets {
		sets[i] = filepath.Dir(filepath.Dir(s))
	}
	return sets
}

// TestUpstartCorpus reads every job of the corpus, as upstart would read
// each set's etc/init: upstart loaded all of them, so no error is
// allowed, and only overrides of jobs that the set lacks may be
// reported.
func TestUpstartCorpus(t *testing.T) {
	files := 0
	for _, set := range corpusSets(t) {
		t.Run(filepath.Base(set), func(t *testing.T) {
			fsys, err := rootfs.Open(set)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			jobs, found, errs, err := readJobs(fsys)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				if !e.Warning {
					t.Errorf("%v", e)
				}
			}
			for _, f := range found {
				t.Logf("%v", f)
				if f.Severity != graph.Info || f.Kind != graph.KindOrphanOverride || !strings.Contains(f.Message, "override without") {
					t.Errorf("unexpected finding %v", f)
				}
			}
			emits := 0
			for _, j := range jobs {
				if j.Rejected {
					t.Errorf("%s: rejected", j.Path)
				}
				emits += len(j.ScriptEmits)
				files++
				if j.Override != "" {
					files++
				}
			}
			t.Logf("%d jobs, %d initctl emit, %d findings", len(jobs), emits, len(found))
			files += len(found)
		})
	}
	t.Logf("%d files", files)
}

// TestUpstartCorpusExprs dumps the expressions of a few corpus jobs that
// nest parentheses or continue over lines. The input stays in shared/;
// the dump is ours.
func TestUpstartCorpusExprs(t *testing.T) {
	corpusSets(t)
	var b strings.Builder
	for _, f := range []string{
		"ubuntu-14.04-trusty/etc/init/rc-sysinit.conf",
		"ubuntu-14.04-trusty/etc/init/failsafe.conf",
		"raspbmc/etc/init/avahi-daemon.conf",
		"raspbmc/etc/init/gssd.conf",
		"raspbmc/etc/init/mountall-shell.conf",
		"raspbmc/etc/init/network-lo.conf",
	} {
		data, err := os.ReadFile(filepath.Join(corpusDir, f))
		if err != nil {
			t.Fatal(err)
		}
		j, errs := parseJob(data, strings.TrimSuffix(filepath.Base(f), ".conf"), f)
		if len(errs) > 0 {
			t.Errorf("%s: %v", f, errs)
		}
		b.WriteString(j.String())
	}
	golden.Check(t, "testdata/jobs/corpus-exprs.golden", []byte(b.String()))
}

// TestReadJobs reads a root with subdirectories, overrides (one
// without its job), a symlinked job, a directory loop, hidden and
// non-job files, and an unreadable job.
func TestReadJobs(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlink := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/init/net/apache.conf", "start on started net-up\n")
	write("etc/init/net/apache.override", "start on runlevel [2345]\n")
	write("etc/init/net-up.conf", "start on startup\nemits net-up\n")
	write("etc/init/orphan.override", "manual\n")
	write("etc/init/broken.conf", "start on (a\n")
	write("etc/init/README", "not a job\n")
	write("etc/init/.conf", "hidden, no name\n")
	write("etc/init/.hidden/x.conf", "start on startup\n")
	write("etc/init/old.conf.dpkg-old", "start on startup\n")
	write("srv/linked.conf", "start on startup\ntask\n")
	symlink("/srv/linked.conf", "etc/init/linked.conf")
	symlink("/etc/init", "etc/init/net/loop")
	symlink("/nowhere", "etc/init/dangling.conf")
	write("etc/init/huge.conf", strings.Repeat("#", rootfs.MaxFileSize+1))

	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	jobs, found, errs, err := readJobs(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, j := range jobs {
		b.WriteString(j.String())
	}
	for _, f := range found {
		b.WriteString(f.String() + "\n")
	}
	b.WriteString(errs.String())
	want := `job broken (etc/init/broken.conf)
rejected
job linked (etc/init/linked.conf)
start on startup
  etc/init/linked.conf:1: startup
task
job net-up (etc/init/net-up.conf)
start on startup
  etc/init/net-up.conf:1: startup
emits net-up (etc/init/net-up.conf:2)
job net/apache (etc/init/net/apache.conf)
override etc/init/net/apache.override
start on runlevel [2345]
  etc/init/net/apache.override:1: runlevel [2345]
etc/init/orphan.override: info: orphan-override: override without orphan.conf: upstart ignores it (the job's package was removed, or the job renamed?)
etc/init/broken.conf:1: start on: Mismatched parentheses
etc/init/dangling.conf: no such file or directory
etc/init/huge.conf: file too large: 8388609 bytes, limit 8388608
etc/init/net/loop: warning: directory loop, not read
`
	if got := b.String(); got != want {
		t.Errorf("readJobs =\n%s\nwant\n%s", got, want)
	}
}

func TestReadJobsNoInit(t *testing.T) {
	root := t.TempDir()
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	jobs, found, errs, err := readJobs(fsys)
	if jobs != nil || found != nil || errs != nil || err != nil {
		t.Errorf("readJobs(empty root) = %v, %v, %v, %v, want nothing", jobs, found, errs, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/init"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err = rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	if _, _, _, err := readJobs(fsys); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("readJobs(etc/init a file) error = %v, want one", err)
	}
}

// TestExprString checks the canonical form: fully parenthesised below
// the top, quoted where the syntax needs it, and read back the same.
func TestExprString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a or b and c", "(a or b) and c"},
		{"a and b or c", "(a and b) or c"},
		{"a or (b and c)", "a or (b and c)"},
		{"((a))", "a"},
		{"a and b and c and d", "((a and b) and c) and d"},
		{"x and (a or b) or c", "(x and (a or b)) or c"},
		{"runlevel [!2345]", "runlevel [!2345]"},
		{`foo 'and' "or" "A=b c"`, `foo "and" "or" "A=b c"`},
		{`"and" or b`, `"and" or b`},
		{`e "a\"b" "x#y" "(p)" back\\slash`, `e "a\"b" "x#y" "(p)" "back\\slash"`},
		{"net-device-up IFACE!=lo", "net-device-up IFACE!=lo"},
	}
	for _, tc := range tests {
		j, errs := parseJob([]byte("start on "+tc.in+"\n"), "t", "t.conf")
		if len(errs) > 0 || j.StartOn == nil {
			t.Errorf("start on %s: %v", tc.in, errs)
			continue
		}
		if got := j.StartOn.String(); got != tc.want {
			t.Errorf("Expr(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		j2, errs := parseJob([]byte("start on "+tc.want+"\n"), "t", "t.conf")
		if len(errs) > 0 || j2.StartOn.String() != tc.want {
			t.Errorf("start on %s: does not read back: %v %v", tc.want, j2.StartOn, errs)
		}
	}
}

// TestScanEmits checks the shell reading behind ScriptEmits: an emit
// anywhere in the text counts.
func TestScanEmits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"initctl emit foo", "foo@1"},
		{"initctl emit --no-wait foo X=1 Y=2", "foo X=1 Y=2@1"},
		{"/sbin/initctl -q emit -n foo", "foo@1"},
		{"initctl emit foo --no-wait", "foo@1"},
		{"x=$(initctl emit foo) && initctl emit bar || initctl emit baz", "foo@1 bar@1 baz@1"},
		{"if true; then initctl emit foo; fi", "foo@1"},
		{"A=1 initctl emit foo", "foo@1"},
		{"initctl emit foo 2>/dev/null >&2", "foo@1"},
		{"initctl emit \\\n  foo \\\n  X=\"a b\"", `foo "X=a b"@1`},
		{"echo\ninitctl emit 'foo' X='$Y'", "foo X=$Y@2"},
		{"initctl emit $EVENT\ninitctl emit \"$E\"", ""},
		{"echo initctl emit foo", ""},
		{"# initctl emit foo\n  initctl emit bar # initctl emit baz", "bar@2"},
		{"initctl emit", ""},
		{"initctl start foo", ""},
		{"su -c 'initctl emit foo'", ""},
		{"`initctl emit foo`", "foo@1"},
		{"cat <<EOF\nhello\nEOF\ninitctl emit foo", "foo@4"},
		{"cat <<-'END' | sh\n\tinitctl emit no\n\tEND\ninitctl emit yes", "yes@4"},
		{"cat <<EOF >x; initctl emit same-line\ninitctl emit no\nEOF", "same-line@1"},
		{"echo \"unterminated\ninitctl emit foo", ""},
		{"initctl emit foo-${X} A=b#c", `foo-${X} "A=b#c"@1`},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range scanCommands([]byte(tc.in), 1, "f") {
			if c.Verb == "emit" {
				got = append(got, c.Emit().String()+"@"+c.Pos.String()[2:])
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("scanCommands(%q) emits %q, want %q", tc.in, g, tc.want)
		}
	}
}

// TestScanCommands checks the commands start, stop, restart and telinit
// (also through initctl, service and invoke-rc.d), and which of them run
// under a condition ("?" after the command).
func TestScanCommands(t *testing.T) {
	tests := []struct{ in, want string }{
		{"start logger || :", "start logger@1"},
		{"start logger && echo ok", "start logger@1"},
		{"start --no-wait logger || true", "start logger@1"},
		{"status plymouth-shutdown 2>/dev/null >/dev/null && start wait-for-state WAITER=rc WAIT_FOR=plymouth-shutdown || :", "start wait-for-state WAITER=rc WAIT_FOR=plymouth-shutdown?@1"},
		{"if [ -e /x ]\nthen\n  initctl stop xbmc\nfi\nstart b", "stop xbmc?@3 start b@5"},
		{"if start a; then :; fi", "start a?@1"},
		{"test -x /y || { stop; exit 1; }\nstart portmap-wait WAITER=statd", "start portmap-wait WAITER=statd@2"},
		{"a || { start x; }; start y", "start x?@1 start y@1"},
		{"exec telinit 5", "telinit 5@1"},
		{"telinit \"${DEFAULT_RUNLEVEL}\"", "telinit ${DEFAULT_RUNLEVEL}@1"},
		{"/sbin/initctl emit --no-wait daemon-died", "initctl emit daemon-died@1"},
		{"[ -e x ] || initctl emit --no-wait maybe", "initctl emit maybe?@1"},
		{"exec start --no-wait mountall", "start mountall@1"},
		{"/sbin/initctl -q restart foo X=1", "restart foo X=1@1"},
		{"service foo start", "start foo@1"},
		{"/usr/sbin/service foo stop", "stop foo@1"},
		{"invoke-rc.d foo restart", "restart foo@1"},
		{"service foo status; service --status-all", ""},
		{"f() {\n start a\n}\nstart b", "start a?@2 start b@4"},
		{"f () { start a; }; start b", "start a?@1 start b@1"},
		{"function g {\n start a\n}\nstart b", "start a?@2 start b@4"},
		{"function g() {\n start a\n}\nstart b", "start a?@2 start b@4"},
		{"case $1 in\n start) start a ;;\nesac\nstart b", "start a?@2 start b@4"},
		{"while sleep 1; do start a; done; start b", "start a?@1 start b@1"},
		{"for x in 1 2; do\n  start a\ndone\nstart b", "start a@2 start b@4"},
		{"for j in a b; do start $j; done", "start a@1 start b@1"},
		{"for j in a b\ndo\n  initctl start ${j}-x N=$j\ndone", "start a-x N=a@3 start b-x N=b@3"},
		{"for j in $(ls); do start $j; done", "start $j?@1"},
		{"for j in a*; do start $j; done", "start $j?@1"},
		{"for j; do start $j; done", "start $j?@1"},
		{"for j in a b; do start $jx; done", "start $jx@1"},
		{"if x; then for j in a; do start $j; done; fi", "start a?@1"},
		{"for j in a b; do if x; then start $j; fi; done", "start a?@1 start b?@1"},
		{"for j in a b; do x || start $j; start c; done", "start a?@1 start b?@1 start c@1"},
		{"for i in 1 2; do for j in a b; do start $j$i; done; done", "start a1@1 start b1@1 start a2@1 start b2@1"},
		{"while x; do for j in a; do start $j; done; done", "start a?@1"},
		{"a || (start x); start y", "start x?@1 start y@1"},
		{"x=$(start a)", "start a@1"},
		{"x=$()\nstart b", "start b@2"},
		{"start a &\nstart b", "start a@1 start b@2"},
		{"a && start x & start y", "start x?@1 start y@1"},
		{"cat <<EOF\nstart a\nEOF\nstart b", "start b@4"},
		{"echo start a; echo stop b", ""},
		{"stop", ""},
		{"start $JOB", "start $JOB@1"},
		{"if a; then\n if b; then start x; fi\n start y\nfi\nstart z", "start x?@2 start y?@3 start z@5"},
		{"fi; done; esac; }; )\nstart a", "start a@2"},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range scanCommands([]byte(tc.in), 1, "f") {
			cond := ""
			if c.Cond {
				cond = "?"
			}
			got = append(got, fmt.Sprintf("%s%s@%d", c, cond, c.Pos.Line))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("scanCommands(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

// TestScanCommandsBounded: for loops multiply a command by their words,
// up to maxForEach for one command and maxForEachText for a text; past
// that, commands are kept as written.
func TestScanCommandsBounded(t *testing.T) {
	nested := "for i in 1 2 3 4 5 6 7 8 9; do for j in 1 2 3 4 5 6 7 8 9; do for k in 1 2 3 4; do start $i$j$k; done; done; done\n"
	if n := len(scanCommands([]byte(nested), 1, "f")); n != maxForEach {
		t.Errorf("9*9*4 words: %d commands, want %d", n, maxForEach)
	}
	cs := scanCommands([]byte(strings.Repeat(nested, 40)), 1, "f")
	if want := maxForEachText + 40 - maxForEachText/maxForEach; len(cs) != want {
		t.Errorf("40 such loops: %d commands, want %d", len(cs), want)
	}
	// Past maxShFrames no frame opens: a for loop there is read as the
	// innermost open frame, an if, whose commands stay conditional.
	deep := strings.Repeat("if x; then ", maxShFrames) + "for j in a; do start $j; done"
	if got := scanCommands([]byte(deep), 1, "f"); len(got) != 1 || !got[0].Cond || got[0].Name != "$j" {
		t.Errorf("a for loop past %d frames: %+v, want start $j, conditional", maxShFrames, got)
	}
	if first := cs[0]; first.Name != "111" {
		t.Errorf("first: %s, want start 111", first)
	}
	if last := cs[len(cs)-1]; last.Name != "$i$j$k" {
		t.Errorf("past the bound: %s, want start $i$j$k", last)
	}
}

// TestUpstartLexErrors covers inputs that a txtar file cannot hold: no
// newline at the end of the file.
func TestUpstartLexErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"start on startup\nemits a \\", "f:2: emits: Trailing slash in file\n"},
		{"start on a\\", "f:1: start on: Trailing slash in file\n"},
		{"exec foo \"bar", "f:1: exec: Unterminated quoted string\n"},
		{"script\nend script", ""},
		{"script\n  echo\n  end script # done", ""},
		{"start on (a or\nb)", ""},
		{"start on (a or", "f:1: start on: Expected event\n"},
		{"start on (a", "f:1: start on: Mismatched parentheses\n"},
		{"start on a and", "f:1: start on: Expected event\n"},
		{"\"unterminated", "f:1: Unterminated quoted string\n"},
		{"start on e" + strings.Repeat(" or e", maxExprEvents), "f:1: start on: expression of more than 10000 events, not read\n"},
		// A hard link to /etc/shadow: where, not what the line holds.
		{"root:$6$salt$hash:19000:0:99999:7:::\njohn:x:1000:1000:John Smith,,,:/home/john:/bin/bash",
			"f:1: (a word of 36 bytes): Unknown stanza\nf:2: (a word of 21 bytes): Unknown stanza\n"},
		{"kill root:$6$salt$hash", "f:1: kill (a word of 17 bytes): Unknown stanza\n"},
		{"frobnicate now", "f:1: frobnicate: Unknown stanza\n"},
	}
	for _, tc := range tests {
		_, errs := parseJob([]byte(tc.in), "f", "f")
		if got := errs.String(); got != tc.want {
			t.Errorf("parseJob(%q) errors =\n%s\nwant\n%s", tc.in, got, tc.want)
		}
	}
}

// TestReadJobsFIFO: a FIFO named like a job or an override is a warning
// (upstart would block opening it), not read, and the other jobs are.
func TestReadJobsFIFO(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/init"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/init/ok.conf"), []byte("start on startup\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"fifo.conf", "ok.override"} {
		if err := syscall.Mkfifo(filepath.Join(root, "etc/init", n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	jobs, _, errs, err := readJobs(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Name != "ok" {
		t.Errorf("jobs = %v, want ok", jobs)
	}
	want := "etc/init/fifo.conf: warning: a FIFO, not a job file: upstart would block opening it, or read a device as the job; not read\n" +
		"etc/init/ok.override: warning: a FIFO, not a job file: upstart would block opening it, or read a device as the job; not read\n"
	if got := errs.String(); got != want {
		t.Errorf("errors:\n%s\nwant\n%s", got, want)
	}
}
