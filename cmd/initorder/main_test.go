package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "update the testscript files' cmp outputs")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"initorder": func() { os.Exit(Main()) }})
}

// TestScripts runs the CLI tests in testdata/script: each builds a root
// with files and symlinks and checks what initorder prints and its exit
// code.
func TestScripts(t *testing.T) {
	render := renderBin(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "")
			// initorder graph --format svg|png runs initorder-render:
			// scripts put $RENDERBIN on PATH to have it.
			e.Setenv("RENDERBIN", render)
			roots, err := filepath.Abs("../../testdata/roots")
			e.Setenv("ROOTS", roots) // the shared fixture roots
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mktar":     mktar,
			"oddtar":    oddtar,
			"halve":     halve,
			"jsonlines": jsonLines,
		},
	})
}

// initorder runs the command line in this process and returns what it
// writes on standard output; an error fails the test, with its stderr.
func initorder(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := initorderExit(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// initorderExit is initorder for a command that may end in an error (a
// why that finds no order exits 1): its stdout, and the error with
// stderr.
func initorderExit(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRoot()
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	if err := cmd.Execute(); err != nil {
		return stdout.Bytes(), fmt.Errorf("initorder %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// renderBin builds cmd/initorder-render into a temporary directory and
// returns that directory. The initorder test binary does not link
// go-graphviz, as initorder does not.
func renderBin(t testing.TB) string {
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "initorder-render"), "github.com/initorder/initorder/cmd/initorder-render").CombinedOutput()
	if err != nil {
		t.Fatalf("go build initorder-render: %v\n%s", err, out)
	}
	return dir
}

// jsonlines FILE writes the JSON document in FILE (stdout: the last
// command's) as lines a reviewer reads: each element of an array of
// objects on a line of its own, compact, unless it holds such an array
// itself; the keys in their order. What it writes is the stdout that a
// cmp after it compares.
func jsonLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jsonlines FILE")
	}
	var b bytes.Buffer
	ts.Check(writeJSONLines(&b, json.RawMessage(ts.ReadFile(args[0])), ""))
	b.WriteByte('\n')
	ts.Stdout().Write(b.Bytes())
}

// writeJSONLines writes v for jsonLines, at indent: an array of objects
// one element a line, an object that holds one one member a line, any
// other value compact.
func writeJSONLines(b *bytes.Buffer, v json.RawMessage, indent string) error {
	v = bytes.TrimSpace(v)
	members, keys, isObject, err := jsonMembers(v)
	if err != nil {
		return err
	}
	expand := isObjectArray(v)
	for _, m := range members {
		expand = expand || isObject && isObjectArray(m)
	}
	if !expand {
		return json.Compact(b, v)
	}
	open, end := "[", "]"
	if isObject {
		open, end = "{", "}"
	}
	b.WriteString(open)
	for k, m := range members {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n" + indent + "  ")
		if isObject {
			b.WriteString(keys[k] + ": ")
		}
		if err := writeJSONLines(b, m, indent+"  "); err != nil {
			return err
		}
	}
	b.WriteString("\n" + indent + end)
	return nil
}

// jsonMembers returns the members of the object or array v, with the
// keys of an object as written; nil for any other value.
func jsonMembers(v json.RawMessage) (members []json.RawMessage, keys []string, isObject bool, err error) {
	if len(v) == 0 || v[0] != '{' && v[0] != '[' {
		return nil, nil, false, json.Unmarshal(v, new(any))
	}
	isObject = v[0] == '{'
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return nil, nil, false, err
	}
	for dec.More() {
		if isObject {
			key, err := dec.Token()
			if err != nil {
				return nil, nil, false, err
			}
			quoted, _ := json.Marshal(key)
			keys = append(keys, string(quoted))
		}
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return nil, nil, false, err
		}
		members = append(members, m)
	}
	return members, keys, isObject, nil
}

