package raster

import (
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
	parsed map[string]*opentype.Font
	faces  map[faceKey]font.Face
}

type faceKey struct {
	name string
	size float64
}

func newFonts() *fonts {
	return &fonts{parsed: map[string]*opentype.Font{}, faces: map[faceKey]font.Face{}}
}

// face returns the Go font face for an xdot font name at size pixels, or
// nil when it cannot be made.
func (f *fonts) face(name string, size float64) font.Face {
	ttf, style := goregular.TTF, "regular"
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "bold"):
		ttf, style = gobold.TTF, "bold"
	case strings.Contains(lower, "italic") || strings.Contains(lower, "oblique"):
		ttf, style = goitalic.TTF, "italic"
	}
	key := faceKey{style, size}
	if fc, ok := f.faces[key]; ok {
		return fc
	}
	ft, ok := f.parsed[style]
	if !ok {
		var err error
		if ft, err = opentype.Parse(ttf); err != nil {
			ft = nil
		}
		f.parsed[style] = ft
	}
	var fc font.Face
	if ft != nil {
		fc, _ = opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	}
	f.faces[key] = fc
	return fc
}

// text draws an xdot T operation: the text on its baseline at pt,
// aligned left, centre or right of it, in the pen colour. The Go font's
// width is not Graphviz's estimate: the text is centred by its own.
func (p *painter) text(o op) {
	size := p.size * p.scale
	text := xdotText(o)
	if size < 1 || size > 500 || text == "" {
		return
	}
	face := p.fonts.face(p.font, size)
	if face == nil {
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
