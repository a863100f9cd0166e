package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
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
			"mktar":  mktar,
			"oddtar": oddtar,
		},
	})
}

// initorder runs the command line in this process and returns what it
// writes on standard output; an error fails the test, with its stderr.
func initorder(t testing.TB, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRoot()
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("initorder %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
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

// mktar DIR FILE writes the tree under DIR, symlinks as symlinks, into
// FILE as a tar archive, gzip-compressed when FILE ends in .gz, with
// member names under "./" as image exports write them.
func mktar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mktar DIR FILE")
	}
	dir, file := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	out, err := os.Create(file)
	ts.Check(err)
	var w io.Writer = out
	var gz *gzip.Writer
	if strings.HasSuffix(file, ".gz") {
		gz = gzip.NewWriter(out)
		w = gz
	}
	tw := tar.NewWriter(w)
	ts.Check(filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
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
		hdr.Name = "./" + filepath.ToSlash(rel)
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

// TestNoGraphviz keeps go-graphviz out of initorder: its package init
// compiles Graphviz's WebAssembly in every process that links it, which
// ls and check must not pay for. Only initorder-render may link it.
func TestNoGraphviz(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/initorder/initorder/cmd/initorder").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/goccy/go-graphviz") || strings.HasPrefix(pkg, "github.com/tetratelabs/wazero") || pkg == "github.com/initorder/initorder/render/svg" {
			t.Errorf("initorder links %s", pkg)
		}
	}
}