// isObjectArray reports whether v is an array whose first element is an
// object.
func isObjectArray(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '[' {
		return false
	}
	v = bytes.TrimSpace(v[1:])
	return len(v) > 0 && v[0] == '{'
}

// mktar [-dir NAME] DIR FILE writes the tree under DIR, symlinks as
// symlinks, into FILE as a tar archive, gzip-compressed when FILE ends in
// .gz or .tgz, with member names under "./" as image exports write them,
// or under NAME/ as `tar czf FILE NAME` writes them.
func mktar(ts *testscript.TestScript, neg bool, args []string) {
	top := "."
	if len(args) > 2 && args[0] == "-dir" {
		top, args = args[1], args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mktar [-dir NAME] DIR FILE")
	}
	dir, file := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	out, err := os.Create(file)
	ts.Check(err)
	var w io.Writer = out
	var gz *gzip.Writer
	if strings.HasSuffix(file, ".gz") || strings.HasSuffix(file, ".tgz") {
		gz = gzip.NewWriter(out)
		w = gz
	}
	tw := tar.NewWriter(w)
	ts.Check(tarTree(tw, dir, dir, func(rel string) string {
		if rel == "." {
			return ""
		}
		return top + "/" + rel
	}))
	ts.Check(tw.Close())
	if gz != nil {
		ts.Check(gz.Close())
	}
	ts.Check(out.Close())
}

// oddtar FILE writes a tar archive whose member names an image exporter
// should not write: absolute, and climbing out with "..". They must land
// inside the root.
func oddtar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: oddtar FILE")
	}
	out, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	tw := tar.NewWriter(out)
	script := "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: abs\n### END INIT INFO\n"
	ts.Check(tw.WriteHeader(&tar.Header{Name: "/etc/init.d/abs", Mode: 0o755, Size: int64(len(script)), Typeflag: tar.TypeReg}))
	_, err = tw.Write([]byte(script))
	ts.Check(err)
	ts.Check(tw.WriteHeader(&tar.Header{Name: "../../etc/rc2.d/S01abs", Linkname: "../init.d/abs", Typeflag: tar.TypeSymlink}))
	ts.Check(tw.Close())
	ts.Check(out.Close())
}

// tarTree writes the tree under start to tw, each entry named by what
// name makes of its path from base (slashed; a directory's gets a "/"),
// and left out when that is "".
func tarTree(tw *tar.Writer, base, start string, name func(rel string) string) error {
	return filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		n := name(filepath.ToSlash(rel))
		if n == "" {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if d.Type()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = n
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
}

// halve cuts a file to its first half: an archive that ends early.
func halve(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: halve FILE")
	}
	p := ts.MkAbs(args[0])
	fi, err := os.Stat(p)
	ts.Check(err)
	ts.Check(os.Truncate(p, fi.Size()/2))
}

// TestNoGraphviz keeps go-graphviz out of initorder: its package init
// compiles Graphviz's WebAssembly in every process that links it, which
// ls and check must not pay for. Only initorder-render may link it.
func TestNoGraphviz(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/initorder/initorder/cmd/initorder").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/goccy/go-graphviz") || strings.HasPrefix(pkg, "github.com/tetratelabs/wazero") || pkg == "github.com/initorder/initorder/render/graphviz" {
			t.Errorf("initorder links %s", pkg)
		}
	}
}

// TestNoteEscaped: a note quotes names from the root (the .wants/ link
// that made Detect guess systemd): its control bytes are escaped, so a
// link name cannot clear the terminal or forge a line of its own.
func TestNoteEscaped(t *testing.T) {
	var stderr bytes.Buffer
	g := &globals{stderr: &stderr}
	g.note("/srv/r\x1b]0;t\a", "etc/systemd/system/a.wants/x\x1b[2J\nS01 forged\u202e")
	got := stderr.String()
	if strings.Count(got, "\n") != 1 || strings.ContainsAny(got, "\x1b\a\u202e") {
		t.Errorf("note = %q, want one line with no raw control or bidirectional characters", got)
	}
}
