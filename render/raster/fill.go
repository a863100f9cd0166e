package raster

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/vector"
)

// rasterizer fills shapes with x/image/vector, each over the bounding box
// of the shape only (clipped to the image), so that the cost of a shape
// is its own area, not the picture's.
type rasterizer struct {
	z *vector.Rasterizer
}

// raster resets the rasteriser to box and adds the polygons, in picture
// coordinates, as paths of it.
func (r *rasterizer) raster(box image.Rectangle, polys [][]point) {
	if r.z == nil {
		r.z = vector.NewRasterizer(box.Dx(), box.Dy())
	} else {
		r.z.Reset(box.Dx(), box.Dy())
	}
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	for _, poly := range polys {
		if len(poly) < 3 {
			continue
		}
		r.z.MoveTo(float32(poly[0].x-ox), float32(poly[0].y-oy))
		for _, q := range poly[1:] {
			r.z.LineTo(float32(q.x-ox), float32(q.y-oy))
		}
		r.z.ClosePath()
	}
}

// box is the pixel box around the polygons, clipped to the image.
func box(img *image.RGBA, polys [][]point) image.Rectangle {
	var b image.Rectangle
	for _, poly := range polys {
		b = b.Union(bounds(poly))
	}
	return b.Intersect(img.Bounds())
}

// fill paints the union of the polygons in colour c (non-zero winding).
func (r *rasterizer) fill(img *image.RGBA, polys [][]point, c color.RGBA) {
	b := box(img, polys)
	if b.Empty() {
		return
	}
	r.raster(b, polys)
	r.z.DrawOp = draw.Over
	r.z.Draw(img, b, image.NewUniform(c), image.Point{})
}
