package raster

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
)

// kinds.json is Graphviz's layout of render/testdata/dot/kinds.dot
// (initorder-render -T json): nodes of the three init systems, records,
// edges of every kind, dashed, dotted, bold and two-coloured.
func readKinds(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/kinds.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decode(t *testing.T, data []byte, scale float64) *image.RGBA {
	t.Helper()
	var out bytes.Buffer
	if err := PNG(&out, data, scale); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("PNG decodes to %T, want *image.RGBA", img)
	}
	return rgba
}

func TestPNGSize(t *testing.T) {
	data := readKinds(t)
	w, h, _, err := readLayout(data)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, data, 2)
	if got, want := img.Bounds().Size(), image.Pt(int(w*2+0.999), int(h*2+0.999)); got != want {
		t.Errorf("PNG size = %v, want %v (bounding box %vx%v at scale 2)", got, want, w, h)
	}
	if c := img.RGBAAt(0, 0); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("corner = %v, want white", c)
	}
}

// TestPNGEdgesDrawn checks that the line of every edge, each colour of
// a two-coloured one, is painted in its colour where it starts
// (go-graphviz's own PNG loses lines: issue 106).
func TestPNGEdgesDrawn(t *testing.T) {
	data := readKinds(t)
	var l layout
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	const scale = 2.0
	_, h, _, _ := readLayout(data)
	img := decode(t, data, scale)
	near := func(x, y float64, want color.RGBA) bool {
		px, py := int(x*scale), int((h-y)*scale)
		for dy := -2; dy <= 2; dy++ {
			for dx := -2; dx <= 2; dx++ {
				c := img.RGBAAt(px+dx, py+dy)
				if absDiff(c.R, want.R) < 60 && absDiff(c.G, want.G) < 60 && absDiff(c.B, want.B) < 60 {
					return true
				}
			}
		}
		return false
	}
	checked := 0
	for _, e := range l.Edges {
		pen := color.RGBA{A: 255}
		for _, o := range e.Draw {
			if o.Op == "c" {
				pen = parseColor(o.Color)
			}
			if o.Op != "b" && o.Op != "B" {
				continue
			}
			// The first point of an edge's spline is on its line.
			p := o.Points[0]
			if !near(p[0], p[1], pen) {
				t.Errorf("edge %v: no %v at its start (%v, %v)", e.Name, pen, p[0], p[1])
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("checked %d edge lines, want every edge of kinds.json", checked)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestPNGDeterministic(t *testing.T) {
	data := readKinds(t)
	var a, b bytes.Buffer
	if err := PNG(&a, data, 1.5); err != nil {
		t.Fatal(err)
	}
	PNG(&b, data, 1.5)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("PNG differs between runs")
	}
}

func TestPNGBadInput(t *testing.T) {
	for _, in := range []string{"", "{", `{"bb": "0,0"}`, `{"bb": "0,0,0,0"}`, `{"bb": "0,0,a,1"}`} {
		if err := PNG(&bytes.Buffer{}, []byte(in), 1); err == nil {
			t.Errorf("PNG(%q) = nil error", in)
		}
	}
	if err := PNG(&bytes.Buffer{}, readKinds(t), -1); err == nil {
		t.Errorf("PNG(scale -1) = nil error")
	}
	// A huge bounding box is drawn smaller, not allocated.
	var out bytes.Buffer
	if err := PNG(&out, []byte(`{"bb": "0,0,100000,100000"}`), 2); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&out)
	if err != nil || cfg.Width*cfg.Height > MaxPixels+2*cfg.Width+2*cfg.Height {
		t.Errorf("100000x100000 points: %dx%d pixels, %v", cfg.Width, cfg.Height, err)
	}
}

// TestPNGFontError draws a layout whose text needs a font that cannot be
// read: PNG says so, and writes no picture without its text.
func TestPNGFontError(t *testing.T) {
	regular := goFonts["regular"]
	goFonts["regular"] = []byte("not a font")
	defer func() { goFonts["regular"] = regular }()
	var out bytes.Buffer
	err := PNG(&out, readKinds(t), 1)
	if err == nil || !strings.Contains(err.Error(), "the Go regular font") {
		t.Errorf("PNG with an unreadable font = %v, want an error naming the font", err)
	}
	if out.Len() != 0 {
		t.Errorf("PNG with an unreadable font wrote %d bytes, want none", out.Len())
	}
}

func TestDashes(t *testing.T) {
	line := []point{{0, 0}, {10, 0}}
	runs := dashes(line, []float64{2, 1}, 1)
	if len(runs) != 4 { // 0-2, 3-5, 6-8, 9-10
		t.Fatalf("dashes = %v, want 4 runs", runs)
	}
	if runs[1][0].x != 3 || runs[1][len(runs[1])-1].x != 5 {
		t.Errorf("second dash = %v, want 3 to 5", runs[1])
	}
}

func TestParseColor(t *testing.T) {
	for in, want := range map[string]color.RGBA{
		"#00ff00":   {0, 255, 0, 255},
		"#ff000080": {128, 0, 0, 128},
		"green":     {0, 0, 0, 255},
		"#zzzzzz":   {0, 0, 0, 255},
	} {
		if got := parseColor(in); got != want {
			t.Errorf("parseColor(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPNGClusterNotFilled checks that a cluster of a layout (style
// "rounded": its outline is a B-spline that Graphviz's JSON writes as
// "b", with no fill colour) is drawn as an outline, not a black box
// that hides the labels of its services. clusters.json is Graphviz's
// layout of render/testdata/dot/clusters.dot.
func TestPNGClusterNotFilled(t *testing.T) {
	data, err := os.ReadFile("testdata/clusters.json")
	if err != nil {
		t.Fatal(err)
	}
	var l layout
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	const scale = 2.0
	_, h, _, _ := readLayout(data)
	img := decode(t, data, scale)
	clusters := 0
	for _, o := range l.Objects {
		if o.Nodes == nil {
			continue
		}
		for _, d := range o.Draw {
			if d.Op != "b" || len(d.Points) < 4 {
				continue
			}
			clusters++
			// Just inside the left side of the outline, half way up: no
			// service is drawn there.
			minX, minY, maxY := d.Points[0][0], d.Points[0][1], d.Points[0][1]
			for _, q := range d.Points {
				minX, minY, maxY = min(minX, q[0]), min(minY, q[1]), max(maxY, q[1])
			}
			x, y := int((minX+4)*scale), int((h-(minY+maxY)/2)*scale)
			if c := img.RGBAAt(x, y); c != (color.RGBA{255, 255, 255, 255}) {
				t.Errorf("%s: inside its outline at (%d, %d) = %v, want white", o.Name, x, y, c)
			}
		}
	}
	if clusters == 0 {
		t.Fatal("clusters.json: no cluster outline (\"b\") to check")
	}
}

// TestXdotText: the text of a T operation as Graphviz's JSON holds it, for
// the label a\x2db (a systemd name), a"q and a hostile name's escapes,
// is the text the SVG shows.
func TestXdotText(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`"a\\\\x2db"`, `a\x2db`}, // initorder-render -T json of "a\\x2db"
		{`"a\"q\\\\b"`, `a"q\b`},
		{`"evil\\\\x1b[2J\\\\x0aS01"`, `evil\x1b[2J\x0aS01`},
		{`"plain"`, "plain"},
	} {
		var o op
		if err := json.Unmarshal([]byte(`{"op": "T", "text": `+tc.json+`}`), &o); err != nil {
			t.Fatal(err)
		}
		if got := xdotText(o); got != tc.want {
			t.Errorf("xdotText(%s) = %q, want %q", tc.json, got, tc.want)
		}
	}
}
