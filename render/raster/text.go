package raster

import (
	"fmt"
	"image"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fonts holds the Go fonts (golang.org/x/image/font/gofont), which
// stand in for Graphviz's PostScript faces: sans-serif like Helvetica,
// bold and italic by the face's name. Faces are made once per size.
type fonts struct {
	parsed map[string]parsedFont
	faces  map[faceKey]madeFace
}

type faceKey struct {
	name string
	size float64
}

type parsedFont struct {
	ft  *opentype.Font
	err error
}

type madeFace struct {
	fc  font.Face
	err error
}

// goFonts are the fonts by style, as TrueType data.
var goFonts = map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "italic": goitalic.TTF}

func newFonts() *fonts {
	return &fonts{parsed: map[string]parsedFont{}, faces: map[faceKey]madeFace{}}
}

// face returns the Go font face for an xdot font name at size pixels, or
// why it cannot be made.
func (f *fonts) face(name string, size float64) (font.Face, error) {
	style := "regular"
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "bold"):
		style = "bold"
	case strings.Contains(lower, "italic") || strings.Contains(lower, "oblique"):
		style = "italic"
	}
	key := faceKey{style, size}
	if m, ok := f.faces[key]; ok {
		return m.fc, m.err
	}
	p, ok := f.parsed[style]
	if !ok {
		p.ft, p.err = opentype.Parse(goFonts[style])
		f.parsed[style] = p
	}
	m := madeFace{err: p.err}
	if p.err == nil {
		m.fc, m.err = opentype.NewFace(p.ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	}
	if m.err != nil {
		m.err = fmt.Errorf("the Go %s font at %.3g pixels: %w", style, size, m.err)
	}
	f.faces[key] = m
	return m.fc, m.err
}

// text draws an xdot T operation: the text on its baseline at pt,
// aligned left, centre or right of it, in the pen colour. A face that
// cannot be made is the painter's error, which PNG returns. The Go font's
// width is not Graphviz's estimate: the text is centred by its own.
func (p *painter) text(o op) {
	size := p.size * p.scale
	text := xdotText(o)
	if size < 1 || size > 500 || text == "" {
		return
	}
	face, err := p.fonts.face(p.font, size)
	if err != nil {
		if p.err == nil {
			p.err = fmt.Errorf("drawing the text %q: %w", o.Text, err)
		}
		return
	}
	at := p.pt(o.Pt[0], o.Pt[1])
	d := font.Drawer{Dst: p.img, Src: image.NewUniform(p.pen), Face: face}
	width := float64(d.MeasureString(text)) / 64
	switch o.Align {
	case "c":
		at.x -= width / 2
	case "r":
		at.x -= width
	}
	d.Dot = fixed.Point26_6{X: fixed.Int26_6(at.x * 64), Y: fixed.Int26_6(at.y * 64)}
	d.DrawString(text)
}

// xdotText is the text of a T operation as the SVG shows it. Graphviz's
// JSON carries it as its xdot attribute holds it, each backslash doubled
// (the byte count of "T x y j w n -text" counts one): "a\\x2db" for the
// label a\x2db, which printed as it came would double every backslash
// of a systemd name and of the escapes of a hostile one.
func xdotText(o op) string { return strings.ReplaceAll(o.Text, `\\`, `\`) }
