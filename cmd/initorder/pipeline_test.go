package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"go.yaml.in/yaml/v3"
)

// snippet is a fenced block of README's "In a pipeline": its language
// and text.
type snippet struct{ lang, text string }

// pipelineSnippets returns the yaml and sh blocks of README.md's section
// "In a pipeline".
func pipelineSnippets(t *testing.T) []snippet {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "\n## In a pipeline\n")
	if !ok {
		t.Fatal(`README.md has no section "## In a pipeline"`)
	}
	if end := strings.Index(sec, "\n## "); end >= 0 {
		sec = sec[:end]
	}
	var out []snippet
	for _, m := range regexp.MustCompile("(?ms)^```(yaml|sh)\n(.*?)^```\n").FindAllStringSubmatch(sec, -1) {
		out = append(out, snippet{m[1], m[2]})
	}
	return out
}

// notRun are the lines of the snippets the test does not run: they build
// or fetch the image, which the test makes itself (pipelineDir), or
// install initorder, which the test puts on PATH.
var notRun = regexp.MustCompile(`^(docker |skopeo |go install )`)

// pipelineDir makes the working directory of the snippets: the files of
// testdata/pipeline, and the image its root/ makes, as the lines the
// test does not run would write it: web.tar.gz (docker save | gzip of
// registry.example.com/web:1.4) and web (an OCI layout, tag 1.4).
func pipelineDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"fleet.ini", "roles.ini", "inventory/production.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata/pipeline", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw := packLayer(t, "testdata/pipeline/root", "")
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.Config(img, v1.Config{Cmd: []string{"/sbin/init"}}); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("registry.example.com/web:1.4")
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := tarball.Write(tag, img, &archive); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(archive.Bytes())
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "web.tar.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := layout.Write(filepath.Join(dir, "web"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "1.4"})); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runScript runs lines as a CI shell does (sh -e: the first failure ends
// it) in dir, initorder on PATH and CI=true, and returns its stdout and
// exit code. Lines notRun matches are left out.
func runScript(t *testing.T, dir, bin string, lines []string) (string, int) {
	t.Helper()
	var script []string
	for _, l := range lines {
		if notRun.MatchString(strings.TrimSpace(l)) {
			continue
		}
		script = append(script, l)
	}
	cmd := exec.Command("sh", "-e", "-c", strings.Join(script, "\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "CI=true", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("sh: %v", err)
	}
	if strings.Contains(stderr.String(), "initorder: ") {
		t.Logf("stderr of\n%s\n%s", strings.Join(script, "\n"), stderr.String())
	}
	return stdout.String(), code
}

// TestPipelineSnippets runs the CI jobs and shell steps of README's "In
// a pipeline", so that they stay true: the GitHub Actions job (its
// steps as the runner takes them: a failed step skips the rest but
// those with if: always(); the SARIF it uploads), the GitLab job (its
// script in one shell; the Code Quality and JUnit reports it keeps), the
// plain shell step (its exit code), the image and the inventory checks.
func TestPipelineSnippets(t *testing.T) {
	bin := initorderBin(t)
	dir := pipelineDir(t)
	seen := map[string]bool{}
	for _, s := range pipelineSnippets(t) {
		first, _, _ := strings.Cut(s.text, "\n")
		seen[first] = true
		t.Run(first, func(t *testing.T) {
			switch first {
			case "# .github/workflows/boot-order.yml":
				githubJob(t, dir, bin, s.text)
			case "# .gitlab-ci.yml":
				gitlabJob(t, dir, bin, s.text)
			case "# check the image, failing on warnings too":
				out, code := runScript(t, dir, bin, strings.Split(s.text, "\n"))
				if code != 1 || !strings.Contains(out, "boot order: findings at or above warning:\nlib/systemd/system/app.service:5: warning: race: app.service Wants cache.service") {
					t.Errorf("the shell step exits %d with\n%s\nwant 1 and the race warning", code, out)
				}
			case "# an image: docker save | gzip, or an OCI layout with a tag":
				out, code := runScript(t, dir, bin, strings.Split(s.text, "\n"))
				if code != 0 || !strings.Contains(out, "S04 app.service\nS05 multi-user.target\n") || !strings.Contains(out, "app.service:5: warning: race:") {
					t.Errorf("the image check exits %d with\n%s\nwant 0, the boot and the warning of each check", code, out)
				}
				if n := strings.Count(out, "warning: race:"); n != 2 {
					t.Errorf("the docker archive and the OCI layout: %d checks print the warning, want 2", n)
				}
			case "# the fleet of an inventory, one finding per group of hosts":
				out, code := runScript(t, dir, bin, strings.Split(s.text, "\n"))
				want := "== group g2 (3 nodes, roles webservers): web01 web02 web03\n== on g2 (3 nodes)\nlib/systemd/system/app.service:3: error: cross-node: app.service Requires db.service, but db.service runs only on db01"
				if code != 1 || !strings.Contains(out, want) {
					t.Errorf("the inventory check exits %d with\n%s\nwant 1 and\n%s", code, out, want)
				}
			default:
				t.Errorf("a snippet the test does not know: %q; give it a case", first)
			}
		})
	}
	if len(seen) != 5 {
		t.Errorf("README's \"In a pipeline\" has %d snippets, want 5 (GitHub, GitLab, shell, image, inventory)", len(seen))
	}
}

// githubJob runs the steps of the workflow's one job as the runner does,
// and checks what it uploads.
func githubJob(t *testing.T, dir, bin, text string) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name, Run, Uses, If string
				With                map[string]string
			}
		}
	}
	if err := yaml.Unmarshal([]byte(text), &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(wf.Jobs))
	}
	failed, ranCheck, uploaded := false, false, ""
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if failed && st.If != "always()" {
				continue
			}
			switch {
			case st.Run != "" && strings.Contains(st.Run, "initorder check"):
				_, code := runScript(t, dir, bin, strings.Split(st.Run, "\n"))
				ranCheck = true
				if code != 1 {
					t.Errorf("step %q exits %d, want 1 (the fleet has errors)", st.Name, code)
				}
				failed = failed || code != 0
			case st.Run != "":
				if !notRun.MatchString(st.Run) {
					t.Errorf("step %q runs %q, which the test neither runs nor knows", st.Name, st.Run)
				}
			case strings.HasPrefix(st.Uses, "github/codeql-action/upload-sarif@"):
				uploaded = st.With["sarif_file"]
			}
		}
	}
	if !ranCheck || uploaded == "" {
		t.Fatalf("the job ran the check: %v; uploaded %q: want both (a failed check must not keep the upload from running)", ranCheck, uploaded)
	}
	data, err := os.ReadFile(filepath.Join(dir, uploaded))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Message struct{ Text string }
			}
			Properties struct{ NodeGroups []struct{ ID string } }
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("%s: %v", uploaded, err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 || len(log.Runs[0].Properties.NodeGroups) != 2 {
		t.Fatalf("%s: SARIF %s, %d runs, want 2.1.0, one run with one result (grouped) and two node groups:\n%s", uploaded, log.Version, len(log.Runs), data)
	}
	if r := log.Runs[0].Results[0]; r.RuleID != "cross-node" || !strings.HasPrefix(r.Message.Text, "nodes web1, web2: app.service Requires db.service") {
		t.Errorf("%s: result %s %q, want cross-node on nodes web1, web2", uploaded, r.RuleID, r.Message.Text)
	}
}

