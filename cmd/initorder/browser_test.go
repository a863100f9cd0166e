package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/initorder/initorder/graph"
	"github.com/initorder/initorder/internal/oracle"
	"github.com/initorder/initorder/render"
)

// The browser tests open the page of initorder graph --format html in
// headless Chromium (Debian's chromium, installed by .ci/run) and check
// what a person sees and does: the map shows the services, a search
// brings one into view, a click highlights what it waits for and what
// waits for it, an edge says its directive and file:line on hover, the
// wave ruler stays in view, a finding leads to its services, why A B is a
// chain, and the page fetches nothing. INITORDER_PICTURES=DIR keeps the
// screenshots in DIR (docs/boot-map.png was made so).

// page is the map of a boot opened in a browser tab.
type mapPage struct {
	t        *testing.T
	ctx      context.Context
	file     string
	mu       sync.Mutex
	requests []string // every URL the page asked for
	dialogs  []string // every alert, confirm or prompt it opened
	errors   []string // every exception its scripts threw
}

// openMap writes the page of initorder graph ARGS --format html and
// opens it in a new headless Chromium.
func openMap(t *testing.T, args ...string) *mapPage {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		oracle.Unavailable(t, "chromium is not installed (apt-get install chromium)")
	}
	t.Setenv("PATH", renderBin(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	file := filepath.Join(t.TempDir(), "boot.html")
	initorder(t, append(append([]string{"graph"}, args...), "--format", "html", "-o", file)...)
	return openFile(t, bin, file)
}

// openFile opens file in a new headless Chromium: no sandbox (we run as
// root), no GPU, no network of its own (background networking, component
// updates and sync off: the closed network here would be flooded), a
// fresh profile.
func openFile(t *testing.T, bin, file string) *mapPage {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("hide-scrollbars", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	p := &mapPage{t: t, ctx: ctx, file: file}
	if err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			p.requests = append(p.requests, e.Request.URL)
		case *page.EventJavascriptDialogOpening:
			p.dialogs = append(p.dialogs, e.Message)
		case *cdpruntime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := fmt.Sprintf("%s (line %d:%d)", d.Text, d.LineNumber+1, d.ColumnNumber+1)
			if d.Exception != nil {
				msg = d.Exception.Description + " " + msg
			}
			p.errors = append(p.errors, msg)
		}
	}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	p.navigate("")
	return p
}

// navigate loads the page with the fragment (#service=..., #why=...):
// the first time from the file, then by changing the fragment, as a
// person following a link to it does.
func (p *mapPage) navigate(fragment string) {
	p.t.Helper()
	u := (&url.URL{Scheme: "file", Path: p.file, Fragment: fragment}).String()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if eval[string](p, `location.protocol`) == "file:" {
		eval[bool](p, fmt.Sprintf(`(location.hash = %q, true)`, "#"+fragment))
		return
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		p.t.Fatalf("opening %s: %v", u, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body && document.body.dataset.ready === "true"`)); err != nil {
		p.t.Fatalf("%s: the map did not get ready: %v", u, err)
	}
}

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](p *mapPage, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// do runs actions, as a person does them.
func (p *mapPage) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("chromium: %v", err)
	}
	// svg-pan-zoom draws a pan or zoom at the next animation frame.
	eval[bool](p, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
}

// index is the index of a service in the page's data (its node is n<index>).
func (p *mapPage) index(name string) int {
	p.t.Helper()
	i := eval[int](p, fmt.Sprintf(`JSON.parse(document.getElementById("initorder-data").textContent).services.findIndex(s => s.name === %q)`, name))
	if i < 0 {
		p.t.Fatalf("the map's data has no service %s", name)
	}
	return i
}

// box is where an element is on the screen.
type box struct{ Left, Top, Right, Bottom, Width, Height float64 }

func (p *mapPage) box(selector string) box {
	p.t.Helper()
	return eval[box](p, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect();
		return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height}; })()`, selector))
}

// inView reports whether the element is inside the map's area of the
// window, big enough to read (a label of 10 points at least 8 pixels).
func (p *mapPage) inView(selector string) bool {
	b, m := p.box(selector), p.box("#map")
	return b.Left >= m.Left && b.Right <= m.Right && b.Top >= m.Top && b.Bottom <= m.Bottom && b.Height >= 12
}

