package raster

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"strings"
)

// MaxPixels bounds the size of a picture: a bigger layout is drawn at a
// smaller scale, so that a 10,000-service graph does not ask for
// gigabytes (a 4-byte pixel each) and minutes to compress.
const MaxPixels = 24 << 20

// PNG draws the Graphviz JSON layout at scale pixels per point (1
// point = 1/72 inch; 1.5 is 108 dpi) and writes it as a PNG. A layout
// bigger than MaxPixels at that scale is drawn smaller. Text that cannot
// be drawn (a font face that cannot be made) is an error, and no PNG is
// written.
func PNG(w io.Writer, layoutJSON []byte, scale float64) error {
	pw, ph, draws, err := readLayout(layoutJSON)
	if err != nil {
		return err
	}
	if scale <= 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return fmt.Errorf("scale %v: want a number above 0", scale)
	}
	if pw <= 0 || ph <= 0 {
		return errors.New("reading the layout: an empty picture")
	}
	if px := pw * ph * scale * scale; px > MaxPixels {
		scale *= math.Sqrt(MaxPixels / px)
	}
	p := newPainter(int(math.Ceil(pw*scale)), int(math.Ceil(ph*scale)), ph, scale)
	for _, ops := range draws {
		p.run(ops)
	}
	if p.err != nil {
		return p.err // a picture without some of its text says less than it should
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, p.img)
}

// painter runs xdot operations on an image. Graphviz's y grows upwards
// from the bottom of the bounding box; the image's grows downwards.
type painter struct {
	img         *image.RGBA
	height      float64 // of the layout, in points
	scale       float64
	pen, fill   color.RGBA
	filled      bool    // a fill colour was set: the object's closed shapes are filled
	width       float64 // pen width in points
	dash        []float64
	font        string
	size        float64
	fonts       *fonts
	rasterCache rasterizer
	mask        *mask
	err         error // the first operation that could not be drawn
}

func newPainter(w, h int, height, scale float64) *painter {
	p := &painter{img: image.NewRGBA(image.Rect(0, 0, w, h)), height: height, scale: scale, fonts: newFonts(), mask: newMask()}
	draw.Draw(p.img, p.img.Bounds(), image.White, image.Point{}, draw.Src)
	p.reset()
	return p
}

// reset sets the pen as each object's operations start: xdot's state
// does not carry from one object to the next.
func (p *painter) reset() {
	p.pen, p.fill, p.filled = color.RGBA{A: 255}, color.RGBA{A: 255}, false
	p.width, p.dash = 1, nil
	p.font, p.size = "Helvetica", 14
}

func (p *painter) pt(x, y float64) point { return point{x * p.scale, (p.height - y) * p.scale} }

func (p *painter) points(ps [][2]float64) []point {
	out := make([]point, len(ps))
	for k, q := range ps {
		out[k] = p.pt(q[0], q[1])
	}
	return out
}

func (p *painter) run(ops []op) {
	p.reset()
	for _, o := range ops {
		switch o.Op {
		case "c":
			p.pen = parseColor(o.Color)
		case "C":
			p.fill, p.filled = parseColor(o.Color), true
		case "S":
			p.setStyle(o.Style)
		case "F":
			p.font, p.size = o.Face, o.Size
		case "P", "p", "L":
			pts := p.points(o.Points)
			if o.Op == "P" {
				p.fillPath(pts, p.fill)
			}
			p.stroke(pts, o.Op != "L")
		case "B", "b", "edge":
			pts := flatten(p.points(o.Points))
			closed := len(o.Points) > 1 && o.Points[0] == o.Points[len(o.Points)-1]
			// Graphviz's JSON writes "b" (filled) for every B-spline:
			// a closed one is filled only when the object set a fill
			// colour, as a "rounded,filled" node does; a "rounded"
			// cluster's outline is not (it was painted black).
			if o.Op != "edge" && closed && p.filled {
				p.fillPath(pts, p.fill)
			}
			p.stroke(pts, false)
		case "E", "e":
			if len(o.Rect) == 4 {
				pts := ellipse(p.pt(o.Rect[0], o.Rect[1]), o.Rect[2]*p.scale, o.Rect[3]*p.scale)
				if o.Op == "E" {
					p.fillPath(pts, p.fill)
				}
				p.stroke(pts, true)
			}
		case "T":
			if len(o.Pt) == 2 {
				p.text(o)
			}
		}
	}
}

