package raster

import (
	"image"
	"image/color"
	"image/draw"
	"sort"
)

// tileSize is the side of a mask tile, in pixels.
const tileSize = 32

// mask is the coverage of one stroke, kept in tiles of the picture that
// the stroke touches: pieces of a stroke are rasterised apart (each over
// its own small box, as the rasteriser's cost is the box) and combined
// by taking the highest coverage of each pixel, so that where pieces
// meet or overlap the line is neither lighter nor darker. The stroke is
// then painted once.
type mask struct {
	tiles map[image.Point]*[tileSize * tileSize]uint8
	free  []*[tileSize * tileSize]uint8 // tiles to reuse, zeroed
	pix   []uint8                       // the coverage of one piece, reused
}

func newMask() *mask { return &mask{tiles: map[image.Point]*[tileSize * tileSize]uint8{}} }

// reset empties the mask for the next stroke, keeping its buffers.
func (m *mask) reset() {
	for _, t := range m.tiles {
		clear(t[:])
		m.free = append(m.free, t)
	}
	clear(m.tiles)
}

// add rasterises the polygons (non-zero winding), which lie in box, into
// the mask.
func (m *mask) add(r *rasterizer, box image.Rectangle, polys [][]point) {
	// The rasteriser writes an Alpha of its own size as one run of
	// bytes: the stride must be the width.
	w, h := box.Dx(), box.Dy()
	if cap(m.pix) < w*h {
		m.pix = make([]uint8, w*h)
	}
	cov := &image.Alpha{Pix: m.pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
	r.raster(box, polys)
	r.z.DrawOp = draw.Src
	r.z.Draw(cov, cov.Bounds(), image.Opaque, image.Point{})
	for y := box.Min.Y; y < box.Max.Y; y++ {
		row := cov.Pix[(y-box.Min.Y)*cov.Stride:]
		for x := box.Min.X; x < box.Max.X; {
			t := image.Pt(floorDiv(x, tileSize), floorDiv(y, tileSize))
			tile := m.tiles[t]
			if tile == nil {
				if n := len(m.free); n > 0 {
					tile, m.free = m.free[n-1], m.free[:n-1]
				} else {
					tile = new([tileSize * tileSize]uint8)
				}
				m.tiles[t] = tile
			}
			end := min(box.Max.X, (t.X+1)*tileSize)
			base := (y - t.Y*tileSize) * tileSize
			for ; x < end; x++ {
				if a := row[x-box.Min.X]; a > tile[base+x-t.X*tileSize] {
					tile[base+x-t.X*tileSize] = a
				}
			}
		}
	}
}

// paint composites colour c (premultiplied) over img through the mask,
// tile by tile in a fixed order.
func (m *mask) paint(img *image.RGBA, c color.RGBA) {
	keys := make([]image.Point, 0, len(m.tiles))
	for t := range m.tiles {
		keys = append(keys, t)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Y != keys[j].Y {
			return keys[i].Y < keys[j].Y
		}
		return keys[i].X < keys[j].X
	})
	b := img.Bounds()
	for _, t := range keys {
		tile := m.tiles[t]
		for dy := 0; dy < tileSize; dy++ {
			y := t.Y*tileSize + dy
			if y < b.Min.Y || y >= b.Max.Y {
				continue
			}
			for dx := 0; dx < tileSize; dx++ {
				a := uint32(tile[dy*tileSize+dx])
				x := t.X*tileSize + dx
				if a == 0 || x < b.Min.X || x >= b.Max.X {
					continue
				}
				i := img.PixOffset(x, y)
				p := img.Pix[i : i+4 : i+4]
				// dst = c·a + dst·(1 - c.A·a), in 0..255 fixed point.
				inv := 255*255 - uint32(c.A)*a
				p[0] = uint8((uint32(c.R)*a*255 + uint32(p[0])*inv) / (255 * 255))
				p[1] = uint8((uint32(c.G)*a*255 + uint32(p[1])*inv) / (255 * 255))
				p[2] = uint8((uint32(c.B)*a*255 + uint32(p[2])*inv) / (255 * 255))
				p[3] = uint8((uint32(c.A)*a*255 + uint32(p[3])*inv) / (255 * 255))
			}
		}
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