// underRuler returns the node labels the right wave ruler hides: those
// whose box, where the map shows it (clipped to the picture's area),
// meets the ruler's box.
func (p *mapPage) underRuler() []string {
	p.t.Helper()
	return eval[[]string](p, `(() => {
		const ruler = document.getElementById("ruler-right").getBoundingClientRect();
		const view = document.getElementById("map-svg").getBoundingClientRect();
		return Array.from(document.querySelectorAll("#map-svg g.node:not(.ruler-node) text")).filter(t => {
			const b = t.getBoundingClientRect();
			const l = Math.max(b.left, view.left), r = Math.min(b.right, view.right);
			const top = Math.max(b.top, view.top), bottom = Math.min(b.bottom, view.bottom);
			return l < r && top < bottom && l < ruler.right && r > ruler.left && top < ruler.bottom && bottom > ruler.top;
		}).map(t => t.textContent);
	})()`)
}

// click clicks the middle of the element, as a mouse does.
func (p *mapPage) click(selector string) {
	p.t.Helper()
	b := p.box(selector)
	p.do(chromedp.MouseClickXY(b.Left+b.Width/2, b.Top+b.Height/2))
}

// classes returns the classes of the element.
func (p *mapPage) classes(selector string) []string {
	return strings.Fields(eval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute("class") || ""`, selector)))
}

func (p *mapPage) text(selector string) string {
	return eval[string](p, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, selector))
}

// screenshot saves what the window shows as NAME.png in
// INITORDER_PICTURES, or in a temporary directory.
func (p *mapPage) screenshot(name string) string {
	p.t.Helper()
	dir := os.Getenv("INITORDER_PICTURES")
	if dir == "" {
		dir = p.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", file)
	return file
}

// checkOffline fails if the page asked for anything but itself, opened
// a dialog or threw an exception.
func (p *mapPage) checkOffline() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.requests {
		if !strings.HasPrefix(u, "file://") && u != "about:blank" {
			p.t.Errorf("the page fetched %s: it must fetch nothing", u)
		}
	}
	if len(p.dialogs) > 0 {
		p.t.Errorf("the page opened dialogs: %q", p.dialogs)
	}
	if len(p.errors) > 0 {
		p.t.Errorf("the page's scripts threw: %q", p.errors)
	}
}

// mapRoot writes a small systemd root: web.service wants db.service
// without an order (a race), app.service after web.service and
// db.service, c after b after a; every unit is in system.slice.
func mapRoot(t *testing.T) string {
	root := t.TempDir()
	units := map[string]string{
		"test.target":        "[Unit]\nWants=a.service b.service c.service web.service db.service app.service needs-gone.service\n",
		"a.service":          "[Unit]\nDefaultDependencies=no\n",
		"b.service":          "[Unit]\nDefaultDependencies=no\nAfter=a.service\n",
		"c.service":          "[Unit]\nDefaultDependencies=no\nAfter=b.service\n",
		"web.service":        "[Unit]\nDefaultDependencies=no\nWants=db.service\n",
		"db.service":         "[Unit]\nDefaultDependencies=no\n",
		"app.service":        "[Unit]\nDefaultDependencies=no\nAfter=web.service db.service\nRequires=web.service\n",
		"needs-gone.service": "[Unit]\nDefaultDependencies=no\nRequires=gone.service\n",
	}
	dir := filepath.Join(root, "lib/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range units {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestMapBrowser opens the map of a small root and uses it.
func TestMapBrowser(t *testing.T) {
	p := openMap(t, "--root", mapRoot(t), "--init", "systemd", "--target", "test.target")

	// The map shows every service of the boot, each with its name.
	names := eval[[]string](p, `Array.from(document.querySelectorAll("#map-svg g.node[id^=n] text")).map(t => t.textContent)`)
	for _, want := range []string{"a.service", "b.service", "c.service", "web.service", "db.service", "app.service", "test.target", "needs-gone.service", "gone.service"} {
		if !slices.Contains(names, want) {
			t.Errorf("the map shows %q, not %s", names, want)
		}
	}
	if n := eval[int](p, `JSON.parse(document.getElementById("initorder-data").textContent).services.length`); n != len(eval[[]string](p, `Array.from(document.querySelectorAll("#map-svg g.node[id^=n]")).map(g => g.id)`)) {
		t.Errorf("the map draws another number of services than its data has (%d)", n)
	}
	p.screenshot("map-small")
	// The right wave ruler hides no label: needs-gone.service, the last
	// box of wave 2, ended under it.
	if hidden := p.underRuler(); len(hidden) > 0 {
		t.Errorf("the right wave ruler hides the labels %q at the first view", hidden)
	}

	// A search finds a service: it is selected and in view.
	db := p.index("db.service")
	p.do(chromedp.SendKeys(chromedp.ID("search"), "db.serv"), chromedp.SendKeys(chromedp.ID("search"), kb.Enter))
	if got := p.text("#info h2"); got != "db.service" {
		t.Errorf("after searching db.serv, the panel shows %q, want db.service", got)
	}
	if c := p.classes(fmt.Sprintf("#n%d", db)); !slices.Contains(c, "sel") {
		t.Errorf("after searching db.serv, db.service's classes are %q, want sel", c)
	}
	if !p.inView(fmt.Sprintf("#n%d", db)) {
		t.Errorf("after searching db.serv, db.service is not in view: %+v in %+v", p.box(fmt.Sprintf("#n%d", db)), p.box("#map"))
	}

	// A click on app.service highlights what it waits for (web, db); what
	// wants it without waiting for it (test.target: app.service has
	// DefaultDependencies=no, so the target gets no After= on it) is its
	// neighbour, not "down"; the rest fades (a, b, c).
	app := p.index("app.service")
	p.click(fmt.Sprintf("#n%d", app))
	if got := p.text("#info h2"); got != "app.service" {
		t.Errorf("after a click on app.service, the panel shows %q", got)
	}
	for name, want := range map[string]string{"web.service": "up", "db.service": "up"} {
		c := p.classes(fmt.Sprintf("#n%d", p.index(name)))
		if !slices.Contains(c, want) || !slices.Contains(c, "near") {
			t.Errorf("after a click on app.service, %s has classes %q, want %s and near", name, c, want)
		}
	}
	if c := p.classes(fmt.Sprintf("#n%d", p.index("test.target"))); slices.Contains(c, "down") || !slices.Contains(c, "near") {
		t.Errorf("after a click on app.service, test.target has classes %q, want near and not down (it does not wait for app.service)", c)
	}
	for _, name := range []string{"a.service", "c.service"} {
		if c := p.classes(fmt.Sprintf("#n%d", p.index(name))); slices.Contains(c, "on") {
			t.Errorf("after a click on app.service, %s is highlighted (%q): it neither waits for it nor is waited for", name, c)
		}
	}
	if op := eval[string](p, fmt.Sprintf(`getComputedStyle(document.getElementById("n%d")).opacity`, p.index("a.service"))); op == "1" {
		t.Errorf("after a click on app.service, a.service is not faded (opacity %s)", op)
	}
	if got := p.text("#info .waits"); !strings.Contains(got, "app.service After=web.service (lib/systemd/system/app.service:3)") {
		t.Errorf("the panel of app.service lists %q, want its After=web.service with file:line", got)
	}
	p.screenshot("map-small-click")

	// Hovering over an edge shows its directive and file:line.
	k := eval[int](p, `JSON.parse(document.getElementById("initorder-data").textContent).edges.findIndex(e => e.tip.startsWith("c.service After=b.service") && !e.omit)`)
	pt := eval[struct{ X, Y float64 }](p, fmt.Sprintf(`(() => { const path = document.querySelector("#e%d > path:not(.hit)");
		const q = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM()); return {X: q.x, Y: q.y}; })()`, k))
	p.do(chromedp.MouseEvent(chromedp.MouseMoved, pt.X, pt.Y))
	if got := p.text("#tip"); !strings.Contains(got, "c.service After=b.service (lib/systemd/system/c.service:3)") {
		t.Errorf("hovering over the edge c -> b shows %q, want its directive and file:line", got)
	}

	// The wave ruler stays in view: after a pan that moves the picture's
	// own ruler out of the window, the numbers are still at the left, at
	// the height of their waves.
	p.do(chromedp.MouseEvent(chromedp.MousePressed, 700, 400, chromedp.ButtonLeft), chromedp.MouseEvent(chromedp.MouseMoved, 200, 400, chromedp.ButtonLeft), chromedp.MouseEvent(chromedp.MouseReleased, 200, 400, chromedp.ButtonLeft))
	if b := p.box("#w1"); b.Right > p.box("#map").Left {
		t.Logf("the pan left the picture's ruler at %+v", b)
	}
	label, wave := p.box("#ruler-left .wave .num"), p.box("#w1")
	if label.Left < p.box("#map").Left || label.Left > p.box("#map").Left+20 || abs(label.Top+label.Height/2-(wave.Top+wave.Height/2)) > 3 {
		t.Errorf("the ruler's S01 is at %+v, want it at the map's left edge, at the height of wave 1 (%+v)", label, wave)
	}
	if got := p.text("#ruler-left .wave .num"); got != "S01" {
		t.Errorf("the ruler's first label is %q, want S01", got)
	}

	// A finding leads to its services.
	p.click("#findings .finding")
	if got := p.text("#info h2"); got != "missing-dependency" && got != "never-starts" {
		t.Errorf("after a click on the first finding, the panel shows %q", got)
	}
	if c := p.classes(fmt.Sprintf("#n%d", p.index("needs-gone.service"))); !slices.Contains(c, "on") {
		t.Errorf("after a click on the finding about needs-gone.service, it has classes %q", c)
	}

	// why a c: the chain a -> b -> c, highlighted.
	p.navigate("why=a.service,c.service")
	if got := p.text("#info h2"); got != "a.service starts before c.service:" {
		t.Errorf("why a c: the panel says %q", got)
	}
	for _, name := range []string{"a.service", "b.service", "c.service"} {
		if c := p.classes(fmt.Sprintf("#n%d", p.index(name))); !slices.Contains(c, "path") {
			t.Errorf("why a c: %s has classes %q, want path", name, c)
		}
	}
	if c := p.classes(fmt.Sprintf("#n%d", p.index("web.service"))); slices.Contains(c, "on") {
		t.Errorf("why a c: web.service is highlighted (%q)", c)
	}

	// The waves chart: a row a service, and a click there selects it.
	p.click("#tab-waves")
	p.click(fmt.Sprintf("#r%d", p.index("b.service")))
	if got := p.text("#info h2"); got != "b.service" {
		t.Errorf("after a click on the row of b.service, the panel shows %q", got)
	}
	p.screenshot("map-small-waves")
	p.checkOffline()
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestMapDebian opens the map of the whole boot of a real root, the units
// of 115 Debian 12 packages (oracle.BuildUnitRoot): a person finds
// ssh.service and sees its chain, and why A B gives a chain as long as
// initorder why's.
func TestMapDebian(t *testing.T) {
	root := debianPictures(t)
	p := openMap(t, "--root", root, "--init", "systemd")
	services := eval[int](p, `JSON.parse(document.getElementById("initorder-data").textContent).services.length`)
	drawn := eval[int](p, `document.querySelectorAll("#map-svg g.node[id^=n]").length`)
	if services < 200 || drawn != services {
		t.Errorf("the map of the Debian root has %d services and draws %d: want over 200, all drawn", services, drawn)
	}
	p.screenshot("boot-map-whole")

	// Find ssh.service: selected, in view, readable.
	ssh := p.index("ssh.service")
	p.do(chromedp.SendKeys(chromedp.ID("search"), "ssh"), chromedp.SendKeys(chromedp.ID("search"), kb.Enter))
	if got := p.text("#info h2"); got != "ssh.service" {
		t.Fatalf("after searching ssh, the panel shows %q", got)
	}
	if !p.inView(fmt.Sprintf("#n%d", ssh)) {
		t.Errorf("after searching ssh, ssh.service is not in view and readable: %+v in %+v", p.box(fmt.Sprintf("#n%d", ssh)), p.box("#map"))
	}
	// Its chain: what it waits for, directly (auditd.service, the rails
	// network.target, basic.target) and in turn.
	for _, name := range []string{"auditd.service", "network.target", "basic.target", "sysinit.target"} {
		if c := p.classes(fmt.Sprintf("#n%d", p.index(name))); !slices.Contains(c, "up") {
			t.Errorf("ssh.service selected: %s has classes %q, want up (ssh.service waits for it)", name, c)
		}
	}
	if c := p.classes(fmt.Sprintf("#n%d", p.index("multi-user.target"))); !slices.Contains(c, "down") {
		t.Errorf("ssh.service selected: multi-user.target has classes %q, want down", c)
	}
	if got := p.text("#info .waits"); !strings.Contains(got, "ssh.service After=network.target (usr/lib/systemd/system/ssh.service:4)") {
		t.Errorf("the panel of ssh.service lists %q", got)
	}
	// All the way, what it waits for is what starts before it, as why
	// says, and nothing else: not a unit only wanted or required.
	up := eval[[]string](p, `Array.from(document.querySelectorAll("#map-svg g.node.up")).map(n => JSON.parse(document.getElementById("initorder-data").textContent).services[+n.id.slice(1)].name)`)
	before := 0
	for _, name := range eval[[]string](p, `JSON.parse(document.getElementById("initorder-data").textContent).services.map(s => s.name)`) {
		if name == "ssh.service" {
			continue
		}
		out, err := initorderExit(t, "why", "--root", root, "--init", "systemd", "--", name, "ssh.service")
		if err != nil && strings.Contains(string(out), "not found in any unit directory") {
			continue // a missing unit, drawn where one is ordered after it: it does not start
		}
		ordered := strings.HasPrefix(string(out), name+" starts before ssh.service")
		if ordered {
			before++
		}
		if ordered != slices.Contains(up, name) {
			t.Errorf("ssh.service selected: %s marked up %v, but initorder why says:\n%s", name, !ordered, out)
		}
	}
	if before < 50 {
		t.Errorf("initorder why finds %d services before ssh.service: want over 50", before)
	}
	p.screenshot("boot-map")

	// why A B: as long a chain as initorder why finds, each link an
	// ordering directive.
	for _, pair := range [][2]string{{"network.target", "ssh.service"}, {"local-fs.target", "ssh.service"}, {"systemd-journald.socket", "multi-user.target"}} {
		out := string(initorder(t, "why", "--root", root, "--init", "systemd", pair[0], pair[1]))
		want := strings.Count(strings.TrimSpace(out), "\n")
		p.navigate("why=" + pair[0] + "," + pair[1])
		head := p.text("#info h2")
		links := eval[[]string](p, `Array.from(document.querySelectorAll("#info .chain li")).map(li => li.textContent)`)
		if head != pair[0]+" starts before "+pair[1]+":" || len(links) != want {
			t.Errorf("why %s %s: the map says %q with %d links %q; initorder why says\n%s", pair[0], pair[1], head, len(links), links, out)
		}
	}
	p.screenshot("boot-map-why")
	p.checkOffline()
}

// TestMapHostile opens the map of a boot whose services have hostile
// names (markup, quotes, control bytes, bytes that are not UTF-8, a
// right-to-left override), laid out by the real Graphviz: no script of
// theirs runs, and each name is shown as text, escaped where it would
// hide or reorder what is around it.
func TestMapHostile(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		oracle.Unavailable(t, "chromium is not installed (apt-get install chromium)")
	}
	t.Setenv("PATH", renderBin(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	names := []string{
		`<script>alert(1)</script>`,
		`"quoted" 'single' & amp`,
		"ctl\x01\x1b[2J\x7f.service",
		"bad\xff\xfeutf8.service",
		"rlo\u202eecivres.exe",
		"</svg><img src=x onerror=alert(2)>",
		"line\u2028sep</script><!--",
	}
	g := &graph.Graph{Phases: []string{"boot"}}
	for k, n := range names {
		i := g.Add(graph.Service{Name: n, Init: "systemd", Source: graph.Pos{File: "lib/systemd/system/" + n}})
		if k > 0 {
			g.AddEdge(graph.Edge{From: i, To: i - 1, Kind: graph.SystemdAfter, Pos: graph.Pos{File: "lib/systemd/system/" + n, Line: 3}})
		}
	}
	d := render.Drawing{Boot: render.Boot{Init: "systemd", Goal: "<b>x</b>", Graph: g, Schedule: graph.Order(g)}}
	file := filepath.Join(t.TempDir(), "hostile.html")
	var page bytes.Buffer
	if err := picture(&page, "html", []render.Drawing{d}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p := openFile(t, bin, file)
	if n := eval[int](p, `document.scripts.length`); n != 3 {
		t.Errorf("the page has %d scripts, want its own 3", n)
	}
	labels := eval[[]string](p, `Array.from(document.querySelectorAll("#map-svg g.node[id^=n] text")).map(t => t.textContent)`)
	for _, want := range []string{`<script>alert(1)</script>`, `"quoted" 'single' & amp`, `ctl\x01\x1b[2J\x7f.service`, `bad\xff\xfeutf8.service`, `rlo\u202eecivres.exe`, `</svg><img src=x onerror=alert(2)>`, `line\u2028sep</script><!--`} {
		if !slices.Contains(labels, want) {
			t.Errorf("the map shows %q, not %s", labels, want)
		}
	}
	if got := eval[string](p, `document.title`); got != "initorder: systemd <b>x</b>" {
		t.Errorf("the page's title is %q", got)
	}
	if eval[bool](p, `document.body.innerText.includes("\u202e") || document.querySelectorAll("img, foreignObject, iframe").length > 0`) {
		t.Errorf("the page shows a right-to-left override, or has an element of a name's")
	}
	i := p.index(`<script>alert(1)</script>`)
	p.click(fmt.Sprintf("#n%d", i))
	if got := p.text("#info h2"); got != `<script>alert(1)</script>` {
		t.Errorf("after a click on the service <script>..., the panel shows %q", got)
	}
	p.screenshot("map-hostile")
	p.checkOffline()
}

// TestMapInits opens the maps of an upstart root with its SysV scripts
// (Ubuntu 14.04's job set from ../shared/corpus, when it is there) and
// of a SysV layout of two nodes (one cluster each): they show their
// services and run without an error.
func TestMapInits(t *testing.T) {
	cases := [][]string{}
	if trusty, err := filepath.Abs("../../../shared/corpus/upstart/ubuntu-14.04-trusty"); err == nil {
		if _, err := os.Stat(trusty); err == nil {
			cases = append(cases, []string{"--root", trusty})
		}
	}
	sv := t.TempDir()
	for name, text := range map[string]string{
		"etc/init.d/base": "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: base\n### END INIT INFO\n",
		"etc/init.d/web":  "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: web\n# Required-Start: base\n### END INIT INFO\n",
		"fleet.ini":       "[role \"web\"]\nservices = web\n[node \"web1\"]\nroles = web\n[node \"db1\"]\nroles =\n",
	} {
		os.MkdirAll(filepath.Join(sv, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(sv, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(sv, "etc/rc2.d"), 0o755)
	os.Symlink("../init.d/base", filepath.Join(sv, "etc/rc2.d/S01base"))
	os.Symlink("../init.d/web", filepath.Join(sv, "etc/rc2.d/S02web"))
	cases = append(cases, []string{"--root", sv, "--layout", filepath.Join(sv, "fleet.ini")})
	for _, args := range cases {
		t.Run(filepath.Base(args[1]), func(t *testing.T) {
			p := openMap(t, args...)
			services := eval[int](p, `JSON.parse(document.getElementById("initorder-data").textContent).services.length`)
			if drawn := eval[int](p, `document.querySelectorAll("#map-svg g.node[id^=n]").length`); services < 2 || drawn != services {
				t.Errorf("the map has %d services and draws %d", services, drawn)
			}
			if hidden := p.underRuler(); len(hidden) > 0 {
				t.Errorf("the right wave ruler hides the labels %q at the first view", hidden)
			}
			p.click("#map-svg g.node[id^=n]:not(.ruler-node)")
			if p.text("#info h2") == "" {
				t.Errorf("a click on a service shows nothing in the panel")
			}
			p.screenshot("map-" + filepath.Base(args[1]))
			p.checkOffline()
		})
	}
}