// setStyle applies an xdot style: solid, dashed, dotted, bold,
// setlinewidth(N); invis never reaches the drawing operations.
func (p *painter) setStyle(s string) {
	switch {
	case s == "solid":
		p.dash = nil
	case s == "dashed":
		p.dash = []float64{5, 2}
	case s == "dotted":
		p.dash = []float64{1, 2}
	case s == "bold":
		p.width = 2
	case strings.HasPrefix(s, "setlinewidth(") && strings.HasSuffix(s, ")"):
		if v, err := strconv.ParseFloat(s[len("setlinewidth("):len(s)-1], 64); err == nil && v >= 0 && v < 100 {
			p.width = v
		}
	}
}

func (p *painter) fillPath(pts []point, c color.RGBA) {
	if c.A == 0 || len(pts) < 3 {
		return
	}
	if r, ok := rect(pts); ok {
		// A rectangle along the axes, such as the graph's background, is
		// painted as one: rasterising the background would take two
		// buffers of the picture's size (4 bytes a pixel each: 150 MB
		// for a whole Debian boot), and a box's side is on a pixel's
		// edge give or take half a pixel, which its outline covers.
		draw.Draw(p.img, r.Intersect(p.img.Bounds()), image.NewUniform(c), image.Point{}, draw.Over)
		return
	}
	p.rasterCache.fill(p.img, [][]point{pts}, c)
}

// rect returns the pixels of pts when it is a rectangle with sides
// along the axes, its corners rounded to the nearest pixel edge.
func rect(pts []point) (image.Rectangle, bool) {
	if len(pts) != 4 {
		return image.Rectangle{}, false
	}
	minX, minY, maxX, maxY := pts[0].x, pts[0].y, pts[0].x, pts[0].y
	for _, q := range pts[1:] {
		minX, minY = math.Min(minX, q.x), math.Min(minY, q.y)
		maxX, maxY = math.Max(maxX, q.x), math.Max(maxY, q.y)
	}
	for _, q := range pts {
		if (q.x != minX && q.x != maxX) || (q.y != minY && q.y != maxY) {
			return image.Rectangle{}, false
		}
	}
	if sum := minX + minY + maxX + maxY; math.IsNaN(sum) || math.IsInf(sum, 0) {
		return image.Rectangle{}, false
	}
	return image.Rect(int(math.Round(minX)), int(math.Round(minY)), int(math.Round(maxX)), int(math.Round(maxY))), true
}

// stroke draws the polyline pts (closed: back to its first point) with
// the pen's width and dashes, as one shape: a quadrilateral for each
// segment and a disc at each joint, all wound the same way.
func (p *painter) stroke(pts []point, closed bool) {
	if p.pen.A == 0 || len(pts) < 2 {
		return
	}
	if closed {
		pts = append(pts[:len(pts):len(pts)], pts[0])
	}
	w := math.Max(p.width*p.scale, 0.8)
	var polys [][]point
	for _, run := range dashes(pts, p.dash, p.scale*math.Max(p.width, 1)) {
		polys = append(polys, strokeOutline(run, w)...)
	}
	// Rasterise in pieces of a small box each: the rasteriser's cost is
	// the area it covers, and a long edge's box is most of the picture,
	// where a few pixels of its length would do. The mask combines them.
	const area = 48 * 48
	p.mask.reset()
	for len(polys) > 0 {
		k, b := 1, bounds(polys[0])
		for ; k < len(polys); k++ {
			next := b.Union(bounds(polys[k]))
			if next.Dx()*next.Dy() > area {
				break
			}
			b = next
		}
		if b = b.Intersect(p.img.Bounds()); !b.Empty() {
			p.mask.add(&p.rasterCache, b, polys[:k])
		}
		polys = polys[k:]
	}
	p.mask.paint(p.img, p.pen)
}

// bounds is the pixel box around a polygon.
func bounds(poly []point) image.Rectangle {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range poly {
		minX, minY = math.Min(minX, q.x), math.Min(minY, q.y)
		maxX, maxY = math.Max(maxX, q.x), math.Max(maxY, q.y)
	}
	if math.IsInf(minX, 0) || math.IsNaN(minX+minY+maxX+maxY) {
		return image.Rectangle{}
	}
	return image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1)
}

// parseColor reads "#rrggbb" or "#rrggbbaa", the form Graphviz writes
// every colour in its output; anything else is black.
func parseColor(s string) color.RGBA {
	if len(s) != 7 && len(s) != 9 || s[0] != '#' {
		return color.RGBA{A: 255}
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{A: 255}
	}
	if len(s) == 7 {
		return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
	}
	a := uint8(v)
	// Premultiplied, as image.RGBA keeps it.
	pm := func(c uint8) uint8 { return uint8(uint32(c) * uint32(a) / 255) }
	return color.RGBA{pm(uint8(v >> 24)), pm(uint8(v >> 16)), pm(uint8(v >> 8)), a}
}