// gitlabJob runs the job's script in one shell, as the runner does, and
// checks the reports it keeps.
func gitlabJob(t *testing.T, dir, bin, text string) {
	var ci map[string]struct {
		Script    []string
		Artifacts struct {
			When    string
			Reports map[string]string
		}
	}
	if err := yaml.Unmarshal([]byte(text), &ci); err != nil {
		t.Fatal(err)
	}
	job, ok := ci["boot-order"]
	if !ok {
		t.Fatalf("no job boot-order in %v", ci)
	}
	_, code := runScript(t, dir, bin, job.Script)
	if code != 1 {
		t.Errorf("the job's script exits %d, want 1 (the fleet has errors)", code)
	}
	if job.Artifacts.When != "always" {
		t.Errorf("artifacts:when %q: a failed job keeps its reports only with always", job.Artifacts.When)
	}
	cq, junit := job.Artifacts.Reports["codequality"], job.Artifacts.Reports["junit"]
	data, err := os.ReadFile(filepath.Join(dir, cq))
	if err != nil {
		t.Fatal(err)
	}
	var issues []struct{ Description, CheckName, Fingerprint string }
	if err := json.Unmarshal(data, &issues); err != nil || len(issues) != 1 || !strings.HasPrefix(issues[0].Description, "nodes web1, web2: ") {
		t.Errorf("%s: %v, %d issues, want one, on nodes web1, web2:\n%s", cq, err, len(issues), data)
	}
	if data, err = os.ReadFile(filepath.Join(dir, junit)); err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Failures int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("%s: %v", junit, err)
	}
	var got []string
	for _, s := range suites.Suites {
		got = append(got, s.Name+" failures="+string(rune('0'+s.Failures)))
	}
	if want := "g1: db1 failures=0, g2: web1, web2 failures=1"; strings.Join(got, ", ") != want {
		t.Errorf("%s: suites %s, want %s", junit, strings.Join(got, ", "), want)
	}
}
